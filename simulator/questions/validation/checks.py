"""`validate`: the simulator against exact answers (closed-form cases) and the shipped scenarios against
their published figures.

A closed-form case is a tiny scenario with quantities whose exact values are known; each check reports
z = (simulated - exact) / MC SE and passes when |z| <= 4. A scenario check passes when the published
figure lies inside the range of 95% of simulated studies and within a tolerance of the simulated mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from simulator.questions.validation.criteria import TOLERANCE, Z_PASS
from simulator.scenario.schema import PublishedSeries, Scenario
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import run

COLUMNS = ["part", "case", "quantity", "formula", "expected", "simulated", "mc_se", "z", "lower", "upper",
           "studies", "patients", "in_range", "within_tolerance", "passed", "reaching"]

PerStudy = dict[str, np.ndarray]  # quantity -> one value per simulated study
Estimator = Callable[[PerStudy], tuple[float, float]]  # per-study values -> (estimate, MC SE)


def mean_of(quantity: str) -> Estimator:
    """Mean over studies, MC SE = SD / sqrt(studies)."""
    def estimate(values: PerStudy) -> tuple[float, float]:
        v = values[quantity][np.isfinite(values[quantity])]
        return float(v.mean()), float(v.std(ddof=1) / np.sqrt(len(v)))
    return estimate


def variance_of(quantity: str, scale: float = 1.0) -> Estimator:
    """Variance across studies of `scale` x quantity; MC SE from the fourth central moment,
    Var(s^2) = (m4 - s^4 (R - 3) / (R - 1)) / R."""
    def estimate(values: PerStudy) -> tuple[float, float]:
        v = scale * values[quantity][np.isfinite(values[quantity])]
        r, s2 = len(v), float(v.var(ddof=1))
        m4 = float(np.mean((v - v.mean()) ** 4))
        return s2, float(np.sqrt(max(m4 - s2**2 * (r - 3) / (r - 1), 0.0) / r))
    return estimate


def share_of(quantity: str, at_least: float) -> Estimator:
    """Share of studies whose quantity is at least `at_least`; MC SE of a proportion."""
    def estimate(values: PerStudy) -> tuple[float, float]:
        v = values[quantity][np.isfinite(values[quantity])]
        p = float(np.mean(v >= at_least - 1e-12))
        return p, float(np.sqrt(p * (1 - p) / len(v)))
    return estimate


@dataclass(frozen=True)
class Check:
    """One quantity with an exact value, and how to estimate it from the per-study values."""

    quantity: str
    exact: float
    formula: str
    estimate: Estimator


def run_values(scenario: Scenario, replications: int, seed: int, options: RunOptions) -> PerStudy:
    """Per-study outcomes as `hsct-sim run` reports them."""
    return run(scenario, replications, seed, options=options).values


@dataclass(frozen=True)
class ClosedFormCase:
    """A tiny scenario whose checks have exact answers; `simulate` gives the per-study values."""

    name: str
    scenario: Scenario
    checks: list[Check]
    simulate: Callable[[Scenario, int, int, RunOptions], PerStudy] = run_values
    min_replications: int = 10  # at any scale: a regression metamodel needs its draws (questions/voi)

    def evaluate(self, scale: float = 1.0, options: RunOptions = RunOptions()) -> pd.DataFrame:
        """Simulate at `scale` x the case's replications and compare every check with its exact value."""
        replications = max(self.min_replications, round(self.scenario.simulation.replications * scale))
        values = self.simulate(self.scenario, replications, self.scenario.simulation.seed, options)
        rows = []
        for check in self.checks:
            simulated, se = check.estimate(values)
            z = _z(simulated, check.exact, se)
            rows.append({
                "part": "closed form", "case": self.name, "quantity": check.quantity, "formula": check.formula,
                "expected": check.exact, "simulated": simulated, "mc_se": se, "z": z,
                "studies": replications, "patients": self.scenario.cohort.size, "passed": abs(z) <= Z_PASS,
            })
        return pd.DataFrame(rows, columns=COLUMNS)


def _share_reaching(per_study: np.ndarray, published: float) -> float:
    """Share of the studies able to estimate an outcome that report at least the published figure."""
    evaluable = per_study[np.isfinite(per_study)]
    return float(np.mean(evaluable >= published)) if len(evaluable) else math.nan


def _z(simulated: float, exact: float, se: float) -> float:
    if se > 0:
        return (simulated - exact) / se
    return 0.0 if np.isclose(simulated, exact, rtol=0, atol=1e-12) else float(np.copysign(np.inf, simulated - exact))


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
            "expected": published, "simulated": simulated, "mc_se": se, "z": _z(simulated, published, se),
            "lower": lower, "upper": upper, "studies": result.replications, "patients": scenario.cohort.size,
            "in_range": in_range, "within_tolerance": close, "passed": in_range and close,
            "reaching": _share_reaching(result.values[outcome], published),
        })
    return pd.DataFrame(rows, columns=COLUMNS)
