"""Simulate scenarios: many studies in chunks, aggregated into one `RunResult` per scenario; every question
(questions/) simulates through `run_all` or `iterate_runs`.

A chunk is a pure function of (scenario, seed, replication indices), so chunks can run in any order,
in any process, and give the same numbers.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from simulator.engine.followup import after_pathway
from simulator.engine.heterogeneity import study_scenario
from simulator.engine.histories import Histories
from simulator.engine.pathway import simulate_pathway
from simulator.engine.processes import simulate_processes
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms
from simulator.outcomes.capacity import occupancy_grid_days
from simulator.outcomes.patients import patient_log
from simulator.outcomes.study import BAND_STUDIES, curve_grid, study_outcomes
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import allowed_processes, refuse_processes
from simulator.simulation.duration import busy_resource, runs_seconds, say_duration
from simulator.simulation.execution import chunks_of, load_while_workers_run, map_chunks
from simulator.simulation.options import Engine, RunOptions
from simulator.simulation.stage_cache import walked_stages

if TYPE_CHECKING:  # imported when the chunks are joined, or while workers simulate them: it loads matplotlib
    from simulator.simulation.results import RunResult

RESULTS = "simulator.simulation.results"  # RunResult's module: with matplotlib, slow to import
tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked from this one


@dataclass
class Chunk:
    """Outcomes of the studies `replications` (and, if asked for, their patients' event log); curves and
    occupancy only of those among the first BAND_STUDIES studies (the figures' bands)."""

    replications: range
    values: dict[str, np.ndarray]
    curves: dict[str, np.ndarray]
    occupancy: dict[str, np.ndarray]
    wait_counts: dict[str, np.ndarray]
    patients: dict[str, np.ndarray] | None = None


def simulate_chunk(
    scenario: Scenario, seed: int, replications: range, patients_log: bool = False, engine: Engine = "fast",
    reuse_stages: bool = False, outcomes: frozenset[str] | None = None,
) -> Chunk:
    """The studies `replications` of the scenario; `reuse_stages`: walk the stages once per process for runs that
    differ only after the pathway (stage_cache); `outcomes`: only these outcomes (and those computed with them),
    without curves or occupancy (None: every outcome)."""
    layout = StreamLayout.for_scenario(scenario)
    engine_scenario = study_scenario(scenario, seed, replications)  # per-study draws (uncertainty, heterogeneity)
    histories: Histories
    studies = StudyStreams(seed, replications, scenario.cohort.max_patients)
    if engine == "fast" and reuse_stages:
        u, (histories, discharge, completed) = walked_stages(scenario, engine_scenario, layout, seed, replications)
        after_pathway(engine_scenario, u, layout, histories, discharge, completed, studies)
    else:
        u = uniforms(seed, replications, layout, scenario.cohort.max_patients)
        histories = (simulate_processes(engine_scenario, u, layout, seed, replications) if engine == "simpy"
                     else simulate_pathway(engine_scenario, u, layout, studies=studies))
    banded = max(0, min(replications.stop, BAND_STUDIES) - replications.start)  # of the first BAND_STUDIES
    found = study_outcomes(scenario, histories, engine_scenario.economics,  # with the prices drawn
                           banded if outcomes is None else 0, outcomes)
    curves = {name: curve.astype(np.float32) for name, curve in found.curves.items()}
    log = patient_log(scenario, histories, replications) if patients_log else None
    return Chunk(replications, found.values, curves, found.occupancy, found.wait_counts, log)


def run_all(
    scenarios: Sequence[Scenario], replications: int, seed: int, options: RunOptions, description: str
) -> list[RunResult]:
    """Each scenario simulated with the same studies (seed and replications), in the order given."""
    results: list[RunResult | None] = [None] * len(scenarios)
    for number, result in iterate_runs(scenarios, replications, seed, options, description):
        results[number] = result
    return results  # type: ignore[return-value]  # every scenario's result has arrived


def iterate_runs(
    scenarios: Sequence[Scenario],
    replications: int,
    seed: int,
    options: RunOptions,
    description: str,
    patients_log: bool = False,
    outcomes: frozenset[str] | None = None,
) -> Iterator[tuple[int, RunResult]]:
    """(scenario number, its result) as each scenario's last chunk arrives; with `outcomes`, results that hold
    only those outcomes (and those computed with them), without curves or occupancy, for a search that reads a
    few outcomes of many runs.

    The chunks of every scenario form one task list on one pool (or cluster), so the workers stay busy
    across the scenarios of a sweep, compare or calibration grid, and the pool starts once. One progress bar
    counts the studies of all of them.
    """
    blocks = chunks_of(replications, options.chunk_size)
    tasks = [(scenario, block) for scenario in scenarios for block in blocks]
    joining = [_Studies(len(blocks), replications) for _ in scenarios]
    for scenario in scenarios:
        check_engine(scenario, options)
    if options.progress:  # said with the progress bar, to a person at a terminal (not with --quiet or in a pipe)
        say_duration(description, runs_seconds(scenarios, replications), options.workers, options.scheduler,
                     busy_resource(scenarios[0]))
    task = partial(_simulate_task, seed, patients_log, options.engine, options.reuse_stages, outcomes)
    load_while_workers_run(RESULTS, "pandas")  # the figures' libraries (RESULTS: matplotlib), then the tables'
    total = replications * len(scenarios)
    began = time.perf_counter()
    with tqdm(total=total, unit="study", disable=not options.progress, desc=description) as bar:
        for position, chunk in map_chunks(task, tasks, options):
            number, block = divmod(position, len(blocks))
            joining[number].add(block, chunk)
            bar.update(len(chunk.replications))
            if joining[number].complete:
                yield number, joining[number].result(scenarios[number], seed, time.perf_counter() - began)


def _simulate_task(
    seed: int, patients_log: bool, engine: Engine, reuse_stages: bool, outcomes: frozenset[str] | None,
    task: tuple[Scenario, range],
) -> Chunk:
    scenario, block = task
    return simulate_chunk(scenario, seed, block, patients_log, engine, reuse_stages, outcomes)


class _Studies:
    """One scenario's chunks, joined as they arrive (in any order) into study order. Each outcome is copied into
    one array of every study and the chunk dropped, so a run holds its values once, not its chunks and then their
    concatenation too; the figures' bands (first BAND_STUDIES studies) and the patients' log are joined at the end,
    the pooled wait counts summed (integers: the same in any order)."""

    def __init__(self, chunks: int, replications: int) -> None:
        self.replications = replications
        self.values: dict[str, np.ndarray] = {}
        self.parts: list[Chunk | None] = [None] * chunks  # each arrived chunk, its outcomes dropped
        self.wait_counts: dict[str, np.ndarray] = {}
        self.missing = chunks

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def add(self, block: int, chunk: Chunk) -> None:
        span = slice(chunk.replications.start, chunk.replications.stop)
        for name, values in chunk.values.items():
            if name not in self.values:
                self.values[name] = np.empty(self.replications, dtype=values.dtype)
            np.copyto(self.values[name][span], values, casting="safe")  # never truncated to the first chunk's type
        for name, counts in chunk.wait_counts.items():
            self.wait_counts[name] = self.wait_counts[name] + counts if name in self.wait_counts else counts
        self.parts[block] = dataclasses.replace(chunk, values={}, wait_counts={})
        self.missing -= 1

    def result(self, scenario: Scenario, seed: int, wall_seconds: float) -> RunResult:
        """The run, once complete; the chunks are let go (their bands are joined into it)."""
        from simulator.simulation.results import RunResult

        done: list[Chunk] = self.parts  # type: ignore[assignment]  # complete: every chunk has arrived
        self.parts = []
        logs = [p.patients for p in done if p.patients is not None]
        return RunResult(
            scenario=scenario,
            seed=seed,
            values=self.values,
            curves=_stacked([p.curves for p in done]),
            grid_years=curve_grid(scenario),
            occupancy=_stacked([p.occupancy for p in done]),
            occupancy_grid_days=occupancy_grid_days(scenario),
            wait_counts=self.wait_counts,
            patients=_stacked(logs) if logs else None,
            wall_seconds=wall_seconds,
        )


def _stacked(parts: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each column's parts, one after the other."""
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def check_engine(scenario: Scenario, options: RunOptions) -> None:
    """Refuse the fast engine for stages run by the modeller's own function, and such stages unless the user
    allowed their code (which is then imported here, before anything is simulated); RunOptions refuses an unknown
    engine."""
    if options.engine == "fast":
        refuse_processes(scenario, options.allow_code)
    allowed_processes(scenario, options.allow_code)
