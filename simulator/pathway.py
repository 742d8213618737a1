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

from .distributions import DAYS_PER_YEAR
from .queueing import queue_rows
from .randomness import StreamLayout
from .scenario import Scenario

NEVER = np.inf


@dataclass
class Histories:
    """What happened to each patient of each simulated study, before any censoring at the cut-off.

    Times are days (inf: did not happen). `death_stage` indexes `stage_labels` and `death_cause`
    indexes `cause_labels` (-1: alive). `waits` gives days waited per resource (NaN: never queued).
    """

    enrolment: np.ndarray
    reinfusion: np.ndarray
    relapse: np.ndarray
    death: np.ndarray
    withdrawal: np.ndarray
    death_stage: np.ndarray
    death_cause: np.ndarray
    stage_labels: list[str]
    cause_labels: list[str]
    waits: dict[str, np.ndarray] = field(default_factory=dict)


def stage_labels(scenario: Scenario) -> list[str]:
    """Where a death can happen: each stage, waiting for each resource, and follow-up."""
    return list(scenario.stages) + [f"waiting for {r}" for r in scenario.resources] + ["follow-up"]


def cause_labels(scenario: Scenario) -> list[str]:
    causes = [s.death_cause for s in scenario.stages.values()]
    causes += [scenario.waiting.death_cause, scenario.followup.death_cause]
    return list(dict.fromkeys(causes))


def simulate_pathway(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, always_queue: bool = False
) -> Histories:
    """Carry every patient of every study in the uniform block `u` (events, R, n) through the pathway.

    `always_queue` runs the SimPy queue even where nobody would wait (to test that skipping it is exact).
    """
    shape = u.shape[1:]
    labels, causes = stage_labels(scenario), cause_labels(scenario)
    h = Histories(
        enrolment=np.sort(u[layout.rows["enrolment"]], axis=1) * scenario.cohort.accrual_years * DAYS_PER_YEAR,
        reinfusion=np.full(shape, NEVER),
        relapse=np.full(shape, NEVER),
        death=np.full(shape, NEVER),
        withdrawal=np.full(shape, NEVER),
        death_stage=np.full(shape, -1, dtype=np.int16),
        death_cause=np.full(shape, -1, dtype=np.int16),
        stage_labels=labels,
        cause_labels=causes,
    )
    now = h.enrolment.copy()  # where each patient on the pathway has got to
    on_pathway = np.ones(shape, dtype=bool)
    for resource, block in groupby(scenario.stages, key=lambda name: scenario.stages[name].resource):
        now = _walk_block(scenario, list(block), resource, u, layout, h, now, on_pathway, always_queue)
    _follow_up(scenario, u, layout, h, now, on_pathway)
    return h


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
            alive &= ~fails

    start = now
    if resource is not None and scenario.resources[resource].is_finite:
        start = _queue(scenario, resource, u, layout, h, now, on_pathway, np.minimum(elapsed, ended), always_queue)
        got_it = on_pathway & ~np.isnan(start)
        on_pathway &= got_it
    h.death = np.where(on_pathway & died, start + ended, h.death)
    h.death_stage = np.where(on_pathway & died, death_stage, h.death_stage)
    h.death_cause = np.where(on_pathway & died, death_cause, h.death_cause)
    h.withdrawal = np.where(on_pathway & failed, start + ended, h.withdrawal)
    h.reinfusion = np.where(on_pathway & np.isfinite(reinfusion), start + reinfusion, h.reinfusion)
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
    """Start of the block for each patient (NaN: died waiting); records waits and deaths while waiting."""
    capacity = int(scenario.resources[resource].capacity)
    arriving = np.where(on_pathway, arrival, np.nan)
    patience = np.full(arrival.shape, NEVER)
    if scenario.waiting.death is not None:
        patience = scenario.waiting.death.ppf(u[layout.rows[f"waiting.{resource}"]])
    start = queue_rows(capacity, arriving, hold, patience, always_queue)
    died_waiting = on_pathway & np.isnan(start)
    h.death = np.where(died_waiting, arrival + patience, h.death)
    h.death_stage[died_waiting] = h.stage_labels.index(f"waiting for {resource}")
    h.death_cause[died_waiting] = h.cause_labels.index(scenario.waiting.death_cause)
    h.waits[resource] = start - arriving
    return start


def _follow_up(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, now: np.ndarray, on_pathway: np.ndarray
) -> None:
    """After discharge: relapse and death compete; after relapse, death follows its own distribution."""
    f = scenario.followup

    def after(dist, event: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        return np.full(now.shape, NEVER) if dist is None else dist.ppf(u[layout.rows[f"followup.{event}"]])

    to_relapse = after(f.relapse, "relapse")
    to_death = after(f.death_before_relapse, "death_before_relapse")
    relapse_to_death = after(f.death_after_relapse, "death_after_relapse")
    relapses = on_pathway & (to_relapse < to_death)
    h.relapse = np.where(relapses, now + to_relapse, h.relapse)
    death = np.where(relapses, now + to_relapse + relapse_to_death, now + to_death)
    dies = on_pathway & np.isfinite(death)
    h.death = np.where(dies, death, h.death)
    h.death_stage[dies] = h.stage_labels.index("follow-up")
    h.death_cause[dies] = h.cause_labels.index(f.death_cause)
