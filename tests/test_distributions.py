"""Distributions: inverse CDFs reproduce their exact means; bad parameters are rejected."""

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError

from simulator.distributions import DAYS_PER_YEAR, Distribution

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
