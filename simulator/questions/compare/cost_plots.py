"""The costs breakdown of a comparison: what each pathway's mean discounted cost per patient is made of (each
priced stage and resource, the years in remission and with active disease, relapses and deaths)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from simulator.questions.compare.economics import EconomicRun, counted_over
from simulator.questions.compare.psa_plots import THOUSANDS


def costs_breakdown(names: Sequence[str], runs: Sequence[EconomicRun]) -> Figure:
    """One stacked bar per scenario: the mean over its simulated studies of each part of the costs."""
    parts: dict[str, str] = {}  # name -> words, in the order the scenarios list them
    for run in runs:
        parts |= {o.name: o.words.removesuffix(" per patient, discounted")
                  for o in run.scenario.catalogue.values() if o.part_of == "costs"}
    # shades of grey, every other one hatched: the scenario colours (vocabulary.SCENARIO_COLOURS) mean "scenario
    # A, B, ..." in every other figure, so a part of the costs must not wear one
    shades = matplotlib.colormaps["Greys"](np.linspace(0.3, 0.85, max(len(parts), 2)))
    figure = Figure(figsize=(9, 2.8 + 0.7 * len(runs) + 0.25 * len(parts)))
    ax = figure.add_subplot()
    for row, run in enumerate(runs):
        left = 0.0
        for number, (name, words) in enumerate(parts.items()):
            value = float(np.nanmean(run.values[name])) if name in run.values else 0.0
            ax.barh(row, value, left=left, color=shades[number], edgecolor="white", hatch="//" * (number % 2),
                    label=words if row == 0 or name not in runs[0].values else None)
            left += value
        ax.annotate(f"{left:,.0f}", (left, row), textcoords="offset points", xytext=(5, 0), va="center", fontsize=9)
    economics = runs[0].scenario.economics
    money = "" if economics is None else f"{economics.currency}, {economics.price_year} prices, "
    ax.set_yticks(range(len(runs)), names)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_xlim(0, ax.get_xlim()[1] * 1.12)  # room for the totals
    ax.set(xlabel=f"Mean cost per patient ({money}discounted)")
    ax.set_title(
        f"What each pathway costs per patient, {counted_over(runs[0].scenario)}\n"
        f"mean over {len(runs[0].values['costs']):,} simulated studies; total at the end of each bar",
        fontsize=9.5,
    )
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)
    figure.tight_layout()
    return figure
