"""`run`: simulate studies of one scenario and summarise what they would report; with parameter uncertainty, the
same studies at the point estimates beside them (`answer`, what `hsct-sim run` prints and saves)."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, scenario_argument, seed_argument
from simulator.simulation.memory import check_fits, run_need
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import iterate_runs

if TYPE_CHECKING:  # their modules load pandas and matplotlib, which load while workers simulate (runner.RESULTS)
    from simulator.outcomes.conditions import Condition
    from simulator.questions.run.uncertainty import UncertaintyComparison
    from simulator.simulation.results import RunResult


def run(
    scenario: Scenario | str | os.PathLike[str],
    replications: int | None = None,
    seed: int | None = None,
    patients_log: bool = False,
    options: RunOptions = RunOptions(),
) -> RunResult:
    """Simulate `replications` studies of the scenario (a `Scenario` or a scenario file's path; replications and
    seed default to its [simulation] table).

    `options` say where chunks of studies run (this process, local workers, a dask cluster) and by which
    engine (`RunOptions(engine="simpy")` carries each patient in a SimPy process: the same histories, slower,
    and what stages run by the modeller's own function need); the result is the same whatever they are.

    >>> from simulator import load_scenario, run
    >>> result = run(load_scenario("scenarios/burt2006.toml"), replications=200)
    >>> result.replications
    200
    >>> run("scenarios/burt2006.toml", replications=0)
    Traceback (most recent call last):
    ValueError: replications: must be from 2 to 1,000,000,000 (got 0)
    """
    scenario = scenario_argument(scenario)
    replications = replications_argument(replications, scenario.simulation.replications)
    seed = seed_argument(seed, scenario.simulation.seed)
    check_fits(run_need(scenario, replications, options, patients_log), "run", replications)
    [(_, result)] = iterate_runs([scenario], replications, seed, options, scenario.metadata.name, patients_log)
    return result


def answer(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    options: RunOptions,
    conditions: tuple[Condition, ...] = (),
    outcomes: tuple[str, ...] | None = None,
    patients_log: bool = False,
) -> RunResult | UncertaintyComparison:
    """The run with its `--probability` rows and the table's `outcomes`; with parameter uncertainty, beside the
    same studies (same seed, same patients' random numbers) at the point estimates, to show how much parameter
    uncertainty widens the spread of studies."""
    result = run(scenario, replications, seed, patients_log=patients_log, options=options)
    result = dataclasses.replace(result, conditions=conditions, outcomes=outcomes)
    if not scenario.simulation.parameter_uncertainty:
        return result
    from simulator.questions.run.uncertainty import UncertaintyComparison

    point = run(scenario.with_values({"simulation.parameter_uncertainty": False}), replications, seed, options=options)
    return UncertaintyComparison(result, dataclasses.replace(point, conditions=conditions))
