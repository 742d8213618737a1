"""Where patients interact: a finite resource (e.g. isolation beds) shared by one study's patients.

Each patient who reaches the resource waits first come, first served (within priority classes, if the scenario
has them), holds it for a time fixed in advance (the stages it covers, cut short by death or failure), and may
leave the queue by death or withdrawal. A resource may open only on some days of the week (e.g. apheresis on
weekdays). Where nobody would find it full or closed, nobody waits and the queue is skipped. First come, first
served, the queue is the multi-server recursion (`fifo_row`), bit for bit what SimPy gives; priorities and
closures run in SimPy (`Ward`): each patient a short chain of events (arrival, request, patience, hold).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import simpy

from simulator.scenario.schema import Resource

WEEK_DAYS = 7.0


@dataclass(frozen=True)
class Rules:
    """How a resource is shared: units, and the spans of each week (days from the start of a week, the
    study's first day being a Monday) when no unit can be taken; units already taken stay taken."""

    capacity: int
    closed: tuple[tuple[float, float], ...] = ()

    @classmethod
    def of(cls, resource: Resource) -> Rules:
        """The rules of a finite resource of the scenario."""
        return cls(capacity=int(resource.capacity), closed=resource.closed_spans)

    def is_closed(self, t: np.ndarray) -> np.ndarray:
        day = np.mod(t, WEEK_DAYS)
        return np.logical_or.reduce([(a <= day) & (day < b) for a, b in self.closed] + [np.zeros(np.shape(t), bool)])

    def next_closure(self, now: float) -> tuple[float, float]:
        """The closed span (absolute days) in force at `now`, or the next one."""
        week = np.floor(now / WEEK_DAYS) * WEEK_DAYS
        spans = [(week + w + a, week + w + b) for w in (0.0, WEEK_DAYS) for a, b in self.closed]
        return next(span for span in spans if span[1] > now)


def contention(rules: Rules, arrival: np.ndarray, hold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Busy periods without waiting, per row of (R, m) arrays (NaN arrival: not taking part).

    Returns each patient's busy-period number (patients whose stays overlap, directly or through others,
    share one) and whether it arrives to find all units taken, or the resource closed. A release at the same
    time as an arrival frees the unit first. Patients in busy periods with no such arrival never wait.
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
    np.put_along_axis(full, order, occupancy > rules.capacity, axis=1)
    return period, (full[:, arrival.shape[1] :] | rules.is_closed(arrival)) & present


def queue_rows(
    rules: Rules,
    arrival: np.ndarray,
    hold: np.ndarray,
    patience: np.ndarray,
    priority: np.ndarray | None = None,
    always_queue: bool = False,
    ward_only: bool = False,
) -> np.ndarray:
    """Start of holding per patient of (R, m) arrays (NaN: absent, or left the queue).

    The queue runs only from a busy period where someone finds the resource full or closed, taking in each
    following busy period while patients are still in it when it begins; elsewhere the start is the
    arrival. First come, first served, it is the multi-server recursion (`fifo_row`); with priorities or
    closures, SimPy (`Ward`). `priority` (lower first) orders the queue. To check that the shortcuts are exact,
    `always_queue` runs the queue on every patient and `ward_only` runs SimPy where the recursion would.
    """
    start = arrival.copy()
    period, full = contention(rules, arrival, hold)
    if always_queue:
        full = ~np.isnan(arrival)
    queued = np.flatnonzero(full.any(axis=1))
    if not len(queued):
        return start
    lines = QueueLines.of(arrival[queued], period[queued], full[queued])
    fifo = priority is None and not rules.closed and not ward_only
    found: tuple[list[int], list[int], list[float]] = ([], [], [])  # rows, patients and starts from the recursion
    for number, row in enumerate(queued.tolist()):
        members, bounds, first, flagged = lines.line(number)
        if fifo:
            starts = fifo_row(rules.capacity, members, bounds, first, flagged, arrival[row].tolist(),
                              hold[row].tolist(), patience[row].tolist())
            if starts is not None:
                found[0].extend([row] * len(starts))
                found[1].extend(starts)
                found[2].extend(starts.values())
                continue
        ward_line(Ward(rules, start[row], None if priority is None else priority[row]), np.array(members),
                  bounds, first, flagged, arrival[row], hold[row], patience[row])
    start[found[0], found[1]] = found[2]
    return start


class QueueLines:
    """The queues of several studies set out for the queue's loop, worked out for all of them at once (a few
    array operations instead of a dozen for each study): each study's patients by busy period, then arrival,
    absent patients left out; where each busy period begins in that order; the first arrival of each; and the
    busy periods where someone finds the resource full or closed. Busy periods are numbered from 1 in a study."""

    def __init__(self, order: np.ndarray, present: np.ndarray, begin: np.ndarray, first: np.ndarray,
                 offsets: list[int], flagged: np.ndarray) -> None:
        self.order, self.present, self.begin, self.first = order, present.tolist(), begin, first
        self.offsets, self.flagged = offsets, flagged

    @classmethod
    def of(cls, arrival: np.ndarray, period: np.ndarray, full: np.ndarray) -> QueueLines:
        """From (studies, m) arrivals (NaN: absent), busy periods and who finds the resource full or closed."""
        present = ~np.isnan(arrival)
        after = int(period[present].max()) + 1  # beyond every busy period of a present patient: absent ones last
        keyed = np.where(present, period, after)
        order = np.lexsort((arrival, keyed), axis=1)
        counts = present.sum(axis=1)
        in_order = np.take_along_axis(keyed, order, axis=1)
        begins = np.ones(order.shape, dtype=bool)
        begins[:, 1:] = in_order[:, 1:] != in_order[:, :-1]
        begins &= np.arange(order.shape[1]) < counts[:, None]
        rows, begin = np.nonzero(begins)  # by study, then position
        first = np.take_along_axis(arrival, order, axis=1)[rows, begin]
        flagged = np.zeros((len(arrival), after), dtype=bool)
        studies, patients = np.nonzero(full & present)
        flagged[studies, period[studies, patients]] = True
        return cls(order, counts, begin, first, np.searchsorted(rows, np.arange(len(arrival) + 1)).tolist(), flagged)

    def line(self, number: int) -> tuple[list[int], list[int], list[float], list[int]]:
        """Study `number`'s members, bounds (members of busy period p: bounds[p]:bounds[p + 1]), first arrivals (that
        of busy period p at p; inf after the last) and flagged busy periods, as `fifo_row` takes them."""
        count, part = self.present[number], slice(self.offsets[number], self.offsets[number + 1])
        first = self.first[part].tolist()
        return (self.order[number, :count].tolist(), [0, *self.begin[part].tolist(), count],
                [first[0], *first, math.inf], np.flatnonzero(self.flagged[number]).tolist())


def ward_line(ward: Ward, members: np.ndarray, bounds: list[int], first: list[float], flagged: list[int],
              arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray) -> None:
    """Run one study's queue in SimPy from its first flagged busy period, taking in each following busy period while
    patients are still in the ward when it begins, else jumping to the next flagged one."""
    p = flagged[0]
    while True:
        ward.admit(members[bounds[p] : bounds[p + 1]], arrival, hold, patience)
        ward.run(until=first[p + 1])
        if not ward.busy:  # nobody left when the next busy period begins: jump to the next one flagged
            later = [q for q in flagged if q > p]
            if not later:
                break
            p = later[0]
        else:
            p += 1
    ward.run()


def fifo_row(capacity: int, members: list[int], bounds: list[int], first: list[float], flagged: list[int],
             arrival: list[float], hold: list[float], patience: list[float]) -> dict[int, float] | None:
    """The starts `Ward` gives one study's first-come-first-served resource, by the multi-server recursion: each
    patient, in arrival order, takes the unit that frees first, unless they give up before it does. It steps
    through the busy periods as `queue_rows` runs the ward and repeats SimPy's clock arithmetic (an arrival
    admitted at clock T happens at T + (a - T); a unit taken at t frees at t + hold), so the starts are SimPy's
    bit for bit. None where two events meet at the same instant (an arrival and a release, a release and a
    give-up, the next busy period and a departure): their order is SimPy's to decide, so the ward runs."""
    starts: dict[int, float] = {}
    releases: list[float] = []  # when each unit in use frees (a heap); free units are not in it
    last = -math.inf  # the latest departure so far: a release, or giving up
    clock, p = 0.0, flagged[0]
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    while True:
        for index in members[bounds[p] : bounds[p + 1]]:
            at = arrival[index]
            arrive = clock + (at - clock) if at > clock else clock  # SimPy: clock + max(at - clock, 0)
            while releases and releases[0] < arrive:
                pop(releases)
            if releases and releases[0] == arrive:
                return None
            if len(releases) < capacity:  # a free unit on arrival: the start is the arrival, exactly
                starts[index], freed = at, arrive + hold[index]
                push(releases, freed)
            else:
                granted, gives_up = releases[0], arrive + patience[index]
                if granted == gives_up:
                    return None
                if gives_up < granted:
                    starts[index], freed = math.nan, gives_up
                else:
                    starts[index], freed = granted, granted + hold[index]
                    replace(releases, freed)
            if freed > last:
                last = freed
        clock = first[p + 1]
        if clock == math.inf:
            return starts
        if last == clock:
            return None
        if last < clock:  # nobody left when the next busy period begins: jump to the next one flagged
            later = [q for q in flagged if q > p]
            if not later:
                return starts
            p = later[0]
        else:
            p += 1


class Ward:
    """One study's finite resource in SimPy. Patients are admitted to the model in arrival order and write
    the time they obtain the resource into `start` (left NaN if they leave the queue)."""

    def __init__(self, rules: Rules, start: np.ndarray, priority: np.ndarray | None = None) -> None:
        self.env = simpy.Environment()
        self.rules = rules
        self.resource = units(self.env, rules, ranked=priority is not None)
        self.start = start
        self.priority = priority
        self.present = 0  # patients admitted and not yet gone: arriving, waiting or holding
        self.closing: simpy.Process | None = None

    @property
    def busy(self) -> bool:
        return self.present > 0

    def run(self, until: float = np.inf) -> None:
        """Process the events before `until` (all of them if inf); none if the clock is already there (SimPy
        refuses that: two busy periods can begin at the same instant, after stays of no length)."""
        if not np.isfinite(until):
            self.env.run()
        elif until > self.env.now:
            self.env.run(until=until)

    def admit(self, who: np.ndarray, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray) -> None:
        """Schedule the arrival of patients `who`, given in arrival order (ties: FIFO by that order)."""
        self.present += len(who)
        env = self.env
        for index in who.tolist():
            self.start[index] = np.nan
            arrive = env.timeout(max(arrival[index] - env.now, 0.0))  # env.now can be a rounding above the arrival
            arrive.callbacks.append(partial(self._arrive, index, float(arrival[index]), float(hold[index]),
                                            float(patience[index])))
        if self.rules.closed and self.closing is None:
            self.closing = env.process(self._close_weekly())

    # A patient is a chain of event callbacks rather than a SimPy process: the same events in the same order
    # (arrival, request, patience, hold), without a generator and its start event per patient, which halves the
    # cost of the queue. Callbacks run when their event is processed, as a process's resumption would.
    def _arrive(self, index: int, arrive: float, hold: float, patience: float, _: simpy.Event) -> None:
        request = ask(self.resource, self.priority, index)
        if request.triggered:  # a free unit on arrival: the start is the arrival, exactly
            self.start[index] = arrive
            self._hold(request, hold)
        else:
            request.callbacks.append(partial(self._obtained, index, hold))
            if patience < np.inf:
                self.env.timeout(patience).callbacks.append(partial(self._give_up, request))

    def _obtained(self, index: int, hold: float, request: simpy.Event) -> None:
        self.start[index] = self.env.now
        self._hold(request, hold)  # type: ignore[arg-type]

    def _give_up(self, request: simpy.resources.resource.Request, _: simpy.Event) -> None:
        """Patience is over: leave the queue, unless a unit has been granted (then `_obtained` follows)."""
        if not request.triggered:
            request.cancel()
            self.present -= 1

    def _hold(self, request: simpy.resources.resource.Request, hold: float) -> None:
        self.env.timeout(hold).callbacks.append(lambda _: self._release(request))

    def _release(self, request: simpy.resources.resource.Request) -> None:
        self.resource.release(request)
        self.present -= 1

    def _close_weekly(self) -> Generator[simpy.Event, Any, None]:
        yield from close_weekly(self.env, self.resource, self.rules, lambda: self.busy)
        self.closing = None


def units(env: simpy.Environment, rules: Rules, ranked: bool) -> simpy.Resource:
    """A resource's units in `env`: served first come, first served, or by rank (a priority, or weekly closures
    taking units ahead of patients)."""
    return (simpy.PriorityResource if ranked or rules.closed else simpy.Resource)(env, capacity=rules.capacity)


def ask(resource: simpy.Resource, priority: np.ndarray | None,
        index: int | tuple[int, int]) -> simpy.resources.resource.Request:
    """Patient `index`'s request for a unit, at their priority (lower first) where units are ranked."""
    if isinstance(resource, simpy.PriorityResource):
        rank = 0.0 if priority is None else float(priority[index])
        return resource.request(priority=rank)  # type: ignore[arg-type]  # simpy orders any number
    return resource.request()


def close_weekly(env: simpy.Environment, resource: simpy.Resource, rules: Rules,
                 in_use: Callable[[], bool]) -> Generator[simpy.Event, Any, None]:
    """While `in_use()` (patients are in the model), take every unit that frees up during closed spans, ahead of
    patients (priority -1), and give them back when the resource opens."""
    while in_use():
        opens_from, opens_at = rules.next_closure(env.now)
        if opens_from > env.now:
            yield env.timeout(opens_from - env.now)
        held = [resource.request(priority=-1)  # type: ignore[call-arg]  # closing wards are PriorityResources
                for _ in range(rules.capacity)]
        yield env.timeout(opens_at - env.now)
        for request in held:
            if request.triggered:
                resource.release(request)
            else:
                request.cancel()
