"""`estimate_power` against exact answers, within 4 Monte Carlo standard errors (fixed seeds)."""

import math

import numpy as np
import pytest
from scipy.stats import binom, fisher_exact, norm

from simulator import load_scenario
from simulator.questions.power.power import estimate_power
from simulator.questions.power.stats import Truth, interpolated_power, size_for_power

from helpers import SCENARIOS, assert_within_mc_se, tiny


def within_4_se(result, exact):
    row = result.summary.iloc[0]
    assert_within_mc_se(np.array([row.power]), exact, "power", se=row.power_mc_se)


def exponential(rate_per_year):
    return {"dist": "exponential", "rate_per_year": rate_per_year}


@pytest.mark.parametrize("endpoint", ["os", "dfs"])
def test_identical_protocols_reject_at_the_nominal_rate(endpoint):
    """Type I error: two arms of the shipped Northwestern scenario (2 beds, staggered accrual, cut-off)."""
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    result = estimate_power(burt, burt, [50], endpoint, alpha=0.05, replications=2000)
    assert result.truth.better == 0 and result.better_arm is None
    within_4_se(result, 0.05)
    assert np.isnan(result.summary["type_s_error"].iloc[0])


def test_power_matches_schoenfeld_for_exponential_survival():
    """Hazards 0.3 and 0.21 per year (HR 0.7), accrual 2 y, cut-off 5 y. Schoenfeld: power =
    Phi(sqrt(D)/2 |log HR| - z_0.975), D the expected deaths; with follow-up F uniform on [3, 5] y an arm
    with hazard l has P(death) = 1 - (e^(-3l) - e^(-5l)) / (2l). At 140 per arm D = 176, where the
    approximation is good (20,000 trials agree with it to 0.005)."""
    cohort = {"size": 100, "accrual_years": 2.0, "followup_after_accrual_years": 3.0}
    rate, hazard_ratio, n = 0.3, 0.7, 140
    a = tiny(cohort=cohort, followup={"death_before_relapse": exponential(rate)})
    b = tiny(cohort=cohort, followup={"death_before_relapse": exponential(rate * hazard_ratio)})

    def dies(hazard):
        return 1 - (math.exp(-3 * hazard) - math.exp(-5 * hazard)) / (2 * hazard)

    deaths = n * (dies(rate) + dies(rate * hazard_ratio))
    result = estimate_power(a, b, [n], "os", replications=2000, seed=7)
    assert result.better_arm == "B" and result.better_label == "B: tiny"  # arm B has the lower hazard
    within_4_se(result, norm.cdf(math.sqrt(deaths) / 2 * abs(math.log(hazard_ratio)) - norm.ppf(0.975)))
    assert result.summary["hazard_ratio_median"].iloc[0] == pytest.approx(hazard_ratio, abs=0.05)


@pytest.mark.parametrize("trm_a, trm_b", [(0.13, 0.02), (0.08, 0.08)], ids=["13%-vs-2%", "equal"])
def test_trm_power_equals_the_exact_two_binomial_sum(trm_a, trm_b):
    """TRM deaths are Binomial(n, p) in each arm; power = sum over (a, b) of P(a) P(b) over the pairs
    Fisher's test rejects in favour of the better arm (either arm if they are equal)."""
    n, alpha = 60, 0.05

    def arm(p):
        stages = {"conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": p},
                  "reinfusion": {"duration": {"dist": "fixed", "value": 0}}}
        return tiny(stages=stages, outcomes={"trm_stages": ["conditioning"]})

    k = np.arange(n + 1)
    weight_a, weight_b = binom.pmf(k, n, trm_a), binom.pmf(k, n, trm_b)
    exact = sum(weight_a[x] * weight_b[y] for x in k for y in k
                if weight_a[x] * weight_b[y] > 1e-12 and (y < x or (trm_a == trm_b and y != x))
                and fisher_exact([[x, n - x], [y, n - y]]).pvalue < alpha)
    result = estimate_power(arm(trm_a), arm(trm_b), [n], "trm", alpha=alpha, replications=2000, seed=3)
    assert result.truth.better == (1 if trm_b < trm_a else 0)
    within_4_se(result, exact)


def test_sample_size_interpolation_is_exact_under_schoenfeld():
    """If probit(power) is linear in sqrt(n), as Schoenfeld's formula says, interpolating between any two
    sizes around the target recovers the exact size: n = ((z_target + z_0.975) / c)^2."""
    c = 0.2  # 80% power at 197 per arm, 90% at 263
    sizes = np.array([20, 50, 100, 200, 400])
    power = norm.cdf(c * np.sqrt(sizes) - norm.ppf(0.975))
    truth = Truth(better=1, z=50.0)
    for target in (0.8, 0.9):
        n, note = size_for_power(sizes, power, target, 2000, truth)
        assert n == math.ceil(((norm.ppf(target) + norm.ppf(0.975)) / c) ** 2)
        assert note.startswith("interpolated between")
        below, at = interpolated_power(sizes, power, 2000, np.array([n - 1, n]))  # the curve power.png draws
        assert below < target <= at
    assert (
        "not reached: 52% power at the largest size (100 per arm)"
        in size_for_power(sizes[:3], power[:3], 0.8, 2000, truth)[1]
    )
    assert (
        "already reached at the smallest size (200 per arm)"
        in size_for_power(sizes[3:], power[3:], 0.8, 2000, truth)[1]
    )
    assert "no true difference" in size_for_power(sizes, power, 0.8, 2000, Truth(better=0, z=1.0))[1]
