"""The treatment pathway of many simulated studies at once: enrolment, the scenario's stages, follow-up.

Every patient event time is computed up front from its uniform (no day-by-day ticking), vectorised
over arrays of shape (replications, patients). Stages that hold a finite resource are walked as one
block; the block's start is delayed by the queue for the resource (see `queueing`), the only place
where patients interact. Times are days since the study's first possible enrolment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

import numpy as np

from simulator.engine.background import other_cause_death
from simulator.engine.queueing import Rules, queue_rows
from simulator.engine.randomness import StreamLayout
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import refuse_processes

NEVER = np.inf


@dataclass
class QueueRecord:
    """One resource's queue in each study: when patients joined it and obtained the resource (days; NaN:
    never joined, or left the queue), and how long they then held it."""

    arrival: np.ndarray
    start: np.ndarray
    hold: np.ndarray

    @property
    def wait(self) -> np.ndarray:
        """Days from joining the queue to obtaining the resource (NaN: never joined, or left)."""
        return self.start - self.arrival

    def first(self, studies: int) -> QueueRecord:
        """The queues of the first `studies` studies."""
        return QueueRecord(self.arrival[:studies], self.start[:studies], self.hold[:studies])


@dataclass
class Histories:
    """What happened to each patient of each simulated study, before any censoring at the cut-off.

    Times are days (inf: did not happen; enrolment inf: no such patient, for open referrals).
    `death_stage` and `withdrawal_stage` index `stage_labels`, `death_cause` indexes `cause_labels`
    (-1: none). `queues` holds the queue of each finite resource.
    """

    enrolment: np.ndarray
    reinfusion: np.ndarray
    relapse: np.ndarray
    death: np.ndarray
    withdrawal: np.ndarray
    death_stage: np.ndarray
    death_cause: np.ndarray
    withdrawal_stage: np.ndarray
    stage_labels: list[str]
    cause_labels: list[str]
    queues: dict[str, QueueRecord] = field(default_factory=dict)
    lost: np.ndarray | None = None  # loss to follow-up (inf: never); None when the scenario has none
    # With [economics] only (costs and QALYs need them): when each patient entered and left each stage, and
    # entered follow-up on the pathway (inf: never)
    stage_entry: dict[str, np.ndarray] = field(default_factory=dict)
    stage_exit: dict[str, np.ndarray] = field(default_factory=dict)
    discharge: np.ndarray | None = None

    def observed_until(self, cutoff_days: float) -> np.ndarray | float:
        """When each patient's follow-up ends: the data cut-off, or loss to follow-up if earlier."""
        return cutoff_days if self.lost is None else np.minimum(self.lost, cutoff_days)


OFF_PATHWAY = "off pathway"
OTHER_CAUSES = "other causes (general population)"  # with [population]: background mortality


def stage_labels(scenario: Scenario) -> list[str]:
    """Where a death or withdrawal can happen: each stage, waiting for each resource, follow-up, and after
    leaving the pathway."""
    return list(scenario.stages) + [waiting_label(r) for r in scenario.resources] + ["follow-up", OFF_PATHWAY]


def waiting_label(resource: str) -> str:
    return f"waiting for {resource}"


def cause_labels(scenario: Scenario) -> list[str]:
    causes = [s.death_cause for s in scenario.stages.values()]
    causes += [scenario.waiting.death_cause, scenario.followup.death_cause]
    if scenario.followup.early_death is not None:
        causes.append(scenario.followup.early_death_cause)
    if scenario.off_pathway is not None:
        causes.append(scenario.off_pathway.death_cause)
    if scenario.population is not None:
        causes.append(OTHER_CAUSES)
    return list(dict.fromkeys(causes))


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


def simulate_pathway(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, always_queue: bool = False
) -> Histories:
    """Carry every patient of every study in the uniform block `u` (events, R, n) through the pathway.

    `always_queue` runs the SimPy queue even where nobody would wait (to test that skipping it is exact).
    Stages run by the modeller's own function are refused: only `processes.simulate_processes` runs them.
    """
    h, discharge, completed = walk_stages(scenario, u, layout, always_queue)
    after_pathway(scenario, u, layout, h, discharge, completed)
    return h


