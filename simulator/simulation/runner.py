"""Run a scenario: many simulated studies in chunks, aggregated into one `RunResult`.

A chunk is a pure function of (scenario, seed, replication indices), so chunks can run in any order,
in any process, and give the same numbers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
from tqdm import tqdm

from simulator.engine.heterogeneity import study_scenario
from simulator.engine.pathway import Histories, simulate_pathway
from simulator.engine.processes import simulate_processes
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.errors import UserError
from simulator.outcomes.capacity import occupancy_grid_days
from simulator.outcomes.patients import patient_log
from simulator.outcomes.study import curve_grid, study_outcomes
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import refuse_processes
from simulator.simulation.execution import CHUNK_REPLICATIONS, chunks_of, map_chunks
from simulator.simulation.memory import check_fits, run_need, say_duration
from simulator.simulation.results import RunResult

tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked from this one
ENGINES = ("fast", "simpy")  # vectorised with SimPy queues only; one SimPy process per patient (same histories)


@dataclass
class Chunk:
    """Outcomes of the studies `replications` (and, if asked for, their patients' event log)."""

    replications: range
    values: dict[str, np.ndarray]
    curves: dict[str, np.ndarray]
    occupancy: dict[str, np.ndarray]
    wait_counts: dict[str, np.ndarray]
    patients: dict[str, np.ndarray] | None = None


def simulate_chunk(
    scenario: Scenario, seed: int, replications: range, patients_log: bool = False, engine: str = "fast"
) -> Chunk:
    layout = StreamLayout.for_scenario(scenario)
    engine_scenario = study_scenario(scenario, seed, replications)  # per-study draws (uncertainty, heterogeneity)
    u = uniforms(seed, replications, layout, scenario.cohort.max_patients)
    histories: Histories = (simulate_processes(engine_scenario, u, layout, seed, replications) if engine == "simpy"
                            else simulate_pathway(engine_scenario, u, layout))
    outcomes = study_outcomes(scenario, histories)
    curves = {name: curve.astype(np.float32) for name, curve in outcomes.curves.items()}
    log = patient_log(scenario, histories, replications) if patients_log else None
    return Chunk(replications, outcomes.values, curves, outcomes.occupancy, outcomes.wait_counts, log)


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    patients_log: bool = False,
    progress: bool = False,
    chunk_size: int = CHUNK_REPLICATIONS,
    workers: int = 1,
    scheduler: str | None = None,
    engine: str = "fast",
) -> RunResult:
    """Simulate `replications` studies of the scenario (defaults from its [simulation] table).

    Chunks of `chunk_size` studies run on `workers` local processes, or on the dask scheduler at
    `scheduler`; the result is the same whatever these are. `engine="simpy"` carries each patient in a SimPy
    process (same histories, slower), which stages run by the modeller's own function need.
    """
    check_engine(scenario, engine)
    replications = replications or scenario.simulation.replications
    seed = scenario.simulation.seed if seed is None else seed
    check_fits(run_need(scenario, replications, chunk_size, workers, scheduler, patients_log), "run", replications)
    if progress:  # said with the progress bar, to a person at a terminal (not with --quiet or in a pipe)
        say_duration(scenario.metadata.name, replications * scenario.cohort.max_patients, workers, scheduler)
    began = time.perf_counter()
    blocks = chunks_of(replications, chunk_size)
    parts: list[Chunk | None] = [None] * len(blocks)
    task = partial(simulate_chunk, scenario, seed, patients_log=patients_log, engine=engine)
    with tqdm(total=replications, unit="study", disable=not progress, desc=scenario.metadata.name) as bar:
        for number, chunk in map_chunks(task, blocks, workers, scheduler):
            parts[number] = chunk
            bar.update(len(chunk.replications))
    done: list[Chunk] = parts  # type: ignore[assignment]
    return RunResult(
        scenario=scenario,
        seed=seed,
        values={k: np.concatenate([p.values[k] for p in done]) for k in done[0].values},
        curves={k: np.concatenate([p.curves[k] for p in done]) for k in done[0].curves},
        grid_years=curve_grid(scenario),
        occupancy={k: np.concatenate([p.occupancy[k] for p in done]) for k in done[0].occupancy},
        occupancy_grid_days=occupancy_grid_days(scenario),
        wait_counts={k: np.sum([p.wait_counts[k] for p in done], axis=0) for k in done[0].wait_counts},
        patients={k: np.concatenate([p.patients[k] for p in done]) for k in done[0].patients}  # type: ignore[index, union-attr]
        if patients_log
        else None,
        wall_seconds=time.perf_counter() - began,
    )


def check_engine(scenario: Scenario, engine: str) -> None:
    """Refuse an unknown engine, and the fast engine for stages run by the modeller's own function."""
    if engine not in ENGINES:
        raise UserError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "fast":
        refuse_processes(scenario)
