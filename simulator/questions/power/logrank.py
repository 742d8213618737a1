"""Two-arm survival comparisons for many simulated trials at once: log-rank test and Cox hazard ratio.

Each row of the (R, m) inputs is one trial's pooled patients of both arms. Like `survival`, nothing loops
over rows or patients: each row is sorted by time, and per tie group (patients sharing a time) we read the
numbers at risk and the events of each arm from cumulative sums. Censored patients at a tied time are at
risk at that time, as in lifelines and every textbook. Both statistics are exact with tied times: the
log-rank variance is the hypergeometric one, d n_b n_a (n - d) / (n^2 (n - 1)) per event time, and the
Cox partial likelihood uses Breslow's handling of ties (identical to Efron's when no times tie, which is
the case for the simulator's continuous event times).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import ndtr  # the normal CDF, without importing scipy.stats

NEWTON_STEPS = 60
NEWTON_TOLERANCE = 1e-12  # a trial's Newton iteration stops once its step is below this (log hazard ratio)
MAX_NEWTON_STEP = 1.0  # log hazard ratio; the partial likelihood is concave, so a capped Newton step converges


class RiskSets(NamedTuple):
    """Per tie group (at the group's last sorted position; zeros elsewhere): events and numbers at risk."""

    events: np.ndarray  # d: events of both arms at this time
    events_b: np.ndarray  # d_b: events in arm B at this time
    at_risk: np.ndarray  # n: patients of both arms with time >= this time
    at_risk_b: np.ndarray  # n_b: patients of arm B with time >= this time


class LogRank(NamedTuple):
    """Per trial: arm B's observed and expected events, the variance of O - E, z and two-sided p."""

    observed_b: np.ndarray
    expected_b: np.ndarray
    variance: np.ndarray
    z: np.ndarray  # (O_B - E_B) / sqrt(V): negative when arm B has fewer events than expected (B better)
    p_value: np.ndarray  # two-sided; 1 for a trial without any information (no events)


def risk_sets(time: np.ndarray, event: np.ndarray, arm_b: np.ndarray) -> RiskSets:
    """Sort each row by time and sum events and numbers at risk per tie group (R, m) -> four (R, m) arrays."""
    order = np.argsort(time, axis=1, kind="stable")
    t = np.take_along_axis(time, order, axis=1)
    d = np.take_along_axis(np.asarray(event, dtype=bool), order, axis=1)
    b = np.take_along_axis(np.asarray(arm_b, dtype=bool), order, axis=1)
    n_rows, m = t.shape
    position = np.broadcast_to(np.arange(m), (n_rows, m))
    starts_group = np.ones((n_rows, m), dtype=bool)
    starts_group[:, 1:] = t[:, 1:] != t[:, :-1]
    ends_group = np.ones((n_rows, m), dtype=bool)
    ends_group[:, :-1] = starts_group[:, 1:]
    first = np.maximum.accumulate(np.where(starts_group, position, 0), axis=1)  # start of each position's group

    def through(values: np.ndarray) -> np.ndarray:  # cumulative count, with a leading zero column
        out = np.zeros((n_rows, m + 1))
        np.cumsum(values, axis=1, out=out[:, 1:])
        return out

    cum_d, cum_db, cum_b = through(d), through(d & b), through(b)
    before = np.take_along_axis(cum_d, first, axis=1), np.take_along_axis(cum_db, first, axis=1)
    events = np.where(ends_group, cum_d[:, 1:] - before[0], 0.0)
    events_b = np.where(ends_group, cum_db[:, 1:] - before[1], 0.0)
    at_risk = np.where(ends_group, m - first, 0.0)
    at_risk_b = np.where(ends_group, cum_b[:, -1:] - np.take_along_axis(cum_b, first, axis=1), 0.0)
    return RiskSets(events, events_b, at_risk, at_risk_b)


def logrank(time: np.ndarray, event: np.ndarray, arm_b: np.ndarray) -> LogRank:
    """Log-rank test of arm B against arm A in every row (the same statistic as lifelines' logrank_test)."""
    return logrank_from(risk_sets(time, event, arm_b))


def logrank_from(s: RiskSets) -> LogRank:
    with np.errstate(invalid="ignore", divide="ignore"):
        share_b = np.where(s.at_risk > 0, s.at_risk_b / s.at_risk, 0.0)
        ties = np.where(s.at_risk > 1, (s.at_risk - s.events) / (s.at_risk - 1), 1.0)
    observed = s.events_b.sum(axis=1)
    expected = (s.events * share_b).sum(axis=1)
    variance = (s.events * share_b * (1 - share_b) * ties).sum(axis=1)
    informative = variance > 0
    z = np.where(informative, (observed - expected) / np.sqrt(np.where(informative, variance, 1.0)), 0.0)
    return LogRank(observed, expected, variance, z, 2 * ndtr(-np.abs(z)))


def cox_hazard_ratio(s: RiskSets) -> np.ndarray:
    """Cox estimate of the hazard ratio of arm B against arm A per row (Breslow ties).

    0 or inf where the partial likelihood has no maximum (e.g. no events in one arm), NaN where no event
    time has both arms at risk.
    """
    d, d_b, n_b = s.events, s.events_b, s.at_risk_b
    n_a = s.at_risk - n_b
    # The score is decreasing in beta; its limits tell whether the maximum is finite.
    score_at_plus_inf = (d_b - np.where(n_b > 0, d, 0.0)).sum(axis=1)
    score_at_minus_inf = (d_b - np.where(n_a > 0, 0.0, d)).sum(axis=1)
    finite = (score_at_plus_inf < 0) & (score_at_minus_inf > 0)
    beta = np.zeros(d.shape[0])
    # Each trial stops at its own convergence, so its estimate never depends on which trials share its chunk.
    active = finite.copy()
    for _ in range(NEWTON_STEPS):
        if not active.any():
            break
        theta = np.exp(beta[active])[:, None]
        denominator = n_a[active] + n_b[active] * theta
        with np.errstate(invalid="ignore", divide="ignore"):
            share_b = np.where(denominator > 0, n_b[active] * theta / denominator, 0.0)
        score = (d_b[active] - d[active] * share_b).sum(axis=1)
        information = (d[active] * share_b * (1 - share_b)).sum(axis=1)
        step = np.where(information > 0, score / np.where(information > 0, information, 1.0), 0.0)
        beta[active] += np.clip(step, -MAX_NEWTON_STEP, MAX_NEWTON_STEP)
        active[active] = np.abs(step) >= NEWTON_TOLERANCE
    hazard_ratio = np.exp(beta)
    hazard_ratio[~finite & (score_at_minus_inf <= 0)] = 0.0
    hazard_ratio[~finite & (score_at_plus_inf >= 0)] = np.inf
    hazard_ratio[(score_at_minus_inf <= 0) & (score_at_plus_inf >= 0)] = np.nan
    return hazard_ratio
