"""Figures a clinician can read without the code: what is compared in the title, units on the axes,
what the line and band mean in the legend, how many studies of how many patients in the subtitle.

Figures are built on `matplotlib.figure.Figure` directly (no pyplot state), so they are safe in workers.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.outcomes.summary import MIN_EVALUABLE
from simulator.outcomes.vocabulary import REFERENCE_COLOUR, subtitle
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario


class PlottedRun(Protocol):
    """What the figures read of a run (simulation.results.PlottedRun has it); a protocol, so that this module does
    not import the result that imports it."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def values(self) -> dict[str, np.ndarray]: ...
    @property
    def curves(self) -> dict[str, np.ndarray]: ...
    @property
    def grid_years(self) -> np.ndarray: ...
    @property
    def occupancy(self) -> dict[str, np.ndarray]: ...
    @property
    def occupancy_grid_days(self) -> np.ndarray: ...
    @property
    def wait_counts(self) -> dict[str, np.ndarray]: ...
    @property
    def replications(self) -> int: ...

CURVE_TITLES = {
    "os": ("Overall survival after reinfusion", "Probability of being alive"),
    "dfs": ("Disease-free survival after reinfusion", "Probability of being alive without relapse"),
    "os_itt": ("Overall survival from enrolment (intention to treat)", "Probability of being alive"),
    "efs_itt": ("Event-free survival from enrolment (intention to treat)",
                "Probability alive, on the pathway and event-free"),  # one line: the margins are fixed
}
LINE_COLOUR = "#1f5f9e"
MIN_EVALUABLE_SHOWN = 0.5  # survival bands are drawn only where at least this share of studies has data
QUARTER_WEEKS = 13  # occupancy is recorded weekly; a 13-week window is 3 months (the explorer's moving average)
WAIT_BAR_DAYS = (1, 7, 14, 28, 91, 182, 365)  # widths of the wait ranges shown: a day, 1, 2, 4 weeks, 3, 6, 12 months
MAX_WAIT_BARS = 12
# Margins (left, right, bottom, top, as shares of the figure) of figures whose text does not vary in size:
# what tight_layout finds for them, fixed, because working it out for each figure costs as much as drawing it.
SURVIVAL_MARGINS = (0.089, 0.98, 0.117, 0.894)  # y ticks 0.0-1.0, a two-line title, a one-line x label
TRM_MARGINS = (0.105, 0.97, 0.117, 0.894)  # y ticks as wide as 0.000; half a "20%" at the right end
# occupancy: units in use over a share with ticks as wide as "25.0%" and a two-line label; panels this far apart
OCCUPANCY_MARGINS, OCCUPANCY_GAP = (0.14, 0.981, 0.078, 0.93), 0.1
WAIT_MARGINS = (0.106, 0.981, 0.117, 0.86)  # one line of wait ranges under the bars (crowded ones: tight_layout)
TITLE_CHARACTERS = 95  # of a 10-point title across a 7.5-inch figure
TITLE_LINE_INCHES = 10 * 1.2 / 72  # one line of a 10-point title


def band_studies(result: PlottedRun, banded: np.ndarray) -> str:
    """"simulated studies", or "the first 2,000 simulated studies" when the run kept curves and occupancy for
    its first studies only (outcomes.study.BAND_STUDIES): what a band or mean in a figure is over."""
    kept = len(banded)
    return "simulated studies" if kept >= result.replications else f"the first {kept:,} simulated studies"


