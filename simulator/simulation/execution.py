"""Where chunks of replications run: in this process, on a local process pool, or on a dask cluster.

Each chunk is a pure function of its replication indices, so the place and order in which chunks run
cannot change the numbers; results are yielded as they complete and put back in order by the caller.
"""

from __future__ import annotations

import importlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from simulator.errors import UserError
from simulator.simulation import stopping
from simulator.simulation.options import CHUNK_REPLICATIONS, RunOptions
from simulator.simulation.pool import WorkerPool

T = TypeVar("T")
X = TypeVar("X")

MAX_HANDSHAKE_BYTES = 1 << 20  # a dask handshake is about 60 bytes
_kept_pools: list[dict[int, WorkerPool]] = []  # inside `kept_pool`: its pools by workers, started when first used
_wanted_afterwards: list[str] = []  # modules to import while workers compute (load_while_workers_run)


def local_cores() -> int:
    """Cores this process may use (respects CPU affinity, e.g. in containers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def map_chunks(task: Callable[[X], T], chunks: list[X], options: RunOptions) -> Iterator[tuple[int, T]]:
    """Yield (chunk number, task(chunk)) in completion order, where `options` say; `task` must be picklable
    (module-level)."""
    if options.scheduler is not None:
        results = _on_dask(task, chunks, options.scheduler, options.scheduler_timeout)
    elif options.workers <= 1 or len(chunks) <= 1:
        results = ((number, task(chunk)) for number, chunk in enumerate(chunks))
    else:
        results = _on_pool(task, chunks, options.workers)
    for result in results:
        stopping.check()
        yield result


def load_while_workers_run(*modules: str) -> None:
    """Modules this process needs once the chunks are in (the results' figures and tables: matplotlib, then
    pandas), in the order they are needed: imported while workers compute them, instead of before or after. On
    local workers, those left when the last chunk arrives are not waited for: they load when first used (pandas
    while the figures are drawn, simulation.result_base). In-process runs import them when first used."""
    _wanted_afterwards.extend(name for name in modules if name not in _wanted_afterwards)


def _import_meanwhile() -> None:
    """Import the modules named to `load_while_workers_run`, now that the workers have their tasks."""
    while _wanted_afterwards:
        importlib.import_module(_wanted_afterwards.pop(0))


class _Numbered(Generic[X, T]):
    """Picklable wrapper running the task on (number, chunk) pairs."""

    def __init__(self, task: Callable[[X], T]) -> None:
        self.task = task

    def __call__(self, item: tuple[int, X]) -> tuple[int, T]:
        return item[0], self.task(item[1])


@contextmanager
def kept_pool() -> Iterator[None]:
    """Within the block, every `map_chunks` on local workers shares one pool, started when first needed and
    stopped at the end: a calibration's many small evaluations start their workers once, not once each."""
    pools: dict[int, WorkerPool] = {}
    _kept_pools.append(pools)
    try:
        yield
    except BaseException:
        for pool in pools.values():
            pool.stop()
        raise
    else:
        for pool in pools.values():
            pool.close()
    finally:
        _kept_pools.remove(pools)


def _start_pool(workers: int) -> WorkerPool:
    return WorkerPool(workers)


def _on_pool(task: Callable[[X], T], chunks: list[X], workers: int) -> Iterator[tuple[int, T]]:
    if _kept_pools:
        yield from _on_kept_pool(task, chunks, workers, _kept_pools[-1])
        return
    pool = _start_pool(min(workers, len(chunks)))
    try:
        yield from _mapped(pool, task, chunks)
    except BaseException:
        pool.stop()
        raise
    pool.close()


def _mapped(pool: WorkerPool, task: Callable[[X], T], chunks: list[X]) -> Iterator[tuple[int, T]]:
    """The pool's results in completion order; this process imports what it will need meanwhile, one module at a
    time until the last chunk is in (a small run is simulated before its libraries have loaded)."""
    results = pool.map_unordered(_Numbered(task), enumerate(chunks))
    while _wanted_afterwards and not results.all_done:
        importlib.import_module(_wanted_afterwards.pop(0))
    _wanted_afterwards.clear()
    yield from results


def _on_kept_pool(task: Callable[[X], T], chunks: list[X], workers: int, pools: dict[int, WorkerPool]
                  ) -> Iterator[tuple[int, T]]:
    """As `_on_pool` on the block's pool of `workers`; stopped if this map ends early, as its workers may still
    be running its chunks (the next map starts another)."""
    if workers not in pools:
        pools[workers] = _start_pool(workers)
    pool = pools[workers]
    try:
        yield from _mapped(pool, task, chunks)
    except BaseException:
        del pools[workers]
        pool.stop()
        raise


def _on_dask(task: Callable[[X], T], chunks: list[X], scheduler: str, timeout: float) -> Iterator[tuple[int, T]]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UserError(
            "--scheduler needs dask.distributed, which is not installed; install it with "
            "`pip install 'hsct-sim[cluster]'` (or run without --scheduler to use local cores)"
        ) from None
    _probe(scheduler, timeout)
    try:
        client = Client(scheduler, timeout=timeout)
    except Exception as error:  # dask's own errors for a server it cannot talk to vary by version
        raise UserError(f"--scheduler {scheduler}: cannot reach a dask scheduler there "
                        f"({type(error).__name__}: {error})") from None
    with client:
        futures: list[Any] = client.map(_Numbered(task), list(enumerate(chunks)), pure=False)
        try:
            _import_meanwhile()
            for _, result in as_completed(futures, with_results=True):
                yield result
        except BaseException:
            client.cancel(futures)
            raise


def _probe(address: str, timeout: float) -> None:
    """Check that a dask scheduler answers at tcp://HOST:PORT within `timeout` seconds before dask
    connects: dask waits forever for a server that never speaks (an HTTP dashboard) and misreads one that
    speaks another protocol (struct.error, or an attempt to allocate exabytes). A dask server speaks first:
    its handshake starts with its length in 8 little-endian bytes."""
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    try:
        deadline = time.monotonic() + timeout
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))  # connecting and answering, together
            header = b""
            while len(header) < 8 and (data := sock.recv(8 - len(header))):
                header += data
    except TimeoutError:
        raise UserError(f"--scheduler {address}: no dask scheduler answered within {timeout:g} s "
                        "(is it the dashboard or another service? a scheduler listens on port 8786 by default)"
                        ) from None
    except OSError as error:
        raise UserError(f"--scheduler {address}: cannot reach a dask scheduler there ({error.strerror or error})"
                        ) from None
    if len(header) < 8 or not 0 < int.from_bytes(header, "little") <= MAX_HANDSHAKE_BYTES:
        raise UserError(f"--scheduler {address}: something answered there, but not a dask scheduler")


def chunks_of(replications: int, size: int = CHUNK_REPLICATIONS) -> list[range]:
    return [range(start, min(start + size, replications)) for start in range(0, replications, size)]
