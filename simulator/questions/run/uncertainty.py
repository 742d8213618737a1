"""The same studies with and without parameter uncertainty, side by side (run --uncertainty)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.engine.uncertainty import PRIOR_WORDS, estimated_parameters, parameter_draws
from simulator.scenario.evidence import fixed_values
from simulator.simulation.result_base import Result
from simulator.simulation.results import RunResult


def plain(value: float) -> str:
    """A parameter as a reader writes it: 4 significant digits, thousands separated, no scientific notation."""
    return (
        f"{value:,.0f}"
        if abs(value) >= 1000
        else f"{value:.4g}"
        if abs(value) >= 1e-4 or value == 0
        else f"{value:.6f}"
    )


@dataclass(repr=False)
class UncertaintyComparison(Result):
    """The same studies (same seed, same patients' random numbers) with and without parameter uncertainty.
    Its run folder is the uncertain run's, plus the side-by-side summary and each study's draws."""

    with_uncertainty: RunResult
    at_point_estimates: RunResult

    @property
    def wall_seconds(self) -> float:  # type: ignore[override]  # both runs
        return self.with_uncertainty.wall_seconds + self.at_point_estimates.wall_seconds

    @property
    def summary(self) -> pd.DataFrame:
        """Per outcome: estimate and 95%-of-studies interval with parameter uncertainty and at the point
        estimates, and both widths."""
        a = self.with_uncertainty.summary.set_index("outcome")
        b = self.at_point_estimates.summary.set_index("outcome")
        table = pd.DataFrame({
            "estimate": a["estimate"], "mc_se": a["mc_se"], "lower": a["lower"], "upper": a["upper"],
            "width": a["upper"] - a["lower"],
            "point_estimate": b["estimate"], "point_mc_se": b["mc_se"], "point_lower": b["lower"],
            "point_upper": b["upper"], "point_width": b["upper"] - b["lower"],
        })
        return table.reset_index()

    def parameters(self) -> pd.DataFrame:
        """Evidence, its source, point estimate and posterior of each uncertain parameter."""
        result = self.with_uncertainty
        draws = parameter_draws(result.scenario, result.seed, range(result.replications))
        rows = []
        for path, estimate in estimated_parameters(result.scenario).items():
            lower, upper = np.percentile(draws[path], [2.5, 97.5])
            evidence = ", ".join(f"{k} = {v:g}" for k, v in estimate.evidence().items())
            rows.append((path, evidence, estimate.source or "", float(estimate),
                         estimate.posterior_mean(result.scenario.simulation.prior), lower, upper))
        return pd.DataFrame(rows, columns=["parameter", "evidence", "source", "point_estimate", "posterior_mean",
                                           "lower", "upper"])

    def draws(self) -> pd.DataFrame:
        """One row per simulated study: the parameter values it drew."""
        result = self.with_uncertainty
        table = pd.DataFrame(parameter_draws(result.scenario, result.seed, range(result.replications)))
        table.insert(0, "replication", np.arange(len(table)))
        return table

    def text(self) -> str:
        """Terminal summary: the two 95%-of-studies intervals and their widths side by side, for the rows the
        run's table shows (costs in whole units of currency), columns as wide as their widest cell."""
        s, r = self.with_uncertainty.scenario, self.with_uncertainty
        lines = [
            f"{s.metadata.name}: {r.replications} simulated studies of {s.cohort.label} (seed {r.seed}), "
            "with and without parameter uncertainty (same patients' random numbers)",
            f"Uncertain parameters (posterior 95% interval, {PRIOR_WORDS[s.simulation.prior]}):",
        ]
        for row in self.parameters().itertuples():
            cited = f" ({row.source})" if row.source else ""
            lines.append(f"  {row.parameter} = {plain(row.point_estimate)} from {row.evidence}{cited}: "
                         f"[{plain(row.lower)}, {plain(row.upper)}], posterior mean {plain(row.posterior_mean)}")
        fixed = ", ".join(f"{path} = {value:g}" for path, value in fixed_values(s))
        lines.append(f"Held fixed (written as numbers, not evidence: their uncertainty is left out): {fixed or 'none'}")
        summary = self.summary.set_index("outcome")
        shown = [o for o in r.shown_outcomes if o in summary.index]
        rows = [["outcome", "estimate ± MC SE", "95% of studies", "width"] * 2 + ["published"]]
        for outcome in shown:
            row, money = summary.loc[outcome], s.catalogue[outcome].kind == "cost" if outcome in s.catalogue else False
            cells = [outcome]
            for prefix in ("", "point_"):
                number = (lambda v: f"{v:,.0f}") if money else (lambda v: f"{v:.3f}")
                se = f"{row[prefix + 'mc_se']:,.0f}" if money else f"{row[prefix + 'mc_se']:.4f}"
                cells += [f"{number(row[prefix + 'estimate'])} ± {se}",
                          f"[{number(row[prefix + 'lower'])}, {number(row[prefix + 'upper'])}]",
                          number(row[prefix + "width"])]
            target = s.targets.get(outcome)
            cells.append("" if target is None else f"{target:.3f}")
            rows.append(cells[:1] + cells[1:4] + cells[4:7] + cells[7:])
        rows[0] = rows[0][:4] + rows[0][5:]  # one "outcome" column
        widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
        half = sum(widths[1:4])
        lines.append(" " * widths[0] + f"{'with parameter uncertainty':^{half}}{'at point estimates':^{half}}")
        for cells in rows:
            lines.append(f"{cells[0]:<{widths[0]}}" + "".join(f"{c:>{w}}" for c, w in zip(cells[1:], widths[1:])))
        return "\n".join(lines + r.notes(shown, rare=False))

    def manifest(self) -> dict[str, Any]:
        return self.with_uncertainty.manifest()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {**self.with_uncertainty.tables(), "uncertainty.csv": self.summary,
                "parameters.csv": self.parameters(), "parameter_draws.csv": self.draws()}

    def other_files(self, command: Sequence[str] = ()) -> dict[str, Callable[[Path], None]]:
        return self.with_uncertainty.other_files(command)

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        return self.with_uncertainty.figure_files()
