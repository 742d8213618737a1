"""`sweep`: one run per grid point, all with the same seed and replications (common random numbers), on one pool.

Every event of every patient comes from a fixed uniform through an inverse CDF and a stage death is
`u < death_probability`, so replication by replication, raising a death probability only turns
survivors into deaths and curves across the grid are smooth at modest replication counts.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from simulator.errors import UserError
from simulator.outcomes.conditions import Condition, parse_conditions
from simulator.questions.compare.economics import priced
from simulator.questions.sweep.grid import Grid, build_grid, grid_catalogue
from simulator.questions.sweep.result import SweepResult
from simulator.scenario.catalogue import Outcome
from simulator.scenario.loading import load_scenario
from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, seed_argument
from simulator.simulation.memory import check_fits, runs_need
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import run_all


def sweep(
    scenario: str | Path | Scenario,
    parameters: Sequence[str],
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    probabilities: Sequence[str] = (),
    options: RunOptions = RunOptions(),
    against: str | Path | Scenario | None = None,
) -> SweepResult:
    """Sweep a scenario (file or `Scenario`) over `parameters` ("PATH=START:STOP:STEPS" or "PATH=v1,v2,...");
    `against`, a priced scenario, is the reference of every point's incremental costs and QALYs (else the first
    grid point).

    >>> grid = sweep("scenarios/burt2006.toml", ["stages.isolation.death_probability=0,0.1"], replications=20)
    >>> grid.summary["stages.isolation.death_probability"].unique().tolist()
    [0.0, 0.1]
    """
    grid = build_grid(scenario, parameters, overrides)
    conditions = parse_conditions(probabilities, grid.base.catalogue)
    comparator = against if isinstance(against, Scenario) or against is None else load_scenario(against)
    if comparator is not None:
        check_against(grid, comparator)
    return run_sweep(grid, replications, seed, conditions, options, comparator)


def run_sweep(
    grid: Grid,
    replications: int | None = None,
    seed: int | None = None,
    conditions: tuple[Condition, ...] = (),
    options: RunOptions = RunOptions(),
    against: Scenario | None = None,
) -> SweepResult:
    """Run every point of a validated grid with the same seed and replications, all on one pool; `against`, a
    priced scenario (checked with `check_against`), is simulated once with them as the reference for costs."""
    replications = replications_argument(replications, grid.base.simulation.replications)
    seed = seed_argument(seed, grid.base.simulation.seed)
    scenarios = [*grid.scenarios, *([against] if against is not None else [])]
    check_fits(runs_need(scenarios, replications, options), "sweep", replications * len(scenarios))
    began = time.perf_counter()
    outcomes = grid_catalogue(grid)
    results = run_all(scenarios, replications, seed, options, f"sweep {grid.base.metadata.name}")
    runs = []
    for result in results[: len(grid.scenarios)]:
        values = with_no_waits(result.values, outcomes)
        runs.append(dataclasses.replace(result, values=values,
                                        conditions=tuple(c for c in conditions if c.outcome in values)))
    comparator = results[-1] if against is not None else None
    return SweepResult(grid, runs, seed, conditions, time.perf_counter() - began, comparator)


def check_against(grid: Grid, against: Scenario) -> None:
    """`--against` prices a comparator for every grid point: both must have [economics], in one currency and
    over one horizon (a `UserError` otherwise)."""
    if grid.base.economics is None or against.economics is None:
        missing = grid.base.metadata.name if grid.base.economics is None else against.metadata.name
        raise UserError(f"--against: {missing} has no [economics]; --against compares costs and QALYs, so both "
                        "the swept scenario and the comparator need one")
    priced([grid.base, against])


def with_no_waits(values: dict[str, np.ndarray], outcomes: dict[str, Outcome]) -> dict[str, np.ndarray]:
    """A point's outcomes, with 0 in every study for the waiting outcomes of a resource unlimited there.

    Other points of the sweep report these outcomes, and an unlimited resource means something definite:
    the engine gives it to every patient on arrival (whatever its open days), so nobody waits for it and
    nobody dies or withdraws waiting for it. Its waits are known to be 0, not missing, and the curve of
    waits against capacity ends at its true value. Its utilisation (use over capacity) is undefined and its
    occupancy is not recorded, so those stay unreported and read as NaN in the sweep's tables and figures.
    """
    length = len(next(iter(values.values())))
    zero = {name: np.zeros(length) for name, outcome in outcomes.items()
            if name not in values and outcome.zero_without_queue}
    return {**values, **zero}
