"""`value_of_information`: which uncertainties are worth resolving (EVPPI), and whether a randomised trial of
each size is worth its cost (EVSI, ENBS), for two options compared with parameter uncertainty.

It runs the probabilistic comparison (`compare` with --uncertainty) and, given trial sizes, the trials of
`power` with the same seed and number of replications, so that PSA draw r and trial r share their parameters.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from simulator.errors import UserError
from simulator.questions.compare.compare import compare
from simulator.questions.compare.economics import priced
from simulator.questions.compare.psa import psa_table, wtp_grid
from simulator.questions.compare.thresholds import DEFAULT_WTP
from simulator.questions.power.power import estimate_power
from simulator.questions.voi.draws import default_groups, from_psa_table, parse_group
from simulator.questions.voi.evppi import evppi_table
from simulator.questions.voi.evsi import evsi_table, trial_statistics, with_population
from simulator.questions.voi.metamodel import draws_needed
from simulator.questions.voi.population import Population, TrialCost
from simulator.questions.voi.result import VoiResult
from simulator.scenario.schema import Scenario
from simulator.simulation.options import RunOptions

CURVE_POINTS = 41  # thresholds on the EVPPI curves, besides those asked for


def value_of_information(
    scenario_a: Scenario,
    scenario_b: Scenario,
    sizes: Sequence[int] = (),
    endpoint: str = "os",
    replications: int | None = None,
    seed: int | None = None,
    *,
    groups: Sequence[str] = (),
    wtp: Sequence[float] = DEFAULT_WTP,
    population: Population | None = None,
    trial_cost: TrialCost | None = None,
    names: tuple[str, str] | None = None,
    options: RunOptions = RunOptions(),
) -> VoiResult:
    """EVPPI of each parameter given with its evidence and of named groups (`groups`: "NAME=PARAM,PARAM"),
    and, for each trial size in `sizes` (patients per arm), the EVSI of a trial analysed on `endpoint` and, given
    `population` and `trial_cost`, its ENBS. Parameter uncertainty is switched on in both scenarios; their
    cohort.size is the PSA's cohort per draw, while the trial enrols each size (with scenario A's accrual and
    cut-off, as `power`)."""
    scenarios = [s.with_values({"simulation.parameter_uncertainty": True}) for s in (scenario_a, scenario_b)]
    if not priced(scenarios):
        raise UserError("value of information needs [economics] in both scenarios (costs and utilities); "
                        f"{' and '.join(s.metadata.name for s in scenarios if s.economics is None)} has none")
    began = time.perf_counter()
    comparison = compare(scenarios, list(names) if names else None, replications, seed, options=options, wtp=wtp)
    currency = scenarios[0].economics.currency  # type: ignore[union-attr]  # priced above
    draws = from_psa_table(psa_table(comparison.runs, comparison.seed), comparison.names, currency)
    if not draws.parameters:
        raise UserError("value of information: no parameter of either scenario is given with its evidence "
                        "({ events, n } or { events, person_years }), so nothing is uncertain to learn about")
    defaults = default_groups(draws)
    skipped = {name: draws_needed(len(members)) for name, members in defaults.items()
               if draws_needed(len(members)) > comparison.replications}  # asked-for groups are refused instead
    named = {n: m for n, m in defaults.items() if n not in skipped} | dict(parse_group(text, draws) for text in groups)
    thresholds = np.union1d(np.linspace(0.0, wtp_grid(wtp).max(), CURVE_POINTS), np.asarray(wtp, dtype=float))
    evppi = evppi_table(draws, named, thresholds, comparison.seed)
    power = evsi = None
    if sizes:
        power = estimate_power(scenarios[0], scenarios[1], sizes, endpoint, replications=comparison.replications,
                               seed=comparison.seed, labels=tuple(comparison.names), options=options)  # type: ignore[arg-type]
        statistics = trial_statistics(power.studies, endpoint, comparison.replications)
        evsi = with_population(evsi_table(draws, statistics, endpoint, wtp, comparison.seed), population, trial_cost)
    return VoiResult(comparison, draws, named, evppi, tuple(float(x) for x in wtp), power, evsi, population,
                     trial_cost, skipped, time.perf_counter() - began)
