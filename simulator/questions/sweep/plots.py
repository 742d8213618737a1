"""Figures of a sweep: an outcome against a swept parameter, and a heatmap over two parameters.

Each says what varies and what is shown: the mean over simulated studies with its Monte Carlo error,
the range a single study of the scenario's size would report (shaded), and the published value.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from simulator.outcomes.vocabulary import (
    REFERENCE_COLOUR,
    colour,
    parameter_label,
    parameter_words,
    subtitle,
)
from simulator.questions.sweep.grid import Grid, SweepParameter
from simulator.scenario.catalogue import Outcome

if TYPE_CHECKING:
    from matplotlib.axes import Axes




class PlottedSweep(Protocol):
    """What the figures read of a sweep (sweep.PlottedSweep has it); a protocol, so that this module does not
    import the result that imports it."""

    @property
    def grid(self) -> Grid: ...
    @property
    def parameters(self) -> tuple[SweepParameter, ...]: ...
    @property
    def point_summaries(self) -> list[pd.DataFrame]: ...
    @property
    def replications(self) -> int: ...
    @property
    def seed(self) -> int: ...

    def unreported(self, outcome: str) -> list[str]: ...
    @property
    def plotted(self) -> dict[str, Outcome]: ...


BAND_LABEL = "95% of simulated studies (2.5-97.5 percentiles)"
MEAN_LABEL = "Mean over simulated studies (bars: ±1.96 Monte Carlo SE)"
SERIES_MARKERS = ("o", "s", "^", "D", "v", "P", "X")  # with SERIES_STYLES, each series of a sweep looks different
SERIES_STYLES = ("-", "--", ":", "-.")


def _grid_subtitle(result: PlottedSweep) -> str:
    """Scenario, studies and design at each point, and the seed (every point draws the same random numbers: the
    caption says so, the title has no room)."""
    return subtitle(result.replications, [s.cohort for s in result.grid.scenarios], per=" at each point", swept=True,
                    note=f"{result.grid.base.metadata.name}, seed {result.seed}")


def _column(result: PlottedSweep, outcome: str, column: str) -> np.ndarray:
    """One summary column of an outcome at every grid point, in grid order."""
    return np.array([s.loc[outcome, column] for s in result.point_summaries], dtype=float)


def _base_value(result: PlottedSweep, path: str) -> Any:
    """The swept path's value in the scenario file (after --set), or None."""
    value: Any = result.grid.base  # walked as objects, so a value given as evidence is its point estimate
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        if value is None:
            return None
    return value


def outcome_curve(result: PlottedSweep, outcome: str) -> Figure:
    """Outcome against the first swept parameter; one coloured series per value of the other parameters."""
    first, others = result.parameters[0], result.parameters[1:]
    x = np.asarray(first.values, dtype=float) if first.numeric else np.arange(len(first.texts), dtype=float)
    estimate, se = _column(result, outcome, "estimate"), _column(result, outcome, "mc_se")
    lower, upper = _column(result, outcome, "lower"), _column(result, outcome, "upper")
    shape = [len(p.texts) for p in result.parameters]
    figure = Figure(figsize=(8, 6.5 if others else 6))
    ax = figure.add_subplot()
    # whole numbers (beds, patients): nothing lies between two values, so no band or line joins them
    discrete = first.numeric and all(isinstance(v, int) for v in first.values)
    series = list(itertools.product(*(range(len(p.texts)) for p in others)))
    drawn: dict[str, np.ndarray] = {}  # series name -> its means, to tell when a line hides another
    for number, combination in enumerate(series):
        rows = [np.ravel_multi_index((i, *combination), shape) for i in range(len(x))]
        name = ", ".join(f"{parameter_words(p.path)}: {p.texts[i]}" for p, i in zip(others, combination))
        line_colour = colour(number)
        same = next(
            (other for other, earlier in drawn.items() if np.array_equal(earlier, estimate[rows], equal_nan=True)), None
        )
        drawn[name] = estimate[rows]
        if same is not None:  # drawn exactly over an earlier line: its marker and dashes still show, and we say so
            earlier = same.rsplit(": ", 1)[-1] if len(others) == 1 else same
            name = f"{name} (same as {earlier}: the lines coincide)"
        shift = (number - (len(series) - 1) / 2) * 0.06 * (np.ptp(x) / max(len(x) - 1, 1)) if discrete else 0.0
        if not np.isnan(lower[rows]).all() and discrete:
            ax.vlines(x + shift, lower[rows], upper[rows], color=line_colour, alpha=0.3, lw=9,
                      label="_nolegend_" if others else BAND_LABEL)
        elif not np.isnan(lower[rows]).all():
            ax.fill_between(x, lower[rows], upper[rows], color=line_colour, alpha=0.12 if others else 0.2,
                            label=None if others else BAND_LABEL)
        ax.errorbar(x + shift, estimate[rows], yerr=1.96 * se[rows], color=line_colour, lw=2, capsize=3,
                    marker=SERIES_MARKERS[number % len(SERIES_MARKERS)], ms=5 + 2 * (number % 3),
                    ls="none" if discrete else SERIES_STYLES[number % len(SERIES_STYLES)],
                    mfc="none" if number else line_colour, label=name or MEAN_LABEL)
    target = result.grid.base.targets.get(outcome)
    if target is not None:
        ax.axhline(target, color=REFERENCE_COLOUR, ls="--", lw=1.5,
                   label=f"Published, {result.grid.base.metadata.name}: {target:.3f}")
    base = _base_value(result, first.path)
    if first.numeric and isinstance(base, (int, float)) and not isinstance(base, bool):
        ax.axvline(base, color="grey", ls=":", lw=1.5, label=f"Value in the scenario file: {base:g}")
    if discrete:  # e.g. beds: no tick at 1.5 beds
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not first.numeric:
        ax.set_xticks(x, first.texts)
        ax.set_xlim(x[0] - 0.4, x[-1] + 0.4)
    unreported = result.unreported(outcome)
    if unreported:  # e.g. the utilisation of an unlimited resource: say why the line stops
        where = f" ({'; '.join(unreported)})" if others else ""
        ax.plot([], [], ls="none", label=f"Undefined where the resource is unlimited{where}")
        for i in np.flatnonzero(np.isnan(estimate.reshape(shape)).reshape(len(x), -1).all(axis=1)):
            ax.annotate("undefined\n(unlimited)", (x[i], 0.5), xycoords=("data", "axes fraction"), ha="center",
                        va="center", color="grey", fontsize=9)
    _mark_not_evaluable(ax, x, estimate, _column(result, outcome, "evaluable"), shape, bool(unreported))
    shown = result.plotted[outcome]
    ax.set(xlabel=parameter_label(first.path), ylabel=shown.label)
    if shown.is_proportion:
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, -0.02), min(high, 1.02))
    else:  # days, counts per year or per 100: from zero
        ax.set_ylim(bottom=min(0, ax.get_ylim()[0]))
    ax.set_title(f"{shown.title} against {parameter_words(first.path).lower()}\n{_grid_subtitle(result)}",
                 fontsize=9.5)
    ax.grid(alpha=0.3)
    if others:  # one line per combination of the other parameters: say once what lines and shading are
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False,
                  title=f"Lines: {MEAN_LABEL[0].lower()}{MEAN_LABEL[1:]}; shaded: {BAND_LABEL}", title_fontsize=8)
    else:  # below the axes, where it hides no data
        ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    figure.tight_layout()
    return figure


