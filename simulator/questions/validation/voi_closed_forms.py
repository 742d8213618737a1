"""Closed-form cases of value of information for `hsct-sim validate`: the regression metamodels of
questions/voi against models whose EVPI, EVPPI and EVSI are exact.

Normal-normal: parameters theta_1 ~ N(0.2, 0.3^2) and theta_2 ~ N(0, 0.2^2) QALYs, incremental QALYs
theta_1 + theta_2 plus a draw's patient-level noise N(0, 0.3^2), incremental costs 5,000, willingness to pay
20,000: the incremental net benefit is normal with mean m = 20,000 x 0.2 - 5,000, and learning X whose
conditional mean E[INB | X] is normal with SD s is worth s phi(m / s) + m Phi(m / s) - max(0, m). For theta_1
s = 20,000 x 0.3; for both s = 20,000 sqrt(0.3^2 + 0.2^2); for a trial of n patients each measuring
theta_1 with SD 1, s = 20,000 x 0.3^2 / sqrt(0.3^2 + 1 / n).

Beta-binomial, through the engine: treatment-related mortality p given as its evidence, 3 deaths in 30, so
each simulated study draws p ~ Beta(3.5, 27.5) (Jeffreys) and its cohort of 40 has Binomial(40, p) deaths;
incremental QALYs 2.2 - 20 p, no incremental costs, at 20,000 per QALY. Learning p is worth E[(K - C p)+] -
max(0, K - C E p), K = 44,000, C = 400,000, by the Beta distribution function; a study's deaths X give the
conjugate posterior mean (3.5 + X) / 71, so the trial is worth the sum over the beta-binomial X of
max(0, K - C (3.5 + X) / 71) less the same without it.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from simulator.engine.uncertainty import parameter_draws
from simulator.questions.run.run import run
from simulator.questions.validation.checks import Check, ClosedFormCase, Estimator, PerStudy
from simulator.questions.voi.metamodel import draws_needed
from simulator.questions.voi.value import information_value
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.schema import Scenario
from simulator.simulation.options import RunOptions

WTP = 20000.0
MEAN_1, SD_1, MEAN_2, SD_2, NOISE_SD, COSTS = 0.2, 0.3, 0.0, 0.2, 0.3, 5000.0
TRIAL_SD, TRIAL_PATIENTS = 1.0, 10
DEATHS, TREATED, COHORT = 3, 30, 40
GAIN_QALYS, QALYS_PER_UNIT_TRM = 2.2, 20.0
TRM_PATH = "stages.reinfusion.death_probability"


def _normal_value(mean: float, sd: float) -> float:
    """E[max(0, Y)] - max(0, E Y) for Y ~ N(mean, sd^2)."""
    return float(sd * stats.norm.pdf(mean / sd) + mean * stats.norm.cdf(mean / sd) - max(0.0, mean))


def _learning(inputs: tuple[str, ...]) -> Estimator:
    """The metamodel's value of learning the per-study quantities `inputs`, from "costs" and "qalys"."""
    def estimate(values: PerStudy) -> tuple[float, float]:
        x = np.stack([values[name] for name in inputs], axis=1)
        value = information_value(
            x, values["costs"][:, None], values["qalys"][:, None], np.array([WTP]), ", ".join(inputs)
        )
        return float(value.value[0]), float(value.se[0])
    return estimate


