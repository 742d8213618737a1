"""Randomised two-arm trials: arm A from one scenario, arm B from another, analysed by intention to treat.

Both arms of one trial are enrolled over the same accrual period and analysed at the same data cut-off:
scenario A's (a randomised trial has one of each); each arm otherwise follows its own scenario (stages,
hazards, resources, TRM definition). Each arm draws its own random stream, keyed by (replication, arm,
patients per arm), so every number depends only on (scenarios, seed, size, replication) and two arms
from identical scenarios are independent patients.

Endpoints are measured from enrolment, as a trial analyses them: overall survival (death), disease-free survival
(relapse, non-response, leaving the pathway alive or death, whichever first; `efs`, event-free survival, is the same
endpoint under the name used for an arm without a transplant, where the event is a flare or non-response) and
treatment-related mortality (the arm's scenario's TRM definition, deaths / enrolled). Patients are censored at the
cut-off only: those who leave the pathway stay at risk with the scenario's off-pathway death hazard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.heterogeneity import study_scenario
from simulator.engine.histories import Histories
from simulator.engine.pathway import simulate_pathway
from simulator.engine.processes import simulate_processes
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms
from simulator.outcomes.study import event_free_until, treatment_related
from simulator.questions.power.logrank import cox_hazard_ratio, logrank_from, risk_sets
from simulator.questions.power.trm_tests import DEFAULT_TRM_TEST, trm_p_values
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Cohort, Scenario
from simulator.simulation.options import Engine

ENDPOINTS = {
    "os": "Overall survival from enrolment",
    "dfs": "Disease-free survival from enrolment",
    "efs": "Event-free survival from enrolment (relapse, flare, non-response, leaving the pathway or death)",
    "trm": "Treatment-related mortality",
}
SURVIVAL_TEST = "log-rank test"
ARM_A, ARM_B = 0, 1


@dataclass
class StudyTests:
    """One row per simulated trial. `score` > 0 is evidence for arm B (O - E of arm A's events); under no
    difference it has mean 0 and variance `score_variance`, so scores add up across trials."""

    p_value: np.ndarray  # two-sided
    score: np.ndarray
    score_variance: np.ndarray
    effect: np.ndarray  # hazard ratio B vs A (os, dfs) or TRM difference B - A (trm)
    events_a: np.ndarray  # deaths (os), relapses or deaths (dfs), treatment-related deaths (trm)
    events_b: np.ndarray


def arm_scenario(scenario: Scenario, cohort: Cohort, patients: int) -> Scenario:
    """The scenario with the trial's cohort (accrual and cut-off) and `patients` enrolled, spread uniformly
    over accrual (a trial enrols a fixed number, even when the scenario describes open referrals)."""
    return scenario.model_copy(update={"cohort": cohort.model_copy(update={"size": patients, "referrals": None})})


def simulate_arm(scenario: Scenario, seed: int, replications: range, arm: int, engine: Engine = "fast") -> Histories:
    """Histories of one arm in the trials `replications`; `scenario` already has the trial's cohort. The
    SimPy engine reads the same uniforms, so gives the same histories (a stage's own process draws from the
    trial's patient streams, common to both arms)."""
    layout = StreamLayout.for_scenario(scenario)
    n = scenario.cohort.size
    drawn = study_scenario(scenario, seed, replications)  # per-trial draws (uncertainty, heterogeneity)
    u = uniforms(seed, replications, layout, n, substream=(arm, n))  # type: ignore[arg-type]  # trial arms have a size
    if engine == "simpy":
        return simulate_processes(drawn, u, layout, seed, replications, (arm, n))  # type: ignore[arg-type]
    return simulate_pathway(drawn, u, layout, studies=StudyStreams(seed, replications, n, (arm, n)))  # type: ignore[arg-type]


def survival_data(scenario: Scenario, h: Histories, endpoint: str) -> tuple[np.ndarray, np.ndarray]:
    """Days from enrolment to death (os) or to relapse, non-response, leaving the pathway or death (dfs, efs), or
    to censoring; event observed."""
    end = h.observed_until(scenario.cohort.cutoff_years * DAYS_PER_YEAR)  # cut-off, or loss to follow-up
    died = h.death <= end
    last_seen = np.minimum(h.death, end)  # intention to treat: those who leave the pathway stay at risk
    if endpoint == "os":
        return last_seen - h.enrolment, died
    event = event_free_until(h)  # relapse or flare, non-response, or leaving the pathway alive
    return np.minimum(event, last_seen) - h.enrolment, died | (event <= end)


def trm_deaths(scenario: Scenario, h: Histories) -> np.ndarray:
    """Treatment-related deaths (the scenario's own definition) before the cut-off, per trial."""
    cutoff = scenario.cohort.cutoff_years * DAYS_PER_YEAR
    return ((h.death <= cutoff) & treatment_related(scenario, h)).sum(axis=1)


def compare_survival(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> StudyTests:
    """Log-rank test and Cox hazard ratio of arm B against arm A in every trial."""
    time = np.concatenate([a[0], b[0]], axis=1)
    event = np.concatenate([a[1], b[1]], axis=1)
    arm_b = np.zeros(time.shape, dtype=bool)
    arm_b[:, a[0].shape[1]:] = True
    s = risk_sets(time, event, arm_b)
    test = logrank_from(s)
    return StudyTests(
        p_value=test.p_value,
        score=test.expected_b - test.observed_b,
        score_variance=test.variance,
        effect=cox_hazard_ratio(s),
        events_a=a[1].sum(axis=1),
        events_b=b[1].sum(axis=1),
    )


def compare_trm(deaths_a: np.ndarray, deaths_b: np.ndarray, patients: int, test: str = DEFAULT_TRM_TEST) -> StudyTests:
    """`test` (see `trm_tests`) per trial of TRM deaths out of `patients` per arm."""
    total = deaths_a + deaths_b
    both = 2 * patients
    # Mantel-Haenszel: arm A's deaths given the trial's total are hypergeometric under no difference.
    variance = patients * patients * total * (both - total) / (both**2 * (both - 1))
    return StudyTests(
        p_value=trm_p_values(test, deaths_a, deaths_b, patients),
        score=deaths_a - total / 2,
        score_variance=variance.astype(float),
        effect=(deaths_b - deaths_a) / patients,
        events_a=deaths_a,
        events_b=deaths_b,
    )


def simulate_trials(
    scenario_a: Scenario, scenario_b: Scenario, patients: int, endpoint: str, seed: int, replications: range,
    trm_test: str = DEFAULT_TRM_TEST,
    engine: Engine = "fast",
) -> StudyTests:
    """Simulate the trials `replications` with `patients` per arm and test each one (TRM with `trm_test`)."""
    arms = [arm_scenario(scenario, scenario_a.cohort, patients) for scenario in (scenario_a, scenario_b)]
    histories = [simulate_arm(scenario, seed, replications, arm, engine) for arm, scenario in zip((ARM_A, ARM_B), arms)]
    if endpoint == "trm":
        deaths_a, deaths_b = (trm_deaths(scenario, h) for scenario, h in zip(arms, histories))
        return compare_trm(deaths_a, deaths_b, patients, trm_test)
    data_a, data_b = (survival_data(scenario, h, endpoint) for scenario, h in zip(arms, histories))
    return compare_survival(data_a, data_b)
