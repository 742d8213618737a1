"""Follow-up as published series see it: early treatment-related deaths, non-relapse mortality, frailty,
back-loaded accrual and loss to follow-up, each against its closed form (4 Monte Carlo SE)."""

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from simulator import run
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.outcomes.study import followup_months
from simulator.scenario.distributions import DAYS_PER_YEAR

from helpers import assert_within_mc_se, tiny


def exponential(rate_per_year):
    return {"dist": "exponential", "rate_per_year": rate_per_year}


def within_4_se(values, exact):
    assert_within_mc_se(values, exact, drop_missing=True)


def test_gamma_frailty_gives_the_marginal_survival_of_the_frailty_model():
    """Hazard Z x 0.3 per year, Z ~ Gamma(mean 1, variance 0.5): S(t) = (1 + 0.5 x 0.3 t)^(-1/0.5)."""
    theta, rate = 0.5, 0.3
    result = run(tiny(followup={"death_before_relapse": exponential(rate), "frailty_variance": theta}))
    for t in (1, 3, 5):
        within_4_se(result.values[f"os_{t}y"], (1 + theta * rate * t) ** (-1 / theta))


def test_early_treatment_deaths_compete_with_disease_death_within_their_window():
    """Early death rate m, disease death d from reinfusion: P(early death within D days) =
    m / (m + d) (1 - exp(-(m + d) D)); none after the window, and TRM of the stages stays 0."""
    m, d, days = 2.0, 0.5, 100
    followup = {"death_before_relapse": exponential(d), "early_death": exponential(m), "early_death_window_days": days}
    result = run(tiny(followup=followup))
    years = days / DAYS_PER_YEAR
    within_4_se(result.values["trm_100d"], m / (m + d) * (1 - np.exp(-(m + d) * years)))
    assert np.all(result.values["trm"] == 0)
    # after the window only disease deaths: 1-year survival = P(no early death by D) x exp(-d x 1)
    within_4_se(result.values["os_1y"], np.exp(-(m + d) * years) * np.exp(-d * (1 - years)))


def test_non_relapse_mortality_is_the_cumulative_incidence_of_death_without_relapse():
    r, d = 0.3, 0.1
    result = run(tiny(followup={"relapse": exponential(r), "death_before_relapse": exponential(d)}))
    for t in (1, 3, 5):
        within_4_se(result.values[f"nrm_{t}y"], d / (r + d) * (1 - np.exp(-(r + d) * t)))


def test_accrual_weights_back_load_enrolment():
    """Weights 1, 3 over two halves of 4 years: a quarter enrolled in years 0-2, mean enrolment 0.25 x 1 +
    0.75 x 3 = 2.5 years."""
    scenario = tiny(cohort={"size": 200, "accrual_years": 4.0, "followup_after_accrual_years": 1.0,
                            "accrual_weights": [1, 3]},
                    simulation={"replications": 50, "seed": 3, "horizon_years": 1.0, "landmarks_years": [1.0]})
    layout = StreamLayout.for_scenario(scenario)
    h = simulate_pathway(scenario, uniforms(3, range(50), layout, 200), layout)
    years = h.enrolment / DAYS_PER_YEAR
    within_4_se(years.mean(axis=1), 2.5)
    within_4_se((years < 2).mean(axis=1), 0.25)
    assert np.all(np.diff(years, axis=1) >= 0) and years.max() <= 4.0


def test_loss_to_follow_up_shortens_follow_up_but_not_survival():
    """Independent loss (rate l) leaves Kaplan-Meier unbiased; mean follow-up with no deaths is
    E[min(Loss, T)] = (1 - exp(-l T)) / l."""
    loss, cutoff = 0.4, 4.0

    def lossy(**followup):
        return tiny(cohort={"size": 100, "accrual_years": 0.0, "followup_after_accrual_years": cutoff,
                            "loss_to_followup": exponential(loss)},
                    simulation={"replications": 400, "seed": 5, "horizon_years": 3.0, "landmarks_years": [1.0, 3.0]},
                    followup=followup)

    within_4_se(run(lossy()).values["followup_mean_months"], 12 * (1 - np.exp(-loss * cutoff)) / loss)
    with_deaths = run(lossy(death_before_relapse=exponential(0.2)))
    for t in (1, 3):
        within_4_se(with_deaths.values[f"os_{t}y"], np.exp(-0.2 * t))


def test_median_follow_up_is_the_reverse_kaplan_meier_median():
    rng = np.random.default_rng(9)
    months = rng.uniform(1, 60, (5, 40))
    died = rng.random((5, 40)) < 0.3
    got = followup_months(months * DAYS_PER_YEAR / 12, died, np.ones_like(died))
    for row in range(5):
        reverse = KaplanMeierFitter().fit(months[row], ~died[row])
        assert got["followup_median_months"][row] == pytest.approx(reverse.median_survival_time_, abs=0.1)
        assert got["followup_mean_months"][row] == pytest.approx(months[row].mean())