def _scenario(name: str, replications: int, seed: int, **tables: object) -> Scenario:
    raw = {
        "metadata": {"name": name},
        "cohort": {"size": COHORT, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
        "simulation": {"replications": replications, "seed": seed, "horizon_years": 1.0, "landmarks_years": [1.0]},
        "stages": {"reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        "outcomes": {"trm_stages": ["reinfusion"]},
    } | tables
    return scenario_from_dict(raw, source=f"closed-form case {name!r}")


def _normal_draws(scenario: Scenario, replications: int, seed: int, options: RunOptions) -> PerStudy:
    """The normal model's draws (no pathway: this case checks the metamodels alone)."""
    rng = np.random.default_rng(seed)
    theta_1, theta_2 = rng.normal(MEAN_1, SD_1, replications), rng.normal(MEAN_2, SD_2, replications)
    return {
        "theta_1": theta_1, "theta_2": theta_2,
        "trial mean": rng.normal(theta_1, TRIAL_SD / np.sqrt(TRIAL_PATIENTS)),
        "qalys": theta_1 + theta_2 + rng.normal(0.0, NOISE_SD, replications),
        "costs": np.full(replications, COSTS),
    }


def normal_normal() -> ClosedFormCase:
    mean = WTP * (MEAN_1 + MEAN_2) - COSTS
    trial_sd = WTP * SD_1**2 / np.sqrt(SD_1**2 + TRIAL_SD**2 / TRIAL_PATIENTS)
    checks = [
        Check("EVPPI(theta_1)", _normal_value(mean, WTP * SD_1), "s phi(m/s) + m Phi(m/s) - max(0, m), s = lambda sd_1",
              _learning(("theta_1",))),
        Check("EVPI (theta_1, theta_2)", _normal_value(mean, WTP * np.hypot(SD_1, SD_2)),
              "as above, s = lambda sqrt(sd_1^2 + sd_2^2)", _learning(("theta_1", "theta_2"))),
        Check(f"EVSI (trial of {TRIAL_PATIENTS})", _normal_value(mean, trial_sd),
              "as above, s = lambda sd_1^2 / sqrt(sd_1^2 + sd^2 / n)", _learning(("trial mean",))),
    ]
    return ClosedFormCase("Value of information, normal-normal linear net benefit",
                          _scenario("normal-normal value of information", 2000, 21), checks, simulate=_normal_draws,
                          min_replications=draws_needed(2))


def _trm_studies(scenario: Scenario, replications: int, seed: int, options: RunOptions) -> PerStudy:
    """Each study's drawn TRM (the engine's posterior draw), its cohort's deaths and the net benefit it implies."""
    p = parameter_draws(scenario, seed, range(replications))[TRM_PATH]
    deaths = run(scenario, replications, seed, options=options).values["trm"] * scenario.cohort.size
    return {"drawn trm": p, "deaths": np.round(deaths), "qalys": GAIN_QALYS - QALYS_PER_UNIT_TRM * p,
            "costs": np.zeros(replications)}


def beta_binomial_trm() -> ClosedFormCase:
    a, b = DEATHS + 0.5, TREATED - DEATHS + 0.5
    gain, loss = WTP * GAIN_QALYS, WTP * QALYS_PER_UNIT_TRM
    threshold, prior_mean = gain / loss, a / (a + b)
    learn_p = (gain * stats.beta.cdf(threshold, a, b) - loss * prior_mean * stats.beta.cdf(threshold, a + 1, b)
               - max(0.0, gain - loss * prior_mean))
    deaths = np.arange(COHORT + 1)
    posterior_means = (a + deaths) / (a + b + COHORT)
    learn_trial = float(
        np.sum(stats.betabinom.pmf(deaths, COHORT, a, b) * np.maximum(0.0, gain - loss * posterior_means))
        - max(0.0, gain - loss * prior_mean)
    )
    checks = [
        Check(
            "EVPPI(TRM)",
            float(learn_p),
            "K F(K/C; a, b) - C a/(a+b) F(K/C; a+1, b) - max(0, K - C a/(a+b))",
            _learning(("drawn trm",)),
        ),
        Check(
            f"EVSI (TRM deaths of {COHORT})",
            learn_trial,
            "sum over beta-binomial X of max(0, K - C (a+X)/(a+b+n)) - max(0, K - C a/(a+b))",
            _learning(("deaths",)),
        ),
    ]
    scenario = _scenario("beta-binomial value of information", 2000, 22,
                         stages={"reinfusion": {"duration": {"dist": "fixed", "value": 0},
                                                "death_probability": {"events": DEATHS, "n": TREATED}}})
    scenario = scenario.with_values({"simulation.parameter_uncertainty": True})
    return ClosedFormCase("Value of information, beta-binomial TRM, conjugate update", scenario, checks,
                          simulate=_trm_studies, min_replications=draws_needed(1))


def value_of_information_cases() -> list[ClosedFormCase]:
    return [normal_normal(), beta_binomial_trm()]
