"""The built-in closed-form suite of `hsct-sim validate`: tiny scenarios whose outcomes have exact values.

Sizes are chosen so that each check's Monte Carlo SE is small and any bias of the estimators (Kaplan-Meier
and Aalen-Johansen with few patients at risk, the queue's start from empty) is far below it.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from scipy import stats

from simulator.engine.background import life_expectancy
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.questions.validation.checks import Check, ClosedFormCase, PerStudy, mean_of, share_of, variance_of
from simulator.questions.validation.voi_closed_forms import value_of_information_cases
from simulator.scenario.catalogue import early_trm, landmark_outcome
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.population import read_life_table
from simulator.scenario.schema import Scenario
from simulator.scenario.shipped import shipped_folder
from simulator.simulation.options import RunOptions

_BASE: dict[str, Any] = {
    "metadata": {"name": "closed form"},
    "cohort": {"size": 100, "accrual_years": 0.0, "followup_after_accrual_years": 20.0},
    "simulation": {"replications": 2000, "seed": 1, "horizon_years": 5.0, "landmarks_years": [1.0, 3.0, 5.0]},
    "stages": {"reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
    "outcomes": {"trm_stages": ["reinfusion"]},
}

LIFE_TABLE = shipped_folder() / "data" / "us_ssa_period_life_table_2017.csv"
QUEUE_PATIENTS = 2000  # per study: the empty start and the fixed cohort bias the mean wait by about -0.2%
QUEUE_LOAD = 0.5  # utilisation rho of the single bed
QUEUE_STAY_DAYS = 10.0


def _scenario(name: str, **tables: Any) -> Scenario:
    raw = copy.deepcopy(_BASE)
    raw["metadata"] = {"name": name}
    for key, value in tables.items():
        raw[key] = {**raw[key], **value} if key == "simulation" else value
    return scenario_from_dict(raw, source=f"closed-form case {name!r}")


def _exponential(rate_per_year: float) -> dict[str, Any]:
    return {"dist": "exponential", "rate_per_year": rate_per_year}


def _means(checks: list[tuple[str, float, str]]) -> list[Check]:
    return [Check(quantity, exact, formula, mean_of(quantity)) for quantity, exact, formula in checks]


def exponential_survival() -> ClosedFormCase:
    rate = 0.2
    checks = [(landmark_outcome("os", t), np.exp(-rate * t), f"exp(-{rate} x {t})") for t in (1, 3, 5)]
    checks.append((landmark_outcome("os_itt", 5), np.exp(-rate * 5), f"exp(-{rate} x 5), from enrolment"))
    return ClosedFormCase("Exponential survival", _scenario(
        "exponential survival", followup={"death_before_relapse": _exponential(rate)}), _means(checks))


def competing_relapse_and_death() -> ClosedFormCase:
    """CIF_relapse(t) = r/(r+d) (1 - exp(-(r+d) t)), DFS = exp(-(r+d) t); staggered accrual censors late
    enrollees early, which the Aalen-Johansen and Kaplan-Meier estimates must absorb."""
    r, d = 0.3, 0.1
    q = r + d
    checks = []
    for t in (1, 3):
        checks.append(
            (landmark_outcome("relapse", t), r / q * (1 - np.exp(-q * t)), f"{r}/{q:g} (1 - exp(-{q:g} x {t}))")
        )
        checks.append((landmark_outcome("dfs", t), np.exp(-q * t), f"exp(-{q:g} x {t})"))
    scenario = _scenario(
        "competing risks", cohort={"size": 100, "accrual_years": 4.0, "followup_after_accrual_years": 2.0},
        simulation={"horizon_years": 3.0, "landmarks_years": [1.0, 3.0], "seed": 2},
        followup={"relapse": _exponential(r), "death_before_relapse": _exponential(d)},
    )
    return ClosedFormCase("Competing relapse and death, staggered accrual", scenario, _means(checks))


def death_after_relapse() -> ClosedFormCase:
    """S(t) = exp(-qt) + r/(q - d1) (exp(-d1 t) - exp(-qt)), q = r + d0."""
    r, d0, d1 = 0.3, 0.05, 0.4
    q = r + d0
    checks = [(landmark_outcome("os", t), np.exp(-q * t) + r / (q - d1) * (np.exp(-d1 * t) - np.exp(-q * t)),
               f"two-state survival at {t} y") for t in (1, 3, 5)]
    scenario = _scenario("death after relapse", simulation={"seed": 3}, followup={
        "relapse": _exponential(r), "death_before_relapse": _exponential(d0), "death_after_relapse": _exponential(d1)})
    return ClosedFormCase("Death faster after relapse", scenario, _means(checks))


def intention_to_treat() -> ClosedFormCase:
    """A share f of patients fails collection and leaves the pathway; those still die at their own hazard
    m, the transplanted at d: ITT survival is (1 - f) exp(-d t) + f exp(-m t), not exp(-d t)."""
    f, d, m = 0.3, 0.05, 0.4
    stages = {
        "apheresis": {"duration": {"dist": "fixed", "value": 0}, "failure_probability": f},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    checks = [(landmark_outcome("os_itt", t), (1 - f) * np.exp(-d * t) + f * np.exp(-m * t),
               f"(1 - {f}) exp(-{d} x {t}) + {f} exp(-{m} x {t})") for t in (1, 3, 5)]
    checks.append(("transplanted", 1 - f, f"1 - {f}"))
    scenario = _scenario("intention to treat", stages=stages, simulation={"seed": 10},
                         followup={"death_before_relapse": _exponential(d)},
                         off_pathway={"death": _exponential(m)})
    return ClosedFormCase("Intention to treat with failed collection", scenario, _means(checks))


def piecewise_and_cure() -> list[ClosedFormCase]:
    """Relapse with a piecewise-constant hazard (0.6, then 0.2 after 1 year, 0.4 after 3): DFS = exp(-H(t));
    death with a cure fraction c around an exponential r: S = c + (1 - c) exp(-r t)."""
    cumulative = {1: 0.6, 3: 1.0, 5: 1.8}
    c, r = 0.4, 0.3
    piecewise = [
        (landmark_outcome("dfs", t), np.exp(-h), f"exp(-{h:g}), piecewise hazard") for t, h in cumulative.items()
    ]
    cure = [
        (landmark_outcome("os", t), c + (1 - c) * np.exp(-r * t), f"{c} + {1 - c:g} exp(-{r} x {t})") for t in (1, 3, 5)
    ]
    relapse = {"dist": "piecewise", "breaks_years": [1, 3], "rates_per_year": [0.6, 0.2, 0.4]}
    death = {"dist": "cure", "cured": c, "uncured": _exponential(r)}
    return [
        ClosedFormCase("Piecewise-constant hazard", _scenario(
            "piecewise hazard", simulation={"seed": 11}, followup={"relapse": relapse}), _means(piecewise)),
        ClosedFormCase("Cure fraction", _scenario(
            "cure fraction", simulation={"seed": 14}, followup={"death_before_relapse": death}), _means(cure)),
    ]


def frailty_and_early_deaths() -> list[ClosedFormCase]:
    """Gamma frailty (variance v) on a death rate d: S(t) = (1 + v d t)^(-1/v); an early treatment-related
    death rate m within 100 days competes: trm_100d = m / (m + d') (1 - exp(-(m + d') D)) without frailty."""
    v, d, m = 0.5, 0.3, 1.0
    checks = [
        (landmark_outcome("os", t), (1 + v * d * t) ** (-1 / v), f"(1 + {v} x {d} x {t})^(-1/{v})") for t in (3, 5)
    ]
    frail = _scenario("frailty", simulation={"seed": 12}, followup={
        "death_before_relapse": _exponential(d), "frailty_variance": v})
    years = 100 / DAYS_PER_YEAR
    early = [
        (early_trm(100), m / (m + d) * (1 - np.exp(-(m + d) * years)), f"{m}/{m + d:g} (1 - exp(-{m + d:g} x 100 d))"),
        (
            landmark_outcome("nrm", 1),
            1 - np.exp(-(m + d) * years) * np.exp(-d * (1 - years)),
            "1 - exp(-(m + d) D) exp(-d (1 y - D))",
        ),
    ]
    deaths = _scenario("early deaths", simulation={"seed": 13}, followup={
        "death_before_relapse": _exponential(d), "early_death": _exponential(m)})
    return [ClosedFormCase("Gamma frailty", frail, _means(checks)),
            ClosedFormCase("Early treatment-related deaths", deaths, _means(early))]


def stage_probabilities_multiply() -> ClosedFormCase:
    p1, p2 = 0.05, 0.1
    stages = {
        "harvest": {"duration": {"dist": "fixed", "value": 14}, "death_probability": p1,
                    "death_cause": "mobilisation-related"},
        "conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": p2},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    checks = [
        ("trm", (1 - p1) * p2, f"(1 - {p1}) x {p2}"),
        ("deaths_before_reinfusion", 1 - (1 - p1) * (1 - p2), f"1 - (1 - {p1})(1 - {p2})"),
        ("transplanted", (1 - p1) * (1 - p2), f"(1 - {p1})(1 - {p2})"),
    ]
    scenario = _scenario("stage deaths", stages=stages, outcomes={"trm_stages": ["conditioning"]},
                         simulation={"seed": 4})
    return ClosedFormCase("Stage death probabilities multiply", scenario, _means(checks))


def hazard_during_a_stage() -> ClosedFormCase:
    days, mean_days = 30, 300
    stages = {
        "isolation": {"duration": {"dist": "fixed", "value": days},
                      "death_hazard": {"dist": "exponential", "mean_days": mean_days}},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    checks = [("trm", 1 - np.exp(-days / mean_days), f"1 - exp(-{days}/{mean_days})")]
    scenario = _scenario("stage hazard", stages=stages, outcomes={"trm_stages": ["isolation"]}, simulation={"seed": 5})
    return ClosedFormCase("Death hazard competing with a stage", scenario, _means(checks))


def weibull_survival() -> ClosedFormCase:
    shape, scale = 1.5, 6.0
    checks = [
        (landmark_outcome("os", t), np.exp(-((t / scale) ** shape)), f"exp(-({t}/{scale:g})^{shape})")
        for t in (1, 3, 5)
    ]
    scenario = _scenario("weibull", simulation={"seed": 6}, followup={
        "death_before_relapse": {"dist": "weibull", "shape": shape, "scale": scale, "unit": "years"}})
    return ClosedFormCase("Weibull survival", scenario, _means(checks))


def binomial_trm() -> ClosedFormCase:
    """Deaths per study ~ Binomial(50, 0.02): how often would a study report 2% TRM, or 6% or more."""
    n, p = 50, 0.02
    stages = {"conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": p},
              "reinfusion": {"duration": {"dist": "fixed", "value": 0}}}
    binomial = stats.binom(n, p)
    checks = [
        Check("trm", p, f"mean: {p}", mean_of("trm")),
        Check("deaths per study", binomial.var(), f"variance: {n} x {p} x {1 - p:g}", variance_of("trm", scale=n)),
        Check("P(trm >= 1/50)", binomial.sf(0), f"1 - {1 - p:g}^{n}", share_of("trm", 1 / n)),
        Check("P(trm >= 3/50)", binomial.sf(2), f"binomial tail, n = {n}, p = {p}", share_of("trm", 3 / n)),
    ]
    scenario = _scenario(
        "binomial trm", stages=stages, outcomes={"trm_stages": ["conditioning"]},
        cohort={"size": n, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
        simulation={"replications": 4000, "seed": 7, "horizon_years": 1.0, "landmarks_years": [1.0]},
    )
    return ClosedFormCase("Binomial study-level TRM", scenario, checks)


def discounted_life_years_and_qalys() -> ClosedFormCase:
    """[economics]: death at a constant hazard lambda, utility u throughout, continuous discounting at r =
    ln(1 + d): discounted life-years (1 - exp(-(lambda + r) T)) / (lambda + r), and u times that in QALYs."""
    hazard, utility, annual, horizon = 0.2, 0.7, 0.035, 5.0
    rate = hazard + float(np.log1p(annual))
    life_years = (1 - np.exp(-rate * horizon)) / rate
    economics = {"currency": "EUR", "price_year": 2024, "discount_rate_effects": annual,
                 "states": {"remission": {"utility": utility}, "relapse": {"utility": 0.5}}}
    scenario = _scenario("discounted QALYs", followup={"death_before_relapse": _exponential(hazard)},
                         economics=economics)
    formula = f"(1 - exp(-({hazard} + ln(1 + {annual})) x {horizon:g})) / ({hazard} + ln(1 + {annual}))"
    return ClosedFormCase("Discounted life-years and QALYs, constant hazard", scenario, _means([
        ("life_years", life_years, formula), ("qalys", utility * life_years, f"{utility} x {formula}")]))


def background_life_expectancy() -> ClosedFormCase:
    """[population] alone (no death from lupus), a lifetime horizon: the mean life-years of women enrolled at 30
    equal the life table's own life expectancy at 30, exactly integrated year of age by year of age (constant
    hazard within each year), undiscounted and discounted."""
    age, annual = 30.0, 0.035
    table = read_life_table(str(LIFE_TABLE))
    economics = {"currency": "EUR", "price_year": 2024, "discount_rate_effects": annual, "horizon": "lifetime",
                 "states": {"remission": {"utility": 1.0}, "relapse": {"utility": 1.0}}}
    population = {"life_table": str(LIFE_TABLE), "age_years": {"dist": "fixed", "value": age, "unit": "years"},
                  "female_fraction": 1.0}
    scenario = _scenario("background mortality", economics=economics, population=population,
                         simulation={"replications": 500, "seed": 11})
    return ClosedFormCase("Background mortality alone: life expectancy (US 2017, women aged 30)", scenario, _means([
        ("life_years_undiscounted", life_expectancy(table, "female", age), "sum over years of age of the life table"),
        ("life_years", life_expectancy(table, "female", age, annual), f"the same, discounted at {annual}"),
    ]))


def _queue_waits(scenario: Scenario, replications: int, seed: int, options: RunOptions) -> PerStudy:
    """Per study: mean days waited for the bed, and the share of patients who waited at all."""
    layout = StreamLayout.for_scenario(scenario)
    histories = simulate_pathway(
        scenario, uniforms(seed, range(replications), layout, scenario.cohort.max_patients), layout
    )
    days = histories.queues["bed"].wait
    return {"mean wait (days)": days.mean(axis=1), "P(wait > 0)": (days > 0).mean(axis=1)}


def single_bed_queue(stay: str) -> ClosedFormCase:
    """One isolation bed, first come first served. Enrolment times of a cohort accrued uniformly are a
    Poisson process (rate n / accrual) conditioned on its count; with many patients per study this is the
    steady-state M/G/1 queue: Pollaczek-Khinchine mean wait lambda E[S^2] / (2 (1 - rho)), and
    P(wait > 0) = rho. The empty start and the conditioning bias the mean wait by O(1/n): about -0.2% at
    2000 patients (a 20 000-study Lindley recursion), under a third of the MC SE at this case's size."""
    rate_per_day = QUEUE_LOAD / QUEUE_STAY_DAYS
    accrual_years = QUEUE_PATIENTS / rate_per_day / DAYS_PER_YEAR
    if stay == "fixed":
        duration, second_moment, label = {"dist": "fixed", "value": QUEUE_STAY_DAYS}, QUEUE_STAY_DAYS**2, "M/D/1"
    else:
        duration = {"dist": "exponential", "mean_days": QUEUE_STAY_DAYS}
        second_moment, label = 2 * QUEUE_STAY_DAYS**2, "M/M/1"
    mean_wait = rate_per_day * second_moment / (2 * (1 - QUEUE_LOAD))
    scenario = _scenario(
        f"{label} bed", stages={"reinfusion": {"duration": duration, "resource": "bed"}},
        resources={"bed": {"capacity": 1}},
        cohort={"size": QUEUE_PATIENTS, "accrual_years": accrual_years, "followup_after_accrual_years": 1.0},
        simulation={"replications": 80, "seed": 8 if stay == "fixed" else 9, "horizon_years": 1.0,
                    "landmarks_years": [1.0]},
    )
    checks = [
        Check("mean wait (days)", mean_wait, f"lambda E[S^2] / (2(1 - rho)), rho = {QUEUE_LOAD}",
              mean_of("mean wait (days)")),
        Check("P(wait > 0)", QUEUE_LOAD, "rho", mean_of("P(wait > 0)")),
    ]
    return ClosedFormCase(f"Single isolation bed, {label} (stay {'fixed' if stay == 'fixed' else 'exponential'})",
                          scenario, checks, simulate=_queue_waits)


def closed_form_cases() -> list[ClosedFormCase]:
    """The whole suite, in the order `validate` reports it."""
    return [
        exponential_survival(),
        competing_relapse_and_death(),
        death_after_relapse(),
        intention_to_treat(),
        *piecewise_and_cure(),
        *frailty_and_early_deaths(),
        stage_probabilities_multiply(),
        hazard_during_a_stage(),
        weibull_survival(),
        binomial_trm(),
        discounted_life_years_and_qalys(),
        background_life_expectancy(),
        single_bed_queue("fixed"),
        single_bed_queue("exponential"),
        *value_of_information_cases(),
    ]
