"""Vectorised Kaplan-Meier and Aalen-Johansen estimates across many simulated studies.

Each row of the (R, n) inputs is one simulated study of n patients; `included` marks the analysis set
of that row. The estimators are the simulator's hot path, so they never loop over rows or patients:
each row is sorted by time (events before censorings at tied times, excluded subjects last), the
estimator is built as a per-position cumulative product or sum, and it is read off at the grid by
counting, per row, the subjects with time <= t.

Processing tied events one at a time with at-risk counts n, n-1, ... is exact, because the products
telescope: (1 - 1/n)(1 - 1/(n-1))...(1 - 1/(n-d+1)) = 1 - d/n for the survival function, and every
one of the d events gets weight S(t-) (n-i)/n / (n-i) = S(t-)/n for the cumulative incidence. As the
grid is only read after whole tie groups, both estimators are exact with ties; lifelines' Aalen-Johansen
instead jitters event times of different causes that tie, which the simulator's continuous times avoid.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class _Sorted(NamedTuple):
    """All-cause survival bookkeeping of each row, in the per-row order of increasing time."""

    order: np.ndarray  # (R, n) column indices sorting each row
    at_risk: np.ndarray  # (R, n) subjects still at risk at each sorted position (>= 1)
    survival: np.ndarray  # (R, n + 1) all-cause KM after the first j sorted subjects; column 0 is 1
    counts: np.ndarray  # (R, G) number of included subjects with time <= grid point
    empty: np.ndarray  # (R,) rows with no included subject
    unobserved: np.ndarray  # (R, G) grid points past the row's data: nobody still observed, someone censored


def _sorted_survival(
    t: np.ndarray, event: np.ndarray, included: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row sorted by time, events (key False) before censorings, excluded subjects (time inf) last: the
    order, the number at risk at each sorted position, and the all-cause KM after the first j sorted subjects."""
    n_rows, n = t.shape
    order = np.lexsort((~event, t), axis=1)
    at_risk = np.maximum(included.sum(axis=1)[:, None] - np.arange(n), 1)
    factors = 1.0 - np.take_along_axis(event, order, axis=1) / at_risk
    survival = np.ones((n_rows, n + 1))
    np.cumprod(factors, axis=1, out=survival[:, 1:])
    return order, at_risk, survival


def _prepare(time: np.ndarray, event: np.ndarray, included: np.ndarray, grid: np.ndarray) -> _Sorted:
    """Sort each row and build the all-cause KM per sorted position and the grid look-up counts."""
    included = np.asarray(included, dtype=bool)
    event = np.asarray(event, dtype=bool) & included
    t = np.where(included, time, np.inf)
    grid = np.asarray(grid, dtype=float)
    n_rows, n = t.shape
    n_grid = grid.size

    order, at_risk, survival = _sorted_survival(t, event, included)
    n_in = included.sum(axis=1)

    # Subject j counts from grid index searchsorted(grid, t_j, "left") on, i.e. at every grid t >= t_j.
    # Histogramming these indices per row (one flat bincount with row offsets) and accumulating is
    # exact, unlike searching times shifted by float row offsets.
    first = np.where(included, np.searchsorted(grid, t, side="left"), n_grid)
    flat = (first + (n_grid + 1) * np.arange(n_rows)[:, None]).ravel()
    hist = np.bincount(flat, minlength=n_rows * (n_grid + 1)).reshape(n_rows, n_grid + 1)
    counts = np.cumsum(hist[:, :n_grid], axis=1)
    # Past the last observed time nobody is left to tell what happens, unless every subject had an event (then
    # the estimate is known exactly, and is the end of the curve). Ending where the curve reaches 0 would not
    # do: in a study cut short, that selects the studies whose longest-followed patient happened to die.
    last = np.max(np.where(included, t, -np.inf), axis=1)
    censored = np.any(included & ~event, axis=1)
    unobserved = (grid[None, :] > last[:, None]) & censored[:, None]
    return _Sorted(order, at_risk, survival, counts, n_in == 0, unobserved)


