"""Run folders under outputs/: reserved when a run starts, written in a hidden partial sibling and moved
into place when complete, so concurrent runs never collide and an error, Ctrl-C or SIGTERM never leaves a
half-written run behind. A run killed outright (kill -9) leaves its partial folder, named after its host and
process id; the next run in the same place removes it once that process is gone."""

from __future__ import annotations

import errno
import hashlib
import os
import platform
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from simulator.errors import UserError, machine_fault
from simulator.simulation import stopping

OUTPUTS = Path("outputs")
HOST = hashlib.sha1(platform.node().encode()).hexdigest()[:8]  # short: the partial name must fit in 255 bytes
PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{6}$")
STALE_SECONDS = 24 * 3600  # a partial folder of another host or an older version is reported after a day


class Saveable(Protocol):
    def save(self, folder: str | Path, command: Sequence[str] = (), processes: int = 1,
             table_format: str = "csv", figure_format: str = "png", *, overwrite: bool = False) -> None: ...


class RunFolder:
    """A reserved (empty) run folder, the hidden partial sibling its files are written into, and the command
    line recorded in its manifest."""

    def __init__(self, path: Path, partial: Path, command: Sequence[str], table_format: str = "csv",
                 processes: int = 1, figure_format: str = "png") -> None:
        self.path = path
        self.partial = partial
        self.command = command
        self.table_format = table_format
        self.processes = processes
        self.figure_format = figure_format
        self.finished = False  # the run's files are in place (or, if they could not be moved, kept in partial)

    def write(self, result: Saveable) -> None:
        """Save the result (with report.html) into the partial folder (its figures and big tables by `processes`
        processes), then rename it over the empty reservation."""
        try:
            result.save(self.partial, self.command, processes=self.processes, table_format=self.table_format,
                        figure_format=self.figure_format)
        except (OSError, MemoryError) as error:
            raise self._fault(error) from None
        stopping.check()  # a SIGTERM whose exception Python swallowed still stops the run here
        self.finished = True
        try:
            os.rename(self.partial, self.path)  # POSIX: replaces an empty directory atomically
        except OSError as error:  # something else wrote into the reservation: keep the results where they are
            raise UserError(f"{self.path}: cannot move the finished run into place ({error.strerror}); "
                            f"its files are in {self.partial}") from None
        from simulator.report import html as report  # here, not at the top: reserving a folder needs no pandas

        try:
            report.update_index(self.path, OUTPUTS)
        except OSError as error:
            fault = machine_fault(error, f"writing {OUTPUTS / 'index.html'} (the run folder {self.path} is complete)")
            if fault is None:
                raise
            raise fault from None

    def _fault(self, error: OSError | MemoryError) -> Exception:
        """A full disk, a file too large, or memory running out while writing, as the machine's fault naming the
        file (in the run folder, which is then removed); any other error as it is."""
        name = getattr(error, "filename", None)
        file = Path(name).name if name and str(name).startswith(str(self.partial)) else name
        where = f"{file} in the run folder {self.path}" if file else f"the run folder {self.path}"
        return machine_fault(error, f"writing {where}") or error

    def __str__(self) -> str:
        return str(self.path)


@contextmanager
def run_folder(output: Path | None, command: str, name: str, command_line: Sequence[str] = (),
               table_format: str = "csv", processes: int = 1, figure_format: str = "png") -> Iterator[RunFolder]:
    """Reserve the run folder before any work: `output`, or outputs/<command>-<name>-<UTC time>/ made unique.
    A destination that exists or cannot be written is a UserError now, not after the simulation; if the run
    does not complete, the partial folder and the reservation are removed. `command_line` goes in its
    manifest, `table_format` is that of its per-study table, `figure_format` that of its figures besides PNG,
    `processes` write its files."""
    parent = output.parent if output is not None else OUTPUTS
    label = f"--output {output}" if output is not None else f"run folder in {parent}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(parent)
        path = _reserve(output) if output is not None else _reserve_default(command, name)
    except OSError as error:
        raise machine_fault(error, f"reserving the {label}") or UserError(f"{label}: {_reason(error)}") from None
    try:
        partial = _make_partial(path)
    except OSError as error:
        os.rmdir(path)
        raise machine_fault(error, f"reserving the {label}") or UserError(f"{label}: {_reason(error)}") from None
    folder = RunFolder(path, partial, command_line, table_format, processes, figure_format)
    try:
        yield folder
    finally:
        if not folder.finished:  # the run failed or was stopped
            shutil.rmtree(folder.partial, ignore_errors=True)
            _remove_if_empty(folder.path)


