"""`validate`: the simulator against exact answers (closed-form cases, questions/validation/closed_forms.py) and
the shipped scenarios against their published figures.

A closed-form case is a tiny scenario with quantities whose exact values are known; each check reports
z = (simulated - exact) / MC SE and passes when |z| <= 4 (checks.py). A scenario check passes when the published
figure lies inside the range of 95% of simulated studies and within a tolerance of the simulated mean.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.questions.run.run import run
from simulator.questions.validation.checks import COLUMNS, z_score
from simulator.questions.validation.closed_forms import closed_form_cases
from simulator.questions.validation.criteria import TOLERANCE, Z_PASS
from simulator.questions.validation.result import ValidationReport
from simulator.scenario.schema import PublishedSeries, Scenario
from simulator.simulation.arguments import scenario_argument
from simulator.simulation.options import RunOptions


def validate(
    scenarios: Sequence[Scenario | str | os.PathLike[str]],
    closed_forms: bool = True,
    scale: float = 1.0,
    replications: int | None = None,
    seed: int | None = None,
    tolerance: float = TOLERANCE,
    options: RunOptions = RunOptions(),
) -> ValidationReport:
    """Run the closed-form suite (at `scale` x its sizes) and check each scenario's [targets] and
    [[published_series]].

    >>> from simulator import load_scenario
    >>> validate([load_scenario("scenarios/burt2006.toml")], closed_forms=False, replications=50).summary.part.unique()
    array(['scenario', 'published series'], dtype=object)
    """
    loaded = [scenario_argument(s, f"scenarios[{number}]") for number, s in enumerate(scenarios)]
    began = time.perf_counter()
    parts = [case.evaluate(scale, options) for case in closed_form_cases()] if closed_forms else []
    parts += [scenario_checks(s, replications, seed, tolerance, options) for s in loaded]
    table = pd.concat(parts, ignore_index=True)
    settings = {
        "scenarios": [s.model_dump(mode="json") for s in loaded],
        "closed_forms": closed_forms, "scale": scale, "replications": replications, "seed": seed,
        "tolerance": tolerance, "z_pass": Z_PASS,
    }
    return ValidationReport(table, tolerance, settings, time.perf_counter() - began)


def scenario_checks(
    scenario: Scenario, replications: int | None = None, seed: int | None = None,
    tolerance: float = TOLERANCE, options: RunOptions = RunOptions(),
) -> pd.DataFrame:
    """Each published figure of the scenario's [targets] against what its simulated studies report, then those of
    each of its [[published_series]] (series_checks)."""
    rows = _target_rows(scenario, replications, seed, tolerance, options)
    return pd.concat([rows, *(series_checks(scenario, series, replications, seed, options)
                              for series in scenario.published_series)], ignore_index=True)


def series_checks(scenario: Scenario, series: PublishedSeries, replications: int | None = None,
                  seed: int | None = None, options: RunOptions = RunOptions()) -> pd.DataFrame:
    """Another series of the same treatment, simulated with its own design: it passes when each published figure
    lies within the range of 95% of simulated studies of its size. Not within a tolerance of the mean: its
    patients are not those the hazards were fitted to, and a series of its size is that uncertain."""
    rows = _target_rows(scenario.as_series(series), replications, seed, math.inf, options)
    return rows.assign(part="published series", passed=rows["in_range"])


def _target_rows(scenario: Scenario, replications: int | None, seed: int | None, tolerance: float,
                 options: RunOptions) -> pd.DataFrame:
    result = run(scenario, replications, seed, options=options)
    summary = result.summary.set_index("outcome")
    rows = []
    for outcome, published in scenario.targets.items():
        simulated, se, lower, upper = summary.loc[outcome, ["estimate", "mc_se", "lower", "upper"]]
        in_range = bool(lower <= published <= upper)
        close = bool(abs(simulated - published) <= tolerance)
        rows.append({
            "part": "scenario", "case": scenario.metadata.name, "quantity": outcome,
            "formula": f"published ({scenario.metadata.citation or 'scenario [targets]'})",
            "expected": published, "simulated": simulated, "mc_se": se, "z": z_score(simulated, published, se),
            "lower": lower, "upper": upper, "studies": result.replications, "patients": scenario.cohort.size,
            "in_range": in_range, "within_tolerance": close, "passed": in_range and close,
            "reaching": _share_reaching(result.values[outcome], published),
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _share_reaching(per_study: np.ndarray, published: float) -> float:
    """Share of the studies able to estimate an outcome that report at least the published figure."""
    evaluable = per_study[np.isfinite(per_study)]
    return float(np.mean(evaluable >= published)) if len(evaluable) else math.nan
