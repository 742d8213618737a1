"""Flares as episodes (`[followup.flares]`): after the first relapse or flare, re-treatment that responds or
not, a return to controlled disease, further flares, each an episode in turn.

One rule, called once after the follow-up and death from other causes, so both engines share it. A patient may
have any number of episodes, so their uniforms cannot be rows of the fixed uniform block: each patient's one
uniform of the named event "followup.flares" seeds a SplitMix64 sequence of their own (`episode_uniforms`), three
numbers per episode. Round k of a patient therefore depends only on (seed, replication, patient), whatever the
chunk, and a scenario without flares draws nothing new.
Episodes move costs and utilities only (outcomes/economics.py): death after the first flare is timed by the
follow-up as without them, so the survival outcomes do not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.errors import UserError
from simulator.scenario.distributions import Distribution
from simulator.scenario.followup import FlareEpisodes

NEVER = np.inf
ROUND_EVENTS = ("response", "duration", "next_flare")  # the rows of each round's uniforms
MAX_EPISODES = 10_000  # per patient within the horizon: more is a scenario error (a flare every few hours)


GOLDEN_GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment and its two output multipliers
MIX_1, MIX_2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
MASK_64 = (1 << 64) - 1


def episode_uniforms(seed_uniform: np.ndarray) -> Callable[[], np.ndarray]:
    """Each call: the next episode's uniforms, shaped (3, *seed_uniform.shape), from the SplitMix64 sequence that
    each patient's uniform (53 random bits of a double in [0, 1)) seeds."""
    state = (np.asarray(seed_uniform) * 2.0**53).astype(np.uint64)
    drawn = 0

    def draw() -> np.ndarray:
        nonlocal drawn
        out = np.empty((len(ROUND_EVENTS), *state.shape))
        for row in range(len(ROUND_EVENTS)):
            drawn += 1
            z = state + np.uint64(drawn * GOLDEN_GAMMA & MASK_64)  # uint64 arrays wrap around, as SplitMix64 needs
            z = (z ^ (z >> np.uint64(30))) * MIX_1
            z = (z ^ (z >> np.uint64(27))) * MIX_2
            z = z ^ (z >> np.uint64(31))
            out[row] = (z >> np.uint64(11)) * 2.0**-53
        return out

    return draw


@dataclass(frozen=True)
class Episode:
    """One flare of each patient (days; inf: none): its onset, the return to controlled disease after it (inf:
    it did not respond), and the onset of the next flare (inf: none)."""

    onset: np.ndarray
    controlled: np.ndarray
    next_onset: np.ndarray


def flare_episodes(flares: FlareEpisodes, relapse: Distribution, first: np.ndarray, end: np.ndarray,
                   draw: Callable[[], np.ndarray]) -> list[Episode]:
    """Every episode that starts before `end` (days: death, or the end of what is costed), from the first
    flare `first` (days; inf: none); `draw()` gives the next round's uniforms, shaped (3, studies, patients)."""
    next_flare = flares.next_flare or relapse
    episodes: list[Episode] = []
    onset = np.where(first < end, first, NEVER)
    while np.any(np.isfinite(onset)):
        if len(episodes) == MAX_EPISODES:
            raise UserError(f"followup.flares: a patient has more than {MAX_EPISODES:,} flares within the horizon; "
                            "check followup.flares.duration and next_flare (or followup.relapse), which give the "
                            "time between flares")
        response, duration, gap = draw()
        responds = np.isfinite(onset) & (response < flares.response_probability)
        controlled = np.where(responds, onset + flares.duration.ppf(duration), NEVER)
        following = controlled + next_flare.ppf(gap)
        episodes.append(Episode(onset, controlled, following))
        onset = np.where(following < end, following, NEVER)
    return episodes
