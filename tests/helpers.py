"""Tiny scenarios built in code, so each test states the model it checks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine.queueing import Rules, Ward
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

TINY: dict[str, Any] = {
    "metadata": {"name": "tiny"},
    "cohort": {"size": 100, "accrual_years": 0.0, "followup_after_accrual_years": 20.0},
    "simulation": {"replications": 400, "seed": 1, "horizon_years": 10.0, "landmarks_years": [1.0, 3.0, 5.0]},
    "stages": {"reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
    "outcomes": {"trm_stages": ["reinfusion"]},
}


OFF_PATHWAY: dict[str, Any] = {"death": {"dist": "exponential", "rate_per_year": 0.2}}  # for scenarios patients can leave


def tiny(**tables: Any) -> Scenario:
    """The tiny scenario (one zero-length reinfusion stage, no censoring) with tables replaced/added."""
    raw = copy.deepcopy(TINY)
    for key, value in tables.items():
        raw[key] = value
    return scenario_from_dict(raw)



def queue_starts(
    rules: Rules, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray, priority: np.ndarray | None = None
) -> np.ndarray:
    """The queueing engine alone: when each patient of one study starts holding the resource, or NaN if they left the queue."""
    start = np.full(len(arrival), np.nan)
    ward = Ward(rules, start, priority)
    ward.admit(np.argsort(arrival, kind="stable"), arrival, hold, patience)
    ward.run()
    return start
