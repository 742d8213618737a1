"""Where patients interact: a finite resource (e.g. isolation beds) shared by one study's patients.

Only this part of the pathway needs the event queue, so only this part uses SimPy: one process per
patient who reaches the resource, waiting first-come first-served, holding it for a time fixed in
advance (the stages it covers, cut short by death or failure), with disease death able to strike while
waiting. When no more patients would ever overlap than there are beds, nobody waits and SimPy is skipped.
"""

from __future__ import annotations

import numpy as np
import simpy


def contention(capacity: int, arrival: np.ndarray, hold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Busy periods without waiting, per row of (R, m) arrays (NaN arrival: not taking part).

    Returns each patient's busy-period number (patients whose stays overlap, directly or through others,
    share one) and whether it arrives to find all `capacity` units taken. A release at the same time as an
    arrival frees the unit first. Patients in busy periods with no such arrival never wait.
    """
    present = ~np.isnan(arrival)
    start = np.where(present, arrival, np.inf)
    end = np.where(present, arrival + hold, np.inf)
    by_arrival = np.argsort(start, axis=1, kind="stable")
    sorted_start = np.take_along_axis(start, by_arrival, axis=1)
    latest_end = np.maximum.accumulate(np.take_along_axis(end, by_arrival, axis=1), axis=1)
    opens = np.ones_like(sorted_start, dtype=bool)
    opens[:, 1:] = sorted_start[:, 1:] >= latest_end[:, :-1]
    period = np.empty_like(by_arrival)
    np.put_along_axis(period, by_arrival, np.cumsum(opens, axis=1), axis=1)

    times = np.concatenate([end, start], axis=1)
    steps = np.concatenate([-present.astype(np.int32), present.astype(np.int32)], axis=1)
    order = np.lexsort((steps, times), axis=1)  # by time, releases (-1) before arrivals (+1)
    occupancy = np.cumsum(np.take_along_axis(steps, order, axis=1), axis=1)
    full = np.zeros(times.shape, dtype=bool)
    np.put_along_axis(full, order, occupancy > capacity, axis=1)
    return period, full[:, arrival.shape[1] :] & present


def queue_rows(
    capacity: int, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray, always_queue: bool = False
) -> np.ndarray:
    """Start of holding per patient of (R, m) arrays (NaN: absent, or died waiting).

    SimPy runs only from a busy period where someone finds the resource full, taking in each following
    busy period while the resource is still busy when it begins; elsewhere the start is the arrival.
    `always_queue` runs SimPy on every patient, to check that this shortcut is exact.
    """
    start = arrival.copy()
    period, full = contention(capacity, arrival, hold)
    if always_queue:
        full = ~np.isnan(arrival)
    for row in np.flatnonzero(full.any(axis=1)):
        present = np.flatnonzero(~np.isnan(arrival[row]))
        members = present[np.lexsort((arrival[row, present], period[row, present]))]  # by period, then arrival
        periods = period[row, members]
        bounds = np.searchsorted(periods, np.arange(periods[-1] + 2))  # members of period p: bounds[p]:bounds[p+1]
        first = np.append(arrival[row, members[bounds[:-1].clip(max=len(members) - 1)]], np.inf)
        first[periods[-1] + 1 :] = np.inf
        flagged = np.unique(period[row][full[row]])
        ward = Ward(capacity, start[row])
        p = flagged[0]
        while True:
            ward.admit(members[bounds[p] : bounds[p + 1]], arrival[row], hold[row], patience[row])
            ward.run(until=first[p + 1])
            if not ward.busy:  # idle when the next busy period begins: jump to the next one with contention
                later = flagged[flagged > p]
                if not len(later):
                    break
                p = later[0]
            else:
                p += 1
        ward.run()
    return start


class Ward:
    """One study's finite resource in SimPy. Patients are admitted to the model in arrival order and write
    the time they obtain the resource into `start` (left NaN if they die waiting)."""

    def __init__(self, capacity: int, start: np.ndarray) -> None:
        self.env = simpy.Environment()
        self.resource = simpy.Resource(self.env, capacity=capacity)
        self.start = start

    @property
    def busy(self) -> bool:
        return self.resource.count > 0 or len(self.resource.queue) > 0

    def run(self, until: float = np.inf) -> None:
        if np.isfinite(until):
            self.env.run(until=max(until, self.env.now))
        else:
            self.env.run()

    def admit(self, who: np.ndarray, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray) -> None:
        """Start the processes of patients `who`, given in arrival order (ties: FIFO by that order)."""
        for index in who.tolist():
            self.start[index] = np.nan
            self.env.process(self._patient(int(index), arrival[index], hold[index], patience[index]))

    def _patient(self, index: int, arrive: float, hold: float, patience: float):  # type: ignore[no-untyped-def]
        env, resource = self.env, self.resource
        yield env.timeout(max(arrive - env.now, 0.0))  # env.now can be a rounding above `arrive`
        request = resource.request()
        if request.triggered:  # a free unit on arrival: the start is the arrival, exactly
            self.start[index] = arrive
            yield env.timeout(hold)
            resource.release(request)
            return
        if patience < np.inf:
            yield request | env.timeout(patience)
            if not request.triggered:
                request.cancel()
                return
        else:
            yield request
        self.start[index] = env.now
        yield env.timeout(hold)
        resource.release(request)


def queue_starts(capacity: int, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray) -> np.ndarray:
    """When each patient of one study starts holding the resource (FIFO), or NaN if they died waiting."""
    start = np.full(len(arrival), np.nan)
    ward = Ward(capacity, start)
    ward.admit(np.argsort(arrival, kind="stable"), arrival, hold, patience)
    ward.run()
    return start
