"""Between-study heterogeneity: a stage death probability that varies between studies gives beta-binomial
deaths per study (mean n p, variance n p (1 - p) (1 + (n - 1) rho)); the draws keep reproducibility."""

import numpy as np

from simulator import run
from simulator.simulation.options import RunOptions

from helpers import tiny

N, P, RHO = 50, 0.05, 0.1


def varied(icc=RHO, replications=4000):
    stages = {"conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": P,
                               **({"death_probability_icc": icc} if icc else {})},
              "reinfusion": {"duration": {"dist": "fixed", "value": 0}}}
    return tiny(stages=stages, cohort={"size": N, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
                simulation={"replications": replications, "seed": 11, "horizon_years": 1.0, "landmarks_years": [1.0]},
                outcomes={"trm_stages": ["conditioning"]})


def test_deaths_per_study_are_beta_binomial():
    deaths = run(varied()).values["trm"] * N
    r = len(deaths)
    assert abs(deaths.mean() - N * P) <= 4 * deaths.std(ddof=1) / np.sqrt(r)
    exact = N * P * (1 - P) * (1 + (N - 1) * RHO)  # 2.375 x the binomial variance
    m2, m4 = deaths.var(ddof=1), np.mean((deaths - deaths.mean()) ** 4)
    se = np.sqrt((m4 - m2**2 * (r - 3) / (r - 1)) / r)
    assert abs(m2 - exact) <= 4 * se, (m2, exact, se)
    binomial = run(varied(icc=None)).values["trm"] * N
    assert binomial.var(ddof=1) < 0.6 * m2  # the ranges of studies widen


def test_study_draws_do_not_depend_on_chunking():
    scenario = varied(replications=60)
    assert np.array_equal(
        run(scenario, options=RunOptions(chunk_size=60)).values["trm"],
        run(scenario, options=RunOptions(chunk_size=7)).values["trm"],
    )
