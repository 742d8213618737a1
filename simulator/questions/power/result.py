"""The result of a power calculation: per-trial tests, the power table, sample sizes, figures and files."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.outcomes.vocabulary import timeline
from simulator.questions.power import plots as power_plots
from simulator.questions.power.stats import Truth, pooled_truth, size_for_power
from simulator.questions.power.trial import ENDPOINTS, SURVIVAL_TEST
from simulator.questions.power.trm_tests import DEFAULT_TRM_TEST, TRM_TESTS
from simulator.scenario.schema import Scenario
from simulator.simulation.result_base import Result

TARGET_POWERS = (0.8, 0.9)


def empirical_percentiles(values: np.ndarray) -> tuple[float, float, float]:
    """2.5, 50, 97.5 percentiles of the finite values, without interpolation (NaN if there are none)."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    low, median, high = np.percentile(values, [2.5, 50, 97.5], method="inverted_cdf")
    return float(low), float(median), float(high)


@dataclass(repr=False)
class PowerResult(Result):
    """Per-trial tests of every size (`studies`) and what follows from them."""

    scenario_a: Scenario
    scenario_b: Scenario
    labels: tuple[str, str]
    endpoint: str
    alpha: float
    seed: int
    replications: int
    sizes: list[int]
    studies: pd.DataFrame  # one row per simulated trial: patients_per_arm, replication, p_value, score, ...
    wall_seconds: float = 0.0
    trm_test: str = DEFAULT_TRM_TEST  # the test of the trm endpoint (trm_tests.TRM_TESTS)

    @cached_property
    def truth(self) -> Truth:
        return pooled_truth(self.studies)

    @property
    def pooled_trm_difference(self) -> float:
        """TRM of arm B minus arm A over every simulated patient: the true difference, up to MC error."""
        return float((self.studies["events_b"].sum() - self.studies["events_a"].sum())
                     / self.studies["patients_per_arm"].sum())

    @property
    def effect_name(self) -> str:
        return "trm_difference" if self.endpoint == "trm" else "hazard_ratio"

    @property
    def better_arm(self) -> str | None:
        """"A" or "B", the truly better arm; None if the simulation cannot tell them apart."""
        return {1: "B", -1: "A"}.get(self.truth.better)

    @property
    def better_label(self) -> str | None:
        """The truly better arm as "A: <name>" or "B: <name>"; None if the simulation cannot tell."""
        arm = self.better_arm
        return None if arm is None else f"{arm}: {self.labels[arm == 'B']}"

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per size: power and its MC SE, type S error, median events, the observed effect's spread."""
        rows = []
        for n, trials in self.studies.groupby("patients_per_arm", sort=True):
            significant = trials["p_value"].to_numpy() < self.alpha
            direction = np.sign(trials["score"].to_numpy())
            if self.truth.better == 0:
                power, type_s = significant.mean(), math.nan
            else:
                power = (significant & (direction == self.truth.better)).mean()
                type_s = (significant & (direction == -self.truth.better)).mean()
            effect = trials["effect"].to_numpy()
            if self.endpoint != "trm":  # no Cox estimate (0, inf or NaN) when an arm has no events
                effect = np.where((effect > 0) & np.isfinite(effect), effect, np.nan)
            low, median, high = empirical_percentiles(effect)
            rows.append({
                "patients_per_arm": int(n),
                "studies": len(trials),
                "power": power,
                "power_mc_se": math.sqrt(power * (1 - power) / len(trials)),
                "type_s_error": type_s,
                "events_median": float(np.median(trials["events_a"] + trials["events_b"])),
                f"{self.effect_name}_median": median,
                f"{self.effect_name}_lower": low,
                f"{self.effect_name}_upper": high,
                f"{self.effect_name}_estimable": float(np.isfinite(effect).mean()),
            })
        return pd.DataFrame(rows)

    @cached_property
    def sample_sizes(self) -> pd.DataFrame:
        """Smallest patients per arm reaching 80% and 90% power (interpolated), with a note when not."""
        sizes, power = self.summary["patients_per_arm"].to_numpy(), self.summary["power"].to_numpy()
        rows = []
        for target in TARGET_POWERS:
            n, note = size_for_power(sizes, power, target, self.replications, self.truth)
            rows.append({"target_power": target, "patients_per_arm": n, "total_patients": 2 * n, "note": note})
        return pd.DataFrame(rows)

    @property
    def trials(self) -> pd.DataFrame:
        """One row per simulated trial for `replications.csv`: events, observed effect, p-value, and which
        arm a significant trial favours (empty if not significant)."""
        t = self.studies
        significant = t["p_value"] < self.alpha
        favours = np.where(~significant, "", np.where(t["score"] > 0, "B", "A"))
        return pd.DataFrame({
            "patients_per_arm": t["patients_per_arm"], "replication": t["replication"],
            "events_a": t["events_a"], "events_b": t["events_b"], self.effect_name: t["effect"],
            "p_value": t["p_value"], "significant_for": favours,
            "score": t["score"], "score_variance": t["score_variance"],
        })

    @property
    def test_name(self) -> str:
        return TRM_TESTS[self.trm_test] if self.endpoint == "trm" else SURVIVAL_TEST

    def design_lines(self) -> list[str]:
        """Endpoint, test and level; trials per size, sizes, accrual and cut-off (the figures' subtitle)."""
        sizes = f"{self.sizes[0]}" if len(self.sizes) == 1 else f"{self.sizes[0]}-{self.sizes[-1]}"
        return [
            f"{ENDPOINTS[self.endpoint]}, {self.test_name}, two-sided alpha {self.alpha:g}",
            f"{self.replications:,} simulated trials per size, {sizes} patients per arm,",
            timeline(self.scenario_a.cohort),
        ]

    def text(self) -> str:
        """The power table and sample sizes as text for the terminal."""
        a, b = self.labels
        better = self.better_label
        truth = (f"truly better: {better} (pooled over all simulated trials: z = {self.truth.z:.1f})" if better
                 else f"no arm truly better (pooled z = {self.truth.z:.1f}): power = false-positive rate")
        trm = self.endpoint == "trm"
        effect = "TRM difference B - A, points" if trm else "hazard ratio B/A"
        shown = (lambda x: f"{100 * x:+.1f}") if trm else (lambda x: f"{x:.3g}")
        lines = [
            f"Power to tell A: {a} from B: {b}",
            *self.design_lines(),
            truth,
            f"{'per arm':>8}{'power ± MC SE':>18}{'type S':>9}{'events':>9}   {effect}: median [95% of trials]",
        ]
        for row in self.summary.to_dict("records"):
            name = self.effect_name
            type_s = "-" if np.isnan(row["type_s_error"]) else f"{row['type_s_error']:.3f}"
            estimable = row[f"{name}_estimable"]
            if estimable == 0:
                observed = "not estimable in any trial (too few events in an arm)"
            else:
                observed = (f"{shown(row[f'{name}_median'])} [{shown(row[f'{name}_lower'])}, "
                            f"{shown(row[f'{name}_upper'])}]")
                if estimable < 1:
                    share = f"{estimable:.0%}" if estimable <= 0.99 else f"{estimable:.1%}"  # never "100%" when below
                    observed += f" over the {share} of trials where it is estimable"
            lines.append(
                f"{row['patients_per_arm']:>8}{row['power']:>10.3f} ± {row['power_mc_se']:<5.3f}"
                f"{type_s:>9}{row['events_median']:>9g}   {observed}"
            )
        for row in self.sample_sizes.to_dict("records"):
            n = row["patients_per_arm"]
            found = f"{n:.0f} per arm ({2 * n:.0f} in total), {row['note']}" if np.isfinite(n) else row["note"]
            lines.append(f"{row['target_power']:.0%} power: {found}")
        return "\n".join(lines)

    def plot_power(self) -> matplotlib.figure.Figure:
        return power_plots.power_curve(self)

    def plot_effect(self) -> matplotlib.figure.Figure:
        return power_plots.effect_distribution(self)

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario_a": self.scenario_a.model_dump(mode="json"),
            "scenario_b": self.scenario_b.model_dump(mode="json"),
            "labels": list(self.labels),
            "endpoint": self.endpoint,
            **({"trm_test": self.trm_test} if self.endpoint == "trm" else {}),
            "test": self.test_name,
            "alpha": self.alpha,
            "sizes": self.sizes,
            "replications_per_size": self.replications,
            "seed": self.seed,
            "truth": {"better_arm": self.better_arm, "pooled_z": self.truth.z}
            | ({"pooled_trm_difference": self.pooled_trm_difference} if self.endpoint == "trm" else {}),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """power.csv, sample_size.csv and replications.csv (one row per simulated trial)."""
        return {"power.csv": self.summary, "sample_size.csv": self.sample_sizes, "replications.csv": self.trials}

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        return {"power.png": self.plot_power, f"{self.effect_name}.png": self.plot_effect}
