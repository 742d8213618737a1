"""Each patient's sampled event times for the SimPy engine, computed as the fast engine computes them.

The per-patient engine reads these arrays instead of sampling again, so both engines map the same uniforms
to the same times, bit for bit (the fast engine's rules in `pathway._walk_block` and `pathway._queue`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engine.pathway import NEVER
from simulator.engine.randomness import StreamLayout
from simulator.scenario.schema import Scenario


@dataclass
class StudyDraws:
    """Arrays of shape (R, n). Per stage: its duration, the days from its start to death (inf: the patient
    does not die in it), and whether it fails the patient at its end. Per finite resource: days from joining
    its queue to death, and to withdrawal (the earlier of the withdrawal draw and the maximum wait)."""

    duration: dict[str, np.ndarray]
    death_after: dict[str, np.ndarray]
    fails: dict[str, np.ndarray]
    dies_waiting: dict[str, np.ndarray]
    withdraws_waiting: dict[str, np.ndarray]
    priority: np.ndarray | None


def draws_for(scenario: Scenario, u: np.ndarray, layout: StreamLayout) -> StudyDraws:
    """The draws of every patient of the uniform block `u` (events, R, n)."""
    shape = u.shape[1:]
    draws = StudyDraws({}, {}, {}, {}, {}, None)
    for name, stage in scenario.stages.items():
        duration = np.broadcast_to(stage.duration.ppf(u[layout.rows[f"{name}.duration"]]), shape)
        death_after = np.full(shape, NEVER)
        p = stage.death_probability  # a number, or (R, 1) draws per study
        if p is not None and np.any(p > 0):
            draw = u[layout.rows[f"{name}.death"]]
            with np.errstate(divide="ignore", invalid="ignore"):  # studies drawing p = 0 have no deaths
                death_after = np.where(draw < p, draw / p * duration, NEVER)  # given death, draw / p is uniform
        elif stage.death_hazard is not None:
            until_death = stage.death_hazard.ppf(u[layout.rows[f"{name}.death"]])
            death_after = np.where(until_death < duration, until_death, NEVER)
        fails = np.zeros(shape, dtype=bool)
        q = stage.failure_probability
        if q is not None and np.any(q > 0):
            fails = np.broadcast_to(u[layout.rows[f"{name}.failure"]] < q, shape)
        draws.duration[name], draws.death_after[name], draws.fails[name] = duration, death_after, fails
    waiting = scenario.waiting
    for resource in scenario.finite_resources:
        dies_after = np.full(shape, NEVER)
        if waiting.death is not None:
            dies_after = waiting.death.ppf(u[layout.rows[f"waiting.{resource}.death"]])
        withdraws_after = np.full(shape, waiting.max_wait_days or NEVER)
        if waiting.withdrawal is not None:
            withdrawal = waiting.withdrawal.ppf(u[layout.rows[f"waiting.{resource}.withdrawal"]])
            withdraws_after = np.minimum(withdraws_after, withdrawal)
        draws.dies_waiting[resource], draws.withdraws_waiting[resource] = dies_after, withdraws_after
    if waiting.priority is not None:
        draws.priority = waiting.priority.ppf(u[layout.rows["waiting.priority"]])
    return draws
