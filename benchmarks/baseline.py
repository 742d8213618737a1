"""The plain first version of the engine, kept only to measure ours against (not used by hsct-sim).

One SimPy process per patient walks every stage of the scenario, drawing each event as a scalar from
numpy; isolation beds are a SimPy Resource; the infection risk in isolation is checked day by day, with
the daily risk giving the stage's death probability over the stay. One Environment per simulated study.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from simulator.scenario import distributions as d
from simulator.scenario.schema import Scenario

DAYS_PER_YEAR = 365.25


def draw(dist, rng: np.random.Generator) -> float:
    """One scalar draw with numpy's own samplers, in days (None: never)."""
    if dist is None:
        return math.inf
    days = DAYS_PER_YEAR if getattr(dist, "unit", "days") == "years" else 1.0
    if isinstance(dist, d.Fixed):
        return dist.value * days
    if isinstance(dist, d.Exponential):
        return rng.exponential(1 / dist.rate_per_day) if dist.rate_per_day > 0 else math.inf
    if isinstance(dist, d.LogNormal):
        return rng.lognormal(math.log(dist.median * days), dist.sigma)
    if isinstance(dist, d.Gamma):
        return rng.gamma((dist.mean / dist.sd) ** 2, dist.sd**2 / dist.mean) * days
    if isinstance(dist, d.Weibull):
        return dist.scale * days * rng.weibull(dist.shape)
    if isinstance(dist, d.Uniform):
        return rng.uniform(dist.low, dist.high) * days
    return rng.choice(dist.values, p=dist.probabilities) * days


def patient(env: simpy.Environment, rng: np.random.Generator, s: Scenario, beds: dict, enrol: float, out: list):
    yield env.timeout(enrol)
    request = None
    holding = None
    for name, stage in s.stages.items():
        if stage.resource != holding and request is not None:
            beds[holding].release(request)
            request = holding = None
        if stage.resource is not None and holding is None and stage.resource in beds:
            request = beds[stage.resource].request()
            patience = draw(s.waiting.death, rng)
            result = yield request | env.timeout(patience)
            if request not in result:
                request.cancel()
                out.append(("died waiting", env.now))
                return
            holding = stage.resource
        duration = draw(stage.duration, rng)
        p = stage.death_probability or 0.0
        if name == "isolation" and p > 0:  # infection risk checked every day of the stay
            daily = 1 - (1 - p) ** (1 / duration) if duration > 0 else p
            elapsed = 0.0
            while elapsed < duration:
                step = min(1.0, duration - elapsed)
                yield env.timeout(step)
                elapsed += step
                if rng.random() < 1 - (1 - daily) ** step:  # a part day carries its part of the risk
                    if request is not None:
                        beds[holding].release(request)
                    out.append((name, env.now))
                    return
            continue
        if rng.random() < p:
            yield env.timeout(rng.random() * duration)
            if request is not None:
                beds[holding].release(request)
            out.append((name, env.now))
            return
        yield env.timeout(duration)
    if request is not None:
        beds[holding].release(request)
    f = s.followup
    relapse, death = draw(f.relapse, rng), draw(f.death_before_relapse, rng)
    if relapse < death:
        death = relapse + draw(f.death_after_relapse, rng)
    out.append(("follow-up", env.now + death))


def simulate_study(s: Scenario, rng: np.random.Generator) -> list:
    env = simpy.Environment()
    beds = {name: simpy.Resource(env, capacity=r.capacity) for name, r in s.resources.items() if r.is_finite}
    out: list = []
    accrual = s.cohort.accrual_years * DAYS_PER_YEAR
    for _ in range(s.cohort.size):
        env.process(patient(env, rng, s, beds, float(rng.random()) * accrual, out))
    env.run()
    return out
