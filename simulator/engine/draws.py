"""The stage rules: how each patient's uniforms become event times, the one home of each rule for both engines.

Enrolment, each stage's duration, death within it (by a probability over the stage or a hazard competing with
its completion) and failure at its end, death or withdrawal while waiting for a resource (and the maximum
wait), and the priority in its queue. The engines only sequence these times (`pathway` as arrays, `processes`
as SimPy events): a new stage rule is a schema field, its named stream (`randomness`) and a function here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.engine.histories import NEVER
from simulator.engine.randomness import StreamLayout
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario, Stage, Waiting


def enrolment_days(scenario: Scenario, u: np.ndarray) -> np.ndarray:
    """Enrolment of each patient slot: a fixed cohort spread uniformly over accrual, or referrals
    (Poisson: exponential gaps; fixed: evenly spaced) within the window; inf where no patient came."""
    cohort = scenario.cohort
    window = cohort.accrual_years * DAYS_PER_YEAR
    if cohort.referrals is None:
        return _accrual_quantile(np.sort(u, axis=1), cohort.accrual_weights) * window
    gap = DAYS_PER_YEAR / cohort.referrals.rate_per_year
    if cohort.referrals.process == "fixed":
        times = np.broadcast_to(np.arange(u.shape[1]) * gap, u.shape)
    else:
        times = np.cumsum(-np.log1p(-u) * gap, axis=1)
    return np.where(times < window, times, NEVER)


def _accrual_quantile(u: np.ndarray, weights: list[float] | None) -> np.ndarray:
    """Share of the accrual period by which a share `u` of the cohort is enrolled: uniform, or with the
    enrolment rate of each equal part of the period proportional to its weight."""
    if weights is None:
        return u
    cumulative = np.concatenate([[0.0], np.cumsum(weights)]) / np.sum(weights)
    part = np.clip(np.searchsorted(cumulative, u, side="right") - 1, 0, len(weights) - 1)
    within = (u - cumulative[part]) / np.maximum(cumulative[part + 1] - cumulative[part], 1e-300)
    return (part + np.clip(within, 0.0, 1.0)) / len(weights)


@dataclass
class StageDraws:
    """One stage for each patient, arrays of shape (R, n): its duration (days), the days from its start to the
    patient's death in it (inf: does not die in it; at most the duration), and whether it fails the patient
    at its end (off the pathway, alive)."""

    duration: np.ndarray
    death_after: np.ndarray
    fails: np.ndarray
    can_die: bool = True  # False: nobody dies in the stage (death_after all inf); engines skip it
    can_fail: bool = True  # False: the stage fails nobody (fails all False)

    @property
    def dies(self) -> np.ndarray:
        return self.death_after < NEVER


def stage_draws(name: str, stage: Stage, u: np.ndarray, layout: StreamLayout) -> StageDraws:
    """Stage `name`'s rule. A death probability p places a death uniformly within the stage: given death, the
    uniform draw < p, and draw / p is itself uniform. A death hazard competes with completion (a death at the
    completion itself does not happen). Failure happens at the end of the stage, to those still alive."""
    shape = u.shape[1:]
    duration = np.broadcast_to(stage.duration.ppf(u[layout.rows[f"{name}.duration"]]), shape)
    death_after, can_die = np.broadcast_to(NEVER, shape), True
    p = stage.death_probability  # a number, or (R, 1) draws per study
    if p is not None and np.any(p > 0):
        draw = u[layout.rows[f"{name}.death"]]
        with np.errstate(divide="ignore", invalid="ignore"):  # studies drawing p = 0 have no deaths
            death_after = np.where(draw < p, draw / p * duration, NEVER)
    elif stage.death_hazard is not None:
        until_death = stage.death_hazard.ppf(u[layout.rows[f"{name}.death"]])
        death_after = np.where(until_death < duration, until_death, NEVER)
    else:
        can_die = False
    fails, can_fail = np.broadcast_to(False, shape), False
    q = stage.failure_probability
    if q is not None and np.any(q > 0):
        fails, can_fail = np.broadcast_to(u[layout.rows[f"{name}.failure"]] < q, shape), True
    return StageDraws(duration, death_after, fails, can_die, can_fail)


@dataclass
class WaitingDraws:
    """One finite resource's queue for each patient, arrays of shape (R, n): days from joining it to death, and
    to withdrawal (the earlier of the withdrawal draw and the maximum wait); inf: never."""

    dies_after: np.ndarray
    withdraws_after: np.ndarray
    patience: np.ndarray = field(init=False)  # days in the queue at most: until death or withdrawal, if earlier

    def __post_init__(self) -> None:
        self.patience = np.minimum(self.dies_after, self.withdraws_after)


def waiting_draws(resource: str, waiting: Waiting, u: np.ndarray, layout: StreamLayout) -> WaitingDraws:
    shape = u.shape[1:]
    dies_after = np.full(shape, NEVER)
    if waiting.death is not None:
        dies_after = waiting.death.ppf(u[layout.rows[f"waiting.{resource}.death"]])
    withdraws_after = np.full(shape, waiting.max_wait_days or NEVER)
    if waiting.withdrawal is not None:
        withdrawal = waiting.withdrawal.ppf(u[layout.rows[f"waiting.{resource}.withdrawal"]])
        withdraws_after = np.minimum(withdraws_after, withdrawal)
    return WaitingDraws(dies_after, withdraws_after)


def died_waiting(dies_after: np.ndarray | float, withdraws_after: np.ndarray | float) -> np.ndarray | bool:
    """Whether a patient who left the queue died in it (else withdrew): death wins a tie."""
    return dies_after <= withdraws_after


def priority(waiting: Waiting, u: np.ndarray, layout: StreamLayout) -> np.ndarray | None:
    """Each patient's priority class in every queue (lower is served first); None: first come, first served."""
    return None if waiting.priority is None else waiting.priority.ppf(u[layout.rows["waiting.priority"]])
