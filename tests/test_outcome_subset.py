"""A run asked for a few outcomes (calibrate's evaluations) computes only what they need, and each value it
computes is the one a full run gives."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario
from simulator.simulation.runner import simulate_chunk

from helpers import SCENARIOS

STUDIES = range(3, 43)  # not from 0: any block of studies


@pytest.mark.parametrize("name", ["burt2006", "centre_capacity", "standard_care", "ebmt2004"])
def test_each_outcome_alone_is_the_full_runs_value(name):
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    full = simulate_chunk(scenario, 11, STUDIES)
    assert set(full.values) == set(scenario.catalogue)  # every outcome of the scenario, to compare one by one
    for outcome in full.values:
        alone = simulate_chunk(scenario, 11, STUDIES, outcomes=frozenset({outcome}))
        np.testing.assert_array_equal(alone.values[outcome], full.values[outcome], err_msg=outcome)
        assert set(alone.values) < set(full.values), f"{outcome}: every outcome computed"
        assert all(len(kept) == 0 for kept in [*alone.curves.values(), *alone.occupancy.values()])


def test_calibration_targets_skip_costs_and_other_curves():
    scenario = load_scenario(SCENARIOS / "burt2006.toml")
    alone = simulate_chunk(scenario, 11, STUDIES, outcomes=frozenset({"os_5y", "dfs_5y"}))
    assert {"os_5y", "dfs_5y"} <= set(alone.values)
    assert not {"costs", "os_itt_5y", "trm"} & set(alone.values)
    assert set(alone.curves) == {"os", "dfs", "relapse"}