def walk_stages(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, always_queue: bool = False
) -> tuple[Histories, np.ndarray, np.ndarray]:
    """The stages of the pathway, queues included: the histories so far, when each patient left the last stage
    (days) and who completed them alive (the input of `after_pathway`)."""
    refuse_processes(scenario)
    h = new_histories(scenario, u, layout)
    now = h.enrolment.copy()  # where each patient on the pathway has got to
    on_pathway = np.isfinite(h.enrolment)
    for resource, block in groupby(scenario.stages, key=lambda name: scenario.stages[name].resource):
        now = _walk_block(scenario, list(block), resource, u, layout, h, now, on_pathway, always_queue)
    return h, now, on_pathway


def new_histories(scenario: Scenario, u: np.ndarray, layout: StreamLayout) -> Histories:
    """Histories of the studies in the uniform block `u` with every patient enrolled and nothing else happened."""
    shape = u.shape[1:]
    return Histories(
        enrolment=enrolment_days(scenario, u[layout.rows["enrolment"]]),
        reinfusion=np.full(shape, NEVER),
        relapse=np.full(shape, NEVER),
        death=np.full(shape, NEVER),
        withdrawal=np.full(shape, NEVER),
        death_stage=np.full(shape, -1, dtype=np.int16),
        death_cause=np.full(shape, -1, dtype=np.int16),
        withdrawal_stage=np.full(shape, -1, dtype=np.int16),
        stage_labels=stage_labels(scenario),
        cause_labels=cause_labels(scenario),
    )


def after_pathway(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, discharge: np.ndarray, completed: np.ndarray
) -> None:
    """What involves no other patient once the stages are done, the same for both engines: follow-up of those who
    `completed` the pathway (from `discharge`), death after leaving it, and death from other causes."""
    _follow_up(scenario, u, layout, h, discharge, completed)
    _off_pathway(scenario, u, layout, h)
    if scenario.population is not None:
        _other_causes(scenario, u, layout, h, np.where(completed, discharge, h.withdrawal))


def _walk_block(
    scenario: Scenario,
    block: list[str],
    resource: str | None,
    u: np.ndarray,
    layout: StreamLayout,
    h: Histories,
    now: np.ndarray,
    on_pathway: np.ndarray,
    always_queue: bool,
) -> np.ndarray:
    """Stages sharing one resource (or none): times relative to the block's start, then the queue."""
    shape = now.shape
    elapsed = np.zeros(shape)
    alive = on_pathway.copy()
    ended = np.full(shape, NEVER)  # relative time of death or failure within the block
    died = np.zeros(shape, dtype=bool)
    failed = np.zeros(shape, dtype=bool)
    reinfusion = np.full(shape, NEVER)
    death_stage = np.full(shape, -1, dtype=np.int16)
    death_cause = np.full(shape, -1, dtype=np.int16)
    failed_stage = np.full(shape, -1, dtype=np.int16)
    spans: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # relative entry and exit, with [economics]
    for name in block:
        stage = scenario.stages[name]
        if name == scenario.outcomes.reinfusion_stage:
            reinfusion = np.where(alive, elapsed, NEVER)
        duration = stage.duration.ppf(u[layout.rows[f"{name}.duration"]])
        dies = None
        if stage.death_probability is not None and np.any(stage.death_probability > 0):  # may be (R, 1) draws
            draw = u[layout.rows[f"{name}.death"]]
            dies = alive & (draw < stage.death_probability)
            # given death, draw / p is itself uniform: it places the death within the stage
            at = elapsed + draw / stage.death_probability * duration
        elif stage.death_hazard is not None:
            until_death = stage.death_hazard.ppf(u[layout.rows[f"{name}.death"]])
            dies = alive & (until_death < duration)
            at = elapsed + until_death
        if scenario.economics is not None:
            spans[name] = (np.where(alive, elapsed, NEVER), np.where(alive, elapsed + duration, NEVER)
                           if dies is None else np.where(dies, at, np.where(alive, elapsed + duration, NEVER)))
        if dies is not None:
            ended = np.where(dies, at, ended)
            died |= dies
            death_stage[dies] = h.stage_labels.index(name)
            death_cause[dies] = h.cause_labels.index(stage.death_cause)
            alive &= ~dies
        elapsed = elapsed + duration
        if stage.failure_probability is not None and np.any(stage.failure_probability > 0):
            fails = alive & (u[layout.rows[f"{name}.failure"]] < stage.failure_probability)
            ended = np.where(fails, elapsed, ended)
            failed |= fails
            failed_stage[fails] = h.stage_labels.index(name)
            alive &= ~fails

    start = now
    if resource is not None and scenario.resources[resource].is_finite:
        start = _queue(scenario, resource, u, layout, h, now, on_pathway, np.minimum(elapsed, ended), always_queue)
        on_pathway &= ~np.isnan(start)  # those who left the queue are recorded by _queue
    h.death = np.where(on_pathway & died, start + ended, h.death)
    h.death_stage = np.where(on_pathway & died, death_stage, h.death_stage)
    h.death_cause = np.where(on_pathway & died, death_cause, h.death_cause)
    h.withdrawal = np.where(on_pathway & failed, start + ended, h.withdrawal)
    h.withdrawal_stage = np.where(on_pathway & failed, failed_stage, h.withdrawal_stage)
    h.reinfusion = np.where(on_pathway & np.isfinite(reinfusion), start + reinfusion, h.reinfusion)
    for name, (entry, exit_) in spans.items():
        h.stage_entry[name] = np.where(on_pathway, start + entry, NEVER)
        h.stage_exit[name] = np.where(on_pathway, start + exit_, NEVER)
    on_pathway &= alive
    return start + elapsed


