"""Distributions: inverse CDFs reproduce their exact means; bad parameters are rejected."""

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.scenario.distributions import DAYS_PER_YEAR, Distribution

ADAPTER = TypeAdapter(Distribution)

CASES = [
    {"dist": "fixed", "value": 5},
    {"dist": "exponential", "rate_per_year": 0.5},
    {"dist": "exponential", "mean_days": 30},
    {"dist": "lognormal", "median": 12.5, "sigma": 0.15},
    {"dist": "gamma", "mean": 20, "sd": 6},
    {"dist": "weibull", "shape": 1.5, "scale": 2, "unit": "years"},
    {"dist": "uniform", "low": 21, "high": 42},
    {"dist": "discrete", "values": [1, 2, 3], "probabilities": [0.71, 0.17, 0.12]},
    {"dist": "piecewise", "breaks_years": [1, 3], "rates_per_year": [0.6, 0.2, 0.4]},
    {"dist": "cure", "cured": 0.0, "uncured": {"dist": "gamma", "mean": 20, "sd": 6}},
]


@pytest.mark.parametrize("spec", CASES, ids=lambda s: s["dist"])
def test_sample_mean_matches_exact_mean(spec):
    dist = ADAPTER.validate_python(spec)
    draws = dist.sample(np.random.default_rng(7), 200_000)
    se = draws.std(ddof=1) / np.sqrt(len(draws))
    assert abs(draws.mean() - dist.expected_days()) <= 4 * se + 1e-12


def test_units_convert_years_to_days():
    assert ADAPTER.validate_python({"dist": "fixed", "value": 2, "unit": "years"}).expected_days() == 2 * DAYS_PER_YEAR
    rate = ADAPTER.validate_python({"dist": "exponential", "rate_per_year": 0.5})
    assert rate.expected_days() == pytest.approx(DAYS_PER_YEAR / 0.5)


def test_ppf_is_monotone_in_the_uniform():
    """Common random numbers rely on it: a larger uniform never gives a shorter time."""
    u = np.linspace(0, 0.999, 1000)
    for spec in CASES:
        assert np.all(np.diff(ADAPTER.validate_python(spec).ppf(u)) >= 0), spec


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"dist": "exponential", "rate_per_year": 0.1, "mean_days": 3}, "exactly one"),
        ({"dist": "exponential", "rate_per_year": -0.1}, "greater than or equal to 0"),
        ({"dist": "lognormal", "median": 0, "sigma": 1}, "greater than 0"),
        ({"dist": "uniform", "low": 5, "high": 2}, "at least low"),
        ({"dist": "discrete", "values": [1, 2], "probabilities": [0.5, 0.6]}, "sum to 1"),
        ({"dist": "discrete", "values": [1, 2], "probabilities": [1.0]}, "differ in length"),
        ({"dist": "normal", "mean": 1}, "does not match any of the expected tags"),
    ],
)
def test_bad_parameters_are_rejected(spec, message):
    with pytest.raises(ValidationError, match=message):
        ADAPTER.validate_python(spec)


def test_piecewise_hazard_survival_is_exp_of_minus_the_cumulative_hazard():
    """S(t) = exp(-H(t)) with H piecewise linear: rates 0.6, 0.2, 0.4 per year split at 1 and 3 years."""
    dist = ADAPTER.validate_python({"dist": "piecewise", "breaks_years": [1, 3], "rates_per_year": [0.6, 0.2, 0.4]})
    years = dist.sample(np.random.default_rng(3), 200_000) / DAYS_PER_YEAR
    for t, cumulative in ((0.5, 0.3), (1.0, 0.6), (2.0, 0.8), (3.0, 1.0), (5.0, 1.8)):
        exact = np.exp(-cumulative)
        assert abs((years > t).mean() - exact) <= 4 * np.sqrt(exact * (1 - exact) / len(years)), t


def test_cure_fraction_survival_has_a_plateau():
    """S(t) = c + (1 - c) exp(-r t): with c = 0.4 and r = 0.5 per year, 40% never have the event."""
    dist = ADAPTER.validate_python(
        {"dist": "cure", "cured": 0.4, "uncured": {"dist": "exponential", "rate_per_year": 0.5}})
    years = dist.sample(np.random.default_rng(4), 200_000) / DAYS_PER_YEAR
    for t in (0.5, 2.0, 10.0, 100.0):
        exact = 0.4 + 0.6 * np.exp(-0.5 * t)
        assert abs((years > t).mean() - exact) <= 4 * np.sqrt(exact * (1 - exact) / len(years)), t
    assert dist.expected_days() == np.inf


@pytest.mark.parametrize("spec, message", [
    ({"dist": "piecewise", "breaks_years": [1], "rates_per_year": [0.1]}, "one rate more than breaks"),
    ({"dist": "piecewise", "breaks_years": [3, 1], "rates_per_year": [0.1, 0.2, 0.3]}, "must increase"),
    ({"dist": "cure", "cured": 1.0, "uncured": {"dist": "fixed", "value": 1}}, "less than 1"),
])
def test_bad_piecewise_and_cure_are_rejected(spec, message):
    with pytest.raises(ValidationError, match=message):
        ADAPTER.validate_python(spec)


@pytest.mark.parametrize("spec, words", [
    ({"dist": "exponential", "rate_per_year": 0.1}, "constant hazard (exponential)"),
    ({"dist": "weibull", "shape": 0.7, "scale": 5, "unit": "years"}, "falling hazard (Weibull, shape 0.7)"),
    ({"dist": "piecewise", "breaks_years": [2], "rates_per_year": [0.3, 0.05]},
     "piecewise-constant hazard, 0.05 a year after 2 years"),
    ({"dist": "cure", "cured": 0.4, "uncured": {"dist": "exponential", "rate_per_year": 0.3}},
     "cure fraction 40%, the others with a constant hazard (exponential)"),
])
def test_a_hazard_says_how_it_extrapolates(spec, words):
    """Lifetime results name the extrapolation they use: each distribution's hazard shape in words."""
    assert TypeAdapter(Distribution).validate_python(spec).hazard_words() == words
