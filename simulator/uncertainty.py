"""Parameter uncertainty (probabilistic sensitivity analysis): each simulated study draws the parameters
given with their evidence from their posteriors, so the spread of studies includes what we do not know
about the parameters, not only the chance of a finite cohort.

Draws come from their own stream of each replication, one per parameter (keyed by its dotted path), so the
patients' uniforms, and hence common random numbers, are the same with and without uncertainty, and
adding a parameter's evidence does not change the draws of the others.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from .evidence import Estimate, estimates
from .randomness import replication_generator
from .scenario import Scenario

if TYPE_CHECKING:
    from .results import RunResult

PRIOR_WORDS = {"jeffreys": "Jeffreys prior, half an event added", "uniform": "flat prior, one event added"}
PARAMETER_STREAM = 0x505341  # "PSA": first spawn-key word of parameter draws, apart from any arm substreams


def estimated_parameters(scenario: Scenario) -> dict[str, Estimate]:
    """Dotted path -> estimate, for every parameter the scenario gives with its evidence."""
    return dict(estimates(scenario))


def parameter_draws(scenario: Scenario, seed: int, replications: range) -> dict[str, np.ndarray]:
    """One posterior draw per replication of every parameter given with its evidence (path -> values)."""
    draws = {}
    for path, estimate in estimated_parameters(scenario).items():
        key = (PARAMETER_STREAM, zlib.crc32(path.encode()))
        u = np.array([replication_generator(seed, r, key).random() for r in replications])
        draws[path] = estimate.ppf(u, scenario.simulation.prior)
    return draws


def with_drawn_parameters(scenario: Scenario, seed: int, replications: range) -> Scenario:
    """The scenario the engine runs for these replications: unchanged without parameter uncertainty;
    with it, each estimated parameter replaced by a (replications, 1) array of draws, which broadcasts
    over the patients of each study. The copy is not re-validated: draws lie in the posterior's support."""
    if not scenario.simulation.parameter_uncertainty:
        return scenario
    draws = {path: values[:, np.newaxis] for path, values in parameter_draws(scenario, seed, replications).items()}
    return _replaced(scenario, "", draws)


def _replaced(value: Any, path: str, draws: dict[str, np.ndarray]) -> Any:
    if path in draws:
        return draws[path]
    if isinstance(value, BaseModel):
        prefix = f"{path}." if path else ""
        update = {}
        for name in type(value).model_fields:
            old = getattr(value, name)
            new = _replaced(old, prefix + name, draws)
            if new is not old:
                update[name] = new
        return value.model_copy(update=update) if update else value
    if isinstance(value, dict):
        new_items = {key: _replaced(item, f"{path}.{key}", draws) for key, item in value.items()}
        return new_items if any(new_items[k] is not value[k] for k in value) else value
    return value


@dataclass
class UncertaintyComparison:
    """The same studies (same seed, same patients' random numbers) with and without parameter uncertainty."""

    with_uncertainty: RunResult
    at_point_estimates: RunResult

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
        """Evidence, point estimate and posterior of each uncertain parameter."""
        result = self.with_uncertainty
        draws = parameter_draws(result.scenario, result.seed, range(result.replications))
        rows = []
        for path, estimate in estimated_parameters(result.scenario).items():
            lower, upper = np.percentile(draws[path], [2.5, 97.5])
            evidence = ", ".join(f"{k} = {v:g}" for k, v in estimate.evidence().items())
            rows.append((path, evidence, float(estimate), estimate.posterior_mean(result.scenario.simulation.prior),
                         lower, upper))
        return pd.DataFrame(rows, columns=["parameter", "evidence", "point_estimate", "posterior_mean",
                                           "lower", "upper"])

    def draws(self) -> pd.DataFrame:
        """One row per simulated study: the parameter values it drew."""
        result = self.with_uncertainty
        table = pd.DataFrame(parameter_draws(result.scenario, result.seed, range(result.replications)))
        table.insert(0, "replication", np.arange(len(table)))
        return table

    def table(self) -> str:
        """Terminal summary: the two 95%-of-studies intervals and their widths side by side."""
        s, r = self.with_uncertainty.scenario, self.with_uncertainty
        lines = [
            f"{s.metadata.name}: {r.replications} simulated studies of {s.cohort.label} (seed {r.seed}), "
            "with and without parameter uncertainty (same patients' random numbers)",
            f"Uncertain parameters (posterior 95% interval, {PRIOR_WORDS[s.simulation.prior]}):",
        ]
        for row in self.parameters().itertuples():
            lines.append(f"  {row.parameter} = {row.point_estimate:.4g} from {row.evidence}: "
                         f"[{row.lower:.4g}, {row.upper:.4g}], posterior mean {row.posterior_mean:.4g}")
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

    def save(self, folder: str | Path) -> None:
        """The run's files (with uncertainty), plus the side-by-side summary and each study's draws."""
        folder = Path(folder)
        self.with_uncertainty.save(folder)
        self.summary.to_csv(folder / "uncertainty.csv", index=False)
        self.parameters().to_csv(folder / "parameters.csv", index=False)
        self.draws().to_csv(folder / "parameter_draws.csv", index=False)
