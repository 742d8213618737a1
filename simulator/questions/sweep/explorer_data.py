"""explorer.json: what explorer.html shows at each grid point of a sweep, drawn from the runs already in memory
(no simulation): survival bands, the per-study values a probability is counted from, waits and occupancy of
finite resources, and costs against the first grid point or a comparator (`--against`).

Numbers are kept to what the page shows, so that 60 points of 2,000 studies fit in a page under 2 MB. The
probability box keeps per-study values of the outcomes a clinician asks about (TRM, the published ones, OS and
DFS at the key landmark, and every `--probability` outcome) to 6 significant digits: a study within half a unit
of the 6th digit of a threshold counts as equal to it, as `--probability` counts one within 1e-9.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from simulator.outcomes.conditions import Condition
from simulator.outcomes.summary import MIN_EVALUABLE
from simulator.outcomes.vocabulary import key_landmark
from simulator.questions.sweep.grid import Grid
from simulator.report.plots import MIN_EVALUABLE_SHOWN, QUARTER_WEEKS, wait_bars
from simulator.scenario.catalogue import Outcome
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.simulation.results import RunResult


class ExploredSweep(Protocol):
    """What the explorer reads of a sweep (SweepResult has it); a protocol, as the result imports this module."""

    @property
    def grid(self) -> Grid: ...
    @property
    def runs(self) -> Sequence[RunResult]: ...
    @property
    def catalogue(self) -> dict[str, Outcome]: ...
    @property
    def conditions(self) -> tuple[Condition, ...]: ...
    @property
    def comparator(self) -> RunResult | None: ...

FORMAT_VERSION = 1
SIGNIFICANT_DIGITS = 6  # of the per-study values behind the probability box
CURVE_DECIMALS = 3  # survival bands are drawn, not read: 0.001 is a third of a pixel on a 320-pixel axis
OCCUPANCY_EVERY_WEEKS = 4  # the occupancy band is a 13-week moving average: every 4th week draws it fully
WTP_PER_QALY = (20000.0, 30000.0)  # as compare's default thresholds (NICE's usual range)
ECONOMIC_OUTCOMES = ("costs", "qalys")


def explorer_data(result: ExploredSweep) -> dict[str, Any]:
    """Everything explorer.html draws that sweep.csv does not hold, point by point in grid order."""
    base = result.grid.base
    curves = ["os", "dfs"] if base.has_transplant else ["os_itt", "efs_itt"]
    counted = _counted_outcomes(result)
    reference = result.comparator or result.runs[0]
    priced = base.economics is not None and all(o in run.values for o in ECONOMIC_OUTCOMES
                                                for run in (*result.runs, reference))
    first = result.runs[0]
    return {
        "format": FORMAT_VERSION,
        "grid_years": _rounded(first.grid_years, CURVE_DECIMALS),
        "curves": curves,
        "counted": counted,
        "wtp": list(WTP_PER_QALY) if priced else [],
        "currency": base.economics.currency if base.economics is not None else None,
        "against": result.comparator.scenario.metadata.name if result.comparator is not None else None,
        "against_values": ({name: _mean_se(reference.values[name]) for name in ECONOMIC_OUTCOMES}
                           if priced and result.comparator is not None else None),
        "points": [_point(run, curves, counted, reference if priced else None) for run in result.runs],
    }


def _counted_outcomes(result: ExploredSweep) -> list[str]:
    """The outcomes whose per-study values the page keeps: TRM, those with a published value, OS and DFS (or
    from enrolment, without a transplant) at the key landmark, and those of `--probability`. Not every outcome:
    the per-study values of a dozen continuous ones would make the page ten times its size."""
    base = result.grid.base
    landmark, families = key_landmark(base), ("os", "dfs") if base.has_transplant else ("os_itt", "efs_itt")
    curves = [name for name, o in result.catalogue.items() if o.family in families and o.landmark == landmark]
    wanted = ["trm", *base.targets, *curves, *(c.outcome for c in result.conditions)]
    present = set().union(*(run.values for run in result.runs))
    return [name for name in dict.fromkeys(wanted) if name in present]


def _point(run: RunResult, curves: list[str], counted: list[str], reference: RunResult | None) -> dict[str, Any]:
    return {
        "curves": {curve: _curve(run, curve) for curve in curves if curve in run.curves},
        "values": {name: per_study(run.values[name]) for name in counted if name in run.values},
        "resources": {resource: _resource(run, resource) for resource in run.occupancy},
        "economics": _economics(run, reference) if reference is not None else None,
    }


def _curve(run: RunResult, curve: str) -> dict[str, Any]:
    """The 2.5 and 97.5 percentiles and the mean across studies over time, and from when under 95% of studies
    still follow someone (the figure's grey region)."""
    lower, mean, upper, evaluable = sorted_band(run.curves[curve])
    partial = np.flatnonzero(evaluable < MIN_EVALUABLE)
    return {
        "lower": _rounded(lower, CURVE_DECIMALS),
        "mean": _rounded(mean, CURVE_DECIMALS),
        "upper": _rounded(upper, CURVE_DECIMALS),
        "partial_from": float(run.grid_years[partial[0]]) if partial.size else None,
    }


def sorted_band(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`report.plots.study_band` (the run's figures) from one sort of each column: numpy's nanpercentile takes a
    Python loop over the columns, which made the explorer's data a tenth of a sweep's time."""
    ordered = np.sort(curves.astype(float).T, axis=1)  # each time's studies in a row (contiguous), NaN last
    finite = np.isfinite(curves).sum(axis=0)
    evaluable = finite / len(curves)
    columns = np.arange(curves.shape[1])
    bands = []
    for q in (0.025, 0.975):  # numpy's default ("linear"): between the order statistics around q (n - 1)
        position = q * np.maximum(finite - 1, 0)
        below = np.floor(position).astype(int)
        above = np.minimum(below + 1, np.maximum(finite - 1, 0))
        low, high = ordered[columns, below], ordered[columns, above]
        bands.append(np.where(evaluable >= MIN_EVALUABLE_SHOWN, low + (high - low) * (position - below), np.nan))
    shown = evaluable >= MIN_EVALUABLE_SHOWN
    mean = np.full(curves.shape[1], np.nan)
    mean[shown] = np.nanmean(curves[:, shown].astype(float), axis=0)  # the figures' line: the table's estimate
    return bands[0], mean, bands[1], evaluable


def per_study(values: np.ndarray) -> dict[str, Any]:
    """The studies' values as distinct levels and how many studies report each (NaN left out, `of` says how
    many studies could estimate it): levels are whole multiples of `unit`, the unit of the 6th significant
    digit of the largest value, written as differences from the previous level, so that they stay short."""
    finite = values[np.isfinite(values)]
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    exponent = math.floor(math.log10(largest)) - SIGNIFICANT_DIGITS + 1 if largest > 0 else -SIGNIFICANT_DIGITS
    levels, counts = np.unique(np.round(finite / 10.0**exponent).astype(np.int64), return_counts=True)
    steps = np.diff(levels, prepend=0)
    return {"exponent": exponent, "steps": steps.tolist(), "counts": counts.tolist(), "of": int(finite.size)}


def _resource(run: RunResult, resource: str) -> dict[str, Any]:
    """Waits pooled over studies (bars as the run's figure groups them) and the occupancy band, as 13-week
    moving averages (the run's figure), every 4th week."""
    labels, bars = wait_bars(run.wait_counts[resource])
    weekly = run.occupancy[resource]
    window = min(QUARTER_WEEKS, weekly.shape[1])
    running = np.cumsum(weekly, axis=1, dtype=np.int64)  # whole units: exact, and far faster than in floats

    def summed(weeks: np.ndarray) -> np.ndarray:  # over the first `weeks` weeks, for each study
        return np.where(weeks > 0, running[:, np.maximum(weeks - 1, 0)], 0)

    ends = np.arange(window, weekly.shape[1] + 1)[::OCCUPANCY_EVERY_WEEKS]  # only the windows drawn
    smoothed = (summed(ends) - summed(ends - window)) / window
    lower, upper = np.percentile(smoothed, [2.5, 97.5], axis=0)
    years = run.occupancy_grid_days / DAYS_PER_YEAR
    centres = (years[ends - 1] + years[ends - window]) / 2
    return {
        "capacity": run.scenario.resources[resource].capacity,
        "accrual_years": run.scenario.cohort.accrual_years,
        "wait_labels": labels,
        "wait_patients": [int(b) for b in bars],
        "years": _rounded(centres, 3),
        "mean": _rounded(smoothed.mean(axis=0), 3),
        "lower": _rounded(lower, 3),
        "upper": _rounded(upper, 3),
    }


def _economics(run: RunResult, reference: RunResult) -> dict[str, Any]:
    """Incremental costs and QALYs against the reference (the first grid point or `--against`), study by study
    (simulated with the same seed), and the net monetary benefit at each threshold; mean and MC SE."""
    costs = run.values["costs"] - reference.values["costs"]
    qalys = run.values["qalys"] - reference.values["qalys"]
    return {
        "incremental_costs": _mean_se(costs),
        "incremental_qalys": _mean_se(qalys),
        "inmb": [_mean_se(threshold * qalys - costs) for threshold in WTP_PER_QALY],
    }


def _mean_se(values: np.ndarray) -> list[float | None]:
    values = values[np.isfinite(values)]
    if values.size < 2:
        return [float(values.mean()) if values.size else None, None]
    return [float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))]


def _rounded(values: np.ndarray, decimals: int) -> list[float | None]:
    """JSON numbers with NaN as null."""
    return [None if not math.isfinite(v) else round(float(v), decimals) for v in values]
