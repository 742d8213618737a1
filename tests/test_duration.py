"""Work expected to take over a minute says so before it starts, for every command, from the work actually done:
studies x patients, and the patients SimPy queues for a full resource (far costlier). `power --sizes 62291
--replications 5` took 74 s and said nothing: counting patients alone gave 4 s. First come, first served, the
queue no longer runs in SimPy (nearly free); with priorities or closures it still does."""

from __future__ import annotations

import pytest

from simulator import RunOptions, estimate_power, load_scenario
from simulator.simulation import duration
from simulator.simulation.duration import busy_resource, queue_share, study_seconds, trials_seconds

from helpers import SCENARIOS

FIFO = load_scenario(SCENARIOS / "burt2006.toml")
BURT = FIFO.with_values({"waiting.priority": {"dist": "discrete", "values": [1, 2], "probabilities": [0.5, 0.5]}})


def test_huge_trials_queueing_for_two_beds_are_said_to_be_long():
    """20,000 patients an arm with priorities: 4.8 ms a patient measured, some 16 minutes on two workers."""
    seconds = trials_seconds(BURT, BURT, [20000], 5)
    assert seconds > 10 * duration.SAY_DURATION_SECONDS
    assert busy_resource(BURT, 20000) == "isolation_bed"
    with pytest.warns(RuntimeWarning, match=r"power: roughly \d+ minutes on 2 worker\(s\), most of it patients "
                                            r"queueing for isolation_bed"):
        duration.say_duration("power", seconds, workers=2, queueing=busy_resource(BURT, 20000))
    assert trials_seconds(FIFO, FIFO, [62291], 5) < duration.SAY_DURATION_SECONDS  # first come, first served


def test_the_estimate_follows_the_queue():
    """Burt 2006's own 50 patients over 7.8 years rarely find both beds full; 5,000 always do."""
    share, waiting, _ = queue_share(BURT)
    assert share < 0.05 and waiting == 0
    assert queue_share(BURT, 5000)[0] == 1 and queue_share(BURT, 5000)[1] > 4000
    unlimited = BURT.with_values({"resources.isolation_bed.capacity": "unlimited"})
    for free in (unlimited, FIFO):
        assert queue_share(free, 5000) == (0.0, 0.0, None)
        assert study_seconds(free, 5000) == pytest.approx(5000 * duration.SECONDS_PER_PATIENT)
    assert study_seconds(BURT, 5000) > 10 * study_seconds(FIFO, 5000)


def test_power_says_it_before_simulating(monkeypatch):
    monkeypatch.setattr(duration, "SAY_DURATION_SECONDS", 0.0)
    with pytest.warns(RuntimeWarning, match=r"power: roughly"):
        estimate_power(FIFO, FIFO, [20], replications=2, options=RunOptions(progress=True))


def test_a_cluster_is_not_estimated(recwarn):
    duration.say_duration("run", 1e9, scheduler="tcp://x:1")
    assert not recwarn.list
