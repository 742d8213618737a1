"""Costs, QALYs and life-years per patient ([economics], issue 16): closed forms, a three-state cohort model
solved exactly, prices drawn with --uncertainty, and bad input."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from scipy import linalg

from simulator import RunOptions, load_scenario, run
from simulator.errors import UserError
from simulator.scenario.economics import BetaEstimate, GammaEstimate
from simulator.scenario.loading import scenario_from_dict

from helpers import SCENARIOS, assert_within_mc_se

DAYS_PER_YEAR = 365.25
HORIZON = 10.0
ECONOMICS: dict[str, Any] = {
    "currency": "GBP", "price_year": 2024, "discount_rate_costs": 0.035, "discount_rate_effects": 0.035,
    "states": {"remission": {"utility": 1.0}, "relapse": {"utility": 1.0}},
}
NO_TRANSPLANT: dict[str, Any] = {
    "metadata": {"name": "no transplant"},
    "cohort": {"size": 200, "accrual_years": 0.0, "followup_after_accrual_years": 20.0},
    "simulation": {"replications": 200, "seed": 16, "horizon_years": HORIZON, "landmarks_years": [1.0]},
    "outcomes": {"transplant": False},
    "economics": ECONOMICS,
}


def _scenario(raw: dict[str, Any], **economics: Any) -> Any:
    raw = copy.deepcopy(raw)
    raw["economics"] = {**copy.deepcopy(raw["economics"]), **economics}
    return scenario_from_dict(raw)


def _delta(annual: float) -> float:
    return float(np.log1p(annual))


@pytest.mark.parametrize("annual", [0.0, 0.035])
def test_life_years_and_qalys_under_a_constant_hazard_have_their_closed_form(annual):
    """Death at a constant hazard lambda, utility u throughout: discounted QALYs u (1 - e^-(lambda + r) T) /
    (lambda + r), r = ln(1 + d) the continuous rate equal to the annual d; life-years the same with u = 1."""
    hazard, utility = 0.2, 0.7
    raw = copy.deepcopy(NO_TRANSPLANT)
    raw["followup"] = {"death_before_relapse": {"dist": "exponential", "rate_per_year": hazard}}
    scenario = _scenario(raw, discount_rate_effects=annual, states={"remission": {"utility": utility},
                                                                    "relapse": {"utility": 0.1}})
    values = run(scenario).values
    rate = hazard + _delta(annual)
    exact = (1 - np.exp(-rate * HORIZON)) / rate
    assert_within_mc_se(values["life_years"], exact, "life-years")
    assert_within_mc_se(values["qalys"], utility * exact, "QALYs")
    undiscounted = (1 - np.exp(-hazard * HORIZON)) / hazard
    assert_within_mc_se(values["life_years_undiscounted"], undiscounted, "undiscounted life-years")


def test_a_fixed_length_stage_costs_exactly_its_prices():
    """Nobody dies: a 10-day stage holding a priced resource costs its once-cost, its days and the resource's
    days, discounted continuously from enrolment; its utility applies to those 10 days, remission's after."""
    days, once, per_day, bed_day, delta = 10.0, 1000.0, 100.0, 50.0, _delta(0.035)
    raw = {
        "metadata": {"name": "fixed stage"},
        "cohort": {"size": 20, "accrual_years": 1.0, "followup_after_accrual_years": 1.0},
        "simulation": {"replications": 3, "seed": 1, "horizon_years": HORIZON, "landmarks_years": [1.0]},
        "stages": {"chemo": {"duration": {"dist": "fixed", "value": days}, "resource": "bed"},
                   "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        "resources": {"bed": {"capacity": "unlimited"}},
        "outcomes": {"trm_stages": ["reinfusion"]},
        "economics": {**ECONOMICS, "stages": {"chemo": {"cost_once": once, "cost_per_day": per_day, "utility": 0.5}},
                      "resources": {"bed": {"cost_per_day": bed_day}}},
    }
    values = run(scenario_from_dict(raw)).values
    years = days / DAYS_PER_YEAR
    discounted_days = DAYS_PER_YEAR * (1 - np.exp(-delta * years)) / delta
    np.testing.assert_allclose(values["costs_undiscounted"], once + days * (per_day + bed_day), rtol=1e-12)
    np.testing.assert_allclose(values["costs"], once + (per_day + bed_day) * discounted_days, rtol=1e-12)
    np.testing.assert_allclose(values["cost_bed"], bed_day * discounted_days, rtol=1e-12)
    np.testing.assert_allclose(values["cost_stage_chemo"], once + per_day * discounted_days, rtol=1e-12)
    np.testing.assert_allclose(values["qalys_undiscounted"], HORIZON - 0.5 * years, rtol=1e-12)
    np.testing.assert_allclose(values["life_years"], (1 - np.exp(-delta * HORIZON)) / delta, rtol=1e-12)


def _discounted_occupancy(generator: np.ndarray, delta: float, horizon: float) -> np.ndarray:
    """Integral over [0, T] of e^(-delta t) P(in each state at t), from the first state: the top-right block
    of expm([[Q - delta I, I], [0, 0]] T) is the integral of expm((Q - delta I) t)."""
    k = len(generator)
    block = np.zeros((2 * k, 2 * k))
    block[:k, :k] = generator - delta * np.eye(k)
    block[:k, k:] = np.eye(k)
    return linalg.expm(block * horizon)[0, k:]


def test_a_three_state_cohort_model_solved_exactly_agrees_with_the_simulation():
    """Remission -> relapse (rate a) -> dead, and remission -> dead: a Markov model whose discounted state
    occupancy is a matrix exponential. Costs per year and per event (relapse, death) and utilities per state,
    costs and effects discounted at different rates, agree within 4 MC SE."""
    a, death_remission, death_relapse = 0.3, 0.05, 0.25
    c_rem, c_rel, c_relapse, c_death, u_rem, u_rel = 2000.0, 12000.0, 5000.0, 8000.0, 0.8, 0.55
    raw = copy.deepcopy(NO_TRANSPLANT)
    raw["followup"] = {"relapse": {"dist": "exponential", "rate_per_year": a},
                       "death_before_relapse": {"dist": "exponential", "rate_per_year": death_remission},
                       "death_after_relapse": {"dist": "exponential", "rate_per_year": death_relapse}}
    scenario = _scenario(raw, discount_rate_costs=0.05, discount_rate_effects=0.03,
                         states={"remission": {"utility": u_rem, "cost_per_year": c_rem},
                                 "relapse": {"utility": u_rel, "cost_per_year": c_rel}},
                         events={"relapse": c_relapse, "death": c_death})
    values = run(scenario).values
    q = np.array([[-(a + death_remission), a, death_remission], [0, -death_relapse, death_relapse], [0, 0, 0]])
    effects = _discounted_occupancy(q, _delta(0.03), HORIZON)
    costs = _discounted_occupancy(q, _delta(0.05), HORIZON)
    assert_within_mc_se(values["life_years"], effects[0] + effects[1], "life-years")
    assert_within_mc_se(values["qalys"], u_rem * effects[0] + u_rel * effects[1], "QALYs")
    exact_costs = (c_rem * costs[0] + c_rel * costs[1] + c_relapse * a * costs[0]
                   + c_death * (death_remission * costs[0] + death_relapse * costs[1]))
    assert_within_mc_se(values["costs"], exact_costs, "costs")
    assert_within_mc_se(values["cost_of_events"], c_relapse * a * costs[0]
                        + c_death * (death_remission * costs[0] + death_relapse * costs[1]), "costs of events")
    parts = values["cost_in_remission"] + values["cost_in_relapse"] + values["cost_of_events"]
    np.testing.assert_allclose(parts, values["costs"], rtol=1e-12)  # the breakdown adds up
    for name in ("costs", "qalys"):  # the patient-level SE of a study's mean is the spread of the studies' means
        spread, per_study = values[name].std(ddof=1), values[f"{name}_first_order_se"].mean()
        assert abs(per_study / spread - 1) < 4 / np.sqrt(2 * (len(values[name]) - 1)), (name, per_study, spread)
    plain = _discounted_occupancy(q, 0.0, HORIZON)
    assert_within_mc_se(values["qalys_undiscounted"], u_rem * plain[0] + u_rel * plain[1], "undiscounted QALYs")


def test_prices_and_utilities_given_with_their_evidence_are_gamma_and_beta_with_that_mean_and_se():
    u = (np.arange(20000) + 0.5) / 20000  # quantiles: the sample mean and SD are those of the distribution
    for estimate, mean, se in ((GammaEstimate(5000.0, 1500.0), 5000.0, 1500.0), (BetaEstimate(0.7, 0.05), 0.7, 0.05)):
        draws = estimate.ppf(u)
        assert float(estimate) == mean
        assert abs(draws.mean() - mean) < 1e-3 * mean and abs(draws.std() - se) < 1e-2 * se


def test_with_uncertainty_each_study_draws_its_prices_and_without_it_uses_their_means():
    """Nobody dies or relapses: each study's undiscounted cost is the remission cost per year it drew times the
    horizon, so the studies' costs are the gamma's draws; without --uncertainty every study uses the mean."""
    raw = copy.deepcopy(NO_TRANSPLANT)
    raw["simulation"] |= {"replications": 400}
    evidence = {"remission": {"utility": {"mean": 0.8, "se": 0.05}, "cost_per_year": {"mean": 1000.0, "se": 300.0}},
                "relapse": {"utility": 0.5}}
    scenario = _scenario(raw, states=evidence)
    fixed = run(scenario).values["costs_undiscounted"]
    np.testing.assert_allclose(fixed, 1000.0 * HORIZON, rtol=1e-12)
    drawn = run(scenario.with_values({"simulation.parameter_uncertainty": True})).values
    per_year = drawn["costs_undiscounted"] / HORIZON
    assert_within_mc_se(per_year, 1000.0, "drawn cost per year")
    assert abs(per_year.std(ddof=1) - 300.0) < 4 * 300.0 / np.sqrt(2 * (len(per_year) - 1))  # SE of an SD
    assert np.ptp(drawn["qalys_undiscounted"]) > 0


@pytest.mark.parametrize("change, words", [
    ({"states": {"remission": {"utility": 1.5}, "relapse": {"utility": 0.5}}}, "economics.states.remission.utility"),
    ({"states": {"remission": {"utility": {"mean": 0.5, "se": 0.6}}, "relapse": {"utility": 0.5}}}, "sqrt(mean"),
    ({"events": {"relapse": {"mean": -1.0, "se": 1.0}}}, "0 < mean"),
    ({"events": {"relapse": {"mean": 1.0}}}, "{ mean = M, se = S }"),
    ({"currency": "pounds"}, "economics.currency"),
    ({"discount_rate_costs": 0.5}, "economics.discount_rate_costs"),
    ({"stages": {"chemo": {"cost_once": 1.0}}}, "['chemo'] are not stages"),
])
def test_bad_economics_is_refused_naming_the_field(change, words):
    with pytest.raises(UserError, match=None) as error:
        _scenario(NO_TRANSPLANT, **change)
    assert words in str(error.value)


def test_a_run_without_economics_reports_no_costs():
    raw = copy.deepcopy(NO_TRANSPLANT)
    del raw["economics"]
    raw["followup"] = {"death_before_relapse": {"dist": "exponential", "rate_per_year": 0.1}}
    scenario = scenario_from_dict(raw)
    assert "costs" not in scenario.outcome_names and "costs" not in run(scenario, replications=2).values


def test_both_engines_give_the_same_costs_and_qalys():
    """The SimPy engine records each stage's span as the fast engine does, so the economics agree exactly."""
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    fast = run(burt, replications=4).values
    simpy = run(burt, replications=4, options=RunOptions(engine="simpy")).values
    for name in ("costs", "qalys", "life_years", "costs_undiscounted", "qalys_first_order_se"):
        np.testing.assert_allclose(simpy[name], fast[name], rtol=1e-9, err_msg=name)
