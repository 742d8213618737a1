"""Work expected to take over a minute says so before it starts, for every command, from the work actually done:
studies x patients, and the patients who queue for a full resource (far costlier). `power --sizes 62291
--replications 5` took 74 s and said nothing: counting patients alone gave 4 s."""

from __future__ import annotations

import pytest

from simulator import RunOptions, estimate_power, load_scenario
from simulator.simulation import duration
from simulator.simulation.duration import busy_resource, queue_share, study_seconds, trials_seconds

from helpers import SCENARIOS

BURT = load_scenario(SCENARIOS / "burt2006.toml")
EBMT = load_scenario(SCENARIOS / "ebmt2004.toml")


def test_huge_trials_queueing_for_two_beds_are_said_to_be_long():
    seconds = trials_seconds(BURT, BURT, [62291], 5)
    assert seconds > 2 * duration.SAY_DURATION_SECONDS  # one core; 74 s were measured on two
    assert busy_resource(BURT, 62291) == "isolation_bed"
    with pytest.warns(RuntimeWarning, match=r"power: roughly \d+ minutes on 2 worker\(s\), most of it patients "
                                            r"queueing for isolation_bed"):
        duration.say_duration("power", seconds, workers=2, queueing=busy_resource(BURT, 62291))


def test_the_estimate_follows_the_queue():
    """Burt 2006's own 50 patients over 7.8 years rarely find both beds full; 5,000 always do."""
    share, waiting, _ = queue_share(BURT)
    assert share < 0.05 and waiting == 0
    assert queue_share(BURT, 5000)[0] == 1 and queue_share(BURT, 5000)[1] > 4000
    unlimited = BURT.with_values({"resources.isolation_bed.capacity": "unlimited"})
    assert queue_share(unlimited, 5000) == (0.0, 0.0, None)
    assert study_seconds(BURT, 5000) > 10 * study_seconds(unlimited, 5000)
    assert study_seconds(unlimited, 5000) == pytest.approx(5000 * duration.SECONDS_PER_PATIENT)


def test_power_says_it_before_simulating(monkeypatch):
    monkeypatch.setattr(duration, "SAY_DURATION_SECONDS", 0.0)
    with pytest.warns(RuntimeWarning, match=r"power: roughly"):
        estimate_power(BURT, BURT, [20], replications=2, options=RunOptions(progress=True))


def test_a_cluster_is_not_estimated(recwarn):
    duration.say_duration("run", 1e9, scheduler="tcp://x:1")
    assert not recwarn.list
