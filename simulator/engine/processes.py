"""The per-patient SimPy engine (`--engine simpy`): one SimPy process carries each patient of a study through
every stage of the scenario, for modellers who want per-patient logic the fast engine cannot hold (a stage
that depends on a lab value, a re-mobilisation after a failed collection): a stage may be run by their own
generator function (`process = "..."` in the stage; see `Patient`).

It reads the same uniforms as the fast engine (`randomness.StreamLayout`) and turns them into event times by the
same stage rules (`draws`), and its resources are the same units (`queueing`: priorities, weekly closures;
death or withdrawal while waiting), so for a scenario without custom stages both engines give the same patient
histories. Death and failure within a stage compete as timeouts with its completion; follow-up after
discharge and death after leaving the pathway involve no other patient and are shared with the fast engine.
It is slower: a process and several events per patient, where the fast engine computes arrays.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import numpy as np
import simpy

from simulator.engine.draws import (
    StageDraws,
    WaitingDraws,
    died_waiting,
    enrolment_days,
    priority,
    stage_draws,
    waiting_draws,
)
from simulator.engine.followup import after_pathway
from simulator.engine.histories import NEVER, Histories, QueueRecord, new_histories, waiting_label
from simulator.engine.queueing import Rules, ask, close_weekly, units
from simulator.engine.randomness import StreamLayout, StudyStreams, replication_generator
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import StageProcess, stage_process

PATIENT_STREAM = 0x504154  # "PAT": first spawn-key word of a patient's own generator (`Patient.rng`)


@dataclass
class Patient:
    """What a stage's own process may read and write. Times are days since the study's first possible
    enrolment (`env.now`); the stage's draws are those the scenario's rule would use.

    A stage process is a generator `function(patient, env)`: it spends time with `yield env.timeout(days)`,
    may run the scenario's own rule for the stage with `yield from patient.standard_stage(env)`, and ends the
    pathway with `patient.die(env)` or `patient.leave(env)` (off the pathway, alive: e.g. a failed collection).
    `values` carries the modeller's own per-patient quantities (a lab value) from stage to stage.
    """

    study: int  # replication index
    slot: int  # the patient's place in the study
    seed: int
    stage: str = ""  # the stage being run
    duration: float = 0.0  # this stage's sampled duration (days)
    death_after: float = NEVER  # days from the stage's start to the death the scenario samples (inf: none)
    fails: bool = False  # whether the scenario's failure draw fails the patient at the stage's end
    death_cause: str = ""  # the stage's cause of death
    values: dict[str, Any] = field(default_factory=dict)
    ended: str | None = None  # "died" or "left" once the pathway has ended
    ended_at: float = NEVER
    cause: str | None = None
    _rng: np.random.Generator | None = None
    _elapsed: float = 0.0  # days from the start of the current resource block (see `StudyRun._patient`)
    _block_start: float = 0.0

    @property
    def rng(self) -> np.random.Generator:
        """Random numbers for the modeller's logic: the patient's own stream, the same whatever the chunking
        or the number of workers, and apart from the scenario's uniforms (so their histories are untouched)."""
        if self._rng is None:
            self._rng = replication_generator(self.seed, self.study, (PATIENT_STREAM, self.slot))
        return self._rng

    def die(self, env: simpy.Environment, cause: str | None = None) -> None:
        """The patient dies now (of `cause`, by default the stage's)."""
        self.ended, self.ended_at, self.cause = "died", env.now, cause or self.death_cause

    def leave(self, env: simpy.Environment) -> None:
        """The patient leaves the pathway alive now (followed off the pathway: intention to treat)."""
        self.ended, self.ended_at = "left", env.now

    def standard_stage(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """The scenario's rule for the stage: death, if drawn, competes with completion; failure ends it."""
        before = self._elapsed
        done_at = self._block_start + (before + self.duration)
        if self.death_after < NEVER:
            death_at = self._block_start + (before + self.death_after)
            death = _at(env, death_at)
            first = yield death | _at(env, done_at)
            if death in first:  # on a tie (a zero-length stage) both are in `first`: death wins, as in the fast engine
                self.ended, self.ended_at, self.cause = "died", death_at, self.death_cause
                self._elapsed = before + self.death_after
                return
        else:
            yield _at(env, done_at)
        self._elapsed = before + self.duration
        if self.fails:
            self.ended, self.ended_at = "left", done_at


@dataclass
class StudyDraws:
    """Every patient's draws by the stage rules (`draws`): per stage, per finite resource's queue, and the
    priority in queues (None: first come, first served)."""

    stages: dict[str, StageDraws]
    waiting: dict[str, WaitingDraws]
    priority: np.ndarray | None


def _at(env: simpy.Environment, when: float) -> simpy.Timeout:
    """A timeout ending at time `when`."""
    return env.timeout(max(when - env.now, 0.0))


def simulate_processes(scenario: Scenario, u: np.ndarray, layout: StreamLayout, seed: int,
                       replications: range, substream: tuple[int, ...] = ()) -> Histories:
    """Carry every patient of every study in the uniform block `u` (events, R, n) through the pathway, one
    SimPy process per patient; `seed` and `replications` name the studies (for `Patient.rng`), and with
    `substream` the streams `u` was drawn from (for flare episodes, which draw further ones)."""
    shape = u.shape[1:]
    h = new_histories(scenario, enrolment_days(scenario, u[layout.rows["enrolment"]]))
    for resource in scenario.finite_resources:
        h.queues[resource] = QueueRecord(*(np.full(shape, np.nan) for _ in range(3)))
    if scenario.economics is not None:  # costs and QALYs need each stage's span, as the fast engine records it
        for name in scenario.stages:
            h.stage_entry[name], h.stage_exit[name] = np.full(shape, NEVER), np.full(shape, NEVER)
    draws = StudyDraws(
        stages={name: stage_draws(name, stage, u, layout) for name, stage in scenario.stages.items()},
        waiting={
            resource: waiting_draws(resource, scenario.waiting, u, layout) for resource in scenario.finite_resources
        },
        priority=priority(scenario.waiting, u, layout),
    )
    discharge = np.zeros(shape)  # when each patient who completes the pathway leaves it
    on_pathway = np.zeros(shape, dtype=bool)  # who completes it
    for row, replication in enumerate(replications):
        StudyRun(scenario, draws, h, (discharge, on_pathway), row, replication, seed).run()
    after_pathway(scenario, u, layout, h, discharge, on_pathway, StudyStreams(seed, replications, shape[1], substream))
    return h


class StudyRun:
    """One study in one SimPy environment: its wards and its patients' processes."""

    def __init__(self, scenario: Scenario, draws: StudyDraws, h: Histories,
                 completed: tuple[np.ndarray, np.ndarray], row: int, replication: int, seed: int) -> None:
        self.scenario, self.draws, self.h = scenario, draws, h
        self.discharge, self.completed = completed
        self.row, self.replication, self.seed = row, replication, seed
        self.env = simpy.Environment()
        self.blocks = [(resource, list(block)) for resource, block in
                       groupby(scenario.stages, key=lambda name: scenario.stages[name].resource)]
        self.processes: dict[str, StageProcess] = {
            name: stage_process(stage.process, f"stages.{name}.process")
            for name, stage in scenario.stages.items() if stage.process is not None}
        self.rules = {name: Rules.of(scenario.resources[name]) for name in scenario.finite_resources}
        self.wards = {name: units(self.env, rules, ranked=draws.priority is not None)
                      for name, rules in self.rules.items()}
        self.remaining = 0  # patients still on the pathway: closures run while there are some

    def run(self) -> None:
        enrolment = self.h.enrolment[self.row]
        for slot in np.flatnonzero(np.isfinite(enrolment)).tolist():
            self.remaining += 1
            self.env.process(self._patient(slot))
        for name, rules in self.rules.items():
            if rules.closed:
                self.env.process(close_weekly(self.env, self.wards[name], rules, lambda: self.remaining > 0))
        self.env.run()

    def _patient(self, slot: int) -> Generator[simpy.Event, Any, None]:
        """One patient's pathway: enrolment, then each block of stages (waiting first for its resource, if
        finite), ending at discharge, death or leaving the pathway."""
        env, r, d, h = self.env, self.row, self.draws, self.h
        patient = Patient(study=self.replication, slot=slot, seed=self.seed)
        now = float(h.enrolment[r, slot])
        yield env.timeout(now)
        try:
            for resource, block in self.blocks:
                request, start = None, now
                if resource is not None and resource in self.wards:
                    queue = h.queues[resource]
                    queue.arrival[r, slot] = now
                    request = ask(self.wards[resource], d.priority, (r, slot))
                    if not request.triggered:  # all units taken, or closed: wait (death or withdrawal may end it)
                        patience = float(d.waiting[resource].patience[r, slot])
                        if patience < NEVER:
                            yield request | env.timeout(patience)
                        else:
                            yield request
                        if not request.triggered:
                            request.cancel()
                            self._left_queue(resource, slot, now)
                            return
                        start = env.now
                    queue.start[r, slot] = start
                patient._block_start, patient._elapsed = start, 0.0
                for name in block:
                    if name == self.scenario.outcomes.reinfusion_stage:
                        h.reinfusion[r, slot] = start + patient._elapsed
                    self._enter(patient, name)
                    entered = start + patient._elapsed
                    if name in self.processes:
                        yield from self.processes[name](patient, env)
                        patient._elapsed = (patient.ended_at if patient.ended else env.now) - start
                    else:
                        yield from patient.standard_stage(env)
                    if name in h.stage_entry:
                        h.stage_entry[name][r, slot] = entered
                        h.stage_exit[name][r, slot] = patient.ended_at if patient.ended else start + patient._elapsed
                    if patient.ended:
                        break
                if resource is not None and request is not None:
                    h.queues[resource].hold[r, slot] = patient._elapsed
                    self.wards[resource].release(request)
                if patient.ended:
                    self._ended(patient, slot)
                    return
                now = start + patient._elapsed
            self.discharge[r, slot], self.completed[r, slot] = now, True
        finally:
            self.remaining -= 1

    def _enter(self, patient: Patient, name: str) -> None:
        """The patient's draws for stage `name`."""
        d, r, slot = self.draws, self.row, patient.slot
        patient.stage, patient.death_cause = name, self.scenario.stages[name].death_cause
        stage = d.stages[name]
        patient.duration = float(stage.duration[r, slot])
        patient.death_after = float(stage.death_after[r, slot])
        patient.fails = bool(stage.fails[r, slot])

    def _ended(self, patient: Patient, slot: int) -> None:
        h, r = self.h, self.row
        stage = h.stage_labels.index(patient.stage)
        if patient.ended == "died":
            h.death[r, slot] = patient.ended_at
            h.death_stage[r, slot] = stage
            h.death_cause[r, slot] = _cause_index(h, patient.cause or patient.death_cause)
        else:
            h.withdrawal[r, slot] = patient.ended_at
            h.withdrawal_stage[r, slot] = stage

    def _left_queue(self, resource: str, slot: int, arrival: float) -> None:
        """Death or withdrawal while waiting, whichever came first (`draws.died_waiting`)."""
        h, r, d = self.h, self.row, self.draws.waiting[resource]
        dies_after, withdraws_after = d.dies_after[r, slot], d.withdraws_after[r, slot]
        where = h.stage_labels.index(waiting_label(resource))
        if died_waiting(dies_after, withdraws_after):
            h.death[r, slot] = arrival + dies_after
            h.death_stage[r, slot] = where
            h.death_cause[r, slot] = h.cause_labels.index(self.scenario.waiting.death_cause)
        else:
            h.withdrawal[r, slot] = arrival + withdraws_after
            h.withdrawal_stage[r, slot] = where


def _cause_index(h: Histories, cause: str) -> int:
    """Index of a cause of death, adding a modeller's new cause to the labels."""
    if cause not in h.cause_labels:
        h.cause_labels.append(cause)
    return h.cause_labels.index(cause)
