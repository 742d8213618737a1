"""The vectorised two-arm statistics against lifelines and scipy, trial by trial."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.statistics import logrank_test
from scipy.stats import fisher_exact

from simulator.questions.power.logrank import cox_hazard_ratio, logrank, risk_sets
from simulator.questions.power.trial import compare_trm


@pytest.fixture(scope="module")
def trials():
    """Eight trials of 2 x 30 patients: exponential times, hazard ratio 1.6, uniform censoring."""
    rng = np.random.default_rng(20240612)
    n_rows, n = 8, 30
    arm_b = np.zeros((n_rows, 2 * n), dtype=bool)
    arm_b[:, n:] = True
    event_time = np.where(arm_b, rng.exponential(5.0, arm_b.shape), rng.exponential(8.0, arm_b.shape))
    censor = rng.uniform(0, 12, arm_b.shape)
    return np.minimum(event_time, censor), event_time <= censor, arm_b


@pytest.mark.parametrize("tied", [False, True], ids=["continuous", "tied-times"])
def test_logrank_equals_lifelines_in_every_trial(trials, tied):
    """Rounded times tie events with events and with censorings: the hypergeometric variance must match."""
    time, event, arm_b = trials
    if tied:
        time = np.round(time)
        assert any(len(np.unique(row)) < row.size for row in time)
    ours = logrank(time, event, arm_b)
    for r in range(time.shape[0]):
        a, b = ~arm_b[r], arm_b[r]
        ref = logrank_test(time[r][a], time[r][b], event[r][a], event[r][b])
        assert ours.z[r] ** 2 == pytest.approx(ref.test_statistic, abs=1e-9)
        assert ours.p_value[r] == pytest.approx(ref.p_value, abs=1e-9)
        assert ours.observed_b[r] == event[r][b].sum()


def test_logrank_sign_says_which_arm_did_better(trials):
    time, event, arm_b = trials  # arm B has the higher hazard in every trial's population
    ours = logrank(time, event, arm_b)
    assert np.mean(ours.z > 0) >= 0.75
    flipped = logrank(time, event, ~arm_b)
    assert np.allclose(flipped.z, -ours.z)


def cox_score(time, event, arm_b, beta):
    """Textbook partial-likelihood score of the arm indicator, looped over events (no ties)."""
    score = 0.0
    for i in np.flatnonzero(event):
        at_risk = time >= time[i]
        weights = np.exp(beta * arm_b[at_risk])
        score += arm_b[i] - (weights * arm_b[at_risk]).sum() / weights.sum()
    return score


def test_cox_hazard_ratio_equals_lifelines(trials):
    """Continuous times (no ties): Breslow equals lifelines' Efron. Ours solves the score equation to
    rounding; lifelines, even asked for tight precision, stops with a score about 1e-6, hence rel=1e-6."""
    time, event, arm_b = trials
    ours = cox_hazard_ratio(risk_sets(time, event, arm_b))
    for r in range(time.shape[0]):
        assert cox_score(time[r], event[r], arm_b[r], np.log(ours[r])) == pytest.approx(0, abs=1e-9)
        data = pd.DataFrame({"t": time[r], "e": event[r], "b": arm_b[r].astype(float)})
        fitted = CoxPHFitter().fit(data, "t", "e", fit_options={"precision": 1e-12, "r_precision": 1e-15})
        assert ours[r] == pytest.approx(np.exp(fitted.params_["b"]), rel=1e-6)


def test_cox_hazard_ratio_without_a_maximum():
    """No events in arm B: HR 0; none in arm A: infinite; none at all: undefined (and log-rank p = 1)."""
    time = np.tile([1.0, 3, 5, 2, 4, 6], (3, 1))  # the arms interleave
    arm_b = np.array([[False] * 3 + [True] * 3] * 3)
    event = np.array([[1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 0, 0]], dtype=bool)
    assert cox_hazard_ratio(risk_sets(time, event, arm_b)).tolist()[:2] == [0.0, np.inf]
    assert np.isnan(cox_hazard_ratio(risk_sets(time, event, arm_b))[2])
    assert logrank(time, event, arm_b).p_value[2] == 1.0


def test_fisher_per_distinct_pair_equals_scipy_per_trial():
    rng = np.random.default_rng(5)
    deaths_a, deaths_b = rng.binomial(40, 0.15, 300), rng.binomial(40, 0.05, 300)
    tests = compare_trm(deaths_a, deaths_b, 40)
    for a, b, p in zip(deaths_a, deaths_b, tests.p_value):
        assert p == fisher_exact([[a, 40 - a], [b, 40 - b]]).pvalue
    assert np.array_equal(tests.score > 0, deaths_a > deaths_b)
    assert np.allclose(tests.effect, (deaths_b - deaths_a) / 40)
