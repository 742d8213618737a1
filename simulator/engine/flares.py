"""Flares as episodes (`[followup.flares]`): after the first relapse or flare, re-treatment that responds or
not, a return to controlled disease, further flares, each an episode in turn.

One rule, called once after the follow-up and death from other causes, so both engines share it. A patient may
have any number of episodes, so their uniforms cannot be rows of the scenario's fixed uniform block: round k of
every patient draws the named events "followup.flares.<k>.response", ".duration" and ".next_flare" on the keyed
streams of engine/randomness.py (`episode_uniforms`), only while some patient still has an episode. Round k of a
patient therefore depends only on (seed, replication, patient, k), whatever the chunk, and a scenario without
flares draws nothing new.
Episodes move costs and utilities only (outcomes/economics.py): death after the first flare is timed by the
follow-up as without them, so the survival outcomes do not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import count

import numpy as np

from simulator.engine.randomness import StudyStreams
from simulator.errors import UserError
from simulator.scenario.distributions import Distribution
from simulator.scenario.followup import FlareEpisodes

NEVER = np.inf
ROUND_EVENTS = ("response", "duration", "next_flare")  # the rows of each round's uniforms
MAX_EPISODES = 10_000  # per patient within the horizon: more is a scenario error (a flare every few hours)


def episode_names(k: int) -> list[str]:
    """The named events of round k (1, 2, ...): one stream each."""
    return [f"followup.flares.{k}.{event}" for event in ROUND_EVENTS]


def episode_uniforms(studies: StudyStreams) -> Callable[[], np.ndarray]:
    """Each call: the next round's uniforms, shaped (3, replications, patients), from its own named streams."""
    rounds = count(1)
    return lambda: studies.uniforms(episode_names(next(rounds)))


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
