"""Figures of a power calculation, readable without the code (see `plots` for the conventions):
power against patients per arm, and the spread of the effect a trial of each size would observe."""

from __future__ import annotations

import textwrap
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.outcomes.vocabulary import REFERENCE_COLOUR
from simulator.questions.power.stats import interpolated_power
from simulator.report.plots import LINE_COLOUR


class PlottedPower(Protocol):
    """What the figures read of a power study (result.PlottedPower has it); a protocol, so that this module does
    not import the result that imports it."""

    @property
    def alpha(self) -> float: ...
    @property
    def better_label(self) -> str | None: ...
    @property
    def effect_name(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def labels(self) -> tuple[str, str]: ...
    @property
    def pooled_trm_difference(self) -> float: ...
    @property
    def replications(self) -> int: ...
    @property
    def sample_sizes(self) -> pd.DataFrame: ...
    @property
    def sizes(self) -> list[int]: ...
    @property
    def studies(self) -> pd.DataFrame: ...
    @property
    def summary(self) -> pd.DataFrame: ...

    def design_lines(self) -> list[str]: ...

HR_TICKS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 5, 10, 20, 50)


TITLE_WIDTH, LEGEND_WIDTH = 100, 120  # characters per line that fit the figure (long arm labels, e.g. with --set-a)


def _title(ax, what: str, arms: str, result: PlottedPower) -> None:  # type: ignore[no-untyped-def]
    lines = [what, arms, *result.design_lines()]  # each wrapped: an endpoint's list of events can be long
    ax.set_title("\n".join(textwrap.fill(line, TITLE_WIDTH) for line in lines), fontsize=9.5)


def _finite(values: np.ndarray) -> np.ndarray:
    """Hazard ratios of 0 or infinity (no events in one arm) cannot be drawn on a log scale."""
    return np.where(np.isfinite(values), values, np.nan)


