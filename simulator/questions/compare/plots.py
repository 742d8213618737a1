"""Figures of a comparison: the scenarios overlaid, scenario i always in colour i and named by its
metadata name, published values marked in the scenario's colour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from simulator.outcomes.vocabulary import colour, subtitle
from simulator.report.plots import (
    CURVE_TITLES,
    PlottedRun,
    band_studies,
    mean_curve,
    published_points,
    shade_partial,
    study_band,
    time_axis,
    trm_levels,
)


class PlottedComparison(Protocol):
    """What the figures read of a comparison (compare.PlottedComparison has it); a protocol, so that this module does
    not import the result that imports it."""

    @property
    def runs(self) -> Sequence[PlottedRun]: ...
    @property
    def names(self) -> Sequence[str]: ...
    @property
    def seed(self) -> int: ...
    @property
    def replications(self) -> int: ...
    @property
    def key_outcomes(self) -> list[str]: ...
    @property
    def shares_streams(self) -> list[bool]: ...
    @property
    def summary(self) -> pd.DataFrame: ...

CURVES = CURVE_TITLES | {  # the run's titles, and what differs where a comparison draws them
    "relapse": ("Cumulative incidence of relapse after reinfusion (death as a competing risk)",
                "Probability of having relapsed"),
    "efs_itt": (CURVE_TITLES["efs_itt"][0],  # the layout is measured here: room for the events, on two lines
                "Probability of being alive, on the pathway,\nwithout relapse, flare or non-response"),
}


def _title(result: PlottedComparison, what: str) -> str:
    crn = ", common random numbers" if all(result.shares_streams) else ""
    return (f"{what}\n{' vs '.join(result.names)}\n"
            + subtitle(result.replications, [r.scenario.cohort for r in result.runs], per=" per scenario",
                       note=f"seed {result.seed}{crn}"))


def curve_overlay(result: PlottedComparison, curve: str) -> Figure:
    """Each scenario's mean curve over its studies with the band where 95% of them lie, grey from where fewer
    than 95% of some scenario's studies still follow a patient."""
    title, ylabel = CURVES[curve]
    figure = Figure(figsize=(8, 7))
    ax = figure.add_subplot()
    bands = [study_band(run.curves[curve]) for run in result.runs]
    longest = max(result.runs, key=lambda r: len(r.grid_years)).grid_years
    fewest = np.full(len(longest), 1.0)
    for _, _, _, evaluable in bands:
        fewest[: len(evaluable)] = np.minimum(fewest[: len(evaluable)], evaluable)
    shade_partial(ax, longest, fewest)
    for number, (name, run, (lower, mean, upper, evaluable)) in enumerate(zip(result.names, result.runs, bands)):
        line_colour = colour(number)
        ax.fill_between(run.grid_years, lower, upper, step="post", color=line_colour, alpha=0.15,
                        label=f"{name}: 95% of {band_studies(run, run.curves[curve])}")
        mean_curve(ax, run.grid_years, mean, evaluable, line_colour, f"{name}: mean over simulated studies")
        points = published_points(run, curve)
        if points:
            x, y = zip(*points)
            ax.plot(x, y, "D", color=line_colour, mec="black", ms=8, label=f"{name}: published")
    ax.plot([], [], color="grey", ls="--", lw=1.5, label="Dashed: not every study still follows a patient")
    horizon = max(r.grid_years[-1] for r in result.runs)
    ax.set(xlim=(0, horizon), ylim=(0, 1.02), xlabel=time_axis(curve), ylabel=ylabel)
    ax.set_title(_title(result, title), fontsize=9.5)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2 if len(result.runs) > 2 else 1, fontsize=8,
              title="Bands: 2.5-97.5 percentiles of simulated studies", title_fontsize=8)
    figure.tight_layout()
    return figure


def trm_overlay(result: PlottedComparison) -> Figure:
    """How often a study of each protocol would report each treatment-related mortality: one stem per level
    (report.plots.trm_levels), the protocols side by side, both axes in percent."""
    figure = Figure(figsize=(8, 5.5))
    ax = figure.add_subplot()
    count, right = len(result.runs), 0.0
    levels_of = [trm_levels(run.values["trm"], run.scenario.cohort.size) for run in result.runs]
    step = min(width for _, _, width, _ in levels_of) / count
    for number, (name, run, (levels, shares, _, what)) in enumerate(zip(result.names, result.runs, levels_of)):
        x = levels + (number - (count - 1) / 2) * step
        ax.vlines(x, 0, shares, color=colour(number), lw=2.5)
        ax.plot(x, shares, "o", color=colour(number), ms=5, label=f"{name}: simulated studies ({what})")
        target = run.scenario.targets.get("trm")
        if target is not None:
            ax.axvline(target, color=colour(number), ls="--", lw=2, label=f"{name}: published {target:.1%}")
        right = max(right, levels.max(initial=0), target or 0)
    ax.set(xlabel="Treatment-related mortality reported by the study (deaths, % of enrolled)",
           ylabel="Share of simulated studies", xlim=(-2 * step * count, right + 2 * step * count), ylim=(0, None))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_title(_title(result, "Treatment-related mortality a study would report"), fontsize=9.5)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    figure.tight_layout()
    return figure


def forest(result: PlottedComparison) -> Figure:
    """Every key outcome per scenario: mean over studies (dot), 95% of studies (line), published (diamond)."""
    outcomes = result.key_outcomes
    summary = result.summary.set_index(["scenario", "outcome"])
    count = len(result.runs)
    figure = Figure(figsize=(8.5, max(5.5, 2.5 + 0.45 * len(outcomes) * count)))  # room for the legend when few
    ax = figure.add_subplot()
    step = 0.8 / count
    for number, (name, run) in enumerate(zip(result.names, result.runs)):
        y = np.arange(len(outcomes)) + (number - (count - 1) / 2) * step
        rows = summary.loc[[(name, o) for o in outcomes]]
        ax.hlines(y, rows.lower, rows.upper, color=colour(number), lw=2.5)
        ax.plot(rows.estimate, y, "o", color=colour(number), ms=7, label=f"{name}: mean (dot), 95% of studies (line)")
        published = [(run.scenario.targets[o], y[i]) for i, o in enumerate(outcomes) if o in run.scenario.targets]
        if published:
            x_pub, y_pub = zip(*published)
            ax.plot(x_pub, y_pub, "D", mfc="none", mec=colour(number), mew=2, ms=9)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], ls="none", marker="D", mfc="none", mec="black", mew=2, ms=9))
    labels.append("Published value (in the scenario's colour)")
    ax.set_yticks(range(len(outcomes)), [result.runs[0].scenario.catalogue[o].short_label for o in outcomes])
    ax.invert_yaxis()
    ax.set(xlim=(-0.02, 1.02), xlabel="Probability (share of patients)")
    worst = result.summary[result.summary.outcome.isin(outcomes)].mc_se.max()
    ax.set_title(_title(result, "Key outcomes: what a study of each protocol would report")
                 + f"\nMonte Carlo SE of every mean at most {worst:.4f} (smaller than the dots)", fontsize=9.5)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(handles, labels, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=1)
    figure.tight_layout()
    return figure
