"""How a piece of work executes: never what it computes.

One typed value, built by the command line from --workers, --scheduler, --chunk-size and --quiet (or by a
notebook user), passed explicitly to `run`, `sweep`, `compare`, `calibrate`, `estimate_power` and `validate`.
Changing any of these fields cannot change a number: chunks are pure functions of their studies' indices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal, get_args

CHUNK_REPLICATIONS = 250  # studies per task (--chunk-size); results do not depend on it
Engine = Literal["fast", "simpy"]  # vectorised with SimPy queues only; one SimPy process per patient (same histories)
ENGINES: tuple[Engine, ...] = get_args(Engine)
SCHEDULER_TIMEOUT_SECONDS = 10.0  # --scheduler-timeout: how long a dask scheduler has to answer


@dataclass(frozen=True)
class RunOptions:
    """Where and how studies are simulated.

    `workers` local processes (1: in this process), or the dask.distributed scheduler at `scheduler` (tcp://HOST:PORT),
    which must answer within `scheduler_timeout` seconds; `chunk_size` studies per task; `progress` a bar on stderr;
    `engine` "fast" (vectorised, SimPy only where patients share a resource) or "simpy" (one SimPy process per patient:
    the same histories, slower; needed by stages with a `process`); `allow_code` lets stages with a `process` run the
    modeller's Python file the scenario names (off by default: a scenario from someone else must be safe to run);
    `reuse_stages` keeps each chunk's stage histories in the process that walked them, so that later runs of the same
    studies that differ only after the pathway (calibrating follow-up) simulate only that (stage_cache).

    >>> RunOptions(workers=2).quiet()  # doctest: +NORMALIZE_WHITESPACE
    RunOptions(workers=2, scheduler=None, chunk_size=250, progress=False, scheduler_timeout=10.0, engine='fast',
               reuse_stages=False, allow_code=False)
    """

    workers: int = 1
    scheduler: str | None = None
    chunk_size: int = CHUNK_REPLICATIONS
    progress: bool = False
    scheduler_timeout: float = SCHEDULER_TIMEOUT_SECONDS
    engine: Engine = "fast"
    reuse_stages: bool = False  # keep each chunk's stages per process, for runs that differ only after them
    allow_code: bool = False  # run the Python files stages name (`process`): only when the user asks

    def __post_init__(self) -> None:
        """Refuse what --workers, --chunk-size, --scheduler-timeout and --engine refuse, in Python's terms."""
        for name in ("workers", "chunk_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"RunOptions.{name}: expected a whole number (int) of at least 1, got {value!r}")
            if value < 1:
                raise ValueError(f"RunOptions.{name}: must be at least 1 (got {value})")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            raise TypeError(f"RunOptions.scheduler: expected None or an address such as 'tcp://host:8786', "
                            f"got {self.scheduler!r}")
        timeout = self.scheduler_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < math.inf:
            raise ValueError(f"RunOptions.scheduler_timeout: must be a number of seconds above 0 (got {timeout!r})")
        if self.engine not in ENGINES:
            raise ValueError(f"RunOptions.engine: must be one of {', '.join(map(repr, ENGINES))} (got {self.engine!r})")

    def quiet(self) -> RunOptions:
        """The same execution without a progress bar (for the runs inside a sweep, compare or calibration,
        which show one bar for all of them)."""
        return replace(self, progress=False)
