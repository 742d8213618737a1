"""Issue 28's targets, each as one line of `make bench`: the figure, the target and whether it is met.

The parallel figures come with the machine's own ceiling: a CPU-bound loop on 1 and on N processes (N = cores),
so that a speed-up reads against what this machine, as loaded as it is during the run, allows at all.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from explorer import GRID

LOOP_STEPS = 10_000_000  # one unit of the ceiling's CPU-bound work (about a second on a quiet core)
ROUNDS = 5  # rounds of the ceiling and the whole-run speed-up, each measuring both; the medians are kept (3 read a
# ceiling of 2.07x on 2 cores once: the machine sped up between the halves of a round)

# the explorer's grid (benchmarks/explorer.py): 60 points x 2,000 studies of burt2006, its bed among the axes
SWEEP = ["sweep", "scenarios/burt2006.toml", *GRID, "--replications", "2000", "--probability", "trm>=13%"]


SPIN = "total = 0\nfor _ in range({units}):\n    for step in range({steps}):\n        total += step * step % 7\n"


def _spin_processes(processes: int, units: int) -> float:
    """Wall seconds of `processes` fresh interpreters at once, each doing `units` units of CPU-bound work (fresh,
    not forked: a fork of a process holding pandas and matplotlib pays for its heap at exit)."""
    code = SPIN.format(units=units, steps=LOOP_STEPS)
    began = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(processes)]
    for child in children:
        child.wait()
    return time.perf_counter() - began


def unit_seconds() -> float:
    """Wall seconds of one unit of that CPU-bound work in one fresh process: how fast a pure-Python loop runs now
    (about a second on a quiet core), a sign of how busy the machine was while the seconds beside it were measured."""
    return _spin_processes(1, 1)


def ceiling_round(processes: int) -> float:
    """The machine's parallel ceiling now: N units of CPU-bound work in one process against N at once, one each
    in N processes."""
    return _spin_processes(1, processes) / _spin_processes(processes, 1)


def paired_rounds(processes: int, one: Callable[[], float], many: Callable[[], float]
                  ) -> list[tuple[float, float]]:
    """ROUNDS of (the ceiling, the speed-up of `many` over `one`), each round measuring both in turn, so that a
    round's speed-up is read against the ceiling of the same moment on a machine whose load changes."""
    rounds = []
    for _ in range(ROUNDS):
        limit = ceiling_round(processes)
        rounds.append((limit, one() / many()))
    return rounds


@dataclass(frozen=True)
class Target:
    """One figure of issue 28 and its bound: met when the figure is at most (or at least) the bound. Its line
    gives the figure, the bound, their ratio and, for the parallel ones, the machine's ceiling (`beside`)."""

    name: str
    figure: float
    bound: float
    at_most: bool
    unit: str
    beside: str = ""

    @property
    def met(self) -> bool:
        return self.figure <= self.bound if self.at_most else self.figure >= self.bound

    def line(self) -> tuple[str, str]:
        sign = "<" if self.at_most else ">="
        beside = f"; {self.beside}" if self.beside else ""
        return (f"target_{self.name}",
                f"{self.figure:.3g}{self.unit} (target {sign} {self.bound:g}{self.unit}; "
                f"{self.figure / self.bound:.2f} of it{beside}): {'met' if self.met else 'missed'}")
