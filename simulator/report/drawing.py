"""Drawing figures to PNG files, shared between this process and one forked child where there are two cores:
drawing a run's figures (text layout, rasterising, PNG compression) takes longer than simulating a small run.

Forking copies the data already in memory, so the child needs nothing sent to it; it writes its PNGs and leaves
with os._exit (no atexit handlers, no flushing of the parent's buffered output). Only for command-line runs: a
notebook kernel is not a process to fork.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

from matplotlib.figure import Figure

DPI = 120


def draw(makers: Mapping[str, Callable[[], Figure]], folder: Path, in_parallel: bool = False) -> None:
    """Make each figure and save it as folder/<name>; with `in_parallel`, every other one in a forked child."""
    names = list(makers)
    if not in_parallel or len(names) < 2 or _cores() < 2 or not hasattr(os, "fork"):
        _save(makers, names, folder)
        return
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
        try:
            _save(makers, names[1::2], folder)
            status = 0
        except BaseException:  # noqa: BLE001 - reported, then the parent raises
            traceback.print_exc()
            status = 1
        sys.stderr.flush()
        os._exit(status)
    try:
        _save(makers, names[0::2], folder)
        _, status = os.waitpid(child, 0)
    except BaseException:  # Ctrl-C, SIGTERM, an error: the child's figures are not wanted any more
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        raise
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"drawing {', '.join(names[1::2])} in a second process failed (exit status "
                           f"{os.waitstatus_to_exitcode(status)}; its traceback is above)")


def _save(makers: Mapping[str, Callable[[], Figure]], names: list[str], folder: Path) -> None:
    for name in names:
        makers[name]().savefig(folder / name, dpi=DPI)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
