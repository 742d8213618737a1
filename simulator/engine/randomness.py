"""Random numbers: one independent stream per replication, one fixed uniform per patient event.

Replication r of seed s always draws from `SeedSequence(s, spawn_key=(r,))` (the r-th child that
`SeedSequence(s).spawn` would give; engine.seeding makes them for a whole chunk at once, bit for bit), so
results depend only on (scenario, seed, replication index):
not on worker count or chunking. Each patient event (enrolment, each stage's duration, death and
failure, each wait, relapse, deaths in follow-up) has its own row of uniforms; distributions map them
by inverse CDF. Scenarios with the same stages therefore share random numbers (common random numbers),
and raising a death probability can only turn survivors into deaths, never the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.seeding import replication_generators
from simulator.scenario.schema import Scenario

STAGE_EVENTS = ("duration", "death", "failure")
WAITING_EVENTS = ("death", "withdrawal")
FOLLOWUP_EVENTS = ("relapse", "death_before_relapse", "death_after_relapse")
POPULATION_EVENTS = ("population.age", "population.sex", "population.death")  # always the last rows
POPULATION_STREAM = 0x504f50  # "POP": first spawn-key word of background mortality's uniforms


@dataclass(frozen=True)
class StreamLayout:
    """Which row of the uniform block feeds which patient event."""

    rows: dict[str, int]

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> StreamLayout:
        names = ["enrolment"]
        names += [f"{stage}.{event}" for stage in scenario.stages for event in STAGE_EVENTS]
        names += [f"waiting.{resource}.{event}" for resource in scenario.resources for event in WAITING_EVENTS]
        names += [f"followup.{event}" for event in FOLLOWUP_EVENTS]
        if scenario.waiting.priority is not None:  # only then, so scenarios without keep their numbers
            names.append("waiting.priority")
        optional = {  # each only when the scenario has it, so scenarios without keep their numbers
            "off_pathway.death": scenario.off_pathway is not None,
            "followup.early_death": scenario.followup.early_death is not None,
            "followup.frailty": scenario.followup.frailty_variance is not None,
            "cohort.loss_to_followup": scenario.cohort.loss_to_followup is not None,
        }
        names += [name for name, present in optional.items() if present]
        if scenario.population is not None:  # background mortality, from its own stream (POPULATION_STREAM)
            names += list(POPULATION_EVENTS)
        return cls({name: row for row, name in enumerate(names)})

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def patient_events(self) -> list[str]:
        """The rows drawn from each replication's patient stream (all but background mortality's)."""
        return [name for name in self.rows if name not in POPULATION_EVENTS]

    def shares_numbers_with(self, other: StreamLayout) -> bool:
        """Whether two scenarios' patients draw the same uniforms for the same events (common random numbers);
        background mortality has its own stream, so a [population] table does not change it."""
        return self.patient_events == other.patient_events


def replication_generator(seed: int, replication: int, substream: tuple[int, ...] = ()) -> np.random.Generator:
    """The generator of one replication: independent of every other replication and of chunking.

    `substream` gives further independent streams within a replication (e.g. the arms of a two-arm study).
    """
    return next(replication_generators(seed, [replication], substream))  # a Generator of its own


def uniforms(
    seed: int, replications: range, layout: StreamLayout, patients: int, substream: tuple[int, ...] = ()
) -> np.ndarray:
    """Uniforms of shape (events, replications, patients) for a chunk of replications.

    Drawn patient by patient (all of patient 1's events, then patient 2's, ...), so a study of n patients
    shares its random numbers with the first n patients of a larger study of the same stages: cohort-size
    sweeps and comparisons of studies of different sizes keep common random numbers.
    """
    block = np.empty((len(layout), len(replications), patients))
    own = len(layout.patient_events)
    streams = [(range(own), substream)]
    if own < len(layout):  # background mortality: its own stream, so scenarios with and without it share the rest
        streams.append((range(own, len(layout)), (*substream, POPULATION_STREAM)))
    for rows, key in streams:
        for column, generator in enumerate(replication_generators(seed, replications, key)):
            block[rows.start : rows.stop, column, :] = generator.random((patients, len(rows))).T
    return block
