"""Memory a simulation will need, estimated before it starts, so work that cannot fit is refused with the
estimate and the way around instead of growing until the machine is out of memory.

Per chunk of studies (held at once by each local worker): the uniforms block, events x studies x patients
float64, and the engine's arrays derived from it (together PATIENT_FACTOR times the block, measured with
tracemalloc on the shipped scenarios), plus the survival curves on the monthly grid and the occupancy of
each finite resource on the weekly grid. Kept in the parent for the whole run: every study's outcomes,
curves and occupancy (and the patients' log if asked for), which grow with the number of studies. Outcomes are
copied into place as chunks arrive and tables are written from those arrays, so each is held once; KEPT_FACTOR
allows for the one copy made while a sweep's or comparison's tables are joined or a table converted to Parquet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.engine.randomness import StreamLayout
from simulator.errors import UserError
from simulator.outcomes.capacity import occupancy_grid_days
from simulator.outcomes.study import BAND_STUDIES, curve_grid
from simulator.scenario.schema import Scenario
from simulator.simulation.memory_limits import memory_room
from simulator.simulation.options import RunOptions

PATIENT_FACTOR = 3.0  # engine arrays per uniforms block (measured: 2.4)
GRID_POINT_BYTES = 32  # per study and curve or occupancy grid point while a chunk is computed (measured: 24-30)
CURVES = 5  # survival curves kept per study (os, dfs, relapse; os_itt, efs_itt from enrolment), float32
CURVES_WITHOUT_TRANSPLANT = 2  # os_itt and efs_itt only
OCCUPANCY_BYTES = 2  # per study and weekly occupancy point, int16
PATIENT_LOG_BYTES = 200  # per patient row of patients.parquet while kept and written
KEPT_FACTOR = 2  # the values, and one copy of them at most (joined tables, Parquet; measured: 1.0 for a run)
TRIAL_BYTES = 64 * 3  # one row of a power trial table (8 columns): its chunks, their concatenation, the table
USABLE_SHARE = 0.8  # of the memory available now: leave room for the interpreter, plots and other users


@dataclass(frozen=True)
class Need:
    """Bytes a piece of work needs: `chunk` per chunk in flight, `concurrent` chunks at once, `kept` results."""

    chunk: int
    concurrent: int
    kept: int

    @property
    def total(self) -> int:
        return self.chunk * self.concurrent + self.kept

    def __add__(self, other: Need) -> Need:
        """Two runs one after the other: their results are all kept, their chunks do not overlap."""
        return Need(max(self.chunk, other.chunk), max(self.concurrent, other.concurrent), self.kept + other.kept)


def _in_flight(chunks: int, workers: int, scheduler: str | None) -> int:
    """Chunks computed at once on this machine: none on a dask cluster, else one per busy worker."""
    return 0 if scheduler else max(1, min(workers, chunks))


def chunk_bytes(scenario: Scenario, studies: int, patients: int | None = None) -> int:
    """Peak bytes to simulate `studies` studies of the scenario (or of `patients` each) in one chunk."""
    patients = scenario.cohort.max_patients if patients is None else patients
    events = len(StreamLayout.for_scenario(scenario))
    grids = len(curve_grid(scenario)) + len(occupancy_grid_days(scenario)) * len(scenario.finite_resources)
    return int(PATIENT_FACTOR * events * studies * patients * 8 + GRID_POINT_BYTES * studies * grids)


def study_bytes(scenario: Scenario, patients_log: bool = False) -> int:
    """Bytes kept in the parent per simulated study: its outcomes (and, if asked for, its patients' log)."""
    kept = len(scenario.outcome_names) * 8
    if patients_log:
        kept += PATIENT_LOG_BYTES * scenario.cohort.max_patients
    return KEPT_FACTOR * kept


def band_bytes(scenario: Scenario, replications: int) -> int:
    """Bytes kept for the figures' bands: curves and occupancy of the first BAND_STUDIES studies."""
    curves = CURVES if scenario.has_transplant else CURVES_WITHOUT_TRANSPLANT
    per_study = curves * len(curve_grid(scenario)) * 4
    per_study += OCCUPANCY_BYTES * len(occupancy_grid_days(scenario)) * len(scenario.finite_resources)
    return KEPT_FACTOR * per_study * min(replications, BAND_STUDIES)


def _chunks(replications: int, chunk_size: int) -> int:
    return -(-replications // chunk_size)


def run_need(scenario: Scenario, replications: int, options: RunOptions, patients_log: bool = False) -> Need:
    """What `runner.run` needs for these arguments."""
    chunks = _chunks(replications, options.chunk_size)
    return Need(
        chunk_bytes(scenario, min(options.chunk_size, replications)),
        _in_flight(chunks, options.workers, options.scheduler),
        replications * study_bytes(scenario, patients_log) + band_bytes(scenario, replications),
    )


def runs_need(scenarios: Sequence[Scenario], replications: int, options: RunOptions) -> Need:
    """Several runs on one pool, all kept (sweep, compare)."""
    needs = [run_need(s, replications, options) for s in scenarios]
    total = needs[0]
    for need in needs[1:]:
        total = total + need
    return total


def trials_need(
    scenario_a: Scenario,
    scenario_b: Scenario,
    sizes: Sequence[int],
    replications: int,
    options: RunOptions,
    patients_per_chunk: int,
) -> Need:
    """What `power.estimate_power` needs: two arms of n patients per trial, chunks bounded in patients."""
    largest = max(sizes)
    chunk_size = options.chunk_size
    studies = max(1, min(chunk_size, patients_per_chunk // largest, replications))
    chunk = chunk_bytes(scenario_a, studies, largest) + chunk_bytes(scenario_b, studies, largest)
    chunks = sum(_chunks(replications, max(1, min(chunk_size, patients_per_chunk // n))) for n in sizes)
    return Need(chunk, _in_flight(chunks, options.workers, options.scheduler), TRIAL_BYTES * replications * len(sizes))


def size_text(count: float) -> str:
    """Bytes for people: `3.2 GiB`, `87 TiB`."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if count < 1024 or unit == "PiB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.3g} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def check_fits(need: Need, what: str, replications: int | None = None) -> None:
    """A UserError with the estimate and the ways around it when `need` exceeds the usable memory."""
    room = memory_room()
    usable = int(room.bytes * USABLE_SHARE)
    if need.total <= usable:
        return
    studies = f" for {replications} studies" if replications else ""
    parts = []
    if need.concurrent:
        parts.append(f"{size_text(need.chunk)} per chunk x {need.concurrent} at once")
    parts.append(f"{size_text(need.kept)} of results kept{studies}")
    raise UserError(
        f"{what}: needs about {size_text(need.total)} of memory ({', '.join(parts)}), but {size_text(usable)} "
        f"is usable ({USABLE_SHARE:.0%} of the {size_text(room.bytes)} {room.bound}); "
        "use fewer --replications, a smaller --chunk-size or cohort, fewer "
        "--workers, or run the chunks on a cluster with --scheduler"
    )