def kaplan_meier(time: np.ndarray, event: np.ndarray, included: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Kaplan-Meier S(t) per row at each grid time: returns (R, G) float array.

    time: (R, n) float observed times (event or censoring time), finite for included subjects (may be
    anything, e.g. nan/inf, where not included).
    event: (R, n) bool, True = event observed, False = censored.
    included: (R, n) bool, which subjects belong to the analysis set of that row.
    grid: (G,) sorted non-negative times.
    S is right-continuous (an event at exactly t counts in S(t)); at tied times events are processed
    before censorings (censored at t are at risk at t), as lifelines does. Exact with ties.
    NaN where the estimate does not exist: rows with no included subject, and grid times past a row's last
    observed time (nobody left under observation) unless every subject of the row had an event. Lifelines
    instead carries the last value forward, which would report, e.g., a 5-year survival from 2 years of data.
    """
    return CompetingRisks(time, event, included, grid).survival()


def cumulative_incidence(
    time: np.ndarray, cause: np.ndarray, included: np.ndarray, grid: np.ndarray, of_interest: int = 1
) -> np.ndarray:
    """Aalen-Johansen cumulative incidence of cause `of_interest` with all other non-zero causes competing: (R, G).

    cause: (R, n) int, 0 = censored, 1, 2, ... = event cause. Same conventions as kaplan_meier.
    CIF(t) = sum over event times s <= t of S(s-) * d_k(s) / n(s), where S is the all-cause KM.
    Tied events are processed one at a time (events before censorings); as explained in the module
    docstring this telescopes to the formula above, so the result is exact with ties as well.
    """
    return CompetingRisks(time, cause, included, grid).incidence(of_interest)


class CompetingRisks:
    """Times to the first of several events (`cause` 0 = censored, 1, 2, ... or a bool for one event), sorted
    once: the Kaplan-Meier survival from any event and the Aalen-Johansen incidence of each cause all come from
    that one sort (disease-free survival, relapse and non-relapse mortality share their times). `at` reads them
    at some grid indices only."""

    def __init__(self, time: np.ndarray, cause: np.ndarray, included: np.ndarray, grid: np.ndarray) -> None:
        self.cause, self.included = np.asarray(cause), np.asarray(included, dtype=bool)
        self.sorted = _prepare(time, self.cause != 0, self.included, grid)

    def survival(self, at: np.ndarray | None = None) -> np.ndarray:
        """Kaplan-Meier S(t) from any event, (R, G) (or (R, len(at)))."""
        return self._read(self.sorted.survival, at)

    def incidence(self, of_interest: int = 1, at: np.ndarray | None = None) -> np.ndarray:
        """Aalen-Johansen cumulative incidence of cause `of_interest`, (R, G) (or (R, len(at)))."""
        s = self.sorted
        hit = np.take_along_axis((self.cause == of_interest) & self.included, s.order, axis=1)
        cif = np.zeros_like(s.survival)
        np.cumsum(hit * s.survival[:, :-1] / s.at_risk, axis=1, out=cif[:, 1:])
        return self._read(cif, at)  # NaN past the data, unless every subject has had an event of some cause

    def _read(self, per_position: np.ndarray, at: np.ndarray | None) -> np.ndarray:
        """An estimator per sorted position read at the grid (or at grid indices `at`), NaN where it does not exist."""
        s = self.sorted
        counts, unobserved = (s.counts, s.unobserved) if at is None else (s.counts[:, at], s.unobserved[:, at])
        out = np.take_along_axis(per_position, counts, axis=1)
        out[s.empty] = np.nan
        out[unobserved] = np.nan
        return out


def first_reaching(
    time: np.ndarray, event: np.ndarray, included: np.ndarray, grid: np.ndarray, level: float
) -> np.ndarray:
    """(R,): the first grid time at which the Kaplan-Meier S(t) of each row is at or below `level` (NaN if none),
    exactly what reading `kaplan_meier` on the grid would give (NaN where the estimate does not exist), without
    building it on the whole grid: the first sorted subject after which S <= level, then the first grid time on
    or after that subject's time."""
    included = np.asarray(included, dtype=bool)
    event = np.asarray(event, dtype=bool) & included
    t = np.where(included, time, np.inf)
    order, _, survival = _sorted_survival(t, event, included)
    below = survival[:, 1:] <= level
    crossed = below.any(axis=1)
    position = np.argmax(below, axis=1)  # the subject whose event takes S to the level
    when = np.take_along_axis(np.take_along_axis(t, order, axis=1), position[:, None], axis=1)[:, 0]
    index = np.searchsorted(grid, np.where(crossed, when, np.inf), side="left")
    found = index < len(grid)
    at = np.asarray(grid, dtype=float)[np.minimum(index, len(grid) - 1)]
    last = np.max(np.where(included, t, -np.inf), axis=1)
    censored = np.any(included & ~event, axis=1)
    return np.where(found & ~((at > last) & censored), at, np.nan)  # past the data: not known
