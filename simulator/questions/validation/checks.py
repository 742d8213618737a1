"""What a closed-form check is: a quantity with an exact value and how to estimate it from simulated studies
(mean, variance or share over studies, each with its Monte Carlo SE), and a case of such checks on one tiny
scenario (closed_forms.py lists them). A check reports z = (simulated - exact) / MC SE and passes when |z| <= 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from simulator.questions.run.run import run
from simulator.questions.validation.criteria import Z_PASS
from simulator.scenario.schema import Scenario
from simulator.simulation.options import RunOptions

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
            z = z_score(simulated, check.exact, se)
            rows.append({
                "part": "closed form", "case": self.name, "quantity": check.quantity, "formula": check.formula,
                "expected": check.exact, "simulated": simulated, "mc_se": se, "z": z,
                "studies": replications, "patients": self.scenario.cohort.size, "passed": abs(z) <= Z_PASS,
            })
        return pd.DataFrame(rows, columns=COLUMNS)


def z_score(simulated: float, exact: float, se: float) -> float:
    """(simulated - exact) / MC SE; with no Monte Carlo error, 0 when they agree, else an infinite z."""
    if se > 0:
        return (simulated - exact) / se
    return 0.0 if np.isclose(simulated, exact, rtol=0, atol=1e-12) else float(np.copysign(np.inf, simulated - exact))
