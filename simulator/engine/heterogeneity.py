"""Between-study heterogeneity: centres differ by more than the chance of a finite cohort (experience,
patient selection), so each simulated study may draw its own stage death probability.

A stage's `death_probability_icc` rho makes the study's probability P ~ Beta(p (1 - rho) / rho,
(1 - p) (1 - rho) / rho): mean p, and deaths among n patients of a study are beta-binomial, with variance
n p (1 - p) (1 + (n - 1) rho) instead of the binomial n p (1 - p). Draws come from their own stream of each
replication (keyed by the stage), so the patients' uniforms and common random numbers are untouched, and a
study's draw is the same in every chunk and with any number of workers.
"""

from __future__ import annotations

import zlib

import numpy as np

from simulator.engine.randomness import replication_generators
from simulator.engine.uncertainty import with_drawn_parameters
from simulator.scenario.evidence import with_draws
from simulator.scenario.schema import Scenario

HETEROGENEITY_STREAM = 0x484554  # "HET": first spawn-key word of between-study draws


def study_scenario(scenario: Scenario, seed: int, replications: range) -> Scenario:
    """The scenario each study of `replications` runs: parameters drawn from their posteriors (with
    --uncertainty), then stage death probabilities varied between studies (with death_probability_icc)."""
    drawn = with_drawn_parameters(scenario, seed, replications)
    varied = {name: stage for name, stage in drawn.stages.items() if stage.death_probability_icc is not None}
    if not varied:
        return drawn
    stages = dict(drawn.stages)
    for name, stage in varied.items():
        key = (HETEROGENEITY_STREAM, zlib.crc32(name.encode()))
        generators = replication_generators(seed, replications, key)
        u = np.array([generator.random() for generator in generators])[:, np.newaxis]
        mean, rho = np.asarray(stage.death_probability, dtype=float), stage.death_probability_icc
        from scipy import special  # here: only scenarios that vary pay scipy's import

        size = (1 - rho) / rho  # type: ignore[operator]  # alpha + beta; a varied stage has its icc
        with np.errstate(invalid="ignore", divide="ignore"):  # p of 0 or 1 stays 0 or 1
            p = np.where((mean > 0) & (mean < 1), special.betaincinv(mean * size, (1 - mean) * size, u), mean)
        stages[name] = with_draws(stage, {"death_probability": p})  # each study's p, checked against the bounds
    return drawn.model_copy(update={"stages": stages})
