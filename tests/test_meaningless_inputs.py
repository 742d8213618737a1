"""Inputs that were accepted but meant nothing: a published target outside what its outcome can be, a target set
free in calibration, and distribution parameters at the edge of their bounds that crashed the run (found by the
fuzzer: a gamma with a tiny sd overflowed, an exponential of rate 1e-20 sent ages past 64 bits)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.scenario.distributions import MAX_TIME, NEVER_DAYS, Exponential, Gamma, LogNormal, Piecewise, Weibull

from helpers import SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")  # has a [population]: background deaths from the age on leaving
SMALL = ["--replications", "4", "--workers", "1", "--quiet"]


@pytest.mark.parametrize("target, says", [
    ("targets.trm=-0.5", "targets.trm: the published value is a proportion, from 0 to 1; got -0.5"),
    ("targets.os_5y=2", "targets.os_5y: the published value is a proportion"),
    ("targets.os_5y=-1e308", "got -1e+308"),
    ("targets.followup_mean_months=-3", "targets.followup_mean_months: the published value is in months, from 0"),
])
def test_impossible_targets_are_refused(in_tmp_cwd, capsys, target, says):
    assert main(["run", BURT, "--set", target, *SMALL]) == 2
    assert says in capsys.readouterr().err


def test_a_target_is_not_a_parameter_to_fit(in_tmp_cwd, capsys):
    assert main(["calibrate", BURT, "--free", "targets.os_5y=0:1", *SMALL]) == 2
    assert "a target is the published figure to reach" in capsys.readouterr().err


@pytest.mark.parametrize("duration, says", [
    ('{ dist = "gamma", mean = 10, sd = 1e-300 }', "sd (1e-300) must be at least mean / 1e+06"),
    ('{ dist = "gamma", mean = 1e-300, sd = 1e6 }', "must be at most mean x 1000"),
])
def test_gamma_parameters_that_cannot_simulate_are_refused(in_tmp_cwd, capsys, duration, says):
    assert main(["run", BURT, "--set", f"stages.rest.duration={duration}", *SMALL]) == 2
    assert says in capsys.readouterr().err


@pytest.mark.parametrize("duration", [
    '{ dist = "exponential", rate_per_year = 1e-20 }',
    '{ dist = "weibull", shape = 0.01, scale = 1e6, unit = "years" }',
    '{ dist = "lognormal", median = 1e6, sigma = 10, unit = "years" }',
    '{ dist = "piecewise", breaks_years = [1], rates_per_year = [1, 1e-300] }',
])
def test_every_accepted_duration_simulates(in_tmp_cwd, capsys, duration):
    """A stage that practically never ends: those who reach it stay in it; nothing crashes or turns NaN."""
    assert main(["run", BURT, "--set", f"stages.rest.duration={duration}", *SMALL]) == 0, capsys.readouterr().err


UNIFORMS = np.array([0.0, 1e-300, 1e-12, 0.5, 0.999999, 1 - 2**-53])
positive = st.floats(min_value=5e-324, max_value=MAX_TIME)


def _sound(days: np.ndarray) -> None:
    assert not np.isnan(days).any() and (days >= 0).all()
    assert ((days <= NEVER_DAYS) | np.isinf(days)).all()
    assert (days[1:] >= days[:-1]).all()  # a quantile function never decreases


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(min_value=0, max_value=1e6), mean=positive)
def test_exponential_quantiles_are_sound(rate, mean):
    _sound(Exponential(dist="exponential", rate_per_year=rate).ppf(UNIFORMS[1:]))
    _sound(Exponential(dist="exponential", mean_days=mean).ppf(UNIFORMS[1:]))


@settings(max_examples=60, deadline=None)
@given(mean=positive, sd=positive)
def test_gamma_quantiles_are_sound_for_every_accepted_pair(mean, sd):
    try:
        gamma = Gamma(dist="gamma", mean=mean, sd=sd)
    except ValueError:
        return
    _sound(gamma.ppf(UNIFORMS))


@settings(max_examples=60, deadline=None)
@given(shape=st.floats(min_value=0.01, max_value=100), scale=positive, median=positive,
       sigma=st.floats(min_value=0, max_value=10), last=st.floats(min_value=0, max_value=1e6))
def test_weibull_lognormal_and_piecewise_quantiles_are_sound(shape, scale, median, sigma, last):
    _sound(Weibull(dist="weibull", shape=shape, scale=scale, unit="years").ppf(UNIFORMS))
    _sound(LogNormal(dist="lognormal", median=median, sigma=sigma, unit="years").ppf(UNIFORMS[1:]))
    _sound(Piecewise(dist="piecewise", breaks_years=[1.0], rates_per_year=[1.0, last]).ppf(UNIFORMS))
