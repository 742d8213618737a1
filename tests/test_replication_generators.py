"""The per-study generators (parameter draws under heterogeneity and uncertainty, a patient's own stream in a
stage process) are numpy's PCG64 seeded by SeedSequence(seed, spawn_key=(replication, *substream)): pinned
draws, so that a change of keying, or of numpy's seeding, shows here before it moves any scenario's numbers."""

from __future__ import annotations

import numpy as np

from simulator.engine.randomness import replication_generator, replication_generators

# First draws, written down from the generators before this module used numpy's seeding directly (the
# vectorised copy of SeedSequence it replaced gave these same numbers).
PINNED = [
    (2006, [0, 1, 999], (), [0.07339247665220994, 0.9856101732622806, 0.36857304048325945]),
    (2**64 + 7, [2**31], (0x504F50, 3), [0.6436524383128569]),
]


def test_first_draws_are_the_pinned_ones():
    for seed, replications, substream, draws in PINNED:
        assert [g.random() for g in replication_generators(seed, replications, substream)] == draws


def test_each_replication_has_its_own_stream_whatever_the_chunk():
    whole = [g.random(4) for g in replication_generators(2006, range(0, 20))]
    parts = [g.random(4) for g in replication_generators(2006, range(5, 12))]
    assert all(np.array_equal(a, b) for a, b in zip(whole[5:12], parts, strict=True))
    assert len({tuple(draws) for draws in whole}) == 20
    assert np.array_equal(replication_generator(2006, 7).random(4), whole[7])


def test_substreams_are_independent_of_each_other_and_of_the_replication_stream():
    draws = {sub: replication_generator(2006, 3, sub).random() for sub in [(), (1,), (2,), (1, 50)]}
    assert len(set(draws.values())) == len(draws)
