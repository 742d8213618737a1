"""The generators of many replications at once, bit for bit those numpy would give.

Replication r of seed s draws from `PCG64(SeedSequence(s, spawn_key=(r, *substream)))`: the parameters drawn per
study (heterogeneity, uncertainty: one stream per parameter) and a patient's own stream in a stage process
(engine.randomness.replication_generator). Building those two objects per replication costs about as much as
simulating a study's patients without a finite resource. Here SeedSequence's hash
(numpy.random.bit_generator: hashmix, mix, generate_state; a fixed algorithm numpy keeps stable, as it promises the
same streams for the same seed) runs once for a whole chunk of replications in numpy's uint32 arithmetic, PCG64's
seeding (pcg64_set_seed) in Python integers, and one Generator per stream is moved to each replication's state in
turn (its gain: benchmarks/shortcuts.py). Tested against numpy itself for many seeds, spawn keys and substreams.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

MASK32 = 0xFFFFFFFF
MASK128 = (1 << 128) - 1
POOL_SIZE = 4  # SeedSequence's default pool, in 32-bit words
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875  # hashmix while mixing entropy into the pool
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED  # hashmix while generating state from the pool
MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
SHIFT = np.uint32(16)
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
MAX_REPLICATION = MASK32  # spawn keys of one 32-bit word each: replications are at most bounds.MAX_COUNT = 10**9


def replication_generators(
    seed: int, replications: Sequence[int], substream: tuple[int, ...] = ()
) -> Iterator[np.random.Generator]:
    """For each replication r, the generator of `PCG64(SeedSequence(seed, spawn_key=(r, *substream)))`, in its
    first state. One Generator object is moved from one replication's state to the next: draw from it before
    taking the next."""
    if len(replications) and max(replications) > MAX_REPLICATION:
        raise ValueError(f"replication index {max(replications)} above {MAX_REPLICATION}")
    bit_generator = np.random.PCG64()
    generator = np.random.Generator(bit_generator)
    for state, increment in _pcg64_states(seed, replications, substream):
        bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": increment},
                               "has_uint32": 0, "uinteger": 0}
        yield generator


def _pcg64_states(seed: int, replications: Sequence[int], substream: tuple[int, ...]) -> Iterator[tuple[int, int]]:
    """PCG64's (state, increment) as seeded from each replication's SeedSequence."""
    count = len(replications)
    run_words = _words(seed)
    run_words += [0] * (POOL_SIZE - len(run_words))  # a spawned sequence pads its entropy to the pool size
    entropy = [np.full(count, word, dtype=np.uint32) for word in run_words]
    entropy.append(np.asarray(replications, dtype=np.uint32))
    entropy += [np.full(count, word, dtype=np.uint32) for key in substream for word in _words(key)]
    hash_a = _Hash(INIT_A, MULT_A)
    pool = [hash_a(word) for word in entropy[:POOL_SIZE]]
    for source in range(POOL_SIZE):  # every pool word into every other
        for target in range(POOL_SIZE):
            if source != target:
                pool[target] = _mix(pool[target], hash_a(pool[source]))
    for word in entropy[POOL_SIZE:]:  # the remaining entropy into every pool word
        for target in range(POOL_SIZE):
            pool[target] = _mix(pool[target], hash_a(word))
    hash_b = _Hash(INIT_B, MULT_B)
    state_words = [hash_b(pool[i % POOL_SIZE]).astype(np.uint64) for i in range(8)]  # generate_state(4, uint64)
    seed_high, seed_low, increment_high, increment_low = (
        (state_words[2 * k] | (state_words[2 * k + 1] << np.uint64(32))).tolist() for k in range(4)
    )
    for s_high, s_low, i_high, i_low in zip(seed_high, seed_low, increment_high, increment_low):
        increment = ((((i_high << 64) | i_low) << 1) | 1) & MASK128  # pcg_setseq_128_srandom_r
        state = (increment + ((s_high << 64) | s_low)) & MASK128
        yield (state * PCG64_MULTIPLIER + increment) & MASK128, increment


def _words(value: int) -> list[int]:
    """A non-negative integer as 32-bit words, least significant first; [0] for 0 (as SeedSequence)."""
    words = [] if value else [0]
    while value:
        words.append(value & MASK32)
        value >>= 32
    return words


class _Hash:
    """SeedSequence's hashmix: its multiplier advances with every word hashed, the same for every replication."""

    def __init__(self, constant: int, multiplier: int) -> None:
        self.constant, self.multiplier = constant, multiplier

    def __call__(self, value: np.ndarray) -> np.ndarray:
        value = value ^ np.uint32(self.constant)
        self.constant = (self.constant * self.multiplier) & MASK32
        value = value * np.uint32(self.constant)
        return value ^ (value >> SHIFT)


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result: np.ndarray = np.uint32(MIX_MULT_L) * x - np.uint32(MIX_MULT_R) * y  # modulo 2**32, as uint32
    return result ^ (result >> SHIFT)
