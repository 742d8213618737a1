"""A sweep's result: one run per grid point, its tables, figures and offline explorer."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.outcomes.conditions import Condition
from simulator.outcomes.vocabulary import key_outcomes
from simulator.questions.sweep import plots as sweep_plots
from simulator.questions.sweep.explorer_data import explorer_data
from simulator.questions.sweep.grid import Grid, SweepParameter, grid_catalogue
from simulator.report import explorer
from simulator.scenario.catalogue import Outcome
from simulator.simulation.result_base import Result
from simulator.simulation.results import RunResult


@dataclass(repr=False)
class SweepResult(Result):
    """The runs of a sweep in grid order (the first parameter varying slowest)."""

    grid: Grid
    runs: list[RunResult]
    seed: int
    conditions: tuple[Condition, ...] = ()
    wall_seconds: float = 0.0
    comparator: RunResult | None = None  # `--against`: one scenario simulated once, the reference for costs

    @property
    def parameters(self) -> tuple[SweepParameter, ...]:
        return self.grid.parameters

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.parameters]

    @property
    def replications(self) -> int:
        return self.runs[0].replications

    @cached_property
    def catalogue(self) -> dict[str, Outcome]:
        return grid_catalogue(self.grid)

    @property
    def outcome_names(self) -> list[str]:
        return list(self.catalogue)

    @cached_property
    def plotted(self) -> dict[str, Outcome]:
        """What a figure can show: every outcome, and the share of studies meeting each condition."""
        return self.catalogue | {c.label: c.as_outcome for c in self.conditions}

    @property
    def key_outcomes(self) -> list[str]:
        key = {name for s in self.grid.scenarios for name in key_outcomes(s, self.paths)}
        return [name for name in self.outcome_names if name in key]

    @cached_property
    def point_summaries(self) -> list[pd.DataFrame]:
        """Each point's summary indexed by outcome, with a NaN row for an outcome it does not report."""
        rows = self.outcome_names + [c.label for c in self.conditions]
        return [r.summary.set_index("outcome").reindex(rows) for r in self.runs]

    def unreported(self, outcome: str) -> list[str]:
        """Grid points (as written on the command line) where the outcome is undefined: its resource is
        unlimited there."""
        return [", ".join(point) for point, r in zip(self.grid.point_texts, self.runs)
                if outcome in self.outcome_names and outcome not in r.values]

    def _with_point(self, table: pd.DataFrame, point: tuple[Any, ...]) -> pd.DataFrame:
        for position, (path, value) in enumerate(zip(self.paths, point)):
            table.insert(position, path, [value] * len(table))
        return table

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per grid point and outcome: the swept paths, then outcome, estimate, mc_se, lower, upper
        (NaN where the outcome is undefined at that point)."""
        return pd.concat(
            [self._with_point(s.reset_index(), point) for s, point in zip(self.point_summaries, self.grid.points)],
            ignore_index=True,
        )

    @property
    def studies(self) -> pd.DataFrame:
        """One row per grid point and simulated study, with every outcome."""
        return pd.concat(
            [self._with_point(r.study_table(copy=False), point) for r, point in zip(self.runs, self.grid.points)],
            ignore_index=True,
        )

    def study_values(self, outcome: str) -> np.ndarray:
        """(points, replications) values of an outcome, e.g. to follow one simulated study across the grid."""
        return np.stack([r.values[outcome] for r in self.runs])

    def text(self) -> str:
        """Key outcomes (and `--probability` shares) per grid point: estimate ± MC SE."""
        base = self.grid.base
        columns = self.key_outcomes + [c.label for c in self.conditions]
        widths = [max(len(c), 13) + 2 for c in columns]
        path_width = [max(len(p.path), *(len(t) for t in p.texts)) + 2 for p in self.parameters]
        lines = [
            f"{base.metadata.name}: sweep over {len(self.runs)} grid points, {self.replications} simulated studies "
            f"per point (seed {self.seed}, common random numbers)",
            "".join(f"{p:<{w}}" for p, w in zip(self.paths, path_width))
            + "".join(f"{c:>{w}}" for c, w in zip(columns, widths)),
        ]
        part_evaluable = False
        for point, result, summary in zip(self.grid.point_texts, self.runs, self.point_summaries):
            cells = [_cell(summary, c) if c in result.summary.outcome.values else "unlimited" for c in columns]
            part_evaluable |= any(c.endswith("*") for c in cells)
            lines.append("".join(f"{v:<{w}}" for v, w in zip(point, path_width))
                         + "".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
        targets = {k: v for k, v in base.targets.items() if k in columns}
        if targets:
            lines.append("published: " + ", ".join(f"{k} {v:.3f}" for k, v in targets.items()))
        if any(self.unreported(c) for c in columns):
            lines.append("unlimited: nobody waits for the resource (wait 0), its utilisation is undefined and its "
                         "occupancy not recorded")
        if part_evaluable:
            lines.append("*: not every simulated study can estimate it at that point; the estimate is over those that "
                         "can (their share: sweep.csv's evaluable column)")
        lines.append("sweep.csv adds lower/upper: the range (2.5-97.5%) of what one study would report")
        return "\n".join(lines)

    def plot_outcome(self, outcome: str) -> matplotlib.figure.Figure:
        """The outcome against the first swept parameter (one line per value of the others)."""
        return sweep_plots.outcome_curve(self, outcome)

    def plot_heatmap(self, outcome: str) -> matplotlib.figure.Figure:
        """The outcome over a two-parameter grid."""
        return sweep_plots.heatmap(self, outcome)

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        """File name -> how to draw it: one per key outcome and probability, heatmaps for two parameters."""
        out: dict[str, Callable[[], matplotlib.figure.Figure]] = {
            f"sweep_{o}.png": partial(self.plot_outcome, o) for o in self.key_outcomes
        }
        out |= {f"sweep_{_file_name(c)}.png": partial(self.plot_outcome, c.label) for c in self.conditions}
        if len(self.parameters) == 2:
            out |= {f"heatmap_{o}.png": partial(self.plot_heatmap, o) for o in self.key_outcomes}
        return out

    def manifest(self) -> dict[str, Any]:
        return {
            "scenario": self.grid.base.model_dump(mode="json"),
            "parameters": {p.path: p.values for p in self.parameters},
            "points": len(self.runs),
            "seed": self.seed,
            "replications": self.replications,
            "probabilities": [c.label for c in self.conditions],
            **({"against": self.comparator.scenario.model_dump(mode="json")} if self.comparator is not None else {}),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sweep.csv": self.summary, "replications.csv": self.studies}

    def other_files(self, command: Sequence[str] = ()) -> dict[str, Callable[[Path], None]]:
        """explorer.json (what explorer.html draws at each grid point beyond sweep.csv), then explorer.html,
        built from the folder's files as `hsct-sim report` rebuilds it."""
        return {
            explorer.DATA_FILE: self._write_explorer_data,
            explorer.PAGE_FILE: lambda path: explorer.write(path.parent),
        }

    def _write_explorer_data(self, path: Path) -> None:
        path.write_text(
            json.dumps(explorer_data(self), separators=(",", ":"), allow_nan=False) + "\n", encoding="utf-8"
        )


def _file_name(condition: Condition) -> str:
    """`trm>=0.13` -> `probability_trm_ge_0.13`."""
    words = {">=": "ge", "<=": "le", ">": "gt", "<": "lt"}
    return f"probability_{condition.outcome}_{words[condition.op]}_{condition.threshold:g}"


def _cell(summary: pd.DataFrame, outcome: str) -> str:
    """`estimate ± MC SE` of one grid point, `*` when some studies cannot estimate it, or "not evaluable"."""
    estimate, se, share = summary.estimate[outcome], summary.mc_se[outcome], summary.evaluable[outcome]
    if np.isnan(estimate):
        return "not evaluable"
    text = f"{estimate:.3f} ± {'n/a' if np.isnan(se) else f'{se:.3f}'}"
    return text + "*" if share < 1 else text
