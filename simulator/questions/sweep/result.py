"""Sweeps: one run per grid point, all with the same seed and replications (common random numbers).

Every event of every patient comes from a fixed uniform through an inverse CDF and a stage death is
`u < death_probability`, so replication by replication, raising a death probability only turns
survivors into deaths and curves across the grid are smooth at modest replication counts.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import matplotlib.figure
import numpy as np
import pandas as pd

from simulator.errors import UserError
from simulator.outcomes.conditions import Condition, parse_conditions
from simulator.outcomes.vocabulary import key_outcomes
from simulator.questions.compare.economics import priced
from simulator.questions.sweep import plots as sweep_plots
from simulator.questions.sweep.explorer_data import explorer_data
from simulator.questions.sweep.grid import Grid, SweepParameter, build_grid
from simulator.report import explorer
from simulator.scenario.catalogue import Outcome
from simulator.scenario.loading import load_scenario
from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, seed_argument
from simulator.simulation.memory import check_fits, runs_need
from simulator.simulation.options import RunOptions
from simulator.simulation.result_base import Result
from simulator.simulation.results import RunResult
from simulator.simulation.runner import run_all


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


def run_sweep(
    grid: Grid,
    replications: int | None = None,
    seed: int | None = None,
    conditions: tuple[Condition, ...] = (),
    options: RunOptions = RunOptions(),
    against: Scenario | None = None,
) -> SweepResult:
    """Run every point of a validated grid with the same seed and replications, all on one pool; `against`, a
    priced scenario (checked with `check_against`), is simulated once with them as the reference for costs."""
    replications = replications_argument(replications, grid.base.simulation.replications)
    seed = seed_argument(seed, grid.base.simulation.seed)
    scenarios = [*grid.scenarios, *([against] if against is not None else [])]
    check_fits(runs_need(scenarios, replications, options), "sweep", replications * len(scenarios))
    began = time.perf_counter()
    outcomes = grid_catalogue(grid)
    results = run_all(scenarios, replications, seed, options, f"sweep {grid.base.metadata.name}")
    runs = []
    for result in results[: len(grid.scenarios)]:
        values = with_no_waits(result.values, outcomes)
        runs.append(dataclasses.replace(result, values=values,
                                        conditions=tuple(c for c in conditions if c.outcome in values)))
    comparator = results[-1] if against is not None else None
    return SweepResult(grid, runs, seed, conditions, time.perf_counter() - began, comparator)


def check_against(grid: Grid, against: Scenario) -> None:
    """`--against` prices a comparator for every grid point: both must have [economics], in one currency and
    over one horizon (a `UserError` otherwise)."""
    if grid.base.economics is None or against.economics is None:
        missing = grid.base.metadata.name if grid.base.economics is None else against.metadata.name
        raise UserError(f"--against: {missing} has no [economics]; --against compares costs and QALYs, so both "
                        "the swept scenario and the comparator need one")
    priced([grid.base, against])


def grid_catalogue(grid: Grid) -> dict[str, Outcome]:
    """Every outcome some grid point reports: a point where a resource is unlimited reports fewer."""
    scenarios = sorted(grid.scenarios, key=lambda s: -len(s.catalogue))
    return {name: outcome for s in scenarios for name, outcome in s.catalogue.items()}  # in first-seen order


def with_no_waits(values: dict[str, np.ndarray], outcomes: dict[str, Outcome]) -> dict[str, np.ndarray]:
    """A point's outcomes, with 0 in every study for the waiting outcomes of a resource unlimited there.

    Other points of the sweep report these outcomes, and an unlimited resource means something definite:
    the engine gives it to every patient on arrival (whatever its open days), so nobody waits for it and
    nobody dies or withdraws waiting for it. Its waits are known to be 0, not missing, and the curve of
    waits against capacity ends at its true value. Its utilisation (use over capacity) is undefined and its
    occupancy is not recorded, so those stay unreported and read as NaN in the sweep's tables and figures.
    """
    length = len(next(iter(values.values())))
    zero = {name: np.zeros(length) for name, outcome in outcomes.items()
            if name not in values and outcome.zero_without_queue}
    return {**values, **zero}


def sweep(
    scenario: str | Path | Scenario,
    parameters: Sequence[str],
    overrides: Sequence[str] = (),
    replications: int | None = None,
    seed: int | None = None,
    probabilities: Sequence[str] = (),
    options: RunOptions = RunOptions(),
    against: str | Path | Scenario | None = None,
) -> SweepResult:
    """Sweep a scenario (file or `Scenario`) over `parameters` ("PATH=START:STOP:STEPS" or "PATH=v1,v2,...");
    `against`, a priced scenario, is the reference of every point's incremental costs and QALYs (else the first
    grid point).

    >>> grid = sweep("scenarios/burt2006.toml", ["stages.isolation.death_probability=0,0.1"], replications=20)
    >>> grid.summary["stages.isolation.death_probability"].unique().tolist()
    [0.0, 0.1]
    """
    grid = build_grid(scenario, parameters, overrides)
    conditions = parse_conditions(probabilities, grid.base.catalogue)
    comparator = against if isinstance(against, Scenario) or against is None else load_scenario(against)
    if comparator is not None:
        check_against(grid, comparator)
    return run_sweep(grid, replications, seed, conditions, options, comparator)


def _cell(summary: pd.DataFrame, outcome: str) -> str:
    """`estimate ± MC SE` of one grid point, `*` when some studies cannot estimate it, or "not evaluable"."""
    estimate, se, share = summary.estimate[outcome], summary.mc_se[outcome], summary.evaluable[outcome]
    if np.isnan(estimate):
        return "not evaluable"
    text = f"{estimate:.3f} ± {'n/a' if np.isnan(se) else f'{se:.3f}'}"
    return text + "*" if share < 1 else text
