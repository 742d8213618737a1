"""The stage rules (engine/draws.py) against closed forms, in both engines: when within a stage a death happens,
and on which side of reinfusion a death on the reinfusion day falls. Each rule lives in one place and each
engine only sequences it, so changing the rule, or how either engine places it, fails a test here."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from simulator import RunOptions, run
from simulator.engine import draws
from simulator.engine.pathway import simulate_pathway
from simulator.engine.processes import simulate_processes
from simulator.engine.randomness import StreamLayout, uniforms

from helpers import assert_within_mc_se, tiny

ENGINES = ("fast", "simpy")
D = 10.0  # days: the stage's fixed duration
REPLICATIONS, PATIENTS = 100, 100


def one_stage(**death: object) -> dict[str, object]:
    """A stage of D days with the given death rule, then a zero-length reinfusion."""
    return {"isolation": {"duration": {"dist": "fixed", "value": D}, **death},
            "reinfusion": {"duration": {"dist": "fixed", "value": 0}}}


def death_days(stages: dict[str, object], engine: str) -> np.ndarray:
    """Days from enrolment (day 0 for all) to each death in the first stage, over every simulated patient."""
    scenario = tiny(stages=stages, cohort={"size": PATIENTS, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
                    outcomes={"trm_stages": ["isolation"]})
    layout, replications = StreamLayout.for_scenario(scenario), range(REPLICATIONS)
    u = uniforms(4, replications, layout, PATIENTS)
    h = (simulate_processes(scenario, u, layout, 4, replications) if engine == "simpy"
         else simulate_pathway(scenario, u, layout))
    in_stage = h.death_stage == h.stage_labels.index("isolation")
    return (h.death - h.enrolment)[in_stage]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_death_by_probability_falls_uniformly_within_the_stage(engine):
    """With a death probability p over a stage of fixed duration D, a death happens with probability p, at a time
    uniform on (0, D) given death: mean D/2, SD D/sqrt(12). A death moved to the stage's start or end, or
    placed by the raw draw (mean p D / 2), fails."""
    p = 0.3
    days = death_days(one_stage(death_probability=p), engine)
    n = REPLICATIONS * PATIENTS
    assert abs(len(days) / n - p) <= 4 * np.sqrt(p * (1 - p) / n)
    assert_within_mc_se(days, D / 2, "death day given death", se=D / np.sqrt(12 * len(days)))
    assert_within_mc_se(days**2, D**2 / 3, "second moment", se=D**2 * np.sqrt(4 / 45 / len(days)))  # Var(U^2) = 4/45
    assert ((days > 0) & (days < D)).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_death_by_hazard_competes_with_completion(engine):
    """With a death hazard h over a stage of fixed duration D: death with probability 1 - exp(-hD), at a time of
    truncated exponential mean 1/h - D exp(-hD) / (1 - exp(-hD)) given death."""
    rate_per_day = 0.08
    days = death_days(one_stage(death_hazard={"dist": "exponential", "rate_per_year": rate_per_day * 365.25}), engine)
    n, dies = REPLICATIONS * PATIENTS, -np.expm1(-rate_per_day * D)
    assert abs(len(days) / n - dies) <= 4 * np.sqrt(dies * (1 - dies) / n)
    mean = 1 / rate_per_day - D * np.exp(-rate_per_day * D) / dies
    second = 2 / rate_per_day**2 - (D**2 + 2 * D / rate_per_day) * np.exp(-rate_per_day * D) / dies
    assert_within_mc_se(days, mean, "death day given death", se=np.sqrt((second - mean**2) / len(days)))
    assert ((days > 0) & (days < D)).all()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_death_on_the_reinfusion_day_is_after_reinfusion(engine):
    """Reinfusion is day 0 of the transplant: a patient who dies in the (zero-length) reinfusion stage received the
    graft, so is transplanted and not a death before reinfusion; deaths in conditioning (days -5..-1) are before
    it. With death probabilities c in conditioning and r at reinfusion, a study's expected share of deaths before
    reinfusion is c and of transplanted patients 1 - c (were day-0 deaths before reinfusion: c + (1 - c) r)."""
    c, r = 0.1, 0.2
    stages = {"conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": c},
              "reinfusion": {"duration": {"dist": "fixed", "value": 0}, "death_probability": r}}
    scenario = tiny(stages=stages, outcomes={"trm_stages": ["conditioning", "reinfusion"]})
    result = run(scenario, replications=200, options=RunOptions(engine=engine))
    n = scenario.cohort.size
    assert_within_mc_se(result.values["deaths_before_reinfusion"], c, "deaths before reinfusion",
                        se=np.sqrt(c * (1 - c) / n / 200))
    assert_within_mc_se(result.values["transplanted"], 1 - c, "transplanted", se=np.sqrt(c * (1 - c) / n / 200))
    assert_within_mc_se(result.values["trm"], c + (1 - c) * r, "TRM", se=np.sqrt(0.28 * 0.72 / n / 200))


def test_pathway_and_processes_only_sequence_the_rules():
    """Neither engine imports the other: what they share (the stage rules, follow-up, the ward) has one home."""
    engine = Path(draws.__file__).parent
    for module, other in (("pathway", "processes"), ("processes", "pathway")):
        tree = ast.parse((engine / f"{module}.py").read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert f"simulator.engine.{other}" not in imported, module
