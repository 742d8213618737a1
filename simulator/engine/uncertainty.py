"""Parameter uncertainty (probabilistic sensitivity analysis): each simulated study draws the parameters
given with their evidence from their posteriors, so the spread of studies includes what we do not know
about the parameters, not only the chance of a finite cohort.

Draws come from their own stream of each replication, one per body of evidence, so the patients' uniforms,
and hence common random numbers, are the same with and without uncertainty, and adding a parameter's evidence
does not change the draws of the others. A parameter whose evidence names its source (`source = "..."`) is
keyed by that source and its counts: every parameter citing the same evidence, in this scenario or in another
one compared with it, draws the same value. Any other is keyed by its scenario's name and its dotted path:
its own draw, independent of every other parameter and of other scenarios' parameters at the same path
(transplant relapse and standard-care flares do not rest on the same data because both are "the relapse rate").
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from pydantic import BaseModel

from simulator.engine.randomness import replication_generators
from simulator.scenario.evidence import Estimate, estimates, with_draws
from simulator.scenario.schema import Scenario

PRIOR_WORDS = {"jeffreys": "Jeffreys prior, half an event added", "uniform": "flat prior, one event added"}
PARAMETER_STREAM = 0x505341  # "PSA": first spawn-key word of parameter draws, apart from any arm substreams


def estimated_parameters(scenario: Scenario) -> dict[str, Estimate]:
    """Dotted path -> estimate, for every parameter the scenario gives with its evidence."""
    return dict(estimates(scenario))


def parameter_draws(scenario: Scenario, seed: int, replications: range) -> dict[str, np.ndarray]:
    """One posterior draw per replication of every parameter given with its evidence (path -> values)."""
    draws = {}
    for path, estimate in estimated_parameters(scenario).items():
        key = (PARAMETER_STREAM, zlib.crc32(evidence_key(scenario, path, estimate).encode()))
        u = np.array([generator.random() for generator in replication_generators(seed, replications, key)])
        draws[path] = estimate.ppf(u, scenario.simulation.prior)
    return draws


def evidence_key(scenario: Scenario, path: str, estimate: Estimate) -> str:
    """What a parameter's draw is keyed by: its cited evidence (source and counts), shared by every parameter
    citing it; otherwise its scenario's name and dotted path, its own."""
    shared = estimate.shared_evidence()
    return f"evidence\0{shared}" if shared is not None else f"parameter\0{scenario.metadata.name}\0{path}"


def with_drawn_parameters(scenario: Scenario, seed: int, replications: range) -> Scenario:
    """The scenario the engine runs for these replications: unchanged without parameter uncertainty;
    with it, each estimated parameter replaced by a (replications, 1) array of draws, which broadcasts
    over the patients of each study. Each model holding a draw is validated again with it (`with_draws`), so a
    draw outside its field's bounds is refused, not simulated."""
    if not scenario.simulation.parameter_uncertainty:
        return scenario
    draws = {path: values[:, np.newaxis] for path, values in parameter_draws(scenario, seed, replications).items()}
    return _replaced(scenario, "", draws)


def _replaced(value: Any, path: str, draws: dict[str, np.ndarray]) -> Any:
    if path in draws:
        return draws[path]
    if isinstance(value, BaseModel):
        prefix = f"{path}." if path else ""
        update: dict[str, Any] = {}
        drawn: dict[str, Any] = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _replaced(old, prefix + name, draws)
            if new is not old:
                (drawn if prefix + name in draws else update)[name] = new
        if drawn:  # this model holds draws: validated with them (and with its changed parts)
            return with_draws(value, drawn | update)
        return value.model_copy(update=update) if update else value
    if isinstance(value, dict):
        new_items = {key: _replaced(item, f"{path}.{key}", draws) for key, item in value.items()}
        return new_items if any(new_items[k] is not value[k] for k in value) else value
    return value


