"""How long a piece of work will take, said before it starts when that is over a minute: from the work actually
done (studies x patients, and the patients SimPy queues for a full resource, which cost far more), for every
command. Counting patients alone said nothing before `power --sizes 62291`, whose 62,291-patient studies all
queued for two beds and took over a minute. A first-come-first-served queue is now the multi-server recursion
(engine/queueing.py), nearly free; SimPy still runs the queue of a resource with closures or of patients with
priorities, and its cost per patient grows with the square of those waiting at once."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario

SECONDS_PER_PATIENT = 6e-6  # per core, with a shared bed: benchmarks/engine.py's ours_us_per_patient
# a patient carried through a SimPy queue (priorities or closures): a base cost, and one growing with the square
# of the patients waiting at once (fitted on burt2006's two beds with priorities, 10,000 and 20,000 patients a study)
SECONDS_PER_QUEUED_PATIENT = 20e-6
SECONDS_PER_QUEUED_PATIENT_PER_WAITING_SQUARED = 1.1e-11
SAY_DURATION_SECONDS = 60.0  # work expected to take longer says so before it starts


def queue_share(scenario: Scenario, patients: int | None = None) -> tuple[float, float, str | None]:
    """For a study of `patients` (default: the scenario's own): the share of patients SimPy's queue carries
    (roughly, the chance all of a resource's units are busy: its load to the power of its capacity, at most 1;
    none where the queue is first come, first served without closures), how many wait at once when it is
    overloaded, and that resource's name."""
    patients = scenario.cohort.max_patients if patients is None else patients
    accrual_days = max(scenario.cohort.accrual_years * DAYS_PER_YEAR, 1.0)
    share, waiting, busiest = 0.0, 0.0, None
    for name in scenario.finite_resources:
        if scenario.waiting.priority is None and not scenario.resources[name].closed_spans:
            continue  # the multi-server recursion: no SimPy
        capacity = int(scenario.resources[name].capacity)
        holding = sum(stage.duration.expected_days() for stage in scenario.stages.values() if stage.resource == name)
        load = patients / accrual_days * holding / capacity  # arrivals per day x days held / units
        this = min(1.0, load) ** capacity
        if this > share:
            share, busiest = this, name
            waiting = patients * max(0.0, 1.0 - 1.0 / load) if load > 0 else 0.0
    return share, waiting, busiest


def busy_resource(scenario: Scenario, patients: int | None = None) -> str | None:
    """The resource most patients of a study of `patients` queue for, if it carries over half of them."""
    share, _, name = queue_share(scenario, patients)
    return name if share > 0.5 else None


def study_seconds(scenario: Scenario, patients: int | None = None) -> float:
    """Rough seconds of one core to simulate one study of `patients` (default: the scenario's own size)."""
    size = scenario.cohort.max_patients if patients is None else patients
    share, waiting, _ = queue_share(scenario, size)
    queued = SECONDS_PER_QUEUED_PATIENT + SECONDS_PER_QUEUED_PATIENT_PER_WAITING_SQUARED * waiting**2
    return size * (SECONDS_PER_PATIENT + share * queued)


def runs_seconds(scenarios: Sequence[Scenario], replications: int) -> float:
    """Rough seconds of one core for `replications` studies of each scenario."""
    return sum(replications * study_seconds(scenario) for scenario in scenarios)


def trials_seconds(scenario_a: Scenario, scenario_b: Scenario, sizes: Sequence[int], replications: int) -> float:
    """Rough seconds of one core for `replications` two-arm trials at each size (patients per arm)."""
    return sum(replications * (study_seconds(scenario_a, n) + study_seconds(scenario_b, n)) for n in sizes)


def say_duration(what: str, seconds: float, workers: int = 1, scheduler: str | None = None,
                 queueing: str | None = None) -> None:
    """A one-line warning before work of `seconds` (one core's) expected to take over a minute on `workers`, with
    the way to shorten it (nothing on a cluster, whose size is unknown)."""
    wall = seconds / max(1, workers)
    if scheduler or wall < SAY_DURATION_SECONDS:
        return
    why = f", most of it patients queueing for {queueing}" if queueing else ""
    warnings.warn(f"{what}: roughly {wall / 60:.0f} minutes on {workers} worker(s){why}; fewer --replications, "
                  "smaller studies or a cluster (--scheduler) make it shorter", RuntimeWarning, stacklevel=3)
