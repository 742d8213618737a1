"""Capacity outcomes of each finite resource, per simulated study: waits, utilisation, occupancy over time.

Utilisation is the resource time used within the referral (accrual) window over the time available there
(capacity x the window): in the steady state its expectation is arrival rate x mean holding time / capacity,
as in queueing theory, and it can never exceed 1 (stays running past the window count up to its end only;
the occupancy figure shows what comes after).
"""

from __future__ import annotations

import numpy as np

from simulator.engine.histories import Histories, QueueRecord, waiting_label
from simulator.scenario.catalogue import resource_outcome
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario

OCCUPANCY_STEP_DAYS = 7.0
WAIT_DAYS_COUNTED = 730  # waits are counted day by day up to two years, longer ones together
# Upper edges of the pooled wait bins, each closed on the right: no wait (exactly 0), then day d holding waits
# over d - 1 and up to d days (a started day counts as a day), then one bin for waits beyond the counted days.
# Fixed whatever the waits, so the counts of chunks can be summed; figures coarsen them to fit the data.
WAIT_BIN_DAYS = np.append(np.arange(0.0, WAIT_DAYS_COUNTED + 1.0), np.inf)


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
        mean, median, p90 = row_statistics(wait)
        values[resource_outcome("wait_mean", resource)] = mean
        values[resource_outcome("wait_median", resource)] = median
        values[resource_outcome("wait_p90", resource)] = p90
        with np.errstate(invalid="ignore"):  # a study where nobody queued gives NaN
            values[resource_outcome("waited", resource)] = (queued & ~(wait == 0)).sum(axis=1) / queued.sum(axis=1)
        occupancy = used_within(queue, window_days(scenario)) / window_days(scenario)
        values[resource_outcome("utilisation", resource)] = occupancy / int(scenario.resources[resource].capacity)
        values[resource_outcome("occupancy_mean", resource)] = occupancy
    if scenario.finite_resources:
        enrolled = (h.enrolment <= cutoff).sum(axis=1)
        waiting = [h.stage_labels.index(waiting_label(r)) for r in scenario.resources]
        died = (h.death <= cutoff) & np.isin(h.death_stage, waiting)
        withdrew = (h.withdrawal <= cutoff) & np.isin(h.withdrawal_stage, waiting)
        values["deaths_waiting_per_100"] = 100 * died.sum(axis=1) / enrolled
        values["withdrawals_waiting_per_100"] = 100 * withdrew.sum(axis=1) / enrolled
    return values


def used_within(queue: QueueRecord, window: float) -> np.ndarray:
    """Resource-days used within [0, window] per study: stays running past the window count only up to its
    end, so mean occupancy never exceeds capacity and utilisation never exceeds 1."""
    start = np.minimum(queue.start, window)
    end = np.minimum(queue.start + queue.hold, window)
    return np.nansum(end - start, axis=1)


def row_statistics(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, median and 90th percentile (numpy's linear interpolation) of each row, ignoring NaN; NaN for
    empty rows. Sorting once is much faster than numpy's nan-aware quantiles along an axis."""
    ordered = np.sort(values, axis=1)  # NaN sort last
    count = np.sum(~np.isnan(values), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(values, axis=1) / count
    quantiles = []
    for q in (0.5, 0.9):
        position = np.maximum(count - 1, 0) * q
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        below = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
        above = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
        quantiles.append(np.where(count > 0, below + (above - below) * (position - low), np.nan))
    return mean, quantiles[0], quantiles[1]


def occupancy_over_time(queue: QueueRecord, grid: np.ndarray) -> np.ndarray:
    """Units in use at each grid day, per study: (studies, grid). Counts, per row, the stays begun by
    each grid day minus those ended by it: each time counts from the first grid day on or after it, so a
    histogram of those grid indices per row (one flat bincount with row offsets), accumulated, is the count."""
    start = np.where(np.isnan(queue.start), np.inf, queue.start)
    end = start + np.nan_to_num(queue.hold, nan=0.0)
    rows, days = len(start), len(grid)
    offsets = (days + 1) * np.arange(rows)[:, None]

    def begun_by(times: np.ndarray) -> np.ndarray:
        first = np.searchsorted(grid, times, side="left")  # days: never counted (inf, or past the grid)
        counts = np.bincount((first + offsets).ravel(), minlength=rows * (days + 1)).reshape(rows, days + 1)
        return np.cumsum(counts[:, :days], axis=1)

    return (begun_by(start) - begun_by(end)).astype(np.int16)


def wait_histogram(queue: QueueRecord) -> np.ndarray:
    """Counts of waits (patients who obtained the resource) in WAIT_BIN_DAYS bins, pooled over studies."""
    wait = queue.wait
    bins = np.searchsorted(WAIT_BIN_DAYS, wait[np.isfinite(wait)], side="left")  # right-closed bins
    return np.bincount(bins, minlength=len(WAIT_BIN_DAYS))
