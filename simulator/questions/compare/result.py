"""A comparison's result: several scenarios simulated with the same seed and number of studies, side by side.

Scenarios with the same stages and resources draw the same uniforms for the same patient events
(common random numbers), so replication r of each scenario is "the same study" under each protocol
and paired differences have a small Monte Carlo error. Differences are always paired by replication:
replications are independent, so their standard error is honest whether or not the streams align.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.engine.randomness import StreamLayout
from simulator.outcomes.conditions import Condition
from simulator.outcomes.summary import SUMMARY_COLUMNS
from simulator.outcomes.vocabulary import key_outcomes, share_words
from simulator.questions.compare import cost_plots, psa_plots
from simulator.questions.compare import plots as compare_plots
from simulator.questions.compare.economics import economics_lines, economics_table, horizon, priced
from simulator.questions.compare.psa import psa_lines, psa_table
from simulator.questions.compare.sensitivity import sensitivity_lines
from simulator.questions.compare.structural import structural_lines
from simulator.questions.compare.thresholds import DEFAULT_WTP
from simulator.scenario.comparator import comparator_notes
from simulator.simulation.result_base import Result
from simulator.simulation.results import RunResult

NOTE_WIDTH = 110  # the terminal lines of a comparator's note, as wide as the tables
DIFFERENCE_COLUMNS = ["scenario", "reference", "outcome", "difference", "mc_se", "lower", "upper", "published",
                      "evaluable", "higher", "reference_higher"]


@dataclass(repr=False)
class CompareResult(Result):
    """One run per scenario, in the order given; the first is the reference for differences."""

    runs: list[RunResult]
    names: list[str]
    seed: int
    conditions: tuple[Condition, ...] = ()
    wall_seconds: float = 0.0
    wtp: tuple[float, ...] = DEFAULT_WTP  # willingness to pay per QALY, for the net monetary benefit
    sensitivity: pd.DataFrame | None = None  # one-way deterministic sensitivity (--sensitivity)
    structural: pd.DataFrame | None = None  # named structural alternatives (--structural FILE)

    @cached_property
    def economics(self) -> pd.DataFrame | None:
        """Incremental costs, QALYs, ICER and INMB against the first (questions/compare/economics.py), when
        every scenario has [economics]; None otherwise."""
        return economics_table(self.names, self.runs, self.wtp) if priced([r.scenario for r in self.runs]) else None

    @property
    def is_psa(self) -> bool:
        """With [economics] and --uncertainty: each study is a parameter draw of a probabilistic analysis."""
        return self.economics is not None and all(r.scenario.simulation.parameter_uncertainty for r in self.runs)

    @property
    def replications(self) -> int:
        return self.runs[0].replications

    @property
    def outcomes(self) -> list[str]:
        """Outcomes every scenario reports, in the first scenario's order."""
        common = set.intersection(*(set(r.values) for r in self.runs))
        return [name for name in self.runs[0].values if name in common]

    @property
    def key_outcomes(self) -> list[str]:
        """Every scenario's key and published outcomes that all of them report (a transplant against a pathway
        without one: the outcomes from enrolment)."""
        wanted = set().union(*(set(key_outcomes(r.scenario)) | set(r.scenario.targets) for r in self.runs))
        return [name for name in self.outcomes if name in wanted]

    @property
    def shares_streams(self) -> list[bool]:
        """Whether each scenario draws the same patient events from the same uniforms as the first."""
        first = StreamLayout.for_scenario(self.runs[0].scenario)
        return [StreamLayout.for_scenario(r.scenario).shares_numbers_with(first) for r in self.runs]

    def _per_study(self, result: RunResult, name: str) -> np.ndarray:
        """An outcome, or 0/1 for a `P(...)` condition, for each simulated study."""
        for condition in self.conditions:
            if condition.label == name:
                return condition.met(result.values)
        return result.values[name]

    @cached_property
    def summary(self) -> pd.DataFrame:
        """scenario, outcome, estimate, mc_se, lower, upper: common outcomes, then `P(...)` rows."""
        labels = [c.label for c in self.conditions]
        tables = []
        for name, result in zip(self.names, self.runs):
            table = result.summary[result.summary.outcome.isin(self.outcomes + labels)]
            tables.append(table.assign(scenario=name)[["scenario", *SUMMARY_COLUMNS]])
        return pd.concat(tables, ignore_index=True)

    @cached_property
    def differences(self) -> pd.DataFrame:
        """Each scenario minus the first, per outcome.

        `difference` is the mean paired difference over replications and `mc_se` its Monte Carlo error;
        `lower`/`upper` the 2.5-97.5% range of the gap between two independent studies, one of each
        (replication r of one against replication r - 1 of the other); `published` the gap in the papers;
        `evaluable` the share of replications in which both studies can estimate the outcome; `higher` and
        `reference_higher` the shares of those pairs of independent studies in which the scenario, or the
        reference, reports the higher value (ties in neither): how often each would look better in print.
        """
        reference, rows = self.runs[0], []
        for name, result in zip(self.names[1:], self.runs[1:]):
            for outcome in self.outcomes + [c.label for c in self.conditions]:
                a, b = self._per_study(reference, outcome), self._per_study(result, outcome)
                both = np.isfinite(a) & np.isfinite(b)
                paired = (b - a)[both]
                mean = paired.mean() if len(paired) else math.nan
                se = paired.std(ddof=1) / math.sqrt(len(paired)) if len(paired) > 1 else math.nan
                lower = upper = higher = reference_higher = math.nan
                independent = np.roll(b, 1) - a
                independent = independent[np.isfinite(independent)]
                if not outcome.startswith("P(") and self.replications > 1 and len(independent):
                    lower, upper = np.percentile(independent, [2.5, 97.5])
                    higher, reference_higher = (independent > 0).mean(), (independent < 0).mean()
                targets = (reference.scenario.targets.get(outcome), result.scenario.targets.get(outcome))
                published = targets[1] - targets[0] if None not in targets else math.nan  # type: ignore[operator]
                rows.append((name, self.names[0], outcome, mean, se, lower, upper, published, both.mean(), higher,
                             reference_higher))
        return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)

    def text(self) -> str:
        """Key outcomes and `--probability` shares per scenario, with the difference from the first."""
        lines = [f"Comparison: {self.replications} simulated studies per scenario (seed {self.seed})"]
        for letter, name, result, shared in zip("ABCDEFGHIJ", self.names, self.runs, self.shares_streams):
            note = "" if letter == "A" else (
                "; common random numbers with A" if shared else "; stages differ from A, so no common random numbers"
            )
            lines.append(f"  {letter}: {name}, {result.scenario.cohort.label} per study{note}")
        lines += [wrapped for note in self.comparator_notes for wrapped in textwrap.wrap(note, NOTE_WIDTH)]
        lines.append(f"{'outcome':<26}{'scenario':<8}{'estimate ± MC SE':>20}{'95% of studies':>20}{'published':>11}"
                     f"{'evaluable':>11}")
        summary = self.summary.set_index(["scenario", "outcome"])
        differences = self.differences.set_index(["scenario", "outcome"])
        for outcome in self.key_outcomes + [c.label for c in self.conditions]:
            for number, (letter, name, result) in enumerate(zip("ABCDEFGHIJ", self.names, self.runs)):
                row = summary.loc[(name, outcome)]
                target = result.scenario.targets.get(outcome)
                lines.append(_line(outcome if number == 0 else "", letter, row.estimate, row.mc_se, row.lower,
                                   row.upper, math.nan if target is None else target)
                             + f"{'' if math.isnan(row.evaluable) else share_words(row.evaluable):>11}")
                if number:
                    gap = differences.loc[(name, outcome)]
                    lines.append(_line("", f"{letter}-A", gap.difference, gap.mc_se, gap.lower, gap.upper,
                                       gap.published, signed=True))
        lines.append("B-A rows: the difference from A (paired by study) ± MC SE; its range is that of the gap between "
                     "two independent studies, one of each. evaluable: the share of studies that can estimate the "
                     "outcome; below 100%, the estimate is over those that can.")
        lines += self._higher_lines()
        if self.economics is not None:
            lines += economics_lines(self.economics, horizon(self.runs[0].scenario))
            lines += [wrapped for r in self.runs if r.scenario.extrapolation
                      for wrapped in textwrap.wrap(r.scenario.extrapolation, NOTE_WIDTH, initial_indent="  ",
                                                   subsequent_indent="    ")]
        if self.is_psa:
            lines += psa_lines(self.runs, self.wtp)
        currency = self.runs[0].scenario.economics.currency if self.economics is not None else ""  # type: ignore[union-attr]
        if self.sensitivity is not None:
            lines += sensitivity_lines(self.sensitivity, currency)
        if self.structural is not None:
            lines += structural_lines(self.structural, currency)
        lines.append("compare.csv and differences.csv hold every outcome.")
        return "\n".join(lines)

    @property
    def comparator_notes(self) -> list[str]:
        """What an external, non-randomised comparator among the scenarios can and cannot show
        (scenario/comparator.py)."""
        return comparator_notes(self.names, [r.scenario.metadata.external_comparator for r in self.runs])

    def _higher_lines(self) -> list[str]:
        """How often each of two independent studies, one of each scenario, reports the higher key outcome."""
        higher = self.differences.set_index(["scenario", "outcome"])
        lines = ["Higher in: the share of pairs of independent studies, one of each, in which each reports the "
                 "higher value (the rest tie)"]
        for letter, name in zip("BCDEFGHIJ", self.names[1:]):
            shares = [
                f"{o}: A {higher.loc[(name, o), 'reference_higher']:.0%}, "
                f"{letter} {higher.loc[(name, o), 'higher']:.0%}"
                for o in self.key_outcomes
                if not math.isnan(higher.loc[(name, o), "higher"])
            ]
            lines.append(f"  {'; '.join(shares)}")
        return lines

    def plot_survival(self, curve: str) -> matplotlib.figure.Figure:
        """`curve` "os", "dfs" or "relapse" (from reinfusion), "os_itt" or "efs_itt" (from enrolment): each
        scenario's mean curve and 95% band, overlaid."""
        return compare_plots.curve_overlay(self, curve)

    def plot_trm(self) -> matplotlib.figure.Figure:
        return compare_plots.trm_overlay(self)

    def plot_outcomes(self) -> matplotlib.figure.Figure:
        return compare_plots.forest(self)

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        """File name -> how to draw it: survival from enrolment always, and from reinfusion and TRM when every
        scenario has a transplant."""
        figures: dict[str, Callable[[], matplotlib.figure.Figure]] = {
            "km_os_itt.png": partial(self.plot_survival, "os_itt"),
            "km_efs_itt.png": partial(self.plot_survival, "efs_itt"),
        }
        if all(r.scenario.has_transplant for r in self.runs):
            figures |= {
                "km_os.png": partial(self.plot_survival, "os"),
                "km_dfs.png": partial(self.plot_survival, "dfs"),
                "relapse_cif.png": partial(self.plot_survival, "relapse"),
                "trm.png": self.plot_trm,
            }
        if self.economics is not None:
            figures["costs_breakdown.png"] = partial(cost_plots.costs_breakdown, self.names, self.runs)
        if self.is_psa:
            figures |= {name: partial(draw, self.names, self.runs, self.wtp, self.seed) for name, draw in (
                ("ce_plane.png", psa_plots.ce_plane), ("ceac.png", psa_plots.ceac_figure),
                ("evpi.png", psa_plots.evpi_figure))}
        if self.sensitivity is not None and len(self.sensitivity):
            from simulator.questions.compare.sensitivity_plots import tornado

            currency = self.runs[0].scenario.economics.currency  # type: ignore[union-attr]  # --sensitivity needs it
            figures["tornado.png"] = partial(tornado, self.sensitivity, self.names, currency)
        return figures | {"outcomes.png": self.plot_outcomes}

    def manifest(self) -> dict[str, Any]:
        return {
            "scenarios": {name: r.scenario.model_dump(mode="json") for name, r in zip(self.names, self.runs)},
            "common_random_numbers_with_first": dict(zip(self.names, self.shares_streams)),
            "seed": self.seed,
            "replications": self.replications,
            "probabilities": [c.label for c in self.conditions],
            "shown_outcomes": self.key_outcomes,
        } | ({} if self.economics is None else {"willingness_to_pay_per_qaly": list(self.wtp)})

    def tables(self) -> dict[str, pd.DataFrame]:
        """compare.csv, differences.csv and replications.csv (every scenario's studies)."""
        studies = [r.study_table(self.outcomes, copy=False) for r in self.runs]  # joined below: one copy in all
        for name, table in zip(self.names, studies):
            table.insert(0, "scenario", name)
        economics = {} if self.economics is None else {"economics.csv": self.economics}
        if self.is_psa:
            economics["psa.csv"] = psa_table(self.runs, self.seed)
        for name, table in (("sensitivity.csv", self.sensitivity), ("structural.csv", self.structural)):
            if table is not None:
                economics[name] = table
        return {"compare.csv": self.summary, "differences.csv": self.differences,
                "replications.csv": pd.concat(studies, ignore_index=True)} | economics


def _line(outcome: str, who: str, estimate: float, se: float, lower: float, upper: float, published: float,
          signed: bool = False) -> str:
    sign = "+" if signed else ""
    interval = "" if math.isnan(lower) else f"[{lower:{sign}.3f}, {upper:{sign}.3f}]"
    target = "" if math.isnan(published) else f"{published:{sign}.3f}"
    if math.isnan(estimate):  # no study can estimate it (see the evaluable columns and the warning)
        shown = f"{'not evaluable':>20}"
    else:
        shown = f"{estimate:>{sign}11.3f} ± {'' if math.isnan(se) else f'{se:.4f}':<7}"
    return f"{outcome:<26}{who:<8}{shown}{interval:>20}{target:>11}"