def _queue(
    scenario: Scenario,
    resource: str,
    u: np.ndarray,
    layout: StreamLayout,
    h: Histories,
    arrival: np.ndarray,
    on_pathway: np.ndarray,
    hold: np.ndarray,
    always_queue: bool,
) -> np.ndarray:
    """Start of the block for each patient (NaN: left the queue); records the queue and who left it, by
    death, withdrawal or reaching the maximum wait, whichever would come first."""
    waiting = scenario.waiting
    shared = scenario.resources[resource]
    rules = Rules(capacity=int(shared.capacity), closed=shared.closed_spans)
    priority = None if waiting.priority is None else waiting.priority.ppf(u[layout.rows["waiting.priority"]])
    arriving = np.where(on_pathway, arrival, np.nan)
    dies_after = np.full(arrival.shape, NEVER)
    if waiting.death is not None:
        dies_after = waiting.death.ppf(u[layout.rows[f"waiting.{resource}.death"]])
    withdraws_after = np.full(arrival.shape, waiting.max_wait_days or NEVER)
    if waiting.withdrawal is not None:
        withdraws_after = np.minimum(withdraws_after, waiting.withdrawal.ppf(u[layout.rows[f"waiting.{resource}.withdrawal"]]))
    patience = np.minimum(dies_after, withdraws_after)
    start = queue_rows(rules, arriving, hold, patience, priority, always_queue)
    left = on_pathway & np.isnan(start)
    died = left & (dies_after <= withdraws_after)
    withdrew = left & ~died
    where = h.stage_labels.index(waiting_label(resource))
    h.death = np.where(died, arrival + dies_after, h.death)
    h.death_stage[died] = where
    h.death_cause[died] = h.cause_labels.index(waiting.death_cause)
    h.withdrawal = np.where(withdrew, arrival + withdraws_after, h.withdrawal)
    h.withdrawal_stage[withdrew] = where
    h.queues[resource] = QueueRecord(arrival=arriving, start=start, hold=np.where(np.isnan(start), np.nan, hold))
    return start


