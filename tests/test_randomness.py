"""Random numbers: one stream per named patient event, so common random numbers hold across scenarios with the
same stages whatever the study size, and a new event moves no existing number."""

import dataclasses

import numpy as np

from simulator import load_scenario
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, event_key, uniforms

from helpers import SCENARIOS

BURT = SCENARIOS / "burt2006.toml"


def test_studies_of_different_sizes_share_their_first_patients_random_numbers():
    """Burt 2006 (50 patients) and EBMT 2004 (53) have the same stages: patient i draws the same uniforms."""
    burt, ebmt = load_scenario(BURT), load_scenario(SCENARIOS / "ebmt2004.toml")
    layout, other = StreamLayout.for_scenario(burt), StreamLayout.for_scenario(ebmt)
    assert layout.shares_numbers_with(other)
    fifty, fifty_three = uniforms(7, range(3), layout, 50), uniforms(7, range(3), other, 53)
    shared = [name for name in layout.rows if name in other.rows]
    assert len(shared) > 10
    for name in shared:
        assert np.array_equal(fifty[layout.rows[name]], fifty_three[other.rows[name]][:, :50]), name


def test_background_mortality_leaves_every_other_random_number_as_it_was():
    burt = load_scenario(BURT)
    without = burt.model_copy(update={"population": None})
    layout, shorter = StreamLayout.for_scenario(burt), StreamLayout.for_scenario(without)
    assert set(layout.rows) - set(shorter.rows) == {"population.age", "population.sex", "population.death"}
    assert np.array_equal(uniforms(3, range(4), layout, 50)[: len(shorter)], uniforms(3, range(4), shorter, 50))


def test_adding_an_event_anywhere_moves_no_other_number():
    """A new event (here a dummy one, put first) draws on its own stream: every other uniform, and so every
    patient's history, stays bit for bit as it was."""
    scenario = load_scenario(SCENARIOS / "centre_capacity.toml")
    layout = StreamLayout.for_scenario(scenario)
    names = ["isolation.dummy_event", *layout.rows]
    longer = dataclasses.replace(layout, rows={name: row for row, name in enumerate(names)})
    u, v = uniforms(11, range(5, 25), layout, scenario.cohort.max_patients), \
        uniforms(11, range(5, 25), longer, scenario.cohort.max_patients)
    assert np.array_equal(v[1:], u)
    assert not np.isin(v[0], u).any()
    before, after = simulate_pathway(scenario, u, layout), simulate_pathway(scenario, v, longer)
    for field in ("enrolment", "reinfusion", "relapse", "death", "withdrawal", "death_stage", "death_cause"):
        assert getattr(before, field).tobytes() == getattr(after, field).tobytes(), field


def test_each_uniform_is_numpys_philox_at_the_counter_of_its_replication_patient_and_event():
    """The documented definition, against numpy's own Philox built for one uniform: word i mod 4 at counter
    (r, i // 4, event key), keyed by SeedSequence(seed, spawn_key=substream)."""
    layout = StreamLayout.for_scenario(load_scenario(BURT))
    for substream in ((), (1, 50)):
        block = uniforms(2006, range(3, 9), layout, 50, substream)
        key = np.random.SeedSequence(2006, spawn_key=substream).generate_state(2, np.uint64)
        for name, replication, patient in (("enrolment", 3, 0), ("rest.death", 8, 49), ("followup.relapse", 5, 22)):
            counter = (event_key(name) << 128 | (patient // 4) << 64 | replication) - 1  # stepped before the draw
            words = np.array([(counter >> shift) & (2**64 - 1) for shift in (0, 64, 128, 192)], dtype=np.uint64)
            expected = np.random.Generator(np.random.Philox(counter=words, key=key)).random(4)[patient % 4]
            assert block[layout.rows[name], replication - 3, patient] == expected


def test_chunks_of_replications_draw_what_the_whole_run_draws():
    layout = StreamLayout.for_scenario(load_scenario(BURT))
    whole = uniforms(5, range(0, 30), layout, 50)
    assert np.array_equal(whole[:, 7:19], uniforms(5, range(7, 19), layout, 50))
    assert not np.array_equal(whole[:, :10], uniforms(5, range(0, 10), layout, 50, (1, 50)))  # another trial arm


def test_the_uniforms_look_uniform_and_independent():
    """Mean 1/2 and variance 1/12 within 4 SE over 60,000 draws per event, and no correlation between events."""
    layout = StreamLayout.for_scenario(load_scenario(BURT))
    block = uniforms(1, range(1200), layout, 50).reshape(len(layout), -1)
    n = block.shape[1]
    assert (np.abs(block.mean(axis=1) - 0.5) <= 4 * np.sqrt(1 / 12 / n)).all()
    assert (np.abs(block.var(axis=1) - 1 / 12) <= 4 * np.sqrt(1 / 180 / n)).all()  # Var((U - 1/2)^2) = 1/180
    correlation = np.corrcoef(block)[np.triu_indices(len(layout), 1)]
    assert (np.abs(correlation) <= 4 / np.sqrt(n) + 0.002).all()
