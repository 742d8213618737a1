"""Named structural alternatives of a comparison (compare --structural FILE), run side by side with the base case.

A structural alternative changes an assumption no parameter interval covers (the utility of active disease, the
horizon, the shape of a hazard, the comparator's source). FILE lists them in TOML:

    [[alternative]]
    name = "lifetime horizon"
    why = "HTA bodies ask for costs and QALYs until death"      # optional
    set = ["economics.horizon=lifetime"]                       # --set overrides for every scenario
    B = ["followup.relapse.rate_per_year=0.47"]                # and for scenario B only (A, B, C, ... by order)

Each alternative is simulated as the comparison itself was (same seed and studies; with --uncertainty, as a PSA),
and structural.csv gives, per alternative and threshold, the incremental QALYs and costs against A, the ICER or
verdict, the INMB, the probability of being cost-effective (with --uncertainty), and whether it flips the
decision the base case reaches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.errors import UserError
from simulator.questions.compare.economics import EconomicRun, verdict
from simulator.scenario.loading import parse_toml, parse_value, read_scenario_text
from simulator.scenario.schema import Scenario
from simulator.simulation.options import RunOptions
from simulator.simulation.runner import run_all

LETTERS = "ABCDEFGHIJ"
MAX_ALTERNATIVES = 50
STRUCTURAL_COLUMNS = ["alternative", "scenario", "reference", "wtp", "incremental_qalys", "incremental_costs", "icer",
                      "verdict", "inmb", "p_cost_effective", "flips_decision", "why"]
BASE_CASE = "base case"


@dataclass(frozen=True)
class Alternative:
    """A named set of --set overrides: for every scenario, and for single scenarios by letter."""

    name: str
    why: str = ""
    every: tuple[str, ...] = ()
    single: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def applied(self, scenarios: Sequence[Scenario], where: str) -> list[Scenario]:
        """The scenarios under this alternative; a bad path or value names the file and the alternative."""
        changed = []
        for letter, scenario in zip(LETTERS, scenarios):
            values = {}
            for override in (*self.every, *self.single.get(letter, ())):
                path, sep, text = override.partition("=")
                if not sep or not path.strip():
                    raise UserError(f"{where}: alternative {self.name!r}: {override!r} is not PATH=VALUE, e.g. "
                                    "economics.horizon=lifetime")
                values[path.strip()] = parse_value(text.strip(), f"{where}: alternative {self.name!r}")
            changed.append(scenario.with_values(values, where, f"alternative {self.name!r}") if values else scenario)
        return changed


def read_alternatives(path: Path, scenarios: int) -> list[Alternative]:
    """The alternatives of a --structural file, checked: a name each, distinct, overrides as lists of text,
    letters only of the scenarios compared."""
    if not path.is_file():
        raise UserError(f"--structural {path}: no such file (a TOML file of [[alternative]] tables)")
    raw = parse_toml(read_scenario_text(path), str(path))
    unknown = sorted(set(raw) - {"alternative"})
    entries = raw.get("alternative")
    if unknown or not isinstance(entries, list) or not entries:
        raise UserError(f"{path}: give the alternatives as [[alternative]] tables with name and set (or A, B, ...)"
                        + (f"; unknown keys {unknown}" if unknown else ""))
    if len(entries) > MAX_ALTERNATIVES:
        raise UserError(f"{path}: {len(entries)} alternatives, at most {MAX_ALTERNATIVES}")
    letters = LETTERS[:scenarios]
    found = []
    for number, entry in enumerate(entries, 1):
        allowed = {"name", "why", "set", *letters}
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise UserError(f"{path}: alternative {number} needs a name = \"...\"")
        extra = sorted(set(entry) - allowed)
        if extra:
            raise UserError(f"{path}: alternative {name!r}: unknown keys {extra}; allowed: name, why, set, and the "
                            f"letters of the scenarios compared ({', '.join(letters)})")
        lists = {key: entry[key] for key in ("set", *letters) if key in entry}
        for key, value in lists.items():
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UserError(f"{path}: alternative {name!r}: {key} is a list of \"PATH=VALUE\" texts")
        if not lists:
            raise UserError(f"{path}: alternative {name!r} changes nothing: give set = [...] or {letters[0]} = [...]")
        found.append(Alternative(name.strip(), str(entry.get("why", "")), tuple(lists.get("set", ())),
                                 {k: tuple(v) for k, v in lists.items() if k != "set"}))
    names = [a.name for a in found]
    if len(set(names)) < len(names) or BASE_CASE in names:
        raise UserError(f"{path}: alternatives need distinct names other than {BASE_CASE!r}, got {names}")
    return found


def decision_rows(name: str, why: str, runs: Sequence[EconomicRun], wtp: Sequence[float], psa: bool,
                  base_inmb: dict[tuple[str, float], float] | None) -> list[tuple]:
    """structural.csv's rows of one alternative (or the base case, `base_inmb` None)."""
    rows = []
    for number in range(1, len(runs)):
        dc_draws = runs[number].values["costs"] - runs[0].values["costs"]
        dq_draws = runs[number].values["qalys"] - runs[0].values["qalys"]
        dc, dq = float(np.mean(dc_draws)), float(np.mean(dq_draws))
        icer, words = verdict(dc, dq)
        for threshold in wtp:
            inmb = threshold * dq - dc
            p = float(np.mean(threshold * dq_draws - dc_draws > 0)) if psa else math.nan
            letter = LETTERS[number]
            flips = False if base_inmb is None else bool(np.sign(inmb) != np.sign(base_inmb[(letter, threshold)]))
            rows.append((name, letter, "A", threshold, dq, dc, icer, words, inmb, p, flips, why))
    return rows


