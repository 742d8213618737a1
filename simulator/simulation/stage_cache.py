"""The stages of a chunk walked once, for runs that differ only after the pathway (calibrating follow-up).

Calibrating follow-up hazards simulates the same studies again and again with other follow-up rates. With
common random numbers each patient's way through the stages, bed queue included (most of the time), is the same
every time: only what happens after discharge changes. So, when asked (`RunOptions.reuse_stages`), the process
that simulated a chunk keeps its stages' histories, keyed by everything they depend on: the scenario without its
follow-up, off-pathway, background mortality, targets and prices (but with whether it is priced, which decides
what is recorded), the random-stream layout, the seed and the studies. A run that finds its key copies the kept
histories (and the uniforms they were drawn from) and simulates only follow-up: the numbers are identical
(tested), only faster.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict

import numpy as np

from simulator.engine.histories import Histories
from simulator.engine.pathway import walk_stages
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.scenario.schema import Scenario

AFTER_THE_PATHWAY = {"metadata", "followup", "off_pathway", "population", "targets", "economics"}
MAX_KEPT_BYTES = 256 * 2**20  # per process: burt2006's 2,000 studies of 50 patients take about 15 MB

Walked = tuple[Histories, np.ndarray, np.ndarray]
_kept: OrderedDict[str, tuple[tuple[np.ndarray, Walked], int]] = OrderedDict()


def only_after_the_pathway(paths: list[str]) -> bool:
    """Whether changing these scenario values (dotted paths) leaves the stages as they were."""
    return all(path.split(".")[0] in AFTER_THE_PATHWAY for path in paths)


def stage_key(scenario: Scenario, layout: StreamLayout, seed: int, replications: range) -> str | None:
    """What a chunk's stages depend on, as text; None when they are drawn anew per run (--uncertainty)."""
    if scenario.simulation.parameter_uncertainty:
        return None
    stages = scenario.model_dump(mode="json", exclude=AFTER_THE_PATHWAY)
    return json.dumps([stages, scenario.economics is not None, list(layout.rows), seed,
                       replications.start, replications.stop], sort_keys=True)


def walked_stages(base: Scenario, scenario: Scenario, layout: StreamLayout, seed: int,
                  replications: range) -> tuple[np.ndarray, Walked]:
    """The chunk's uniforms and `walk_stages` of it (`scenario`: `base` with its per-study draws), from this
    process's kept copy when an earlier run had the same stages, else drawn, walked and kept (the least recently
    used dropped first)."""
    key = stage_key(base, layout, seed, replications)
    if key is not None and key in _kept:
        _kept.move_to_end(key)
        u, walked = _kept[key][0]
        return u, copy.deepcopy(walked)  # follow-up writes into the histories, never into the uniforms
    u = uniforms(seed, replications, layout, base.cohort.max_patients)
    walked = walk_stages(scenario, u, layout)
    size = u.nbytes + _bytes(walked)
    if key is not None and size <= MAX_KEPT_BYTES:
        _kept[key] = ((u, copy.deepcopy(walked)), size)
        while sum(kept_size for _, kept_size in _kept.values()) > MAX_KEPT_BYTES:
            _kept.popitem(last=False)
    return u, walked


def _bytes(walked: Walked) -> int:
    h, discharge, completed = walked
    arrays = [value for value in vars(h).values() if isinstance(value, np.ndarray)]
    arrays += [a for record in h.queues.values() for a in (record.arrival, record.start, record.hold)]
    arrays += [*h.stage_entry.values(), *h.stage_exit.values(), discharge, completed]
    return sum(a.nbytes for a in arrays)


def forget() -> None:
    """Drop every kept chunk (tests; a long-lived process done calibrating)."""
    _kept.clear()
