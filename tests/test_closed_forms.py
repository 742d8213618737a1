"""The simulator against exact answers, each within 4 Monte Carlo standard errors (fixed seeds)."""

import numpy as np
import pytest

from simulator import run
from simulator.engine.pathway import simulate_pathway
from simulator.engine.queueing import Rules
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.scenario.distributions import DAYS_PER_YEAR

from helpers import OFF_PATHWAY, assert_within_mc_se, queue_starts, tiny


def within_4_se(result, outcome, exact):
    assert_within_mc_se(result.values[outcome], exact, outcome)


def exponential(rate_per_year):
    return {"dist": "exponential", "rate_per_year": rate_per_year}


def test_single_exponential_death_hazard_gives_exponential_survival():
    result = run(tiny(followup={"death_before_relapse": exponential(0.2)}))
    for years in (1, 3, 5):
        within_4_se(result, f"os_{years}y", np.exp(-0.2 * years))
        within_4_se(result, f"os_{years}y_itt", np.exp(-0.2 * years))


def test_weibull_death_gives_weibull_survival():
    followup = {"death_before_relapse": {"dist": "weibull", "shape": 1.5, "scale": 6, "unit": "years"}}
    result = run(tiny(followup=followup))
    for years in (1, 3, 5):
        within_4_se(result, f"os_{years}y", np.exp(-((years / 6) ** 1.5)))


@pytest.mark.parametrize("censored", [False, True])
def test_competing_relapse_and_death_give_the_exponential_cumulative_incidence(censored):
    """CIF_relapse(t) = lr/(lr+ld) (1 - exp(-(lr+ld) t)); with staggered accrual the study censors late
    enrollees early, which the Aalen-Johansen estimate must absorb."""
    lr, ld = 0.3, 0.1
    cohort = {
        "size": 100,
        "accrual_years": 4.0 if censored else 0.0,
        "followup_after_accrual_years": 2.0 if censored else 20.0,
    }
    result = run(tiny(cohort=cohort, followup={"relapse": exponential(lr), "death_before_relapse": exponential(ld)}))
    for years in (1, 3) if censored else (1, 3, 5):
        within_4_se(result, f"relapse_{years}y", lr / (lr + ld) * (1 - np.exp(-(lr + ld) * years)))
        within_4_se(result, f"dfs_{years}y", np.exp(-(lr + ld) * years))


def test_death_after_relapse_gives_the_two_state_survival():
    """S(t) = e^(-qt) + r/(q - d1) (e^(-d1 t) - e^(-qt)), q = r + d0: the formula burt2006.toml is calibrated with."""
    r, d0, d1 = 0.3, 0.05, 0.4
    followup = {
        "relapse": exponential(r),
        "death_before_relapse": exponential(d0),
        "death_after_relapse": exponential(d1),
    }
    result = run(tiny(followup=followup))
    q = r + d0
    for years in (1, 3, 5):
        within_4_se(
            result, f"os_{years}y", np.exp(-q * years) + r / (q - d1) * (np.exp(-d1 * years) - np.exp(-q * years))
        )


def test_stage_death_probabilities_multiply_along_the_pathway():
    stages = {
        "harvest": {
            "duration": {"dist": "fixed", "value": 14},
            "death_probability": 0.05,
            "death_cause": "mobilisation-related",
        },
        "conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": 0.1},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    result = run(tiny(stages=stages, outcomes={"trm_stages": ["conditioning"]}))
    within_4_se(result, "trm", 0.95 * 0.1)
    within_4_se(result, "deaths_before_reinfusion", 1 - 0.95 * 0.9)
    within_4_se(result, "transplanted", 0.95 * 0.9)


def test_death_hazard_competes_with_stage_completion():
    """Exponential death hazard mu over a fixed stage of D days: P(death) = 1 - exp(-mu D)."""
    stages = {
        "isolation": {
            "duration": {"dist": "fixed", "value": 30},
            "death_hazard": {"dist": "exponential", "mean_days": 300},
        },
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    result = run(tiny(stages=stages, outcomes={"trm_stages": ["isolation"]}))
    within_4_se(result, "trm", 1 - np.exp(-30 / 300))


def test_failed_collection_leaves_the_pathway():
    stages = {
        "apheresis": {"duration": {"dist": "fixed", "value": 2}, "failure_probability": 0.2},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    within_4_se(run(tiny(stages=stages, off_pathway=OFF_PATHWAY)), "transplanted", 0.8)


def test_fifo_waits_for_a_capacity_one_resource_by_hand():
    never = np.full(3, np.inf)
    # three patients arriving on days 0, 1, 2, each holding the bed 5 days: served at 0, 5, 10
    assert queue_starts(Rules(1), np.array([0.0, 1.0, 2.0]), np.full(3, 5.0), never).tolist() == [0, 5, 10]
    # two beds: the third waits for the first to leave on day 5
    assert queue_starts(Rules(2), np.array([0.0, 1.0, 2.0]), np.full(3, 5.0), never).tolist() == [0, 1, 5]
    # a patient who would die after 2 days of waiting dies on day 3, before the bed frees on day 5
    starts = queue_starts(Rules(1), np.array([0.0, 1.0, 2.0]), np.full(3, 5.0), np.array([np.inf, 2.0, np.inf]))
    assert np.isnan(starts[1]) and starts.tolist()[::2] == [0, 5]


def test_pathway_waits_for_a_capacity_one_bed_by_hand():
    """Four patients enrolled on day 0 each hold the one bed for 10 days: waits 0, 10, 20, 30."""
    scenario = tiny(
        cohort={"size": 4, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
        stages={"reinfusion": {"duration": {"dist": "fixed", "value": 10}, "resource": "bed"}},
        resources={"bed": {"capacity": 1}},
    )
    layout = StreamLayout.for_scenario(scenario)
    h = simulate_pathway(scenario, uniforms(0, range(3), layout, 4), layout)
    assert np.array_equal(np.sort(h.queues["bed"].wait, axis=1), np.tile([0.0, 10.0, 20.0, 30.0], (3, 1)))
    assert np.array_equal(np.sort(h.reinfusion, axis=1), np.tile([0.0, 10.0, 20.0, 30.0], (3, 1)))


def test_death_while_waiting_follows_the_waiting_hazard():
    """One bed held for 10 days by each of 2 patients enrolled together: the second waits 10 days and
    dies while waiting with probability 1 - exp(-rate * 10 days)."""
    rate = 3.0
    scenario = tiny(
        cohort={"size": 2, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
        simulation={"replications": 4000, "seed": 3, "horizon_years": 1.0, "landmarks_years": [1.0]},
        stages={"reinfusion": {"duration": {"dist": "fixed", "value": 10}, "resource": "bed"}},
        resources={"bed": {"capacity": 1}},
        waiting={"death": exponential(rate)},
    )
    result = run(scenario)
    within_4_se(result, "deaths_before_reinfusion", 0.5 * (1 - np.exp(-rate * 10 / DAYS_PER_YEAR)))