def structural_table(alternatives: Sequence[Alternative], scenarios: Sequence[Scenario], base: Sequence[EconomicRun],
                     replications: int, seed: int, options: RunOptions, wtp: Sequence[float], psa: bool,
                     where: str) -> pd.DataFrame:
    """structural.csv: the base case (the comparison's own runs), then each alternative simulated alike."""
    rows = decision_rows(BASE_CASE, "", base, wtp, psa, None)
    base_inmb = {(r[1], r[3]): r[8] for r in rows}
    variants = [alternative.applied(scenarios, where) for alternative in alternatives]
    results = iter(run_all([s for v in variants for s in v], replications, seed, options, "structural"))
    for alternative, variant in zip(alternatives, variants):
        runs = [next(results) for _ in variant]
        rows += decision_rows(alternative.name, alternative.why, runs, wtp, psa, base_inmb)
    return pd.DataFrame(rows, columns=STRUCTURAL_COLUMNS)


def structural_lines(table: pd.DataFrame, currency: str) -> list[str]:
    """The terminal's decision table at each threshold: one line per alternative, flips marked."""
    lines = ["Structural alternatives (structural.csv), B against A:"]
    for threshold, rows in table[table.scenario == "B"].groupby("wtp", sort=False):
        lines.append(f"  at {currency} {threshold:,.0f}/QALY: {'alternative':<44}{'dQALY':>8}{'dCost':>10}"
                     f"{'ICER or verdict':>22}{'INMB':>10}{'P(CE)':>7}")
        for r in rows.itertuples():
            ratio = r.verdict.split(" (")[0].split(":")[0] if math.isnan(r.icer) else f"{r.icer:,.0f}"
            p = "" if math.isnan(r.p_cost_effective) else f"{r.p_cost_effective:.0%}"
            flip = "  FLIPS" if r.flips_decision else ""
            lines.append(f"    {r.alternative[:44]:<44}{r.incremental_qalys:>+8.3f}{r.incremental_costs:>+10,.0f}"
                         f"{ratio:>22}{r.inmb:>+10,.0f}{p:>7}{flip}")
    return lines
