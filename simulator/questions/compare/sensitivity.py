"""One-way deterministic sensitivity analysis of a comparison (compare --sensitivity): each parameter given with its
evidence set in turn to the ends of its 95% posterior interval, everything else at its point estimate, and the
incremental net monetary benefit (INMB) of each scenario against the first recomputed at every willingness to pay.

A parameter several scenarios cite with the same evidence (engine/uncertainty.py) moves in all of them at once, as
it would in the PSA. Every run keeps the comparison's seed and studies (common random numbers), so a bar's length
is the parameter's effect, not Monte Carlo noise. The INMB is used rather than the ICER because it is continuous
through a change of direction: where a parameter makes the QALY difference change sign, the ICER would jump from
a large positive ratio to a negative one (the error of tornado diagrams drawn on ICERs); here the row says
"dominant" or "dominated" instead, and the INMB crosses zero where the decision flips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.engine.uncertainty import estimated_parameters, evidence_key
from simulator.questions.compare.economics import EconomicRun, verdict
from simulator.scenario.evidence import Estimate
from simulator.scenario.schema import Scenario
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import run_all

LETTERS = "ABCDEFGHIJ"
INTERVAL = (0.025, 0.975)  # the ends each parameter is set to: its 95% posterior interval
SENSITIVITY_COLUMNS = ["parameter", "source", "scenarios", "scenario", "reference", "wtp", "base_value", "low_value",
                       "high_value", "base_inmb", "inmb_at_low", "inmb_at_high", "bar_left", "bar_right", "swing",
                       "icer_at_low", "verdict_at_low", "icer_at_high", "verdict_at_high", "flips_decision"]


@dataclass(frozen=True)
class Swing:
    """One parameter (or one body of evidence several scenarios cite) and the ends it is set to."""

    label: str
    source: str
    paths: tuple[tuple[int, str], ...]  # (scenario number, dotted path) of every parameter resting on it
    base: float
    low: float
    high: float

    def scenarios_at(self, scenarios: Sequence[Scenario], value: float) -> dict[int, Scenario]:
        """The scenarios this parameter changes, with it set to `value` (the others are not re-run)."""
        changed: dict[int, dict[str, float]] = {}
        for number, path in self.paths:
            changed.setdefault(number, {})[path] = value
        return {
            number: scenarios[number].with_values(values, flag="--sensitivity") for number, values in changed.items()
        }


def swings(scenarios: Sequence[Scenario]) -> list[Swing]:
    """Every parameter given with its evidence in any scenario, those citing the same evidence as one."""
    grouped: dict[str, list[tuple[int, str, Estimate]]] = {}
    for number, scenario in enumerate(scenarios):
        for path, estimate in estimated_parameters(scenario).items():
            key = evidence_key(scenario, path, estimate)
            grouped.setdefault(key, []).append((number, path, estimate))
    found = []
    for members in grouped.values():
        number, path, estimate = members[0]
        low, high = (float(v) for v in estimate.ppf(np.array(INTERVAL), scenarios[number].simulation.prior))
        letters = "".join(sorted({LETTERS[n] for n, _, _ in members}))
        paths = sorted({p for _, p, _ in members})
        label = f"{letters}: {' = '.join(paths)}"
        found.append(Swing(label, estimate.source or "", tuple((n, p) for n, p, _ in members), float(estimate), low,
                           high))
    return found


def deterministic(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios at their point estimates (no parameter drawn): the base case of a deterministic analysis."""
    return [s.with_values({"simulation.parameter_uncertainty": False}, flag="--sensitivity")
            if s.simulation.parameter_uncertainty else s for s in scenarios]


def increments(reference: EconomicRun, other: EconomicRun) -> tuple[float, float]:
    """Mean incremental costs and QALYs of `other` against `reference` over the same studies."""
    return (float(np.mean(other.values["costs"] - reference.values["costs"])),
            float(np.mean(other.values["qalys"] - reference.values["qalys"])))


