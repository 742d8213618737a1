"""Reading a file a user or a scenario names, safely: only a regular file (a FIFO or device is never opened, so
reading cannot block or run without end), at most a given size (more is the wrong file and is not read whole)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from simulator.errors import UserError


def read_regular_file(path: Path, what: str, limit_bytes: int) -> bytes:
    """The bytes of `path`, a regular file of at most `limit_bytes`; otherwise a `UserError` starting with the
    path and naming `what` the file should be (e.g. "scenario file"), never echoing the file's content."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise UserError(f"{path}: no such {what}") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read the {what}: {error.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise UserError(f"{path}: is a folder, not a {what}")
    if not stat.S_ISREG(status.st_mode):
        raise UserError(f"{path}: is not a regular file (a pipe, device or socket); give a {what}")
    try:  # opened without blocking and checked again: a file swapped for a pipe meanwhile must not hang the read
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise UserError(f"{path}: is not a regular file (a pipe, device or socket); give a {what}")
            data = file.read(limit_bytes + 1)
    except OSError as error:
        raise UserError(f"{path}: cannot read the {what}: {error.strerror}") from None
    if len(data) > limit_bytes:
        raise UserError(
            f"{path}: larger than {limit_bytes / 2**20:g} MiB, far beyond any {what}; is it the right file?"
        )
    return data
