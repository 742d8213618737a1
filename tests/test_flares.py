"""Flares as episodes ([followup.flares], issue 25 item 3): the episode rule against the closed form of the time
in flare and the number of flares over a horizon, and the schema that asks for it."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from simulator import run
from simulator.engine.flares import episode_uniforms, flare_episodes
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms
from simulator.errors import UserError
from simulator.scenario.loading import scenario_from_dict

from helpers import assert_within_mc_se

DAYS_PER_YEAR = 365.25


def expected_flare_years(rate: float, duration: float, response: float, horizon: float) -> tuple[float, float]:
    """Expected years in flare (active disease) and expected number of flares over [0, horizon] years, for flares
    at a constant `rate` from 0 and after each return to controlled disease, each lasting `duration` years when it
    responds (probability `response`) and to the horizon when it does not; nobody dies.

    The k-th flare starts at S_k = G_k + (k - 1) d, G_k ~ Gamma(k, rate), and happens only if the k - 1 before
    responded (p^(k-1)). With psi_k(x) = E(x - G_k)^+ = x F_k(x) - (k / rate) F_(k+1)(x): time in flare
    sum_k p^(k-1) [p (psi_k(H') - psi_k(H' - d)) + (1 - p) psi_k(H')], H' = H - (k - 1) d; flares
    sum_k p^(k-1) F_k(H')."""

    def psi(k: int, x: float) -> float:
        if x <= 0:
            return 0.0
        return x * stats.gamma.cdf(x, k, scale=1 / rate) - k / rate * stats.gamma.cdf(x, k + 1, scale=1 / rate)

    years = flares = 0.0
    for k in range(1, 10_000):
        shifted = horizon - (k - 1) * duration
        if shifted <= 0:
            break
        weight = response ** (k - 1)
        years += weight * (response * (psi(k, shifted) - psi(k, shifted - duration)) + (1 - response) * psi(k, shifted))
        flares += weight * stats.gamma.cdf(shifted, k, scale=1 / rate)
    return years, flares


RAW: dict[str, Any] = {
    "metadata": {"name": "flares"},
    "cohort": {"size": 10, "accrual_years": 0.0, "followup_after_accrual_years": 10.0},
    "outcomes": {"transplant": False},
    "followup": {
        "relapse": {"dist": "exponential", "rate_per_year": 0.8},
        "flares": {"response_probability": 0.7, "duration": {"dist": "fixed", "value": 0.25, "unit": "years"}},
    },
}


@pytest.mark.parametrize("rate, duration, response", [(0.8, 0.25, 0.7), (0.4, 0.5, 1.0), (1.5, 0.1, 0.3)])
def test_time_in_flare_and_number_of_flares_have_their_closed_form(rate, duration, response):
    """Exponential flares, a fixed episode, a response probability, no death: the mean years in flare and flares
    per patient over 5 years from the episode rule match the closed form within 4 Monte Carlo SE."""
    raw = copy.deepcopy(RAW)
    raw["followup"]["relapse"]["rate_per_year"] = rate
    raw["followup"]["flares"] |= {"response_probability": response,
                                  "duration": {"dist": "fixed", "value": duration, "unit": "years"}}
    followup = scenario_from_dict(raw).followup
    horizon, patients = 5.0, 40_000
    rng = np.random.default_rng(25)
    first = followup.relapse.ppf(rng.random((1, patients)))
    end = np.full(first.shape, horizon * DAYS_PER_YEAR)
    episodes = flare_episodes(followup.flares, followup.relapse, first, end,
                              episode_uniforms(StudyStreams(25, range(1), patients)))
    in_flare = np.zeros(first.shape)
    count = np.zeros(first.shape)
    for episode in episodes:  # each flare from its onset to its response (or the horizon), within the horizon
        started = episode.onset < end
        in_flare += np.where(started, np.minimum(episode.controlled, end) - episode.onset, 0.0)
        count += started
    years, flares = expected_flare_years(rate, duration, response, horizon)
    for simulated, exact, what in ((in_flare / DAYS_PER_YEAR, years, "years in flare"), (count, flares, "flares")):
        se = simulated.std(ddof=1) / math.sqrt(patients)
        assert abs(simulated.mean() - exact) < 4 * se, f"{what}: {simulated.mean():.4f} vs {exact:.4f} (SE {se:.4f})"


def test_the_closed_form_is_right_in_its_limits():
    """All respond and flares last no time: a Poisson count rate H; none respond: one flare, H - E min(T, H)."""
    assert expected_flare_years(0.5, 0.0, 1.0, 4.0) == pytest.approx((0.0, 2.0))
    rate, horizon = 0.5, 4.0
    assert expected_flare_years(rate, 1.0, 0.0, horizon)[0] == pytest.approx(
        horizon - (1 - math.exp(-rate * horizon)) / rate
    )


def test_episodes_need_a_relapse_and_refuse_a_bad_response():
    raw = copy.deepcopy(RAW)
    del raw["followup"]["relapse"]
    with pytest.raises(UserError, match="followup.flares"):
        scenario_from_dict(raw)
    raw = copy.deepcopy(RAW)
    raw["followup"]["flares"]["response_probability"] = 1.5
    with pytest.raises(UserError, match="response_probability"):
        scenario_from_dict(raw)


def test_without_flares_nothing_is_drawn():
    """No flare before the end: no episode and no round of uniforms drawn."""
    followup = scenario_from_dict(RAW).followup
    drawn = []
    episodes = flare_episodes(followup.flares, followup.relapse, np.full((2, 3), np.inf), np.full((2, 3), 100.0),
                              lambda: drawn.append(1) or np.zeros((3, 2, 3)))
    assert episodes == [] and drawn == []


def test_episode_uniforms_are_keyed_streams_of_each_round():
    """Round k draws the named events "followup.flares.<k>.response", ".duration", ".next_flare" on the keyed
    Philox streams (the same numbers `uniforms` gives those names), so a round depends only on (seed, replication,
    patient, k): a chunk of the studies draws what the whole run draws for them."""
    whole, chunk = StudyStreams(7, range(0, 6), 5), StudyStreams(7, range(2, 5), 5)
    draw, draw_chunk = episode_uniforms(whole), episode_uniforms(chunk)
    for k in (1, 2, 3):
        names = [f"followup.flares.{k}.{event}" for event in ("response", "duration", "next_flare")]
        layout = StreamLayout({name: row for row, name in enumerate(names)}, ())
        drawn = draw()
        assert np.array_equal(drawn, uniforms(7, range(0, 6), layout, 5))
        assert np.array_equal(draw_chunk(), drawn[:, 2:5])
    assert not np.array_equal(episode_uniforms(whole)(), episode_uniforms(StudyStreams(7, range(0, 6), 5, (1, 5)))())


def test_costs_and_qalys_follow_the_time_in_each_state():
    """End to end, no death and no discounting: remission's utility 1 and active disease's 0 make QALYs the years
    out of flare, and a price of 1 per flare makes costs the number of flares, each against its closed form."""
    rate, duration, response, horizon = 0.8, 0.25, 0.7, 5.0
    raw = copy.deepcopy(RAW)
    raw["simulation"] = {"replications": 400, "seed": 25, "horizon_years": horizon, "landmarks_years": [1.0]}
    raw["cohort"]["size"] = 100
    raw["economics"] = {"currency": "EUR", "price_year": 2024, "discount_rate_costs": 0.0, "discount_rate_effects": 0.0,
                        "states": {"remission": {"utility": 1.0}, "relapse": {"utility": 0.0}},
                        "events": {"relapse": 1.0}}
    values = run(scenario_from_dict(raw)).values
    years, flares = expected_flare_years(rate, duration, response, horizon)
    assert_within_mc_se(values["qalys"], horizon - years, "years out of flare")
    assert_within_mc_se(values["costs"], flares, "flares per patient")
    assert_within_mc_se(values["cost_of_events"], flares, "flares per patient")