def study_band(curves: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 2.5 percentile, the mean and the 97.5 percentile across studies at each time, over the studies that
    can estimate the curve there (NaN where fewer than MIN_EVALUABLE_SHOWN can), and that share of studies.
    The mean is the table's estimate at each landmark; where every study follows a patient it is a mean of
    Kaplan-Meier curves, so monotone as each of them is (the pointwise median of curves is not)."""
    curves = curves.astype(float)
    evaluable = np.isfinite(curves).mean(axis=0)
    shown = evaluable >= MIN_EVALUABLE_SHOWN
    lower, mean, upper = np.full((3, curves.shape[1]), np.nan)
    if shown.any():
        lower[shown], upper[shown] = np.nanpercentile(curves[:, shown], [2.5, 97.5], axis=0)
        mean[shown] = np.nanmean(curves[:, shown], axis=0)
    return lower, mean, upper, evaluable


def mean_curve(ax: Axes, years: np.ndarray, mean: np.ndarray, evaluable: np.ndarray, colour: str, label: str) -> None:
    """The mean curve as steps: solid where every study follows a patient (a mean of Kaplan-Meier curves, so
    monotone as each is), dashed after (a mean over the studies that still do, which may move either way as
    studies drop out)."""
    partial = np.flatnonzero(evaluable < 1)
    cut = partial[0] if partial.size else len(years)
    ax.step(years[:cut], mean[:cut], where="post", color=colour, lw=2, label=label)
    if cut < len(years):
        ax.step(years[max(cut - 1, 0):], mean[max(cut - 1, 0):], where="post", color=colour, lw=1.5, ls="--")


def shade_partial(ax: Axes, years: np.ndarray, evaluable: np.ndarray) -> None:
    """Grey from where fewer than MIN_EVALUABLE of studies still follow a patient (`evaluable`: the
    smallest share over the curves drawn)."""
    partial = np.flatnonzero(evaluable < MIN_EVALUABLE)
    if partial.size:
        start = years[partial[0]]
        ax.axvspan(start, years[-1], color="0.85", zorder=0,
                   label=f"Under {MIN_EVALUABLE:.0%} of studies still follow a patient (from {start:.1f} y):\n"
                         f"curves over those that do; not drawn where under {MIN_EVALUABLE_SHOWN:.0%} do")


def time_axis(curve: str) -> str:
    """Survival from enrolment (intention to treat) or from reinfusion."""
    return "Years since enrolment" if curve.endswith("_itt") else "Years since reinfusion"


def published_points(result: PlottedRun, curve: str) -> list[tuple[float, float]]:
    """(years, value) of the scenario's targets for this curve, e.g. os_5y = 0.84 -> (5, 0.84)."""
    catalogue = result.scenario.catalogue
    return [(o.landmark, v) for k, v in result.scenario.targets.items()
            if (o := catalogue[k]).family == curve and o.landmark is not None]


def survival_band(result: PlottedRun, curve: str) -> Figure:
    title, ylabel = CURVE_TITLES[curve]
    lower, mean, upper, evaluable = study_band(result.curves[curve])
    figure = Figure(figsize=(7.5, 5))
    ax = figure.add_subplot()
    if np.isnan(mean).all():
        ax.text(0.5, 0.6, "No simulated study can estimate this curve:\nnobody followed before the cut-off",
                transform=ax.transAxes, ha="center", va="center", fontsize=11)
    shade_partial(ax, result.grid_years, evaluable)
    ax.fill_between(result.grid_years, lower, upper, step="post", color=LINE_COLOUR, alpha=0.2,
                    label=f"95% of {band_studies(result, result.curves[curve])} (2.5-97.5 percentiles)")
    mean_curve(ax, result.grid_years, mean, evaluable, LINE_COLOUR,
               f"Mean of the studies' Kaplan-Meier curves (the table's estimate at {_landmarks(result, curve)});\n"
               "dashed from where not every study still follows a patient")
    points = published_points(result, curve)
    if points:
        x, y = zip(*points)
        ax.plot(x, y, "D", color=REFERENCE_COLOUR, ms=8, label=f"Published: {result.scenario.metadata.name}")
    ax.set(xlim=(0, result.grid_years[-1]), ylim=(0, 1.02), xlabel=time_axis(curve), ylabel=ylabel)
    lines = _set_title(
        ax, title, result.scenario.metadata.name, subtitle(result.replications, [result.scenario.cohort])
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9)
    _fix_margins(figure, SURVIVAL_MARGINS, lines)
    return figure


def _landmarks(result: PlottedRun, curve: str) -> str:
    """"1, 3 and 5 y": the landmarks of the curve that the table reports."""
    years = [f"{o.landmark:g}" for o in result.scenario.catalogue.values() if o.family == curve and o.landmark]
    return (", ".join(years[:-1]) + " and " + years[-1] if len(years) > 1 else "".join(years)) + " y"


def trm_levels(trm: np.ndarray, size: int | None) -> tuple[np.ndarray, np.ndarray, float, str]:
    """The TRM values studies report and the share of studies at each, the bar width, and what a bar is. A study
    of N patients reports k/N, one bar per k. With open referrals N varies, and rounding k/N to whole percents
    would pile some percents up and leave others empty (a saw-tooth): bars are then ranges of 2.5 points."""
    trm = trm[np.isfinite(trm)]
    if size is not None:
        levels, counts = np.unique(trm, return_counts=True)
        return levels, counts / max(counts.sum(), 1), 0.8 / size, "one bar per number of deaths"
    width = 0.025
    edges = np.arange(0.0, max(float(trm.max(initial=0)), 0.0) + 2 * width, width)
    counts, _ = np.histogram(trm, edges)
    return edges[:-1] + width / 2, counts / max(counts.sum(), 1), width * 0.9, "bars of 2.5 percentage points"


def trm_distribution(result: PlottedRun) -> Figure:
    """How often a study of this size would report each treatment-related mortality (trm_levels). Both axes in
    percent. The simulated mean and the published value often coincide: the mean is drawn dashed over a wider
    published line, so both stay visible."""
    trm = result.values["trm"]
    levels, shares, width, what = trm_levels(trm, result.scenario.cohort.size)
    mean = float(np.nanmean(trm))
    figure = Figure(figsize=(7.5, 5))
    ax = figure.add_subplot()
    ax.axvline(mean, color="black", ls="--", lw=1.5, zorder=3, label=f"Simulated mean: {mean:.1%}")
    target = result.scenario.targets.get("trm")
    if target is not None:
        ax.axvline(target, color=REFERENCE_COLOUR, lw=4, alpha=0.8, zorder=2, label=f"Published: {target:.1%}")
    ax.bar(levels, shares, width=width, color=LINE_COLOUR, alpha=0.8, label=f"Simulated studies ({what})")
    ax.set(xlabel="Treatment-related mortality reported by the study (deaths, % of enrolled)",
           ylabel="Share of simulated studies", xlim=(-width, max(levels[shares > 0].max(initial=0), target or 0)
                                                        + 2 * width))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    lines = _set_title(ax, "Treatment-related mortality a study would report", result.scenario.metadata.name,
                       subtitle(result.replications, [result.scenario.cohort]))
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=9, loc="upper right")
    _fix_margins(figure, TRM_MARGINS, lines)
    return figure


