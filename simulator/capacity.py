"""Capacity outcomes of each finite resource, per simulated study: waits, utilisation, occupancy over time.

Utilisation is the resource time used by the study's patients over the time available (capacity x the
referral window): its expectation is arrival rate x mean holding time / capacity, as in queueing theory.
"""

from __future__ import annotations

import warnings

import numpy as np

from .distributions import DAYS_PER_YEAR
from .pathway import Histories, QueueRecord, waiting_label
from .scenario import Scenario

OCCUPANCY_STEP_DAYS = 7.0
WAIT_BIN_DAYS = np.concatenate([[0.0, 1e-9], np.arange(7.0, 7.0 * 27, 7.0), [np.inf]])  # none, weeks, 26+


def window_days(scenario: Scenario) -> float:
    """The referral (accrual) window; a cohort enrolled all at once uses the whole study to its cut-off."""
    years = scenario.cohort.accrual_years or scenario.cohort.cutoff_years
    return years * DAYS_PER_YEAR


def occupancy_grid_days(scenario: Scenario) -> np.ndarray:
    return np.arange(0.0, scenario.cohort.cutoff_years * DAYS_PER_YEAR + 1e-9, OCCUPANCY_STEP_DAYS)


def resource_outcomes(scenario: Scenario, h: Histories) -> dict[str, np.ndarray]:
    """Per-study waits (days, among patients who obtained the resource), share who waited (among those who
    queued, including those who left the queue), utilisation and mean occupancy, deaths and withdrawals
    while waiting per 100 enrolled."""
    cutoff = scenario.cohort.cutoff_years * DAYS_PER_YEAR
    values: dict[str, np.ndarray] = {}
    for resource in scenario.finite_resources:
        queue = h.queues[resource]
        queued = queue.arrival <= cutoff
        wait = np.where(queued, queue.wait, np.nan)
        with warnings.catch_warnings():  # studies where nobody obtained the resource give NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            values[f"wait_{resource}_mean_days"] = np.nanmean(wait, axis=1)
            values[f"wait_{resource}_median_days"] = np.nanmedian(wait, axis=1)
            values[f"wait_{resource}_p90_days"] = np.nanpercentile(wait, 90, axis=1)
            values[f"waited_{resource}"] = (queued & ~(wait == 0)).sum(axis=1) / queued.sum(axis=1)
        occupancy = np.nansum(queue.hold, axis=1) / window_days(scenario)
        values[f"utilisation_{resource}"] = occupancy / int(scenario.resources[resource].capacity)
        values[f"occupancy_{resource}_mean"] = occupancy
    if scenario.finite_resources:
        enrolled = (h.enrolment <= cutoff).sum(axis=1)
        waiting = [h.stage_labels.index(waiting_label(r)) for r in scenario.resources]
        died = (h.death <= cutoff) & np.isin(h.death_stage, waiting)
        withdrew = (h.withdrawal <= cutoff) & np.isin(h.withdrawal_stage, waiting)
        values["deaths_waiting_per_100"] = 100 * died.sum(axis=1) / enrolled
        values["withdrawals_waiting_per_100"] = 100 * withdrew.sum(axis=1) / enrolled
    return values


def occupancy_over_time(queue: QueueRecord, grid: np.ndarray) -> np.ndarray:
    """Units in use at each grid day, per study: (studies, grid)."""
    start = np.where(np.isnan(queue.start), np.inf, queue.start)
    end = start + np.nan_to_num(queue.hold, nan=0.0)
    in_use = (start[:, :, None] <= grid) & (grid < end[:, :, None])
    return in_use.sum(axis=1, dtype=np.int16)


def wait_histogram(queue: QueueRecord) -> np.ndarray:
    """Counts of waits (patients who obtained the resource) in WAIT_BIN_DAYS bins, pooled over studies."""
    wait = queue.wait
    return np.histogram(wait[np.isfinite(wait)], bins=WAIT_BIN_DAYS)[0]