def _reserve(output: Path) -> Path:
    try:
        os.mkdir(output)
    except FileExistsError:
        what = "a symbolic link" if output.is_symlink() else "already exists"
        raise UserError(f"--output {output}: {what}; choose a new folder (runs are never overwritten)") from None
    return output


def _reserve_default(command: str, name: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = OUTPUTS / f"{command}-{name}-{stamp}"
    for suffix in range(1, 1000):
        folder = base if suffix == 1 else base.with_name(f"{base.name}-{suffix}")
        try:
            os.mkdir(folder)
            return folder
        except FileExistsError:
            continue
    raise UserError(f"{OUTPUTS}: 999 run folders named {base.name}-N already exist; remove some")


def _make_partial(folder: Path) -> Path:
    """A new hidden sibling, created with the user's umask (tempfile.mkdtemp would force mode 0700)."""
    while True:
        partial = folder.with_name(f".{folder.name}.partial-{HOST}-{os.getpid()}-{secrets.token_hex(3)}")
        try:
            os.mkdir(partial)
            return partial
        except FileExistsError:
            continue


def _reason(error: OSError) -> str:
    """What is wrong with a destination, in words (the path is named by the caller)."""
    if error.errno in (errno.EEXIST, errno.ENOTDIR):
        return f"{error.filename} exists and is not a folder (a file, or a symbolic link to nothing)"
    if error.errno == errno.ENAMETOOLONG:
        return "name too long for the file system (run folders also need a hidden sibling ~30 characters longer)"
    where = f" ({error.filename})" if error.filename else ""
    return f"cannot create the run folder: {error.strerror or error}{where}"


def _remove_if_empty(folder: Path) -> None:
    try:
        os.rmdir(folder)
    except OSError:
        pass  # gone already, or not empty: then it is not ours to remove


def _removal_failure(folder: Path) -> str | None:
    """Remove `folder` and all in it; None if it is gone, else why not (the first file that could not go)."""
    try:
        shutil.rmtree(folder)
    except FileNotFoundError:
        return None  # removed meanwhile by another run
    except OSError as error:
        return f"{error.strerror} ({error.filename})" if error.filename else str(error)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _age_seconds(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:  # removed meanwhile by the run that owned it
        return 0.0


def remove_stale_partials(parent: Path) -> None:
    """Remove partial folders left in `parent` by killed runs of this host (their process is gone), with their
    empty reservations; report those of other hosts or older versions once they are a day old."""
    for partial in parent.glob(".*.partial-*"):
        match = PARTIAL.match(partial.name)
        if match and match["host"] == HOST:
            if not _alive(int(match["pid"])):
                reason = _removal_failure(partial)
                _remove_if_empty(partial.with_name(match["name"]))
                if reason is not None:  # say what is left, not that it was removed
                    print(f"hsct-sim: note: could not remove {partial}, left by a run that was killed (process "
                          f"{match['pid']}): {reason}; remove it by hand", file=sys.stderr)
                else:
                    print(f"hsct-sim: note: removed {partial}, left by a run that was killed (process "
                          f"{match['pid']})", file=sys.stderr)
        elif _age_seconds(partial) > STALE_SECONDS:
            print(f"hsct-sim: note: {partial} is over a day old, left by a killed run on another host or of an "
                  "older version; remove it if no run is writing there", file=sys.stderr)