def _legend_below(ax, handles: list, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Below the axes, where it hides no data."""
    ax.legend(handles, [textwrap.fill(label, LEGEND_WIDTH) for label in labels], fontsize=8, loc="upper center",
              bbox_to_anchor=(0.5, -0.12), frameon=False)


def power_curve(result: PlottedPower) -> Figure:
    """Power (with 95% Monte Carlo intervals) against patients per arm, 80% and 90% lines, sample sizes."""
    s = result.summary
    figure = Figure(figsize=(8, 7.5))
    ax = figure.add_subplot()
    better = result.better_label
    label = (f"Power: p < {result.alpha:g} in favour of {better}, the better arm" if better
             else "Significant in either direction (no true difference: false-positive rate)")
    ax.errorbar(s["patients_per_arm"], s["power"], yerr=1.96 * s["power_mc_se"], fmt="o", color=LINE_COLOUR,
                capsize=4, label=f"{label}; bars: 95% Monte Carlo interval")
    between = np.linspace(result.sizes[0], result.sizes[-1], 200)
    ax.plot(between, interpolated_power(s["patients_per_arm"].to_numpy(), s["power"].to_numpy(),
                                        result.replications, between),
            color=LINE_COLOUR, lw=2, label="Interpolated between simulated sizes (probit of power linear in "
                                           "the square root of the size)")
    if better:
        ax.plot(s["patients_per_arm"], s["type_s_error"], "x--", color=REFERENCE_COLOUR,
                label="Significant in favour of the worse arm (type S error)")
    else:
        ax.axhline(result.alpha, color=REFERENCE_COLOUR, ls="--",
                   label=f"Nominal false-positive rate (alpha = {result.alpha:g})")
    styles = {0.8: "--", 0.9: ":"}
    for target, style in styles.items():
        ax.axhline(target, color="grey", ls=style, lw=1, label=f"{target:.0%} power")
    for row in result.sample_sizes.itertuples():
        if np.isfinite(row.patients_per_arm):
            ax.axvline(row.patients_per_arm, color="black", ls=styles[row.target_power], lw=1.2,
                       label=f"{row.target_power:.0%} power at about {row.patients_per_arm:.0f} per arm (interpolated)")
    ax.set(xlabel="Patients per arm", ylabel="Power (share of simulated trials)", ylim=(0, 1.02),
           xlim=(0, 1.05 * max(result.sizes)))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    _title(ax, "Power of a randomised two-arm trial to tell the protocols apart",
           f"A: {result.labels[0]} vs B: {result.labels[1]}", result)
    ax.grid(alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()  # the power curve first
    order = sorted(range(len(labels)), key=lambda i: not labels[i].startswith(("Power", "Significant in either")))
    _legend_below(ax, [handles[i] for i in order], [labels[i] for i in order])
    figure.tight_layout()
    return figure


def effect_distribution(result: PlottedPower) -> Figure:
    """Violins of the hazard ratio (log scale) or TRM difference a trial of each size would observe."""
    trm = result.endpoint == "trm"

    def scale(x: np.ndarray) -> np.ndarray:  # drawn as percentage points (TRM) or log hazard ratios
        with np.errstate(divide="ignore"):
            return 100 * np.asarray(x, dtype=float) if trm else np.log(np.asarray(x, dtype=float))

    s = result.summary
    name = result.effect_name
    figure = Figure(figsize=(8, 7))
    ax = figure.add_subplot()
    positions = np.arange(len(result.sizes))
    hidden = 0
    drawn: list[tuple[int, np.ndarray]] = []
    for i, (_, trials) in enumerate(result.studies.groupby("patients_per_arm", sort=True)):
        values = scale(trials["effect"].to_numpy())
        finite = values[np.isfinite(values)]
        hidden += values.size - finite.size
        if np.unique(finite).size > 1:
            drawn.append((i, finite))
    spread = "TRM differences" if trm else "hazard ratios"
    note = f" ({hidden:,} trials with no events in one arm not drawn)" if hidden else ""
    if drawn:
        violins = ax.violinplot([v for _, v in drawn], positions=[i for i, _ in drawn], widths=0.8,
                                showextrema=False)
        bodies = cast(list[Any], violins["bodies"])  # matplotlib types it as a Collection
        for body in bodies:
            body.set(facecolor=LINE_COLOUR, alpha=0.25)
        bodies[0].set_label(f"Observed {spread} across simulated trials{note}")
    median, low, high = (_finite(scale(s[f"{name}_{k}"])) for k in ("median", "lower", "upper"))
    ax.errorbar(positions, median, yerr=[median - low, high - median], fmt="o", color=LINE_COLOUR, capsize=5,
                label="Median trial, bars: 95% of trials (2.5-97.5 percentiles)")
    ax.axhline(0, color="black", lw=1, label="No difference" + (" (below: fewer deaths in B)" if trm
                                                              else " (HR = 1; below: B better)"))
    if trm:
        pooled = result.pooled_trm_difference
        ax.axhline(100 * pooled, color=REFERENCE_COLOUR, ls="--",
                   label=f"True difference (all simulated patients pooled): {100 * pooled:+.1f} points")
    ax.set_xticks(positions, [str(n) for n in result.sizes])
    ax.set_xlabel("Patients per arm")
    if trm:
        ax.set_ylabel("Observed TRM difference, B - A (percentage points)")
        what = "Difference in treatment-related mortality a trial would observe"
    else:
        ax.set_ylabel("Observed hazard ratio, B vs A (log scale)")
        what = "Hazard ratio a trial would observe (Cox model)"
        bottom, top = ax.get_ylim()
        ticks = [t for t in HR_TICKS if bottom <= np.log(t) <= top]
        ax.set_yticks(np.log(ticks), [f"{t:g}" for t in ticks])
    _title(ax, what, f"B: {result.labels[1]} vs A: {result.labels[0]}", result)
    ax.grid(alpha=0.3, axis="y")
    _legend_below(ax, *ax.get_legend_handles_labels())
    figure.tight_layout()
    return figure