def _mark_not_evaluable(ax: Axes, x: np.ndarray, estimate: np.ndarray, evaluable: np.ndarray, shape: list[int],
                        unlimited: bool) -> None:
    """Say where studies cannot estimate the outcome: a grey ring around points estimated over only some of
    the studies, a note where none can (unless the resource is unlimited there, which is said already)."""
    partial = (evaluable < 1) & np.isfinite(estimate)
    if partial.any():
        xs = np.broadcast_to(x[:, None], (len(x), estimate.size // len(x))).ravel()
        ax.plot(xs[partial], estimate[partial], "o", ms=14, mfc="none", mec="grey", mew=1.5,
                label="Not every study can estimate it here: mean over those that can")
    by_x = np.isnan(estimate.reshape(shape)).reshape(len(x), -1).all(axis=1)
    if unlimited or not by_x.any():
        return
    ax.plot([], [], ls="none", label="Not evaluable: no study has a patient in its analysis set at that time")
    for i in np.flatnonzero(by_x):
        ax.annotate("not\nevaluable", (x[i], 0.85), xycoords=("data", "axes fraction"), ha="center", va="center",
                    color="grey", fontsize=9)
    pad = 0.05 * (x.max() - x.min() or 1.0)
    low, high = ax.get_xlim()
    ax.set_xlim(min(low, x.min() - pad), max(high, x.max() + pad))


def heatmap(result: PlottedSweep, outcome: str) -> Figure:
    """Mean outcome over a two-parameter grid, each cell annotated with its value."""
    if len(result.parameters) != 2:
        raise ValueError(f"a heatmap needs exactly two swept parameters, this sweep has {len(result.parameters)}")
    first, second = result.parameters
    estimate = _column(result, outcome, "estimate").reshape(len(first.texts), len(second.texts)).T
    worst_se = np.nanmax(_column(result, outcome, "mc_se"))
    figure = Figure(figsize=(8, 6))
    ax = figure.add_subplot()
    image = ax.imshow(estimate, origin="lower", aspect="auto", cmap="viridis")
    colourbar = figure.colorbar(image, ax=ax)
    shown = result.plotted[outcome]
    colourbar.set_label(shown.label)
    middle = np.nanmean(estimate)
    for (row, column), value in np.ndenumerate(estimate):
        ax.text(column, row, "undefined" if np.isnan(value) else f"{value:.3f}", ha="center", va="center", fontsize=8,
                color="black" if np.isnan(value) or value > middle else "white")
    ax.set_xticks(range(len(first.texts)), first.texts)
    ax.set_yticks(range(len(second.texts)), second.texts)
    ax.set(xlabel=parameter_label(first.path), ylabel=parameter_label(second.path))
    ax.set_title(f"{shown.title} by {parameter_words(first.path).lower()} and "
                 f"{parameter_words(second.path).lower()}\n{_grid_subtitle(result)}\n"
                 f"Cells: mean over simulated studies (Monte Carlo SE at most {worst_se:.4f})", fontsize=9.5)
    figure.tight_layout()
    return figure
