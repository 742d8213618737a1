"""The result of a run: tables for notebooks, figures, and the run folder (lifelines-style: one object,
`.summary`, `.plot_*()`, `.save(folder)`)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.figure
import numpy as np

from simulator.outcomes.conditions import Condition, condition_rows, parse_conditions
from simulator.outcomes.summary import summarise
from simulator.outcomes.vocabulary import economics_words, share_words, table_outcomes
from simulator.report import plots
from simulator.scenario.schema import Scenario
from simulator.simulation.result_base import Result

if TYPE_CHECKING:  # the tables load pandas when first asked for: a run's figures are drawn without it (save)
    import pandas as pd


@dataclass(repr=False)
class RunResult(Result):
    """The simulated studies of one scenario: per-study outcomes, curves and occupancy."""

    scenario: Scenario
    seed: int
    values: dict[str, np.ndarray]  # outcome -> one value per simulated study
    curves: dict[str, np.ndarray]  # "os", "dfs", "relapse" -> (studies, grid) curves
    grid_years: np.ndarray
    occupancy: dict[str, np.ndarray] = field(default_factory=dict)  # resource -> (studies, days) units in use
    occupancy_grid_days: np.ndarray = field(default_factory=lambda: np.zeros(0))
    wait_counts: dict[str, np.ndarray] = field(default_factory=dict)  # resource -> pooled wait histogram
    patients: dict[str, np.ndarray] | None = None
    wall_seconds: float = 0.0
    conditions: tuple[Condition, ...] = ()  # `--probability` conditions reported as extra summary rows
    outcomes: tuple[str, ...] | None = None  # the terminal table's rows (None: the key ones, table_outcomes)

    @property
    def replications(self) -> int:
        return len(next(iter(self.values.values())))

    @cached_property
    def summary(self) -> pd.DataFrame:
        """outcome, estimate, mc_se, lower, upper; then one `P(...)` row per condition (no interval)."""
        table = summarise(self.values)
        if not self.conditions:
            return table
        import pandas as pd

        return pd.concat([table, condition_rows(self.conditions, self.values)], ignore_index=True)

    def with_probabilities(self, *expressions: str) -> RunResult:
        """A copy whose summary adds the share of studies meeting each condition, e.g. "trm>=0.13"."""
        conditions = self.conditions + parse_conditions(
            expressions, {name: self.scenario.catalogue[name] for name in self.values}
        )
        return dataclasses.replace(self, conditions=tuple(dict.fromkeys(conditions)))

    @property
    def studies(self) -> pd.DataFrame:
        """One row per simulated study (replication) with its outcomes."""
        return self.study_table()

    def study_table(self, outcomes: Sequence[str] | None = None, copy: bool = True) -> pd.DataFrame:
        """`studies` (only `outcomes`, if given); `copy=False` builds it over the run's own arrays, so that
        writing or joining the tables of millions of studies does not hold every value twice (changing that
        table would change the result: it is for reading)."""
        import pandas as pd

        table = pd.DataFrame({name: self.values[name] for name in outcomes or self.values}, copy=copy)
        table.insert(0, "replication", np.arange(self.replications))
        return table

    @property
    def shown_outcomes(self) -> list[str]:
        """The terminal table's rows: `table_outcomes` (the key ones) unless `outcomes` names others, then the
        `--probability` rows."""
        names = table_outcomes(self.scenario) if self.outcomes is None else list(self.outcomes)
        return [n for n in names if n in self.values] + [c.label for c in self.conditions]

    def text(self) -> str:
        """The summary's key rows as text for the terminal (`outcomes` for others), with published targets
        beside the estimates and the share of studies that can estimate each outcome; then what a reader needs
        to read the rows (currency and horizon of costs, which deaths TRM counts, rare events)."""
        s = self.scenario
        summary = self.summary.set_index("outcome").loc[self.shown_outcomes].reset_index()
        width = max(len(name) for name in summary.outcome) + 2
        lines = [
            f"{s.metadata.name}: {self.replications} simulated studies of {s.cohort.label} "
            f"(seed {self.seed})",
            f"{'outcome':<{width}}{'estimate ± MC SE':>20}{'95% of studies':>20}{'published':>11}{'evaluable':>11}",
        ]
        counts = {c.label: c.count(self.values) for c in self.conditions}
        catalogue, rare = s.catalogue, False
        for row in summary.itertuples():
            target = s.targets.get(row.outcome)
            money = row.outcome in catalogue and catalogue[row.outcome].kind == "cost"  # whole units of currency
            if row.outcome in counts:
                interval = "{}/{} studies".format(*counts[row.outcome])
            elif math.isnan(row.lower):
                interval = ""
            elif money:
                interval = f"[{row.lower:,.0f}, {row.upper:,.0f}]"
            else:
                interval = f"[{row.lower:.3f}, {row.upper:.3f}]"
            if row.upper == 0 < row.estimate:  # fewer than 2.5% of studies see any: say so beside the [0, 0]
                interval, rare = f"{interval}†", True
            if math.isnan(row.estimate):
                estimate = f"{'not evaluable':>20}"
            else:
                mc_se = "" if math.isnan(row.mc_se) else f"{row.mc_se:.0f}" if money else f"{row.mc_se:.4f}"
                estimate = f"{row.estimate:>11,.0f} ± {mc_se:<7}" if money else f"{row.estimate:>11.3f} ± {mc_se:<7}"
            share = "" if math.isnan(row.evaluable) else share_words(row.evaluable)
            lines.append(f"{row.outcome:<{width}}{estimate}{interval:>20}"
                         f"{'' if target is None else f'{target:.3f}':>11}{share:>11}")
        return "\n".join(lines + self.notes(list(summary.outcome), rare))

    def notes(self, shown: list[str], rare: bool) -> list[str]:
        """What the rows shown need to be read right."""
        notes, catalogue = [], self.scenario.catalogue
        if any(name in catalogue and catalogue[name].kind == "cost" for name in shown):
            notes.append(f"Costs and QALYs are means per patient: {economics_words(self.scenario)}.")
        early = [catalogue[n] for n in shown if n in catalogue and catalogue[n].family == "trm_early"]
        if "trm" in shown and early:
            notes.append(f"trm counts treatment-related deaths from mobilisation on, over patients enrolled; "
                         f"{early[0].name}: {early[0].words.lower()} only, over patients reinfused.")
        if any(n in catalogue and catalogue[n].kind.startswith("per 100") for n in shown):
            notes.append("per_100 rows are deaths or withdrawals per 100 patients enrolled, not percentages.")
        if self.scenario.extrapolation:  # lifetime costs and QALYs: say which hazards carry them past the data
            notes.append(self.scenario.extrapolation)
        if rare:
            notes.append("†: fewer than 2.5% of studies see any, so the range of 95% of studies is 0; the estimate is "
                         "the mean over every study.")
        hidden = len(self.values) - len([n for n in shown if n in self.values])
        if hidden > 0:
            notes.append(f"{hidden} more outcomes: --outcomes all, or a list of names; summary.csv holds every one.")
        return notes

    def _repr_html_(self) -> str:
        """In a notebook: the summary as an HTML table with published targets, titled as `table()` is."""
        from simulator.report.html_parts import summary_table

        return summary_table(self.summary, self.scenario.targets, self.scenario.catalogue, self.text().splitlines()[0])

    def plot_survival(self, curve: str) -> matplotlib.figure.Figure:
        """`curve` "os" or "dfs" (from reinfusion), "os_itt" or "efs_itt" (from enrolment): mean curve
        with the 95% band across studies."""
        return plots.survival_band(self, curve)

    def plot_trm(self) -> matplotlib.figure.Figure:
        return plots.trm_distribution(self)

    def plot_occupancy(self, resource: str) -> matplotlib.figure.Figure:
        """Units of the resource in use over the study: median and 95% band across studies."""
        return plots.occupancy_band(self, resource)

    def plot_waits(self, resource: str) -> matplotlib.figure.Figure:
        return plots.wait_distribution(self, resource)

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        """Survival (os, dfs) and TRM, or without a transplant survival from enrolment (os_itt, efs_itt);
        occupancy and waits of each finite resource."""
        files: dict[str, Callable[[], matplotlib.figure.Figure]]
        if self.scenario.has_transplant:
            files = {"km_os.png": partial(self.plot_survival, "os"), "km_dfs.png": partial(self.plot_survival, "dfs"),
                     "trm.png": self.plot_trm}
        else:  # no reinfusion: survival from enrolment only
            files = {"km_os_itt.png": partial(self.plot_survival, "os_itt"),
                     "km_efs_itt.png": partial(self.plot_survival, "efs_itt")}
        for resource in self.occupancy:
            files[f"occupancy_{resource}.png"] = partial(self.plot_occupancy, resource)
            files[f"waits_{resource}.png"] = partial(self.plot_waits, resource)
        return files

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.model_dump(mode="json"),
            "seed": self.seed,
            "replications": self.replications,
            "probabilities": [c.label for c in self.conditions],
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """summary.csv, and replications.csv over the run's own arrays (to be written, not changed)."""
        return {"summary.csv": self.summary, "replications.csv": self.study_table(copy=False)}

    def other_files(self, command: Sequence[str] = ()) -> dict[str, Callable[[Path], None]]:
        """summary.json (the summary for other programs) and, if kept, patients.parquet."""
        files = {"summary.json": lambda path: path.write_text(self.summary.to_json(orient="records", indent=2) + "\n")}
        if self.patients is not None:
            import pandas as pd

            files["patients.parquet"] = lambda path: pd.DataFrame(self.patients).to_parquet(path, index=False)
        return files
