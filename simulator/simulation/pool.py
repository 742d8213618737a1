"""The local worker processes that simulate chunks: concurrent.futures' process pool, forked, with what a run
needs around it.

A worker the system kills (out of memory, `kill -9`, a crash in a C library) breaks the pool: the run stops at
once with a MachineFault that says so, where multiprocessing.Pool would wait for the lost chunk forever. Ctrl-C,
SIGTERM or an error stop every worker at once; the workers die with this process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, TypeVar

from simulator.errors import MachineFault
from simulator.report.forked import STOP_SIGNALS, die_with, leave_stopping_to_the_parent

R = TypeVar("R")


class WorkerPool:
    """`workers` forked processes (spawned where fork is missing) that run picklable functions."""

    def __init__(self, workers: int) -> None:
        # fork starts a worker in milliseconds with everything already imported; elsewhere, spawn
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        # Ctrl-C or SIGTERM wait until the workers exist: raised inside fork's callbacks, Python would swallow them
        unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            self.executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                                initializer=_start_worker, initargs=(os.getpid(),))
            first = self.executor.submit(int)  # forks the workers now (with fork, all of them at the first task)
            # the executor's own table (no public one before Python 3.14): multiprocessing.active_children() would
            # leave out, and reap, a worker already dead, whose exit code says what killed it
            self.processes = list(self.executor._processes.values())
            self.result(first)  # a worker killed as it started (kill -9, out of memory) breaks the pool here
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
            raise
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)  # a Ctrl-C that came meanwhile arrives here
        except BaseException:
            self.stop()
            raise

    def map_unordered(self, function: Callable[..., R], items: Iterable[object]) -> Completions[R]:
        """`function(item)` for every item, submitted now; their results as they complete."""
        try:
            return Completions(self, [self.executor.submit(function, item) for item in items])
        except BrokenProcessPool:  # a worker died while the tasks were being submitted
            raise self._broken() from None

    def result(self, future: Future[R]) -> R:
        """The task's result, or its exception; a MachineFault if a worker died under it."""
        try:
            return future.result()
        except BrokenProcessPool:
            raise self._broken() from None

    def close(self) -> None:
        """Let the workers finish what they hold and leave; wait for them."""
        self.executor.shutdown(wait=True)

    def stop(self) -> None:
        """Kill every worker now (a chunk they hold is not wanted any more) and wait until they are gone."""
        for process in self.processes:
            process.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)

    def _broken(self) -> MachineFault:
        """What killed the worker that broke the pool (the pool stops the others with SIGTERM)."""
        self.stop()
        codes = [process.exitcode for process in self.processes]
        signals = {-code for code in codes if code is not None and code < 0} - {signal.SIGTERM}
        how = f" by {signal.Signals(min(signals)).name}" if signals else ""
        because = (", which is how the system stops a process when memory runs out" if signal.SIGKILL in signals
                   else "")
        return MachineFault(f"a worker process was killed{how} while simulating{because}; nothing was written: "
                            "use fewer --workers or --replications, or free memory, and run again")


class Completions(Generic[R]):
    """The results of submitted tasks, in the order they complete; each future is let go once read, so a run
    holds only the chunks not yet joined."""

    def __init__(self, pool: WorkerPool, futures: list[Future[R]]) -> None:
        self.pool = pool
        self.left = len(futures)
        self.done: queue.SimpleQueue[Future[R]] = queue.SimpleQueue()
        for future in futures:
            future.add_done_callback(self.done.put)

    @property
    def all_done(self) -> bool:
        """Whether every task has completed (its result not necessarily read)."""
        return self.done.qsize() >= self.left

    def __iter__(self) -> Iterator[R]:
        while self.left:
            future = self.done.get()
            self.left -= 1
            yield self.pool.result(future)


def _start_worker(parent: int) -> None:
    """Workers leave Ctrl-C, SIGTERM and SIGHUP to the parent, which stops them all at once (WorkerPool.stop), and
    die with it: a parent killed outright (kill -9) leaves neither workers computing on nor their BrokenPipeError
    tracebacks."""
    leave_stopping_to_the_parent()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)  # blocked by the parent while forking
    die_with(parent)
