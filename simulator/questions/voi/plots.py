"""Figures of value of information: EVPPI against willingness to pay (evppi.png) and, by trial size, EVSI
beside the EVPPI of the parameters and ENBS with its best size and the 80%-power size (enbs.png)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.outcomes.vocabulary import colour
from simulator.questions.voi.draws import EVERYTHING
from simulator.questions.voi.population import Population, TrialCost

THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}")
CURVES = 6  # parameters and groups drawn, highest EVPPI first: one colour each, black kept for EVPI


def evppi_figure(table: pd.DataFrame, wtp: Sequence[float], cur: str, names: Sequence[str], draws: int) -> Figure:
    """EVPI and the EVPPI of the parameters and groups worth most, per patient, across thresholds, with 95% bands
    (`table`: evppi.csv; `wtp` the thresholds asked for, marked, the highest ranking the curves)."""
    top = max(wtp)
    at_top = table[(table["wtp"] == top) & (table["parameters"] != "EVPI")].sort_values("evppi", ascending=False)
    shown = ["EVPI", *at_top["parameters"].head(CURVES)]
    figure = Figure(figsize=(9, 6))
    ax = figure.add_subplot()
    for number, name in enumerate(shown):
        rows = table[table["parameters"] == name].sort_values("wtp")
        x, y, se = rows["wtp"].to_numpy(), rows["evppi"].to_numpy(), rows["evppi_se"].to_numpy()
        line_colour, width = ("black", 2.2) if name == "EVPI" else (colour(number - 1), 1.4)
        label = "EVPI (from the draws)" if name == "EVPI" else f"{name} ({rows['kind'].iloc[0]})"
        ax.plot(x, y, label=label, color=line_colour, lw=width)
        ax.fill_between(x, np.maximum(y - 1.96 * se, 0), y + 1.96 * se, color=line_colour, alpha=0.12, lw=0)
    for threshold in wtp:
        ax.axvline(threshold, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(f"willingness to pay per QALY ({cur})")
    ax.set_ylabel(f"value of the information per patient ({cur})")
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set_ylim(bottom=0)
    ax.set_title(f"Expected value of partial perfect information (EVPPI)\nB: {names[1]} against A: {names[0]}\n"
                 f"{draws:,} parameter draws, regression metamodels; bands: 95%", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure


def enbs_figure(table: pd.DataFrame, evppi: pd.DataFrame, cur: str, names: Sequence[str], draws: int,
                power80: float, population: Population | None, cost: TrialCost | None) -> Figure:
    """Left: EVSI per patient by patients per arm (`table`: evsi.csv), at each threshold, with the EVPPI of all
    parameters it tends to. Right (given the population and trial cost): ENBS by size, its best size and the
    size for 80% power."""
    with_enbs = "enbs" in table
    figure = Figure(figsize=(12 if with_enbs else 7, 5.5))
    axes = figure.subplots(1, 2 if with_enbs else 1, squeeze=False)[0]
    everything = evppi[evppi["parameters"] == EVERYTHING]
    for number, (threshold, rows) in enumerate(table.groupby("wtp", sort=True)):
        n, value, se = rows["patients_per_arm"], rows["evsi"].to_numpy(), rows["evsi_se"].to_numpy()
        label = f"{cur} {threshold:,.0f}/QALY"
        axes[0].errorbar(n, value, 1.96 * se, marker="o", color=colour(number), capsize=3, label=f"EVSI at {label}")
        ceiling = everything[everything["wtp"] == threshold]["evppi"]
        if len(ceiling):
            axes[0].axhline(float(ceiling.iloc[0]), color=colour(number), ls="--", lw=1,
                            label=f"EVPPI of all parameters at {label}")
        if with_enbs:
            enbs, enbs_se = rows["enbs"].to_numpy(), rows["enbs_se"].to_numpy()
            axes[1].errorbar(
                n, enbs, 1.96 * enbs_se, marker="o", color=colour(number), capsize=3, label=f"ENBS at {label}"
            )
            best = int(np.argmax(enbs))
            axes[1].plot(n.iloc[best], enbs[best], marker="*", ms=16, color=colour(number), ls="none",
                         label=f"best size at {label}: {n.iloc[best]} per arm")
    axes[0].set_ylabel(f"EVSI per patient ({cur})")
    axes[0].set_title("Expected value of sample information", fontsize=10)
    if with_enbs:
        axes[1].axhline(0, color="black", lw=0.8)
        if np.isfinite(power80):
            axes[1].axvline(power80, color="grey", ls=":", label=f"80% power over the draws: {power80:.0f} per arm")
        axes[1].set_ylabel(f"expected net benefit of sampling ({cur})")
        assert population is not None and cost is not None
        axes[1].set_title(f"ENBS: population EVSI less the trial's cost\n{population.words()}\n"
                          f"trial cost {cost.words(cur)}", fontsize=8)
    for ax in axes:
        ax.set_xlabel("patients per arm")
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.legend(fontsize=8)
    figure.suptitle(
        f"B: {names[1]} against A: {names[0]}; {draws:,} trials per size, one per parameter draw", fontsize=10
    )
    figure.tight_layout()
    return figure
