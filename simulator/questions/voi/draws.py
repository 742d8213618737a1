"""What value of information reads of a probabilistic sensitivity analysis (PSA): per draw, each option's mean
costs and QALYs and the parameters drawn, taken from psa.csv as `compare --uncertainty` writes it.

This is the one place that knows how the PSA shares draws between options. A column per option and parameter
("A: followup.relapse.rate_per_year"); columns that hold the very same draws (options resting on the same
evidence) are one parameter, named by its path alone, and paths that share one draw are one parameter named
"a = b", so a metamodel never sees a parameter twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.errors import UserError

UTILITIES, COSTS, EVERYTHING = "utilities", "costs", "all parameters"


@dataclass(frozen=True)
class PsaDraws:
    """Options (reference first) with each draw's costs and QALYs (draws x options), and the parameters
    (name -> draws) with the psa.csv columns each stands for."""

    options: list[str]
    costs: np.ndarray
    qalys: np.ndarray
    parameters: dict[str, np.ndarray]
    columns: dict[str, list[str]]
    currency: str

    @property
    def incremental_costs(self) -> np.ndarray:
        return self.costs[:, 1:] - self.costs[:, :1]

    @property
    def incremental_qalys(self) -> np.ndarray:
        return self.qalys[:, 1:] - self.qalys[:, :1]

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        """(draws, len(names)): the named parameters' draws side by side."""
        return np.stack([self.parameters[name] for name in names], axis=1)


def from_psa_table(table: pd.DataFrame, options: Sequence[str], currency: str) -> PsaDraws:
    """PsaDraws from psa.csv's columns: costs_<letter>, qalys_<letter> and "<letter>: <path>"."""
    letters = [chr(ord("A") + i) for i in range(len(options))]
    costs = np.stack([table[f"costs_{x}"].to_numpy(float) for x in letters], axis=1)
    qalys = np.stack([table[f"qalys_{x}"].to_numpy(float) for x in letters], axis=1)
    drawn = [c for c in table.columns if ": " in c]
    by_path: dict[str, list[str]] = {}
    for column in drawn:
        by_path.setdefault(column.split(": ", 1)[1], []).append(column)
    parameters: dict[str, np.ndarray] = {}
    columns: dict[str, list[str]] = {}
    for path, group in by_path.items():
        values = [table[c].to_numpy(float) for c in group]
        if all(np.array_equal(values[0], v) for v in values[1:]):  # one draw shared by every option citing it
            parameters[path], columns[path] = values[0], group
        else:
            for column, value in zip(group, values):
                parameters[column], columns[column] = value, [column]
    return _merged(PsaDraws(list(options), costs, qalys, parameters, columns, currency))


def _merged(draws: PsaDraws) -> PsaDraws:
    """Parameters that hold the very same draws (two paths resting on one evidence) as one, named "a = b"."""
    kept: list[tuple[list[str], np.ndarray, list[str]]] = []
    for name, values in draws.parameters.items():
        same = next((k for k in kept if np.array_equal(k[1], values)), None)
        if same is None:
            kept.append(([name], values, list(draws.columns[name])))
        else:
            same[0].append(name)
            same[2].extend(draws.columns[name])
    parameters = {" = ".join(names): values for names, values, _ in kept}
    columns = {" = ".join(names): cols for names, _, cols in kept}
    return PsaDraws(draws.options, draws.costs, draws.qalys, parameters, columns, draws.currency)


def default_groups(draws: PsaDraws) -> dict[str, list[str]]:
    """Named groups a funder asks about: each option's clinical parameters, utilities, costs, and all parameters;
    a group left out where it has fewer than two members or repeats another."""
    groups: dict[str, list[str]] = {}
    for letter, option in zip("ABCDEFGHIJ", draws.options):
        groups[f"clinical: {option}"] = [name for name, cols in draws.columns.items()
                                         if any(c.startswith(f"{letter}: ") and not _economic(c) for c in cols)]
    groups[UTILITIES] = [n for n, cols in draws.columns.items() if _economic(cols[0]) and "utilit" in cols[0]]
    groups[COSTS] = [n for n, cols in draws.columns.items() if _economic(cols[0]) and "utilit" not in cols[0]]
    groups[EVERYTHING] = list(draws.parameters)
    kept: dict[str, list[str]] = {}
    for name, members in groups.items():
        if len(members) >= 2 and all(set(members) != set(m) for m in kept.values()):
            kept[name] = members
    return kept


def _economic(column: str) -> bool:
    return column.split(": ", 1)[1].startswith("economics.")


def parse_group(text: str, draws: PsaDraws) -> tuple[str, list[str]]:
    """`--group NAME=PARAM,PARAM` -> (name, parameter names); a parameter is named as in evppi.csv or by its
    path (every option's column of that path)."""
    name, sep, listed = text.partition("=")
    known = ", ".join(draws.parameters) or "none: no parameter is given with its evidence"
    if not sep or not name.strip() or not listed.strip():
        raise UserError(f"--group {text!r}: write NAME=PARAMETER,PARAMETER,...; parameters: {known}")
    members: list[str] = []
    for item in (part.strip() for part in listed.split(",")):
        found = [n for n, cols in draws.columns.items() if item == n or any(c.split(": ", 1)[1] == item for c in cols)]
        if not found:
            raise UserError(
                f"--group {name.strip()}: no parameter {item!r} is drawn in this analysis; parameters: {known}"
            )
        members += [n for n in found if n not in members]
    return name.strip(), members