def _follow_up(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, now: np.ndarray, on_pathway: np.ndarray
) -> None:
    """After discharge (without a transplant: after the stages, if any, from enrolment): relapse (or flare) and
    death compete; after relapse, death follows its own distribution. An
    early treatment-related death competes with both within its window after reinfusion. A gamma frailty Z
    multiplies each patient's hazards: S(t | Z) = S(t)^Z, i.e. the uniform u becomes 1 - (1 - u)^(1/Z)."""
    f = scenario.followup
    frailty = None
    if f.frailty_variance is not None:
        from scipy import special  # here: scipy loads in a tenth of a second, only for scenarios with a frailty

        theta = f.frailty_variance  # Z ~ Gamma(shape 1/theta, scale theta): mean 1, variance theta
        frailty = special.gammaincinv(1 / theta, u[layout.rows["followup.frailty"]]) * theta

    def after(dist, event: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        if dist is None:
            return np.full(now.shape, NEVER)
        uniform = u[layout.rows[f"followup.{event}"]]
        if frailty is not None:
            with np.errstate(divide="ignore"):
                uniform = -np.expm1(np.log1p(-uniform) / frailty)
        return dist.ppf(uniform)

    to_relapse = after(f.relapse, "relapse")
    to_death = after(f.death_before_relapse, "death_before_relapse")
    relapse_to_death = after(f.death_after_relapse, "death_after_relapse")
    relapses = on_pathway & (to_relapse < to_death)
    if scenario.economics is not None:
        h.discharge = np.where(on_pathway, now, NEVER)
    death = np.where(relapses, now + to_relapse + relapse_to_death, now + to_death)
    early_first = np.zeros(now.shape, dtype=bool)
    if f.early_death is not None:  # a treatment-related death within its window after reinfusion competes
        early = now + after(f.early_death, "early_death")
        with np.errstate(invalid="ignore"):  # inf - inf for slots nobody filled (referrals): not within the window
            early = np.where(early - h.reinfusion <= f.early_death_window_days, early, NEVER)
        relapses &= now + to_relapse < early
        early_first = early < death
        death = np.minimum(death, early)
    h.relapse = np.where(relapses, now + to_relapse, h.relapse)
    dies = on_pathway & np.isfinite(death)
    h.death = np.where(dies, death, h.death)
    h.death_stage[dies] = h.stage_labels.index("follow-up")
    h.death_cause[dies] = h.cause_labels.index(f.death_cause)
    if f.early_death is not None:
        h.death_cause[dies & early_first] = h.cause_labels.index(f.early_death_cause)
    if scenario.cohort.loss_to_followup is not None:
        loss = scenario.cohort.loss_to_followup.ppf(u[layout.rows["cohort.loss_to_followup"]])
        start = h.reinfusion if scenario.has_transplant else h.enrolment  # no transplant: followed from enrolment
        h.lost = np.where(np.isfinite(start), start + loss, NEVER)


def _off_pathway(scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories) -> None:
    """Patients who left the pathway alive die at their own hazard afterwards (intention to treat)."""
    left = np.isfinite(h.withdrawal)
    if scenario.off_pathway is None or not left.any():
        return
    dies = left & np.isinf(h.death)
    death = h.withdrawal + scenario.off_pathway.death.ppf(u[layout.rows["off_pathway.death"]])
    h.death = np.where(dies, death, h.death)
    h.death_stage[dies] = h.stage_labels.index(OFF_PATHWAY)
    h.death_cause[dies] = h.cause_labels.index(scenario.off_pathway.death_cause)


def _other_causes(scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, left: np.ndarray) -> None:
    """Death from other causes competes from `left` (when each patient left the pathway alive; inf: did not):
    whichever death comes first happens, and a relapse after it does not."""
    death = other_cause_death(scenario, u, layout, h.enrolment, left)
    first = death < h.death
    h.death = np.where(first, death, h.death)
    h.relapse = np.where(first & (h.relapse > death), NEVER, h.relapse)
    h.death_cause[first] = h.cause_labels.index(OTHER_CAUSES)
    off = first & np.isfinite(h.withdrawal)
    h.death_stage[first & ~off] = h.stage_labels.index("follow-up")
    h.death_stage[off] = h.stage_labels.index(OFF_PATHWAY)
