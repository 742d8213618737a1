"""`compare`: several scenarios simulated with the same seed and number of studies, one task list on one pool.

Scenarios with the same stages and resources draw the same uniforms for the same patient events
(common random numbers), so replication r of each scenario is "the same study" under each protocol
and paired differences have a small Monte Carlo error (questions/compare/result.py pairs them).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace

from simulator.errors import UserError
from simulator.outcomes.conditions import parse_conditions
from simulator.questions.compare.economics import priced
from simulator.questions.compare.result import CompareResult
from simulator.questions.compare.sensitivity import one_way
from simulator.questions.compare.structural import Alternative, structural_table
from simulator.questions.compare.thresholds import DEFAULT_WTP
from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, scenario_argument, seed_argument
from simulator.simulation.memory import check_fits, runs_need
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import run_all


def compare(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    names: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    probabilities: Sequence[str] = (),
    options: RunOptions = RunOptions(),
    wtp: Sequence[float] = DEFAULT_WTP,
    sensitivity: bool = False,
    alternatives: Sequence[Alternative] = (),
    structural_file: str = "--structural",
) -> CompareResult:
    """Simulate each scenario (a `Scenario` or a scenario file's path) with one seed and one number of studies
    (by default the first scenario's).

    `names` label the scenarios in tables and legends (default: their metadata names); `wtp` the willingness
    to pay per QALY at which the net monetary benefit is reported (scenarios with [economics]). `sensitivity`
    adds a one-way deterministic analysis over every parameter given with its evidence, `alternatives` the
    named structural alternatives (read from `structural_file`): both need [economics].

    >>> from simulator import load_scenario
    >>> burt = load_scenario("scenarios/burt2006.toml")
    >>> compare([burt, burt.with_values({"stages.isolation.death_probability": 0.1})], ["2%", "10%"],
    ...         replications=20).names
    ['2%', '10%']
    """
    if isinstance(scenarios, (str, os.PathLike, Scenario)):
        raise TypeError("scenarios: expected a list of at least two scenarios or scenario file paths")
    if len(scenarios) < 2:
        raise ValueError(f"scenarios: compare needs at least two, got {len(scenarios)}")
    loaded = [scenario_argument(s, f"scenarios[{number}]") for number, s in enumerate(scenarios)]
    names = list(names or [s.metadata.name for s in loaded])
    if len(set(names)) < len(names):
        raise UserError(f"compare: scenario names must differ to tell them apart, got {names}")
    common = set.intersection(*(set(s.outcome_names) for s in loaded))
    conditions = parse_conditions(probabilities, {n: o for n, o in loaded[0].catalogue.items() if n in common})
    replications = replications_argument(replications, loaded[0].simulation.replications)
    seed = seed_argument(seed, loaded[0].simulation.seed)
    if not priced(loaded) and (sensitivity or alternatives):  # one currency, checked before simulating
        raise UserError("compare: --sensitivity and --structural weigh costs against QALYs, so every scenario "
                        "needs an [economics] table")
    changed = [a.applied(loaded, structural_file) for a in alternatives]  # bad overrides refused up front
    if any(not priced(v) for v in changed):
        raise UserError(f"{structural_file}: an alternative leaves a scenario without [economics]")
    check_fits(runs_need(loaded, replications, options), "compare", replications * len(loaded))
    began = time.perf_counter()
    runs = [replace(result, conditions=conditions)
            for result in run_all(loaded, replications, seed, options, "compare")]
    psa = all(s.simulation.parameter_uncertainty for s in loaded)
    one_way_table = one_way(loaded, replications, seed, options, wtp) if sensitivity else None
    structural = None if not alternatives else structural_table(
        alternatives, loaded, runs, replications, seed, options, wtp, psa, structural_file)
    return CompareResult(runs, names, seed, conditions, time.perf_counter() - began, tuple(wtp), one_way_table,
                         structural)
