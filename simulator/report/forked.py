"""Writing a run's files on every core: this process and forked children share the jobs (drawing figures,
formatting blocks of the per-study table), which take longer than simulating a small run and are the parent's
serial work in a big one.

Forking copies the data already in memory, so a child needs nothing sent to it; it does its jobs (each writes a
file) and leaves with os._exit (no atexit handlers, no flushing of the parent's buffered output). Only for
command-line runs: a notebook kernel is not a process to fork.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # linux/prctl.h: the signal a process gets when its parent dies
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}  # as simulation.stopping handles them

Job = Callable[[], None]
# a child's exit code for the machine's faults, which the parent raises again: (errno, or 0 for MemoryError)
FAULTS = {81: errno.ENOSPC, 82: errno.EDQUOT, 83: errno.EFBIG, 84: 0}


def share(jobs: Sequence[Job], processes: int, what: Callable[[Sequence[int]], str]) -> None:
    """Do every job, shared by this process and `processes - 1` forked children, each taking the next job when
    free. A child that fails makes this raise RuntimeError naming `what(its job numbers)`, after its traceback."""
    with started(jobs, processes, what):
        pass


@contextmanager
def started(jobs: Sequence[Job], processes: int, what: Callable[[Sequence[int]], str], busy: bool = False
            ) -> Iterator[None]:
    """As `share`, the children forked on entering and this process taking its jobs on leaving the block: the
    block's work runs beside the children's. `busy`: the block is this process's share (loading pandas, writing the
    tables while the children draw the figures), so `processes` children share every job; with one process, this
    one does them on leaving. An error in the block stops the children."""
    forking = hasattr(os, "fork") and processes > 1 and len(jobs) > 0
    children = min(processes, len(jobs)) - (0 if busy else 1) if forking else 0
    queue = _Queue(jobs)
    pending: list[int] = []  # children not yet waited for
    try:
        for _ in range(children):
            pending.append(_fork(queue))
        yield
        finish(queue, pending, what, own=not (busy and pending))
    except BaseException:  # Ctrl-C, SIGTERM, an error: the children's files are not wanted any more
        for child in pending:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        raise


class _Queue:
    """The jobs, each taken by whichever process is free next: figures differ in cost (two panels take twice one),
    so fixed shares would leave one process drawing while another waits. Shared with the forked children."""

    def __init__(self, jobs: Sequence[Job]) -> None:
        self.jobs = jobs
        self.lock = multiprocessing.Lock()
        self.taken = multiprocessing.RawValue("q", 0)  # jobs taken so far: the next job's number
        self.done = multiprocessing.RawArray("b", len(jobs))  # 1 once a job has finished, whoever did it

    def work(self) -> None:
        """Do the next job until none is left."""
        while True:
            with self.lock:
                number = self.taken.value
                self.taken.value = number + 1
            if number >= len(self.jobs):
                return
            self.jobs[number]()
            self.done[number] = 1

    def unfinished(self) -> list[int]:
        """The jobs taken but not finished: once every process has stopped, those of a process that failed."""
        return [number for number in range(min(self.taken.value, len(self.jobs))) if not self.done[number]]


def finish(queue: _Queue, pending: list[int], what: Callable[[Sequence[int]], str], own: bool = True) -> None:
    """With `own`, this process takes jobs too, as long as any are left; then each child is waited for (and
    forgotten), and a child's fault or failure raised."""
    failed = False
    fault: int | None = None  # a child's disk full, file too large or memory error
    if own:
        queue.work()
    while pending:
        code = _exit_code(pending[0])
        if code in FAULTS:
            fault = FAULTS[code]
        elif code != 0:
            failed = True
        pending.pop(0)
    if fault is not None:  # raised here as the child met it, to be named as the machine's fault (no traceback)
        raise MemoryError() if fault == 0 else OSError(fault, os.strerror(fault))
    if failed:
        raise RuntimeError(f"{what(queue.unfinished())} in a forked process failed (its traceback is above)")


def _fork(queue: _Queue) -> int:
    """A child taking jobs from `queue`; Ctrl-C and SIGTERM wait until it has its own handlers (the parent's would
    raise in the child too)."""
    unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    parent = os.getpid()
    try:
        child = os.fork()
        if child == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
            leave_stopping_to_the_parent()
            die_with(parent)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
    if child == 0:  # pragma: no cover
        try:
            queue.work()
            status = 0
        except BaseException as error:  # noqa: BLE001 - reported, then the parent raises
            status = next((code for code, number in FAULTS.items() if _is(error, number)), 1)
            if status == 1:
                traceback.print_exc()
        sys.stderr.flush()
        os._exit(status)
    return child


def leave_stopping_to_the_parent() -> None:
    """This child (a forked writer, a simulation pool worker) ignores Ctrl-C and dies quietly of SIGTERM or SIGHUP
    (unless ignored, as under nohup): the parent stops it (SIGKILL) and says why, once, without a traceback from
    each process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in STOP_SIGNALS - {signal.SIGINT}:
        if callable(signal.getsignal(signum)):  # the parent's Python handler (simulation.stopping), not SIG_IGN
            signal.signal(signum, signal.SIG_DFL)


def die_with(parent: int) -> None:
    """This child process dies when its parent does (forked writers here, the simulation's pool workers): a run
    killed outright (kill -9) must not leave its children computing on, or writing into the orphaned folder.
    Linux: prctl(PR_SET_PDEATHSIG, SIGKILL); elsewhere a thread that watches the parent; a parent gone before
    either was set: leave at once."""
    try:
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError(ctypes.get_errno(), "prctl failed")
    except (OSError, AttributeError):  # not Linux
        import threading

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.2)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _is(error: BaseException, number: int) -> bool:
    """Whether `error` is the fault `number` (an errno; 0: MemoryError)."""
    return isinstance(error, MemoryError) if number == 0 else isinstance(error, OSError) and error.errno == number


def _exit_code(child: int) -> int:
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status)
