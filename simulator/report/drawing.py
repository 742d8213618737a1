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
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}  # as simulation.stopping handles them


def draw(makers: Mapping[str, Callable[[], Figure]], folder: Path, in_parallel: bool = False) -> None:
    """Make each figure and save it as folder/<name>; with `in_parallel`, every other one in a forked child."""
    names = list(makers)
    if not in_parallel or len(names) < 2 or _cores() < 2 or not hasattr(os, "fork"):
        _save(makers, names, folder)
        return
    # Ctrl-C and SIGTERM wait until the child has its own handlers: the parent's would raise in the child too
    unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
            _leave_stopping_to_the_parent()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
    if child == 0:  # pragma: no cover
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


def _leave_stopping_to_the_parent() -> None:
    """The child ignores Ctrl-C and dies quietly of SIGTERM or SIGHUP: the parent stops it (SIGKILL) and says
    why, once, without a traceback from each process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOP_SIGNALS - {signal.SIGINT}:
        signal.signal(signum, signal.SIG_DFL)


def _save(makers: Mapping[str, Callable[[], Figure]], names: list[str], folder: Path) -> None:
    for name in names:
        makers[name]().savefig(folder / name, dpi=DPI)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
