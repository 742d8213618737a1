"""The same studies with and without parameter uncertainty, side by side (run --uncertainty)."""

from __future__ import annotations

from collections.abc import Callable
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
        """Terminal summary: the two 95%-of-studies intervals and their widths side by side."""
        s, r = self.with_uncertainty.scenario, self.with_uncertainty
        lines = [
            f"{s.metadata.name}: {r.replications} simulated studies of {s.cohort.label} (seed {r.seed}), "
            "with and without parameter uncertainty (same patients' random numbers)",
            f"Uncertain parameters (posterior 95% interval, {PRIOR_WORDS[s.simulation.prior]}):",
        ]
        for row in self.parameters().itertuples():
            cited = f" ({row.source})" if row.source else ""
            lines.append(f"  {row.parameter} = {row.point_estimate:.4g} from {row.evidence}{cited}: "
                         f"[{row.lower:.4g}, {row.upper:.4g}], posterior mean {row.posterior_mean:.4g}")
        fixed = ", ".join(f"{path} = {value:g}" for path, value in fixed_values(s))
        lines.append(f"Held fixed (written as numbers, not evidence: their uncertainty is left out): {fixed or 'none'}")
        lines += [
            f"{'':<26}{'with parameter uncertainty':^44}{'at point estimates':^44}",
            f"{'outcome':<26}" + f"{'estimate ± MC SE':>18}{'95% of studies':>18}{'width':>8}" * 2
            + f"{'published':>11}",
        ]
        for row in self.summary.itertuples():
            target = s.targets.get(row.outcome)
            lines.append(
                f"{row.outcome:<26}"
                f"{row.estimate:>9.3f} ± {row.mc_se:<6.4f}{f'[{row.lower:.3f}, {row.upper:.3f}]':>18}{row.width:>8.3f}"
                f"{row.point_estimate:>9.3f} ± {row.point_mc_se:<6.4f}"
                f"{f'[{row.point_lower:.3f}, {row.point_upper:.3f}]':>18}{row.point_width:>8.3f}"
                f"{'' if target is None else f'{target:.3f}':>11}"
            )
        return "\n".join(lines)

    def manifest(self) -> dict[str, Any]:
        return self.with_uncertainty.manifest()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {**self.with_uncertainty.tables(), "uncertainty.csv": self.summary,
                "parameters.csv": self.parameters(), "parameter_draws.csv": self.draws()}

    def other_files(self) -> dict[str, Callable[[Path], None]]:
        return self.with_uncertainty.other_files()

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        return self.with_uncertainty.figure_files()