def one_way(scenarios: Sequence[Scenario], replications: int, seed: int, options: RunOptions,
            wtp: Sequence[float]) -> pd.DataFrame:
    """sensitivity.csv: per parameter, scenario after the first and threshold, the INMB against the first with the
    parameter at each end of its interval, the bar those span around the base INMB, the ICER or verdict at each end,
    and whether either end flips the decision (the INMB's sign)."""
    base_scenarios = deterministic(scenarios)
    found = swings(base_scenarios)
    variants = [(swing, value, swing.scenarios_at(base_scenarios, value)) for swing in found
                for value in (swing.low, swing.high)]
    flat = [s for _, _, changed in variants for s in changed.values()]
    results = run_all([*base_scenarios, *flat], replications, seed, options, "sensitivity")
    base_runs, rest = results[:len(base_scenarios)], iter(results[len(base_scenarios):])
    at: dict[tuple[str, float], list[EconomicRun]] = {}
    for swing, value, changed in variants:
        runs: list[EconomicRun] = list(base_runs)
        for number in changed:
            runs[number] = next(rest)
        at[(swing.label, value)] = runs
    rows = []
    for swing in found:
        low_runs, high_runs = at[(swing.label, swing.low)], at[(swing.label, swing.high)]
        for number in range(1, len(scenarios)):
            base = increments(base_runs[0], base_runs[number])
            low, high = increments(low_runs[0], low_runs[number]), increments(high_runs[0], high_runs[number])
            for threshold in wtp:
                inmb = [threshold * dq - dc for dc, dq in (base, low, high)]
                (icer_low, words_low), (icer_high, words_high) = verdict(*low), verdict(*high)
                flips = bool(np.sign(inmb[1]) != np.sign(inmb[0]) or np.sign(inmb[2]) != np.sign(inmb[0]))
                rows.append((swing.label, swing.source, "".join(sorted({LETTERS[n] for n, _ in swing.paths})),
                             LETTERS[number], "A", threshold, swing.base, swing.low, swing.high, inmb[0], inmb[1],
                             inmb[2], min(inmb), max(inmb), abs(inmb[2] - inmb[1]), icer_low, words_low, icer_high,
                             words_high, flips))
    table = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS)
    return table.sort_values(["scenario", "wtp", "swing"], ascending=[True, True, False], kind="stable",
                             ignore_index=True)


def sensitivity_lines(table: pd.DataFrame, currency: str, shown: int = 5) -> list[str]:
    """The terminal's block: at the first threshold, the parameters that move B's INMB most, and any that flip it."""
    first = table[(table.scenario == "B") & (table.wtp == table.wtp.iloc[0])]
    if first.empty:
        return []
    threshold, base = first.wtp.iloc[0], first.base_inmb.iloc[0]
    lines = [f"One-way sensitivity (sensitivity.csv, tornado.png): B-A INMB at {currency} {threshold:,.0f}/QALY, base "
             f"{base:+,.0f} {currency}, each parameter at the ends of its 95% interval:"]
    for row in first.head(shown).itertuples():
        flip = "  FLIPS the decision" if row.flips_decision else ""
        lines.append(
            f"  {row.parameter} {_shown(row.low_value)} to {_shown(row.high_value)}: INMB {row.inmb_at_low:+,.0f} to "
            f"{row.inmb_at_high:+,.0f}{flip}"
        )
    rest = first.iloc[shown:]
    flipping = rest[rest.flips_decision].parameter.tolist()
    if flipping:
        lines.append(f"  also flipping it: {', '.join(flipping)}")
    if len(first) > shown:
        lines.append(f"  ({len(first) - shown} more parameters in sensitivity.csv)")
    return lines


def _shown(value: float) -> str:
    """A parameter's value as a reader takes it in: a cost in whole units, a rate or probability to 4 digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