def occupancy_band(result: PlottedRun, resource: str) -> Figure:
    """What a bed planner needs, unsmoothed, at each weekly snapshot: above, the units in use (mean over studies,
    and the range of 95% of studies, in whole units); below, the share of studies in
    which every unit is taken, the time the next patient would have to wait, with its average over accrual."""
    capacity = result.scenario.resources[resource].capacity
    weekly = result.occupancy[resource].astype(float)
    years = result.occupancy_grid_days / DAYS_PER_YEAR
    lower, upper = np.percentile(weekly, [2.5, 97.5], axis=0)
    full = (weekly >= capacity).mean(axis=0)  # type: ignore[operator]  # drawn for limited resources only
    accrual = result.scenario.cohort.accrual_years
    during = years <= accrual
    figure = Figure(figsize=(8, 7.5))
    ax, share = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    studies = band_studies(result, weekly)
    ax.fill_between(years, lower, upper, step="post", color=LINE_COLOUR, alpha=0.2,
                    label=f"95% of {studies} (2.5-97.5 percentiles)")
    ax.plot(years, weekly.mean(axis=0), color=LINE_COLOUR, lw=2, label=f"Mean over {studies}")
    ax.axhline(capacity, color=REFERENCE_COLOUR, ls="--", lw=1.5, label=f"Capacity: {capacity}")  # type: ignore[arg-type]
    name = _readable(resource)
    for axes in (ax, share):
        axes.axvline(accrual, color="grey", ls=":", label="End of referrals / accrual")
        axes.grid(alpha=0.3)
    ax.set(ylabel=f"{name.capitalize()}s in use (weekly snapshot)", xlim=(0, years[-1]),
           ylim=(0, capacity * 1.25))  # type: ignore[operator]
    ax.legend(fontsize=8, loc="upper right", ncol=2)
    average = float(full[during].mean()) if during.any() else float(full.mean())
    share.step(years, full, where="post", color=REFERENCE_COLOUR, lw=1.5,
               label=f"Every {name} taken (during accrual, on average {average:.1%} of the time)")
    share.set(xlabel="Years since accrual opened", ylabel="Share of studies\nwith every unit taken",
              ylim=(0, max(0.05, float(full.max()) * 1.15)))
    share.yaxis.set_major_formatter(PercentFormatter(1.0))
    share.legend(fontsize=8, loc="upper right")
    lines = _set_title(ax, f"Occupancy of {name}s", result.scenario.metadata.name,
                       subtitle(result.replications, [result.scenario.cohort]))
    _fix_margins(figure, OCCUPANCY_MARGINS, lines)
    figure.subplots_adjust(hspace=OCCUPANCY_GAP)
    return figure


