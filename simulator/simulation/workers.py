"""How many local processes a command uses when --workers is not given: starting a pool and sending results
back costs more than it saves on a small run, so small runs stay in this process and big ones use every core.

The size of a run is its patient-stages (simulated patients times pathway stages), which is what the engine's
time grows with. On a 2-core machine (benchmarks/engine.py), burt2006 (6 stages, 50 patients a study) ran
faster in-process up to 2,000 studies (600,000 patient-stages: 0.56 s against 0.62 s on 2 workers) and faster
on 2 workers from 4,000 studies (1,200,000: 1.4 s against 1.6 s); the threshold lies between.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simulator.simulation.execution import local_cores

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

IN_PROCESS_PATIENT_STAGES = 1_000_000  # below this many patient-stages a run stays in this process


def patient_stages(scenarios: Iterable[Scenario], replications: int | None) -> int:
    """Patient-stages of simulating each scenario `replications` times (default: its own replications)."""
    return sum((replications or s.simulation.replications) * s.cohort.max_patients * len(s.stages)
               for s in scenarios)


def default_workers(work: int | None) -> int:
    """1 for a run of fewer than IN_PROCESS_PATIENT_STAGES patient-stages, else every core; every core when
    the size of the work is not known."""
    return 1 if work is not None and work < IN_PROCESS_PATIENT_STAGES else local_cores()
