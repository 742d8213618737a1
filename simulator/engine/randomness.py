"""Random numbers: one fixed uniform per patient event, on a stream named after the event.

The uniform of patient i for event e (e.g. "isolation.death") in replication r of seed s is word i mod 4 of
Philox4x64-10 (numpy's counter-based bit generator) at counter (r, i // 4, k(e)), where k(e) is a 128-bit
hash of the event's name and the key comes from `SeedSequence(s, spawn_key=substream)`; numpy turns each
64-bit word into a double in [0, 1). So each uniform depends only on (seed, replication, patient, event name):

- not on worker count or chunking;
- a study of n patients shares its uniforms with the first n patients of a larger study (cohort-size sweeps);
- adding an event (a new stage rule, an optional table such as [population]) leaves every other event's
  uniforms bit for bit as they were, and a scenario draws only the events it uses;
- scenarios with the same stage names share their random numbers (common random numbers), and raising a death
  probability can only turn survivors into deaths, never the reverse.

Distributions map the uniforms by inverse CDF. Counters run along replications, so one call of the generator
fills an event's uniforms for four patients of a whole chunk of studies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from simulator.scenario.schema import Scenario

WORDS_PER_COUNTER = 4  # Philox4x64 gives four 64-bit words per counter: four patients
MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class StreamLayout:
    """The patient events a scenario draws, each a row of its uniform block, and its stages (which events
    mean the same in two scenarios)."""

    rows: dict[str, int]
    stages: tuple[str, ...]

    @classmethod
    def for_scenario(cls, scenario: Scenario) -> StreamLayout:
        return cls({name: row for row, name in enumerate(events(scenario))}, tuple(scenario.stages))

    def __len__(self) -> int:
        return len(self.rows)

    def shares_numbers_with(self, other: StreamLayout) -> bool:
        """Whether two scenarios' patients draw the same uniforms for the same events (common random numbers):
        every event draws on its own named stream, so whenever their stages are the same."""
        return self.stages == other.stages


def events(scenario: Scenario) -> list[str]:
    """The names of the patient events the scenario draws a uniform for: only those its rules use."""
    names = ["enrolment"]
    for stage_name, stage in scenario.stages.items():
        names.append(f"{stage_name}.duration")
        if stage.death_probability is not None or stage.death_hazard is not None:
            names.append(f"{stage_name}.death")
        if stage.failure_probability is not None:
            names.append(f"{stage_name}.failure")
    waiting = scenario.waiting
    for resource in scenario.finite_resources:
        names += [f"waiting.{resource}.{event}" for event, dist in (("death", waiting.death),
                                                                   ("withdrawal", waiting.withdrawal)) if dist]
    if waiting.priority is not None:
        names.append("waiting.priority")
    f = scenario.followup
    optional = {
        "followup.non_response": f.non_response_probability,
        "followup.relapse": f.relapse,
        "followup.death_before_relapse": f.death_before_relapse,
        "followup.death_after_relapse": f.death_after_relapse,
        "followup.early_death": f.early_death,
        "followup.frailty": f.frailty_variance,
        "off_pathway.death": scenario.off_pathway,
        "cohort.loss_to_followup": scenario.cohort.loss_to_followup,
        "population.age": scenario.population,
        "population.sex": scenario.population,
        "population.death": scenario.population,
    }
    return names + [name for name, present in optional.items() if present is not None]


@dataclass(frozen=True)
class StudyStreams:
    """The studies a uniform block was drawn for: `uniforms` gives further named events of the same patients,
    e.g. as many rounds of flare episodes as a patient has (engine/flares.py), each on its own keyed stream."""

    seed: int
    replications: range
    patients: int
    substream: tuple[int, ...] = ()

    def uniforms(self, names: Iterable[str]) -> np.ndarray:
        """Uniforms of shape (len(names), replications, patients), row i the named event names[i]."""
        layout = StreamLayout({name: row for row, name in enumerate(names)}, ())
        return uniforms(self.seed, self.replications, layout, self.patients, self.substream)


def event_key(name: str) -> int:
    """The 128-bit key of an event's stream: its name hashed (BLAKE2b), so no list of events fixes it."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=16).digest(), "little")


def replication_generator(seed: int, replication: int, substream: tuple[int, ...] = ()) -> np.random.Generator:
    """The generator of one replication: independent of every other replication and of chunking.

    `substream` gives further independent streams within a replication (e.g. a patient's own in a stage process).
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, *substream))))


def replication_generators(
    seed: int, replications: Iterable[int], substream: tuple[int, ...] = ()
) -> Iterator[np.random.Generator]:
    """`replication_generator` of each replication in turn: the parameters drawn per study (heterogeneity,
    uncertainty: one substream per parameter)."""
    for replication in replications:
        yield replication_generator(seed, replication, substream)


def uniforms(
    seed: int, replications: range, layout: StreamLayout, patients: int, substream: tuple[int, ...] = ()
) -> np.ndarray:
    """Uniforms of shape (events, replications, patients) for a chunk of consecutive replications.

    `substream` keys further independent studies of the same seed (e.g. the arms of a two-arm trial).
    """
    if replications.step != 1:
        raise ValueError(f"uniforms are drawn for consecutive replications, not {replications}")
    count, blocks = len(replications), -(-patients // WORDS_PER_COUNTER)
    block = np.empty((len(layout), count, patients))
    if not count or not patients:
        return block
    key = np.random.SeedSequence(seed, spawn_key=substream).generate_state(2, np.uint64)
    bit_generator = np.random.Philox(key=key)
    generator = np.random.Generator(bit_generator)
    state = bit_generator.state
    words = np.empty((blocks, count, WORDS_PER_COUNTER))
    for name, row in layout.rows.items():
        event = event_key(name)
        for patient_block in range(blocks):
            # the generator steps its counter before each draw: start one below (r, block, event)
            counter = ((event << 128) | (patient_block << 64) | replications.start) - 1
            state["state"]["counter"] = np.array([(counter >> shift) & MASK64 for shift in (0, 64, 128, 192)],
                                                 dtype=np.uint64)
            state["buffer_pos"] = WORDS_PER_COUNTER
            bit_generator.state = state
            generator.random(out=words[patient_block])
        block[row] = words.transpose(1, 0, 2).reshape(count, blocks * WORDS_PER_COUNTER)[:, :patients]
    return block
