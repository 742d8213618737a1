"""Non-response as its own outcome (`followup.non_response_probability`, issue 25 item 8): a share of the
patients who complete the pathway never reach remission, are in active disease from the start of follow-up,
never relapse and die at the death-after-relapse hazard; each against its closed form (4 Monte Carlo SE)."""

import math

import numpy as np

from simulator import run
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.scenario.distributions import DAYS_PER_YEAR

from helpers import assert_within_mc_se, tiny

P, RELAPSE, DEATH, DEATH_ACTIVE = 0.34, 0.4, 0.05, 0.3  # non-response, relapse and the two death hazards per year


def exponential(rate_per_year):
    return {"dist": "exponential", "rate_per_year": rate_per_year}


def followup(**changes):
    return {"non_response_probability": P, "relapse": exponential(RELAPSE),
            "death_before_relapse": exponential(DEATH), "death_after_relapse": exponential(DEATH_ACTIVE)} | changes


def test_the_share_of_non_responders_is_binomial():
    """Nobody dies before follow-up in the tiny scenario: every patient is assessed, and each study's share of
    non-responders has mean p and binomial standard error sqrt(p (1 - p) / n) per study."""
    scenario = tiny(followup=followup())
    result = run(scenario)
    share = result.values["non_response"]
    se = math.sqrt(P * (1 - P) / scenario.cohort.size / len(share))
    assert_within_mc_se(share, P, "non-response", se=se)
    spread = math.sqrt(P * (1 - P) / scenario.cohort.size)  # a sample SD's relative SE is about 1 / sqrt(2 (R - 1))
    assert abs(share.std(ddof=1) - spread) < 4 * spread / math.sqrt(2 * (len(share) - 1))


def test_only_responders_relapse_and_non_responders_die_at_the_active_disease_hazard():
    """From the histories: no non-responder relapses; among responders the cumulative incidence of relapse with
    death competing is r / (r + d) (1 - exp(-(r + d) t)); non-responders survive exp(-d' t)."""
    scenario = tiny(followup=followup())
    layout = StreamLayout.for_scenario(scenario)
    h = simulate_pathway(scenario, uniforms(8, range(200), layout, 100), layout)
    assert h.non_response is not None
    not_responding = np.isfinite(h.non_response)
    assert not_responding.any() and not np.isfinite(h.relapse[not_responding]).any()
    np.testing.assert_array_equal(h.non_response[not_responding], h.discharge[not_responding])  # type: ignore[index]
    responders = ~not_responding
    for t in (0.5, 1.0, 3.0):
        days = t * DAYS_PER_YEAR
        relapsed = (h.relapse[responders] - h.discharge[responders] <= days).astype(float)  # type: ignore[index]
        total = RELAPSE + DEATH
        assert_within_mc_se(relapsed, RELAPSE / total * (1 - math.exp(-total * t)), f"relapse by {t} y")
        alive = (h.death[not_responding] - h.non_response[not_responding] > days).astype(float)
        assert_within_mc_se(alive, math.exp(-DEATH_ACTIVE * t), f"non-responders alive at {t} y")


def test_disease_free_survival_and_relapse_incidence_count_non_response_from_the_start():
    """Per study (no censoring): DFS(t) = (1 - p) exp(-(r + d) t), relapse incidence (1 - p) r / (r + d)
    (1 - exp(-(r + d) t)), and event-free survival from enrolment is DFS (reinfusion on the day of enrolment);
    relapse among responders by the cut-off (20 years) is r / (r + d) (1 - exp(-20 (r + d)))."""
    result = run(tiny(followup=followup()))
    total = RELAPSE + DEATH
    for t in (1, 3, 5):
        dfs = (1 - P) * math.exp(-total * t)
        assert_within_mc_se(result.values[f"dfs_{t}y"], dfs, f"DFS {t} y")
        assert_within_mc_se(result.values[f"efs_{t}y_itt"], dfs, f"EFS {t} y")
        assert_within_mc_se(result.values[f"relapse_{t}y"], (1 - P) * RELAPSE / total * (1 - math.exp(-total * t)),
                            f"relapse {t} y")
    assert_within_mc_se(result.values["relapse_among_responders"], RELAPSE / total * (1 - math.exp(-total * 20)),
                        "relapse among responders")


def test_non_responders_spend_no_time_in_remission():
    """No death, no relapse, no discounting: remission's utility 1 and active disease's 0 make QALYs (1 - p) x
    the horizon; the cost of a year with active disease 1 makes costs p x the horizon."""
    horizon = 10.0
    economics = {"currency": "EUR", "price_year": 2024, "discount_rate_costs": 0.0, "discount_rate_effects": 0.0,
                 "states": {"remission": {"utility": 1.0}, "relapse": {"utility": 0.0, "cost_per_year": 1.0}}}
    result = run(tiny(followup={"non_response_probability": P}, economics=economics))
    assert_within_mc_se(result.values["qalys"], (1 - P) * horizon, "QALYs")
    assert_within_mc_se(result.values["costs"], P * horizon, "costs")


def test_a_probability_of_zero_moves_no_other_number():
    """The field draws on its own named stream: with probability 0, every patient's history and every outcome
    of the scenario without it stay bit for bit as they were (the other scenarios' numbers do not move)."""
    without = tiny(followup=followup(non_response_probability=None))
    with_zero = tiny(followup=followup(non_response_probability=0.0))
    assert "followup.non_response" not in StreamLayout.for_scenario(without).rows
    before, after = run(without, replications=50).values, run(with_zero, replications=50).values
    assert set(after) - set(before) == {"non_response", "relapse_among_responders"}
    for name, values in before.items():
        assert values.tobytes() == after[name].tobytes(), name


def test_the_patient_log_dates_non_response_and_never_a_relapse_with_it():
    """With the field, the log has `non_response_day` after `relapse_day`: the day follow-up began for each
    non-responder (here the day of enrolment), and no non-responder has a relapse day."""
    from simulator.outcomes.patients import COLUMNS, patient_log

    scenario = tiny(followup=followup())
    layout = StreamLayout.for_scenario(scenario)
    h = simulate_pathway(scenario, uniforms(8, range(3), layout, 100), layout)
    log = patient_log(scenario, h, range(3))
    assert list(log) == [*COLUMNS[:5], "non_response_day", *COLUMNS[5:]]
    not_responding = ~np.isnan(log["non_response_day"])
    assert not_responding.any() and np.isnan(log["relapse_day"][not_responding]).all()
    np.testing.assert_array_equal(log["non_response_day"][not_responding], log["enrolment_day"][not_responding])
