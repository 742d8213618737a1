"""Statistics of a power curve: which arm is truly better, power between simulated sizes, sample sizes.

Which arm is truly better comes from the simulation itself: all simulated trials of all sizes pooled,
stratified by trial (the log-rank / Mantel-Haenszel score summed over trials, i.e. over every simulated
patient). If that pooled comparison cannot tell the arms apart (|z| < 3, e.g. identical protocols), no
arm is better: power is then the share of trials significant in either direction, the false-positive
(type I error) rate, and there is no type S error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri  # the normal CDF and its inverse, without importing scipy.stats

TRUTH_Z = 3.0


@dataclass
class Truth:
    """Which arm is better over all simulated patients: +1 arm B, -1 arm A, 0 cannot tell (|z| < 3)."""

    better: int
    z: float  # pooled score / its standard error; > 0 favours arm B


def pooled_truth(studies: pd.DataFrame) -> Truth:
    """The comparison of the arms over every simulated trial of every size, stratified by trial."""
    score, variance = studies["score"].sum(), studies["score_variance"].sum()
    z = float(score / math.sqrt(variance)) if variance > 0 else 0.0
    return Truth(0 if abs(z) < TRUTH_Z else int(np.sign(z)), z)


def _probit(power: np.ndarray, replications: int) -> np.ndarray:
    """Probit of a simulated share, kept finite when no trial or every trial was significant."""
    return ndtri(np.clip(power, 0.5 / replications, 1 - 0.5 / replications))


def interpolated_power(sizes: np.ndarray, power: np.ndarray, replications: int, at: np.ndarray) -> np.ndarray:
    """Power between the simulated sizes: probit(power) linear in sqrt(size), as under the normal
    approximation (Schoenfeld), where probit(power) grows linearly with sqrt(patients per arm)."""
    return ndtr(np.interp(np.sqrt(at), np.sqrt(sizes), _probit(power, replications)))


def size_for_power(
    sizes: np.ndarray, power: np.ndarray, target: float, replications: int, truth: Truth
) -> tuple[float, str]:
    """Patients per arm where power first reaches `target` (rounded up), or NaN with the reason; between
    the two sizes around the crossing, as `interpolated_power`."""
    if truth.better == 0:
        return math.nan, (f"no true difference between the arms (pooled z = {truth.z:.1f}): "
                          "power stays at the false-positive rate")
    reached = np.flatnonzero(power >= target)
    if reached.size == 0:
        return math.nan, (f"not reached: {power[-1]:.0%} power at the largest size ({sizes[-1]} per arm); "
                          "try larger sizes")
    i = reached[0]
    if i == 0:
        return math.nan, f"already reached at the smallest size ({sizes[0]} per arm); try smaller sizes"
    y0, y1 = _probit(power[i - 1 : i + 1], replications)
    x0, x1 = np.sqrt(sizes[i - 1 : i + 1])
    x = x0 + (ndtri(target) - y0) * (x1 - x0) / (y1 - y0)
    return float(math.ceil(x**2 - 1e-9)), f"interpolated between {sizes[i - 1]} and {sizes[i]} per arm"
