"""What the engines produce: each patient's event times and where and why they died or left, and the queue of
each finite resource. Both engines fill the same `Histories`; outcomes read nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.engine.flares import Episode
from simulator.scenario.schema import Scenario

NEVER = np.inf
FOLLOW_UP = "follow-up"
OFF_PATHWAY = "off pathway"
OTHER_CAUSES = "other causes (general population)"  # with [population]: background mortality


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
    # With followup.non_response_probability only: when each non-responder's active disease began (the start of
    # follow-up; inf: responded, or never entered follow-up on the pathway)
    non_response: np.ndarray | None = None
    # With [economics] only (costs and QALYs need them): when each patient entered and left each stage, and
    # entered follow-up on the pathway (inf: never)
    stage_entry: dict[str, np.ndarray] = field(default_factory=dict)
    stage_exit: dict[str, np.ndarray] = field(default_factory=dict)
    discharge: np.ndarray | None = None  # also with non-response: who was assessed for response
    flares: list[Episode] = field(default_factory=list)  # with [economics] and [followup.flares]: each episode

    def observed_until(self, cutoff_days: float) -> np.ndarray | float:
        """When each patient's follow-up ends: the data cut-off, or loss to follow-up if earlier."""
        return cutoff_days if self.lost is None else np.minimum(self.lost, cutoff_days)


def new_histories(scenario: Scenario, enrolment: np.ndarray) -> Histories:
    """Histories of studies whose patients were enrolled at `enrolment` (days; inf: no such patient) and nothing
    else happened yet."""
    shape = enrolment.shape
    return Histories(
        enrolment=enrolment,
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


def stage_labels(scenario: Scenario) -> list[str]:
    """Where a death or withdrawal can happen: each stage, waiting for each resource, follow-up, and after
    leaving the pathway."""
    return list(scenario.stages) + [waiting_label(r) for r in scenario.resources] + [FOLLOW_UP, OFF_PATHWAY]


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
