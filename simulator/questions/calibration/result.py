"""The result of a calibration: fitted values, achieved outcomes against targets, the search trace,
and the calibrate run folder (calibrated.toml, trace.csv, fit.csv, summary.csv, fit.png, manifest.json)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from textwrap import fill
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.outcomes.vocabulary import REFERENCE_COLOUR, command_line
from simulator.questions.calibration.calibrated_toml import calibrated_toml
from simulator.report.plots import LINE_COLOUR
from simulator.simulation.result_base import Result
from simulator.simulation.results import RunResult
from simulator.version import __version__

if TYPE_CHECKING:
    from simulator.questions.calibration.problem import FreeParameter, ScenarioSource, Target

MAX_LOG_SE = 1.0  # beyond this SE on the log scale a fitted value is reported as not identified
AT_BOUND = 1e-3  # a fitted value within this share of its range from a bound is "at the bound"
REACHED_MC_SE = 2.0  # a target is reached when the achieved mean is within this many MC SE of it
PHASES = {
    "start": "Start: centre of the bounds (sets the weights)",
    "grid": "Grid over the bounds",
    "refine": "Refinement from the best grid point",
    "precision": "Around the fit, for the fitted values' precision",
}


def interval_from_targets(value: float, se: float, low: float, high: float) -> tuple[float, float]:
    """95% interval of a fitted value from its SE (on the log scale when the bounds keep it positive), or
    (NaN, NaN) when the targets do not identify it: no SE, a log-SE above 1 (the interval spans more than a
    factor of 50), or an interval reaching beyond the bounds searched."""
    if not np.isfinite(se):
        return np.nan, np.nan
    if low >= 0 and value > 0:
        if se / value > MAX_LOG_SE:
            return np.nan, np.nan
        lower, upper = value * np.exp(-1.96 * se / value), value * np.exp(1.96 * se / value)
    else:
        lower, upper = value - 1.96 * se, value + 1.96 * se
    if lower < low or upper > high:
        return np.nan, np.nan
    return float(lower), float(upper)


@dataclass
class Evaluation:
    """One simulation during the search: the free values, the mean of each target outcome, the objective."""

    number: int
    phase: str  # "start" (centre of the bounds; fixes the weights), "grid" or "refine"
    values: dict[str, float]
    achieved: dict[str, float]
    objective: float


@dataclass(repr=False)
class CalibrationResult(Result):
    source: ScenarioSource
    targets: list[Target]
    free: list[FreeParameter]
    fitted: dict[str, float]  # path -> fitted value
    best: RunResult  # the run at the fitted values
    trace: list[Evaluation]
    sd: dict[str, float]  # outcome -> the SD its residual is divided by in the objective
    mc_se: dict[str, float]  # path -> Monte Carlo SE of the fitted value (how it would move with another seed)
    se: dict[str, float]  # path -> SE of the fitted value from the targets' own sampling error
    wall_seconds: float = 0.0

    @property
    def evaluations(self) -> int:
        return len(self.trace)

    @property
    def parameters(self) -> pd.DataFrame:
        """parameter, bounds, fitted value, its MC SE, its SE and 95% interval from the targets' sampling
        error (delta method; on the log scale when the bounds keep the parameter positive, as for rates and
        probabilities, so the interval stays positive), and at_bound ("lower", "upper" or "")."""
        rows = []
        for p in self.free:
            value, se = self.fitted[p.path], self.se[p.path]
            lower, upper = interval_from_targets(value, se, p.low, p.high)
            share = (value - p.low) / (p.high - p.low)
            at = "lower" if share <= AT_BOUND else "upper" if share >= 1 - AT_BOUND else ""
            rows.append((p.path, p.low, p.high, value, self.mc_se[p.path], se, lower, upper,
                         bool(np.isfinite(lower)), at))
        return pd.DataFrame(rows, columns=["parameter", "low", "high", "fitted", "mc_se", "se", "lower", "upper",
                                           "identified", "at_bound"])

    @property
    def fit(self) -> pd.DataFrame:
        """Per target: target, the SD its residual is divided by, achieved mean ± MC SE (over the studies that
        can estimate it), 95% of studies, residual, reached, and the share of studies that can estimate it."""
        summary = self.best.summary.set_index("outcome")
        rows = []
        for t in self.targets:
            achieved, se, lower, upper = summary.loc[t.outcome, ["estimate", "mc_se", "lower", "upper"]]
            residual = achieved - t.value
            reached = abs(residual) <= REACHED_MC_SE * se + 1e-9
            evaluable = float(np.isfinite(self.best.values[t.outcome]).mean())
            rows.append((t.outcome, t.value, self.sd[t.outcome], achieved, se, lower, upper, residual, reached,
                         evaluable))
        return pd.DataFrame(rows, columns=["outcome", "target", "weight_sd", "achieved", "mc_se", "lower", "upper",
                                           "residual", "reached", "evaluable"])

    @property
    def reached(self) -> bool:
        """Whether every target is matched within MC error."""
        return bool(self.fit["reached"].all())

    def diagnosis(self) -> str:
        """Why targets were not reached: a free parameter stuck at a bound, or targets that conflict."""
        if self.reached:
            return "All targets reached within 2 MC SE."
        missed = ", ".join(self.fit.loc[~self.fit["reached"], "outcome"])
        stuck = [f"{row.parameter} at its {row.at_bound} bound {row.low if row.at_bound == 'lower' else row.high:g}"
                 for row in self.parameters.itertuples() if row.at_bound]
        if stuck:
            return (f"NOT REACHED: {missed}. The closest fit has {'; '.join(stuck)}: the target cannot be "
                    "reached within the bounds (widen them if such values are plausible).")
        return (f"NOT REACHED: {missed}. No free parameter is at a bound: the targets conflict, and the fit "
                "is the weighted least-squares compromise.")

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted parameters (fitted value, MC SE, interval from the targets, bounds)."""
        return self.parameters

    def text(self) -> str:
        s = self.best.scenario
        lines = [
            f"Calibration of {s.metadata.name}: {self.best.replications} simulated studies of {s.cohort.label} "
            f"per evaluation (seed {self.best.seed}), {self.evaluations} evaluations, "
            f"{self.wall_seconds:.0f} s",
            f"{'parameter':<44}{'bounds':>16}{'fitted ± MC SE':>22}{'95% interval from the targets':>32}",
        ]
        for row in self.parameters.itertuples():
            flag = f"  (at {row.at_bound} bound)" if row.at_bound else ""
            interval = f"[{row.lower:.4g}, {row.upper:.4g}]" if row.identified else "not identified"
            lines.append(f"{row.parameter:<44}{f'[{row.low:g}, {row.high:g}]':>16}{row.fitted:>12.4g} ± "
                         f"{row.mc_se:<7.2g}{interval:>32}{flag}")
        lines.append(f"{'outcome':<26}{'target':>8}{'achieved ± MC SE':>20}{'95% of studies':>18}{'residual':>10}")
        for row in self.fit.itertuples():
            lines.append(
                f"{row.outcome:<26}{row.target:>8.3f}{row.achieved:>11.3f} ± {row.mc_se:<6.4f}"
                f"{f'[{row.lower:.3f}, {row.upper:.3f}]':>18}{row.residual:>+10.4f}"
                f"  {'reached' if row.reached else 'NOT REACHED'}"
            )
        for row in self.fit.itertuples():
            if row.evaluable < 1:
                lines.append(f"{row.outcome}: fitted to the mean over the {row.evaluable:.0%} of simulated studies "
                             "that can estimate it (a published figure comes from a study that could report it)")
        lines.append(self.diagnosis())
        return "\n".join(lines)

    def trace_table(self) -> pd.DataFrame:
        """One row per evaluation: phase, free values, achieved target outcomes, objective."""
        return pd.DataFrame([
            {"evaluation": e.number, "phase": e.phase, **e.values, **e.achieved, "objective": e.objective}
            for e in self.trace
        ])

    def plot(self) -> Figure:
        """Achieved against target per outcome (left), and the objective over the search (right)."""
        s = self.best.scenario
        fit = self.fit
        figure = Figure(figsize=(12, 6.5), layout="constrained")
        ax, search = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
        y = np.arange(len(fit))[::-1]
        band = ax.hlines(y, fit["lower"], fit["upper"], color=LINE_COLOUR, alpha=0.25, lw=10,
                         label="95% of simulated studies at the fitted values")
        mean = ax.errorbar(fit["achieved"], y, xerr=2 * fit["mc_se"], fmt="o", color=LINE_COLOUR, capsize=4,
                           label="Simulated mean ± 2 MC SE")
        (target,) = ax.plot(fit["target"], y, "D", color=REFERENCE_COLOUR, ms=12, mfc="none", mew=2, label="Target")
        # descriptions wrapped to a few words a line: one long label must not push the others out of the figure
        ax.set_yticks(y, [fill(s.catalogue[o].description, 28) + ("" if r else "\n(NOT REACHED)")
                          for o, r in zip(fit["outcome"], fit["reached"])], fontsize=8)
        ax.set(
            xlim=(-0.02, 1.02),
            ylim=(-0.8, len(fit) - 0.2),
            xlabel="Proportion of patients (outcome reported by a study)",
        )
        ax.set_title("Outcomes at the fitted parameters against the targets", fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(handles=[band, mean, target], fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))

        trace = self.trace_table()
        for phase, marker in (("start", "s"), ("grid", "o"), ("refine", "."), ("precision", "x")):
            rows = trace[trace["phase"] == phase]
            if len(rows):
                search.plot(rows["evaluation"], rows["objective"], marker, label=PHASES[phase])
        search.set_yscale("symlog", linthresh=1e-3)
        search.set(xlabel="Evaluation (one simulation of all studies)",
                   ylabel="Objective: sum of squared standardised residuals")
        search.set_title("How the search went", fontsize=10)
        search.grid(alpha=0.3)
        search.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
        fitted = ", ".join(f"{p} = {v:.4g}" for p, v in self.fitted.items())
        figure.suptitle(
            f"Calibration of {s.metadata.name}: simulated outcomes against the targets\n"
            f"{self.best.replications:,} simulated studies of {s.cohort.label} per evaluation, "
            f"same random numbers at every evaluation\nFitted: {fitted}",
            fontsize=9,
        )
        return figure

    def calibrated_scenario_text(self, command: Sequence[str] = ()) -> str:
        """The input scenario with the fitted (and --set) values substituted, and a header recording how
        (and the command line that asked, if given)."""
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        header = [
            f"Calibrated by hsct-sim {__version__} on {stamp}:",
            *(["  " + command_line(list(command))] if command else []),
            f"{self.best.replications} simulated studies of {self.best.scenario.cohort.label} per "
            f"evaluation, seed {self.best.seed}, {self.evaluations} evaluations.",
            "Targets (achieved mean ± MC SE at the fitted values):",
        ]
        header += [f"  {r.outcome} = {r.target:g}: {r.achieved:.4f} ± {r.mc_se:.4f}"
                   f"{'' if r.reached else ' (NOT REACHED)'}" for r in self.fit.itertuples()]
        header += ["Fitted (± Monte Carlo SE; 95% interval from the targets' own sampling error):"]
        header += [f"  {r.parameter} = {r.fitted:.4g} ± {r.mc_se:.2g}; "
                   f"{f'[{r.lower:.4g}, {r.upper:.4g}]' if r.identified else 'not identified'} "
                   f"(bounds {r.low:g} to {r.high:g})" for r in self.parameters.itertuples()]
        changes: dict[str, tuple[Any, str]] = {
            path: (float(f"{value:.4g}"), "calibrated (see the header)") for path, value in self.fitted.items()}
        changes |= {path: (file, "made absolute: this file is not beside the scenario it names")
                    for path, file in self.source.files_made_absolute().items()}
        return calibrated_toml(self.source, changes, header)

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.best.scenario.model_dump(mode="json"),
            "source": self.source.name,
            "overrides": list(self.source.overrides),
            "targets": [{"outcome": t.outcome, "value": t.value, "se": t.se} for t in self.targets],
            "free": [{"path": p.path, "low": p.low, "high": p.high} for p in self.free],
            "fitted": self.fitted,
            "fitted_mc_se": self.mc_se,
            "fitted_se": self.se,
            "reached": self.reached,
            "evaluations": self.evaluations,
            "seed": self.best.seed,
            "replications": self.best.replications,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """trace.csv (every evaluation), fit.csv (targets against achieved), parameters.csv (the fitted values with
        their intervals) and summary.csv (the fitted run)."""
        return {"trace.csv": self.trace_table(), "fit.csv": self.fit, "parameters.csv": self.parameters,
                "summary.csv": self.best.summary}

    def figure_files(self) -> dict[str, Callable[[], Figure]]:
        return {"fit.png": self.plot}

    def other_files(self, command: Sequence[str] = ()) -> dict[str, Callable[[Path], None]]:
        """calibrated.toml, whose header records the command line."""
        text = self.calibrated_scenario_text(command)
        return {"calibrated.toml": lambda path: path.write_text(text, encoding="utf-8")}
