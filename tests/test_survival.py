"""Tests of the vectorised Kaplan-Meier and Aalen-Johansen estimators against lifelines and closed forms."""

import warnings

import numpy as np
import pytest
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from simulator.outcomes.survival import cumulative_incidence, first_reaching, kaplan_meier


def lifelines_km(t: np.ndarray, event: np.ndarray, grid: np.ndarray) -> np.ndarray:
    values = KaplanMeierFitter().fit(t, event).survival_function_at_times(grid).to_numpy()
    return np.where((grid > t.max()) & ~np.all(event), np.nan, values)


def lifelines_cif(t: np.ndarray, cause: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """lifelines' Aalen-Johansen CIF of cause 1 as a step function; fails if lifelines would jitter."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # lifelines warns exactly when it jitters tied times
        aj = AalenJohansenFitter(calculate_variance=False).fit(t, cause, event_of_interest=1)
    values = aj.cumulative_density_["CIF_1"].asof(grid).to_numpy()
    return np.where((grid > t.max()) & ~np.all(cause != 0), np.nan, values)


def reference_cif(t: np.ndarray, cause: np.ndarray, grid: np.ndarray, k: int = 1) -> np.ndarray:
    """Textbook Aalen-Johansen over distinct times (exact with ties), looped for clarity."""
    s, cif, steps = 1.0, 0.0, []
    for u in np.unique(t):
        at_risk, dead = np.sum(t >= u), (t == u) & (cause != 0)
        cif += s * np.sum(dead & (cause == k)) / at_risk
        s *= 1.0 - dead.sum() / at_risk
        steps.append((u, cif))
    values = np.array([max([c for u, c in steps if u <= g], default=0.0) for g in grid])
    return np.where((grid > t.max()) & ~np.all(cause != 0), np.nan, values)


@pytest.fixture(scope="module")
def random_studies():
    """Six rows with different analysis sets, heavy censoring, two competing causes, continuous times."""
    rng = np.random.default_rng(20240611)
    n_rows, n = 6, 40
    event_time = rng.exponential(10.0, (n_rows, n))
    censor_time = rng.exponential(6.0, (n_rows, n))  # about 60% censored
    time = np.minimum(event_time, censor_time)
    cause = np.where(event_time <= censor_time, rng.choice([1, 2], (n_rows, n), p=[0.6, 0.4]), 0)
    included = rng.random((n_rows, n)) < np.array([1.0, 0.3, 0.5, 0.7, 0.9, 0.6])[:, None]
    included[5] = np.arange(n) < 10
    # Excluded subjects carry garbage that must be ignored.
    time = np.where(included, time, rng.choice([np.nan, np.inf, -3.0, 0.5], (n_rows, n)))
    cause = np.where(included, cause, rng.choice([0, 1, 2], (n_rows, n)))

    event_times = [time[r][included[r] & (cause[r] != 0)] for r in range(n_rows)]
    first_event = min(e.min() for e in event_times)
    last_time = np.nanmax(np.where(included, time, np.nan))
    exact = np.concatenate([rng.choice(e, min(3, e.size), replace=False) for e in event_times])
    grid = np.unique(
        np.concatenate([[0.0, first_event / 2], exact, np.linspace(0, 40, 21), [last_time, 2 * last_time]])
    )
    assert min(e.size for e in event_times) >= 2 and grid[1] < first_event
    return time, cause, included, grid


def test_km_matches_lifelines(random_studies):
    time, cause, included, grid = random_studies
    got = kaplan_meier(time, cause != 0, included, grid)
    assert got.shape == (time.shape[0], grid.size)
    for r in range(time.shape[0]):
        m = included[r]
        np.testing.assert_allclose(got[r], lifelines_km(time[r][m], cause[r][m] != 0, grid), rtol=0, atol=1e-9)


def test_cif_matches_lifelines(random_studies):
    time, cause, included, grid = random_studies
    got = cumulative_incidence(time, cause, included, grid)
    for r in range(time.shape[0]):
        m = included[r]
        np.testing.assert_allclose(got[r], lifelines_cif(time[r][m], cause[r][m], grid), rtol=0, atol=1e-9)


def test_cifs_add_up_to_one_minus_km(random_studies):
    time, cause, included, grid = random_studies
    total = cumulative_incidence(time, cause, included, grid, 1) + cumulative_incidence(time, cause, included, grid, 2)
    np.testing.assert_allclose(total, 1.0 - kaplan_meier(time, cause != 0, included, grid), rtol=0, atol=1e-12)


def test_ties_are_exact():
    """Integer times: tied events, and events tied with censorings, in every row."""
    rng = np.random.default_rng(7)
    n_rows, n = 5, 30
    time = rng.integers(1, 6, (n_rows, n)).astype(float)
    cause = np.where(rng.random((n_rows, n)) < 0.6, rng.choice([1, 2], (n_rows, n)), 0)
    included = rng.random((n_rows, n)) < 0.8
    grid = np.arange(0.0, 8.0, 0.5)
    km = kaplan_meier(time, cause != 0, included, grid)
    cif = cumulative_incidence(time, cause, included, grid)
    cif_one_cause = cumulative_incidence(time, np.minimum(cause, 1), included, grid)
    for r in range(n_rows):
        t, c = time[r][included[r]], cause[r][included[r]]
        np.testing.assert_allclose(km[r], lifelines_km(t, c != 0, grid), rtol=0, atol=1e-12)
        np.testing.assert_allclose(cif[r], reference_cif(t, c, grid), rtol=0, atol=1e-12)
        # Ties within a single cause do not make lifelines jitter.
        np.testing.assert_allclose(cif_one_cause[r], lifelines_cif(t, np.minimum(c, 1), grid), rtol=0, atol=1e-12)


def test_empty_and_all_censored_rows():
    time = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [np.nan, 2.0, 4.0]])
    cause = np.array([[1, 2, 1], [0, 0, 0], [1, 0, 0]])
    included = np.array([[False, False, False], [True, True, True], [False, True, True]])
    grid = np.array([0.0, 1.0, 2.5, 3.0])
    km = kaplan_meier(time, cause != 0, included, grid)
    cif = cumulative_incidence(time, cause, included, grid)
    assert np.isnan(km[0]).all() and np.isnan(cif[0]).all()
    np.testing.assert_array_equal(km[1], 1.0)
    np.testing.assert_array_equal(cif[1], 0.0)
    np.testing.assert_array_equal(km[2], [1.0, 1.0, 1.0, 1.0])


def test_no_value_past_the_last_observation():
    """A study followed for 2 years has no 5-year survival: NaN, not the 2-year value carried forward. When
    every subject has had an event the curve is known to its end (S = 0) and stays defined; a curve that
    reaches 0 with someone censored earlier does not (in a study cut short that would select bad studies)."""
    time = np.array([[0.5, 1.0, 2.0], [0.5, 1.0, 2.0], [0.5, 1.0, 2.0]])
    event = np.array([[True, False, False], [True, True, True], [True, False, True]])
    grid = np.array([1.0, 2.0, 2.0001, 5.0])
    km = kaplan_meier(time, event, np.ones_like(event), grid)
    np.testing.assert_allclose(km[0], [2 / 3, 2 / 3, np.nan, np.nan])
    np.testing.assert_allclose(km[1], [1 / 3, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(km[2], [2 / 3, 0.0, np.nan, np.nan])
    cif = cumulative_incidence(time, event.astype(int), np.ones_like(event), grid)
    np.testing.assert_allclose(cif[0], [1 / 3, 1 / 3, np.nan, np.nan])
    np.testing.assert_allclose(cif[1], [2 / 3, 1.0, 1.0, 1.0])


def test_km_exponential_closed_form():
    rng = np.random.default_rng(11)
    n, rate = 20000, 0.3
    time = rng.exponential(1 / rate, (1, n))
    grid = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 12.0])
    truth = np.exp(-rate * grid)
    se = np.sqrt(truth * (1 - truth) / n)
    got = kaplan_meier(time, np.ones_like(time, dtype=bool), np.ones_like(time, dtype=bool), grid)[0]
    assert np.all(np.abs(got - truth) < 4 * se)


def test_cif_competing_exponentials_closed_form():
    rng = np.random.default_rng(12)
    n, lr, ld = 20000, 0.2, 0.1
    relapse, death = rng.exponential(1 / lr, (1, n)), rng.exponential(1 / ld, (1, n))
    time, cause = np.minimum(relapse, death), np.where(relapse <= death, 1, 2)
    grid = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0])
    truth = lr / (lr + ld) * (1 - np.exp(-(lr + ld) * grid))
    se = np.sqrt(truth * (1 - truth) / n)
    got = cumulative_incidence(time, cause, np.ones_like(time, dtype=bool), grid)[0]
    assert np.all(np.abs(got - truth) < 4 * se)


@pytest.mark.parametrize("seed", range(6))
def test_first_reaching_is_the_grid_reading_of_kaplan_meier(seed):
    """The median follow-up's shortcut gives exactly what reading the Kaplan-Meier curve on the grid gives: ties
    (times rounded to a tenth), excluded subjects, rows with nobody, rows that never reach the level, and rows
    whose data end before it (NaN)."""
    rng = np.random.default_rng(seed)
    rows, n = 400, 30
    time = np.round(rng.exponential(20.0, (rows, n)), 1)
    event = rng.random((rows, n)) < rng.uniform(0.1, 0.9, (rows, 1))
    included = rng.random((rows, n)) < rng.uniform(0.0, 1.0, (rows, 1))
    included[:5] = False
    grid = np.arange(0.0, 120.0, 0.1)
    for level in (0.5, 0.2, 0.9):
        curve = kaplan_meier(time, event, included, grid)
        reached = curve <= level
        expected = np.where(reached.any(axis=1), grid[np.argmax(reached, axis=1)], np.nan)
        np.testing.assert_array_equal(first_reaching(time, event, included, grid, level), expected)
