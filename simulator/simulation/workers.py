"""How many local processes a command uses when --workers is not given: a run of one or two chunks stays in this
process, bigger ones use every core.

The size of a run is its patient-stages (simulated patients times pathway stages), which is what the engine's
time grows with. While workers simulate, this process imports what writing and drawing the results need (pandas,
matplotlib; simulation.execution.load_while_workers_run), so from about two chunks a whole run is faster on
every core than in this process (benchmarks/engine.py's default-run lines); at one chunk there is nothing to share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from simulator.simulation.execution import local_cores

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

IN_PROCESS_PATIENT_STAGES = 150_000  # below this many patient-stages a run stays in this process


def patient_stages(scenarios: Iterable[Scenario], replications: int | None) -> int:
    """Patient-stages of simulating each scenario `replications` times (default: its own replications)."""
    return sum((replications or s.simulation.replications) * s.cohort.max_patients * len(s.stages)
               for s in scenarios)


def default_workers(work: int | None) -> int:
    """1 for a run of fewer than IN_PROCESS_PATIENT_STAGES patient-stages, else every core; every core when
    the size of the work is not known."""
    return 1 if work is not None and work < IN_PROCESS_PATIENT_STAGES else local_cores()
