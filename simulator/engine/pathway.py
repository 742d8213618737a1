"""The treatment pathway of many simulated studies at once: enrolment, the scenario's stages, follow-up.

Every patient event time is computed up front from its uniform (no day-by-day ticking), vectorised
over arrays of shape (replications, patients), by the stage rules of `draws`; this module only sequences
them. Stages that hold a finite resource are walked as one block; the block's start is delayed by the queue
for the resource (see `queueing`), the only place where patients interact. Times are days since the study's
first possible enrolment.
"""

from __future__ import annotations

from itertools import groupby

import numpy as np

from simulator.engine.draws import died_waiting, enrolment_days, priority, stage_draws, waiting_draws
from simulator.engine.followup import after_pathway
from simulator.engine.histories import NEVER, Histories, QueueRecord, new_histories, waiting_label
from simulator.engine.queueing import Rules, queue_rows
from simulator.engine.randomness import StreamLayout, StudyStreams
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import refuse_processes


def simulate_pathway(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, always_queue: bool = False,
    studies: StudyStreams | None = None,
) -> Histories:
    """Carry every patient of every study in the uniform block `u` (events, R, n) through the pathway.

    `always_queue` runs the SimPy queue even where nobody would wait (to test that skipping it is exact).
    `studies`: those `u` was drawn for, needed only by flare episodes (which draw further streams).
    Stages run by the modeller's own function are refused: only `processes.simulate_processes` runs them.
    """
    h, discharge, completed = walk_stages(scenario, u, layout, always_queue)
    after_pathway(scenario, u, layout, h, discharge, completed, studies)
    return h


def walk_stages(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, always_queue: bool = False
) -> tuple[Histories, np.ndarray, np.ndarray]:
    """The stages of the pathway, queues included: the histories so far, when each patient left the last stage
    (days) and who completed them alive (the input of `after_pathway`)."""
    refuse_processes(scenario)
    h = new_histories(scenario, enrolment_days(scenario, u[layout.rows["enrolment"]]))
    now = h.enrolment.copy()  # where each patient on the pathway has got to
    on_pathway = np.isfinite(h.enrolment)
    for resource, block in groupby(scenario.stages, key=lambda name: scenario.stages[name].resource):
        now = _walk_block(scenario, list(block), resource, u, layout, h, now, on_pathway, always_queue)
    return h, now, on_pathway


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
        draws = stage_draws(name, stage, u, layout)
        if scenario.economics is not None:
            exit_ = np.where(alive, elapsed + draws.duration, NEVER)
            spans[name] = (np.where(alive, elapsed, NEVER),
                           np.where(alive & draws.dies, elapsed + draws.death_after, exit_) if draws.can_die else exit_)
        if draws.can_die:
            dies = alive & draws.dies
            ended = np.where(dies, elapsed + draws.death_after, ended)
            died |= dies
            death_stage[dies] = h.stage_labels.index(name)
            death_cause[dies] = h.cause_labels.index(stage.death_cause)
            alive &= ~dies
        elapsed = elapsed + draws.duration
        if draws.can_fail:
            fails = alive & draws.fails
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
    rules = Rules.of(scenario.resources[resource])
    arriving = np.where(on_pathway, arrival, np.nan)
    draws = waiting_draws(resource, waiting, u, layout)
    dies_after, withdraws_after = draws.dies_after, draws.withdraws_after
    start = queue_rows(rules, arriving, hold, draws.patience, priority(waiting, u, layout), always_queue)
    left = on_pathway & np.isnan(start)
    died = left & died_waiting(dies_after, withdraws_after)
    withdrew = left & ~died
    where = h.stage_labels.index(waiting_label(resource))
    h.death = np.where(died, arrival + dies_after, h.death)
    h.death_stage[died] = where
    h.death_cause[died] = h.cause_labels.index(waiting.death_cause)
    h.withdrawal = np.where(withdrew, arrival + withdraws_after, h.withdrawal)
    h.withdrawal_stage[withdrew] = where
    h.queues[resource] = QueueRecord(arrival=arriving, start=start, hold=np.where(np.isnan(start), np.nan, hold))
    return start