def wait_bars(counts: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Pooled day-by-day wait counts (capacity.WAIT_BIN_DAYS) grouped into at most MAX_WAIT_BARS ranges of
    whole days that end at the longest wait observed: "no wait", "1-7 days", "8-14 days", ..., and an open
    "over N days" bar only if some wait was longer than the days counted."""
    by_day, beyond = counts[1:-1], counts[-1]
    longest = int(np.flatnonzero(by_day)[-1]) + 1 if by_day.any() else 0
    width = next(w for w in WAIT_BAR_DAYS if longest <= w * MAX_WAIT_BARS)
    ranges = -(-longest // width)  # ceiling division
    grouped = np.add.reduceat(by_day[: ranges * width], np.arange(0, ranges * width, width)) if ranges else by_day[:0]
    labels = ["no wait"] + [f"{d} day{'s' if d > 1 else ''}" if width == 1 else f"{d - width + 1}-{d} days"
                            for d in range(width, ranges * width + 1, width)]
    bars = np.concatenate([[counts[0]], grouped])
    if beyond:
        labels.append(f"over {len(by_day)} days")
        bars = np.append(bars, beyond)
    return labels, bars


def wait_distribution(result: PlottedRun, resource: str) -> Figure:
    """Share of patients by wait for the resource, pooled over all simulated studies, each bar labelled with
    its share so that the small bars beside a large 'no wait' stay readable."""
    labels, bars = wait_bars(result.wait_counts[resource])
    share = bars / max(bars.sum(), 1)
    name = _readable(resource)
    figure = Figure(figsize=(8, 5))
    ax = figure.add_subplot()
    drawn = ax.bar(range(len(share)), share, color=LINE_COLOUR, alpha=0.8)
    ax.bar_label(drawn, [f"{s:.1%}" if s >= 0.001 or s == 0 else "<0.1%" for s in share], fontsize=8, padding=2)
    crowded = sum(len(label) + 3 for label in labels) > 80  # characters that fit side by side
    ax.set_xticks(range(len(share)), labels, rotation=30 if crowded else 0, ha="right" if crowded else "center",
                  fontsize=9)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set(xlabel=f"Wait for {name} (whole days: a part day counts as a day)",
           ylabel="Share of patients (among those who obtained one)", ylim=(0, 1.08))
    lines = _set_title(ax, f"How long patients wait for {name}s", result.scenario.metadata.name,
                       subtitle(result.replications, [result.scenario.cohort], note="all studies pooled"))
    ax.grid(alpha=0.3, axis="y")
    if crowded:  # slanted labels as long as the longest wait: measured for each figure
        figure.tight_layout()
    else:
        _fix_margins(figure, WAIT_MARGINS, lines)
    return figure


def _set_title(ax: Axes, what: str, name: str, sub: str) -> int:
    """"What: scenario name" over the subtitle, the name on a line of its own when both do not fit in the
    figure's width; the number of lines, for the margin above the axes."""
    head = f"{what}: {name}" if len(what) + len(name) + 2 <= TITLE_CHARACTERS else f"{what}:\n{name}"
    ax.set_title(f"{head}\n{sub}", fontsize=10)
    return head.count("\n") + 2


def _fix_margins(figure: Figure, margins: tuple[float, float, float, float], title_lines: int = 2) -> None:
    """Margins measured for a two-line title; each further line lowers the top of the axes by one line."""
    left, right, bottom, top = margins
    line = TITLE_LINE_INCHES / figure.get_figheight()
    figure.subplots_adjust(left=left, right=right, bottom=bottom, top=top - (title_lines - 2) * line)


def _readable(resource: str) -> str:
    """isolation_bed -> isolation bed."""
    return resource.replace("_", " ")
