"""EVSI and ENBS of the randomised trial `power` simulates: what its data would be worth, per trial size.

Trial r of every size runs with the parameters of PSA draw r (both use the same seed and replication
index, hence the same posterior draws), with the accrual, cut-off, censoring and engine of `power`. Each
draw's incremental costs and QALYs are regressed on its trial's summary statistics (Strong et al. 2015,
Jalal et al. 2018): the events in each arm and the log-rank score O - E for a survival endpoint, the
treatment-related deaths in each arm for TRM. E[max over options of the fitted net benefit] - max E is
the EVSI per patient; times the discounted population, less the trial's cost, the ENBS.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.errors import UserError
from simulator.questions.voi.draws import PsaDraws
from simulator.questions.voi.population import Population, TrialCost
from simulator.questions.voi.value import information_value

EVSI_COLUMNS = ["patients_per_arm", "wtp", "evsi", "evsi_se", "method", "statistics"]
SURVIVAL_STATISTICS = ["events_a", "events_b", "score"]
TRM_STATISTICS = ["events_a", "events_b"]


def trial_statistics(studies: pd.DataFrame, endpoint: str, draws: int) -> dict[int, np.ndarray]:
    """Patients per arm -> (trials, statistics) in replication order, one trial per PSA draw."""
    names = TRM_STATISTICS if endpoint == "trm" else SURVIVAL_STATISTICS
    out = {}
    for n, trials in studies.groupby("patients_per_arm", sort=True):
        trials = trials.sort_values("replication")
        if not np.array_equal(trials["replication"].to_numpy(), np.arange(draws)):
            raise UserError(f"EVSI: the trials of {n} patients per arm are not one per PSA draw "
                            f"({len(trials)} trials, {draws} draws); run both with one --replications and --seed")
        out[int(n)] = trials[names].to_numpy(float)
    return out


def evsi_table(draws: PsaDraws, statistics: dict[int, np.ndarray], endpoint: str, wtp: Sequence[float],
               seed: int = 0) -> pd.DataFrame:
    """One row per trial size and threshold: EVSI per patient and its standard error."""
    thresholds = np.asarray(wtp, dtype=float)
    names = ", ".join(TRM_STATISTICS if endpoint == "trm" else SURVIVAL_STATISTICS)
    rows = []
    for n, x in statistics.items():
        value = information_value(x, draws.incremental_costs, draws.incremental_qalys, thresholds,
                                  f"a trial of {n} per arm", seed)
        for threshold, evsi, se in zip(thresholds, value.value, value.se):
            rows.append((n, threshold, evsi, se, value.method, names))
    return pd.DataFrame(rows, columns=EVSI_COLUMNS)


def with_population(evsi: pd.DataFrame, population: Population | None, cost: TrialCost | None) -> pd.DataFrame:
    """EVSI for the population and, given the trial's cost, ENBS and its SE (the cost is known exactly)."""
    table = evsi.copy()
    if population is None:
        return table
    table["population_evsi"] = population.patients * table["evsi"]
    table["population_evsi_se"] = population.patients * table["evsi_se"]
    if cost is not None:
        table["trial_cost"] = [cost.of(n) for n in table["patients_per_arm"]]
        table["enbs"] = table["population_evsi"] - table["trial_cost"]
        table["enbs_se"] = table["population_evsi_se"]
    return table


def optimal_sizes(table: pd.DataFrame) -> pd.DataFrame:
    """Per threshold: the simulated size with the highest ENBS, and that ENBS (whether it is above 0 says
    whether any trial simulated is worth its cost)."""
    best = table.loc[table.groupby("wtp", sort=True)["enbs"].idxmax()]
    return best[["wtp", "patients_per_arm", "enbs", "enbs_se"]].reset_index(drop=True)
