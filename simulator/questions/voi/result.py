"""The answer of `hsct-sim voi`: EVPPI per parameter and group, EVSI and ENBS per trial size, per patient and
for the population, with the files and figures that show them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.questions.compare.economics import horizon
from simulator.questions.compare.psa import psa_table
from simulator.questions.compare.result import CompareResult
from simulator.questions.power.result import PowerResult
from simulator.questions.voi import plots
from simulator.questions.voi.draws import EVERYTHING, PsaDraws
from simulator.questions.voi.evsi import optimal_sizes
from simulator.questions.voi.population import Population, TrialCost
from simulator.simulation.result_base import Result

SHOWN_ROWS = 12  # parameters and groups in the terminal, highest EVPPI first


@dataclass(repr=False)
class VoiResult(Result):
    """The probabilistic comparison, its draws, the EVPPI table and, with trial sizes, the trials and EVSI."""

    comparison: CompareResult
    draws: PsaDraws
    groups: dict[str, list[str]]
    evppi: pd.DataFrame
    wtp: tuple[float, ...]
    power: PowerResult | None = None
    evsi: pd.DataFrame | None = None
    population: Population | None = None
    trial_cost: TrialCost | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # default groups left out -> the draws they need
    wall_seconds: float = 0.0

    @property
    def summary(self) -> pd.DataFrame:
        """EVPPI at the thresholds asked for (evppi.csv holds the curves)."""
        return self.evppi[self.evppi["wtp"].isin(self.wtp)].reset_index(drop=True)

    @property
    def currency(self) -> str:
        return self.draws.currency

    @property
    def size_for_80_power(self) -> float:
        """Patients per arm for 80% power (interpolated between the sizes simulated), NaN if none reaches it."""
        if self.power is None:
            return math.nan
        table = self.power.sample_sizes
        return float(table.loc[table["target_power"] == 0.8, "patients_per_arm"].iloc[0])

    def _stated(self) -> str:
        scenario = self.comparison.runs[0].scenario
        return (f"per patient, discounted, horizon {horizon(scenario)}; {self.comparison.replications:,} parameter "
                f"draws of {scenario.cohort.label} (seed {self.comparison.seed})")

    def text(self) -> str:
        """EVPPI ranking at each threshold asked for, then EVSI and ENBS by trial size."""
        cur, names = self.currency, self.comparison.names
        lines = [f"Value of information: A: {names[0]} against B: {names[1]} ({self._stated()})"]
        if self.population is not None:
            lines.append(f"  population: {self.population.words()}")
        for threshold, rows in self.summary.groupby("wtp", sort=True):
            lines.append(f"  at {cur} {threshold:,.0f}/QALY (evppi.csv, evppi.png):")
            evpi = rows[rows["parameters"] == "EVPI"].iloc[0]
            lines.append("    " + self._value_line("EVPI (from the draws)", evpi.evppi, evpi.evppi_se))
            ranked = rows[rows["parameters"] != "EVPI"].sort_values("evppi", ascending=False)
            for row in ranked.head(SHOWN_ROWS).itertuples():
                label = {"parameter": row.parameters, "group": f"{row.parameters} (group)"}[row.kind]
                label = "all parameters (EVPI by metamodel)" if row.parameters == EVERYTHING else label
                lines.append("    " + self._value_line(label, row.evppi, row.evppi_se))
        for name, needed in self.skipped.items():
            lines.append(f"  {name} (group) not estimated: its metamodel needs at least {needed} draws")
        lines.append("  EVPI from the draws keeps each draw's patient-level noise and so overstates a little; the "
                     "metamodel of all parameters does not.")
        if self.evsi is not None:
            lines += self._evsi_lines()
        return "\n".join(lines)

    def _value_line(self, label: str, value: float, se: float) -> str:
        cur = self.currency
        text = f"{label:<66} {value:>10,.0f} ± {se:,.0f} {cur} per patient"
        if self.population is not None:
            total = self.population.patients
            text += f"; population {value * total:,.0f} ± {se * total:,.0f}"
        return text

    def _evsi_lines(self) -> list[str]:
        assert self.evsi is not None and self.power is not None
        cur, table = self.currency, self.evsi
        lines = [f"EVSI of a randomised trial ({self.power.design_lines()[0]}; summary statistics "
                 f"{table['statistics'].iloc[0]}; evsi.csv, enbs.png):"]
        if self.trial_cost is not None:
            lines.append(f"  trial cost: {self.trial_cost.words(cur)}")
        for row in table.itertuples():
            line = (f"  at {cur} {row.wtp:,.0f}/QALY, {row.patients_per_arm:>5} per arm: "
                    f"EVSI {row.evsi:,.0f} ± {row.evsi_se:,.0f} per patient")
            if "enbs" in table:
                line += f"; ENBS {row.enbs:,.0f} ± {row.enbs_se:,.0f}"
            lines.append(line)
        power80 = self.size_for_80_power
        shown = f"{power80:.0f} per arm" if np.isfinite(power80) else "not reached at the sizes simulated"
        if "enbs" in table:
            for row in optimal_sizes(table).itertuples():
                verdict = "worth its cost" if row.enbs > 0 else "no size simulated is worth its cost"
                lines.append(f"  at {cur} {row.wtp:,.0f}/QALY: ENBS-optimal size {row.patients_per_arm} per arm "
                             f"(ENBS {row.enbs:,.0f} ± {row.enbs_se:,.0f}, {verdict})")
        else:
            lines.append("  give --population and --trial-cost for the ENBS and its best size")
        lines.append(f"  80% power, averaged over the parameter draws (assurance; power.csv): {shown}")
        return lines

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        names, draws = self.comparison.names, self.comparison.replications
        figures: dict[str, Callable[[], matplotlib.figure.Figure]] = {
            "evppi.png": partial(plots.evppi_figure, self.evppi, self.wtp, self.currency, names, draws)}
        if self.evsi is not None:
            figures["enbs.png"] = partial(plots.enbs_figure, self.evsi, self.evppi, self.currency, names, draws,
                                          self.size_for_80_power, self.population, self.trial_cost)
        return figures

    def manifest(self) -> dict[str, Any]:
        m = self.comparison.manifest() | {
            "willingness_to_pay_per_qaly": list(self.wtp),
            "groups": self.groups,
            "groups_without_enough_draws": self.skipped,
            "parameters": self.draws.columns,
        }
        if self.population is not None:
            m["population"] = {"per_year": self.population.per_year, "years": self.population.years,
                               "discount_rate": self.population.discount_rate,
                               "discounted_patients": self.population.patients}
        if self.trial_cost is not None:
            m["trial_cost"] = {"fixed": self.trial_cost.fixed, "per_patient": self.trial_cost.per_patient}
        if self.power is not None:
            m["trial"] = {k: v for k, v in self.power.manifest().items() if not k.startswith("scenario_")}
        return m

    def tables(self) -> dict[str, pd.DataFrame]:
        """evppi.csv, psa.csv (the draws behind it) and, with trial sizes, evsi.csv and power.csv."""
        out = {"evppi.csv": self.evppi,
               "psa.csv": psa_table(self.comparison.runs, self.comparison.seed)}
        if self.evsi is not None and self.power is not None:
            out |= {"evsi.csv": self.evsi, "power.csv": self.power.summary}
        return out
