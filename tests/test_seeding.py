"""The generators of a chunk of replications, made at once, are numpy's own: SeedSequence(seed, spawn_key=(r,
*substream)) into PCG64, draw for draw, whatever the seed (one 32-bit word or several), the replication index
and the substream."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.seeding import MAX_REPLICATION, replication_generators

SEEDS = [0, 1, 2006, 2**32 - 1, 2**32, 2**64 + 7, 2**130 + 3]
SUBSTREAMS = [(), (0x504f50,), (1, 50), (1, 50, 0x504f50), (2**40,), (0,)]
REPLICATIONS = [*range(12), 999, 2**31, MAX_REPLICATION]


def numpys(seed: int, replication: int, substream: tuple[int, ...]) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, *substream))))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("substream", SUBSTREAMS)
def test_every_replication_draws_what_numpy_draws(seed, substream):
    for replication, generator in zip(REPLICATIONS, replication_generators(seed, REPLICATIONS, substream), strict=True):
        expected = numpys(seed, replication, substream)
        assert np.array_equal(generator.random((3, 7)), expected.random((3, 7)))
        assert generator.integers(0, 2**63, 5).tolist() == expected.integers(0, 2**63, 5).tolist()


def test_a_chunk_gives_each_replication_its_own_stream_whatever_the_chunk():
    whole = [g.random(4) for g in replication_generators(2006, range(0, 20))]
    parts = [g.random(4) for g in replication_generators(2006, range(5, 12))]
    assert all(np.array_equal(a, b) for a, b in zip(whole[5:12], parts, strict=True))
    assert len({tuple(draws) for draws in whole}) == 20


def test_replications_beyond_one_word_are_refused():
    with pytest.raises(ValueError, match="above"):
        next(replication_generators(1, [MAX_REPLICATION + 1]))
