"""The report of `validate`: a table on the terminal, validation.csv, and a figure of z-scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from textwrap import fill
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.outcomes.vocabulary import REFERENCE_COLOUR
from simulator.questions.validation.criteria import TOLERANCE, Z_PASS
from simulator.report.plots import LINE_COLOUR
from simulator.simulation.result_base import Result


@dataclass(repr=False)
class ValidationReport(Result):
    """All checks of one `validate` run: `.summary` (validation.csv), `.text()`, `.plot()`, `.passed`."""

    summary: pd.DataFrame
    tolerance: float = TOLERANCE
    settings: dict[str, Any] = field(default_factory=dict)  # what was asked: manifest.json
    wall_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return bool(self.summary["passed"].all())

    def text(self) -> str:
        closed = self.summary[self.summary["part"] == "closed form"]
        scenarios = self.summary[self.summary["part"] == "scenario"]
        lines: list[str] = []
        if len(closed):
            c, q = _width(closed["case"]), _width(closed["quantity"])
            lines += [f"Closed-form checks: z = (simulated - exact) / MC SE, pass if |z| <= {Z_PASS:g}",
                      f"{'case':<{c}}{'quantity':<{q}}{'exact':>9}{'simulated ± MC SE':>22}{'z':>7}"
                      f"{'studies x patients':>20}"]
            for r in closed.itertuples():
                lines.append(f"{r.case:<{c}}{r.quantity:<{q}}{r.expected:>9.4f}{r.simulated:>12.4f} ± {r.mc_se:<7.4f}"
                             f"{r.z:>+7.2f}{f'{r.studies} x {r.patients}':>20}  {'pass' if r.passed else 'FAIL'}")
        if len(scenarios):
            c, q = _width(scenarios["case"]), _width(scenarios["quantity"])
            lines += [*([""] if lines else []),
                      "Scenarios against published figures: pass if the published figure lies inside the 95% "
                      f"range of studies and within {self.tolerance:g} of the mean",
                      f"{'scenario':<{c}}{'outcome':<{q}}{'published':>10}{'simulated ± MC SE':>20}"
                      f"{'95% of studies':>18}{'in range':>10}{'close':>7}"]
            for r in scenarios.itertuples():
                lines.append(f"{r.case:<{c}}{r.quantity:<{q}}{r.expected:>10.3f}{r.simulated:>11.3f} ± {r.mc_se:<6.4f}"
                             f"{f'[{r.lower:.3f}, {r.upper:.3f}]':>18}{'yes' if r.in_range else 'NO':>10}"
                             f"{'yes' if r.within_tolerance else 'NO':>7}  {'pass' if r.passed else 'FAIL'}")
        series = self.summary[self.summary["part"] == "published series"]
        if len(series):
            c, q = _width(series["case"]), _width(series["quantity"])
            lines += [*([""] if lines else []),
                      "Other published series, simulated with their own design: pass if the published figure lies "
                      "inside the 95% range of studies of their size",
                      f"{'scenario':<{c}}{'outcome':<{q}}{'published':>10}{'simulated ± MC SE':>20}"
                      f"{'95% of studies':>18}{'studies reaching it':>21}"]
            for r in series.itertuples():
                lines.append(f"{r.case:<{c}}{r.quantity:<{q}}{r.expected:>10.3f}{r.simulated:>11.3f} ± {r.mc_se:<6.4f}"
                             f"{f'[{r.lower:.3f}, {r.upper:.3f}]':>18}{r.reaching:>21.1%}  "
                             f"{'pass' if r.passed else 'FAIL'}")
        failed = int((~self.summary["passed"].astype(bool)).sum())
        lines += ["", f"{len(self.summary) - failed} of {len(self.summary)} checks passed"
                  + ("." if not failed else f"; {failed} FAILED.")]
        return "\n".join(lines)

    def plot(self) -> Figure:
        """Closed-form z-scores against the |z| <= 4 band; shipped scenarios' published figures against the
        range of 95% of simulated studies."""
        closed = self.summary[self.summary["part"] == "closed form"]
        scenarios = self.summary[self.summary["part"] == "scenario"]
        panels = [p for p in (closed, scenarios) if len(p)]
        heights = [max(len(p), 2) for p in panels]
        # narrow enough that report.html shows it near full size, so that its 8-point labels stay readable there
        figure = Figure(figsize=(9.5, 2 + 0.34 * sum(heights) + 1.4 * len(panels)), layout="constrained")
        axes = figure.subplots(len(panels), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
        panel = iter(axes)
        if len(closed):
            _z_panel(next(panel), closed)
        if len(scenarios):
            _scenario_panel(next(panel), scenarios, self.tolerance)
        failed = int((~self.summary["passed"].astype(bool)).sum())
        figure.suptitle(f"hsct-sim validation: {len(self.summary) - failed} of {len(self.summary)} checks passed\n"
                        "Each row: case or scenario: quantity (simulated studies x patients per study), "
                        "each simulated with its own fixed seed", fontsize=10)
        return figure

    def manifest(self) -> dict[str, Any]:
        return self.settings

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"validation.csv": self.summary}

    def figure_files(self) -> dict[str, Callable[[], Figure]]:
        return {"validation.png": self.plot}


def _width(column: pd.Series) -> int:
    return int(column.str.len().max()) + 2


def _labels(rows: pd.DataFrame) -> list[str]:
    return [fill(f"{r.case}: {r.quantity} ({r.studies} x {r.patients})", 48) for r in rows.itertuples()]


def _z_panel(ax: Any, rows: pd.DataFrame) -> None:
    y = np.arange(len(rows))[::-1]
    z = rows["z"].to_numpy(dtype=float)
    shown = np.clip(z, -2 * Z_PASS, 2 * Z_PASS)  # a wildly wrong value is drawn at the edge
    passed = rows["passed"].to_numpy(dtype=bool)
    ax.axvspan(-Z_PASS, Z_PASS, color=LINE_COLOUR, alpha=0.1, label=f"Pass band |z| <= {Z_PASS:g}")
    ax.axvline(0, color="grey", lw=0.8)
    ax.plot(shown[passed], y[passed], "o", color=LINE_COLOUR, label="Passed")
    if (~passed).any():
        ax.plot(shown[~passed], y[~passed], "X", color=REFERENCE_COLOUR, ms=9, label="Failed")
    ax.set_yticks(y, _labels(rows), fontsize=8)
    ax.set(xlim=(-2 * Z_PASS - 0.5, 2 * Z_PASS + 0.5), ylim=(-0.8, len(rows) - 0.2),
           xlabel="z = (simulated - exact) / Monte Carlo standard error")
    ax.set_title(f"Closed-form cases: simulated against exact values\ndots: z of each quantity; shaded: the pass band "
                 f"|z| <= {Z_PASS:g}", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    if (~passed).any():  # the title says what the band and the dots are
        ax.legend(fontsize=8, loc="lower right")


def _scenario_panel(ax: Any, rows: pd.DataFrame, tolerance: float) -> None:
    y = np.arange(len(rows))[::-1]
    band = ax.hlines(y, rows["lower"], rows["upper"], color=LINE_COLOUR, alpha=0.25, lw=10,
                     label="95% of simulated studies")
    (mean,) = ax.plot(rows["simulated"], y, "o", color=LINE_COLOUR, label="Simulated mean")
    passed = rows["passed"].to_numpy(dtype=bool)
    (published,) = ax.plot(rows["expected"], y, "D", color="black", mfc="none", ms=10, mew=1.5,
                           label=f"Published (passes: in the band and within {tolerance:g} of the mean)")
    handles = [band, mean, published]
    if (~passed).any():
        (failed,) = ax.plot(rows["expected"][~passed], y[~passed], "X", color=REFERENCE_COLOUR, ms=9,
                            label="Published figure that fails")
        handles.append(failed)
    ax.set_yticks(y, _labels(rows), fontsize=8)
    ax.set(xlim=(0, 1), ylim=(-0.8, len(rows) - 0.2), xlabel="Proportion of patients (outcome a study reports)")
    ax.set_title("Scenarios: published figures against what simulated studies report", fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2)
