"""The first-come-first-served queue without SimPy (queueing.fifo_row): bit for bit SimPy's ward on every patient,
ties between simultaneous events included, and the M/M/2 queue's mean wait against Erlang C."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from simulator.engine import queueing
from simulator.engine.queueing import QueueLines, Rules, contention, queue_rows

from helpers import ROOT, assert_within_mc_se

sys.path.insert(0, str(ROOT / "benchmarks"))
from contended import RATE_PER_DAY, STAY_DAYS, UNITS, erlang_c_wait, mm2_scenario  # noqa: E402


def random_queues(rng: np.random.Generator, ties: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """30 studies of 60 patients: arrivals, holds and patience (inf: waits for ever), some absent (NaN). With
    `ties`, times on a grid of whole days, so that arrivals, releases and giving up meet."""
    shape = (30, 60)
    if ties:
        arrival = np.sort(rng.integers(0, 400, shape), axis=1).astype(float)
        hold = rng.integers(0, 12, shape).astype(float)
        patience = np.where(rng.random(shape) < 0.5, rng.integers(1, 8, shape).astype(float), np.inf)
    else:
        arrival = np.cumsum(rng.exponential(2.0, shape), axis=1)
        hold = rng.exponential(5.0, shape)
        patience = np.where(rng.random(shape) < 0.5, rng.exponential(6.0, shape), np.inf)
    arrival[rng.random(shape) < 0.1] = np.nan  # not on the pathway
    return arrival, hold, patience


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "whole days"])
@pytest.mark.parametrize("capacity", [1, 2, 3])
def test_the_recursion_gives_simpys_starts_bit_for_bit(capacity, ties, monkeypatch):
    undecided = []
    recursion = queueing.fifo_row
    monkeypatch.setattr(queueing, "fifo_row", lambda *a: undecided.append(recursion(*a) is None) or recursion(*a))
    arrival, hold, patience = random_queues(np.random.default_rng(capacity), ties)
    rules = Rules(capacity=capacity)
    for always_queue in (False, True):
        ours = queue_rows(rules, arrival, hold, patience, always_queue=always_queue)
        simpy = queue_rows(rules, arrival, hold, patience, always_queue=always_queue, ward_only=True)
        assert ours.tobytes() == simpy.tobytes()
    assert np.isnan(ours[~np.isnan(arrival)]).any()  # some gave up
    assert len(undecided) > 10 and not all(undecided)
    if ties:  # simultaneous events: SimPy decides their order
        assert any(undecided)


def one_study_line(arrival: np.ndarray, period: np.ndarray, full: np.ndarray) -> tuple[list, list, list, list]:
    """One study's queue set out the obvious way, one study at a time: its present patients by busy period, then
    arrival; where each busy period begins; the first arrival of each (inf after the last); the flagged ones."""
    present = np.flatnonzero(~np.isnan(arrival))
    members = present[np.lexsort((arrival[present], period[present]))]
    periods = period[members]
    bounds = np.searchsorted(periods, np.arange(periods[-1] + 2))
    first = np.append(arrival[members[bounds[:-1]]], np.inf)
    return members.tolist(), bounds.tolist(), first.tolist(), np.unique(period[full]).tolist()


@pytest.mark.parametrize("ties", [False, True], ids=["continuous", "whole days"])
@pytest.mark.parametrize("capacity", [1, 3])
def test_the_queues_set_out_for_every_study_at_once_are_each_studys_own(capacity, ties):
    """QueueLines works out every queued study's line in a few array operations: the same lines as each study
    worked out on its own, absent patients and simultaneous arrivals included."""
    arrival, hold, _ = random_queues(np.random.default_rng(10 + capacity), ties)
    period, full = contention(Rules(capacity=capacity), arrival, hold)
    queued = np.flatnonzero(full.any(axis=1))
    lines = QueueLines.of(arrival[queued], period[queued], full[queued])
    assert len(queued) > 5
    for number, row in enumerate(queued.tolist()):
        assert lines.line(number) == one_study_line(arrival[row], period[row], full[row])


def test_the_mm2_queue_waits_as_erlang_c():
    """Referrals at 0.1 a day, stays exponential of mean 15 days, 2 beds (load 0.75): Erlang C's mean wait
    19.29 days, within 4 MC SE over 100 studies of 20 years (about 730 referrals each; the empty start biases
    it by about a third of the MC SE)."""
    from simulator import RunOptions, run

    result = run(mm2_scenario(), replications=100, options=RunOptions().quiet())
    assert_within_mc_se(result.values["wait_bed_mean_days"], erlang_c_wait(RATE_PER_DAY, STAY_DAYS, UNITS),
                        "mean wait for a bed")
