"""Walking a chunk's stages once for runs that differ only after the pathway (calibrating follow-up): the same
numbers as walking them every time, and really reused."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import RunOptions, load_scenario, run
from simulator.questions.calibration import calibration
from simulator.questions.calibration.calibration import calibrate
from simulator.questions.calibration.problem import FreeParameter, ScenarioSource, Target
from simulator.simulation import stage_cache

from helpers import SCENARIOS

REUSE = RunOptions(workers=1, reuse_stages=True)


@pytest.fixture(autouse=True)
def empty_cache():
    stage_cache.forget()
    yield
    stage_cache.forget()


def _same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


@pytest.mark.parametrize("name", ["burt2006", "centre_capacity"])
def test_reused_stages_give_the_numbers_of_a_fresh_walk(name, monkeypatch):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    walks = []
    walk = stage_cache.walk_stages
    monkeypatch.setattr(stage_cache, "walk_stages", lambda *a: walks.append(1) or walk(*a))
    for rate in (0.1, 0.3, 0.1):
        changed = scenario.with_values({"followup.relapse.rate_per_year": rate})
        _same(run(changed, replications=60, options=REUSE).values, run(changed, replications=60).values)
    assert len(walks) == 1  # one chunk of 60 studies, walked once for three follow-ups


def test_a_changed_stage_is_walked_again():
    scenario = load_scenario(SCENARIOS / "burt2006.toml")
    run(scenario, replications=40, options=REUSE)
    deadlier = scenario.with_values({"stages.isolation.death_probability": 0.2})
    _same(run(deadlier, replications=40, options=REUSE).values, run(deadlier, replications=40).values)


def test_only_values_after_the_pathway_reuse_stages():
    assert stage_cache.only_after_the_pathway(["followup.relapse.rate_per_year", "economics.states.remission.utility"])
    assert not stage_cache.only_after_the_pathway(["followup.relapse.rate_per_year", "stages.rest.duration.high"])


def test_calibrate_gives_the_same_fit_with_and_without_reuse(monkeypatch):
    source = ScenarioSource.from_file(SCENARIOS / "burt2006.toml")
    targets = [Target.parse(t, source.base.catalogue) for t in ("os_5y=0.84", "dfs_5y=0.50")]
    free = [FreeParameter.parse("followup.relapse.rate_per_year=0.05:0.3")]
    reused = calibrate(source, targets, free, replications=100, options=RunOptions(workers=1))
    monkeypatch.setattr(calibration, "only_after_the_pathway", lambda paths: False)
    fresh = calibrate(source, targets, free, replications=100, options=RunOptions(workers=1))
    assert reused.trace_table().equals(fresh.trace_table())
    assert reused.fitted == fresh.fitted
