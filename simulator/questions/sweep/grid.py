"""`--param PATH=SPEC` for sweeps: parse the specs, build the grid and validate every point's scenario
before anything is simulated.

SPEC is `START:STOP:STEPS` (STEPS evenly spaced values from START to STOP inclusive) or a list
`v1,v2,...` of values read like `--set` values (numbers, `unlimited`, TOML tables). Several parameters
make the full grid, the first varying slowest.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import MAX_SHOWN, UserError, shortened, shown
from simulator.questions.sweep.syntax import EXAMPLE
from simulator.scenario.catalogue import Outcome
from simulator.scenario.loading import load_scenario, parse_value, scenario_from_dict
from simulator.scenario.schema import Scenario

FLAG = "--param"
MAX_POINTS = 1000  # grid points of a sweep: each is a full run; more is a mistake or several sweeps
# Settings every grid point must share, so they are not sweep axes.
NOT_SWEPT = {
    "simulation.seed": "every grid point uses the same seed so that the points share random numbers; use --seed",
    "simulation.replications": "every grid point simulates the same number of studies; use --replications",
    "simulation.landmarks_years": "the landmarks name the outcomes every grid point reports; use --set",
}


@dataclass(frozen=True)
class SweepParameter:
    """One swept scenario path and its values, each kept as the text given to the scenario override."""

    path: str
    texts: tuple[str, ...]

    @property
    def values(self) -> list[Any]:
        return [parse_value(text, f"{FLAG} {self.path}") for text in self.texts]

    @property
    def numeric(self) -> bool:
        return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values)

    def override(self, index: int) -> str:
        return f"{self.path}={self.texts[index]}"


def parse_parameter(text: str) -> SweepParameter:
    """`PATH=START:STOP:STEPS` or `PATH=v1,v2,...`; a mistake is a `UserError` saying what is allowed."""
    path, sep, spec = text.partition("=")
    path, spec = path.strip(), spec.strip()
    keys = path.split(".")
    if not sep or not path or not all(keys) or " " in path:
        raise UserError(f"{FLAG} {shown(text)}: expected PATH=START:STOP:STEPS or PATH=v1,v2,... ({EXAMPLE})")
    if path in NOT_SWEPT:
        raise UserError(f"{FLAG} {path}: not a sweep axis; {NOT_SWEPT[path]}")
    if not spec:
        raise UserError(f"{FLAG} {path}=: empty; give START:STOP:STEPS or a list v1,v2,... ({EXAMPLE})")
    texts = _range(path, spec) if ":" in spec and not spec.startswith(("{", "[", '"', "'")) else _list(path, spec)
    if len(texts) > MAX_POINTS:
        raise UserError(f"{FLAG} {path}: {len(texts)} values; a sweep has at most {MAX_POINTS} grid points")
    seen: set[str] = set()
    repeated: list[str] = []
    for text in texts:
        key = _identity(parse_value(text, f"{FLAG} {path}"))
        if key in seen:
            repeated.append(text)
        seen.add(key)
    if repeated:
        listed = shortened(", ".join(sorted(set(repeated))), MAX_SHOWN)
        raise UserError(f"{FLAG} {path}={shortened(spec, MAX_SHOWN)}: values repeat ({listed}); give each value once")
    return SweepParameter(path, tuple(texts))


def _identity(value: Any) -> str:
    """A key equal for values the scenario cannot tell apart (1 and 1.0), so repeats are found in one pass."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return json.dumps(value, sort_keys=True, default=str)


def _range(path: str, spec: str) -> list[str]:
    parts = [p.strip() for p in spec.split(":")]
    where = f"{FLAG} {path}={spec}"
    if len(parts) != 3:
        raise UserError(f"{where}: a range is START:STOP:STEPS, three parts ({EXAMPLE})")
    start, stop = (_number(where, name, p) for name, p in zip(("START", "STOP"), parts[:2]))
    try:
        steps = int(parts[2])
    except ValueError:
        raise UserError(f"{where}: STEPS must be a whole number of at least 1, got {shown(parts[2])}") from None
    if steps < 1:
        raise UserError(f"{where}: STEPS must be a whole number of at least 1, got {steps}")
    if steps > MAX_POINTS:
        raise UserError(f"{where}: {steps} steps; a sweep has at most {MAX_POINTS} grid points")
    if steps == 1 and start != stop:
        raise UserError(f"{where}: 1 step gives a single value, so START and STOP must be equal; "
                        "give STEPS >= 2 for a range")
    if steps > 1 and start == stop:
        raise UserError(f"{where}: empty range (START = STOP = {parts[0]}); give different START and STOP, "
                        "or STEPS = 1 for a single value")
    points = np.linspace(start, stop, steps)
    whole = all(isinstance(parse_value(p, where), int) for p in parts[:2]) and np.all(points == np.round(points))
    return [str(int(v)) if whole else f"{v:.12g}" for v in points]


def _number(where: str, name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"{where}: {name} must be a number, got {shown(text)}") from None
    if not math.isfinite(value):
        raise UserError(f"{where}: {name} must be a finite number, got {shown(text)}")
    return value


def _list(path: str, spec: str) -> list[str]:
    """Split on commas outside brackets and quotes, so values may be TOML tables or arrays."""
    texts, depth, quote, current = [], 0, "", ""
    for char in spec:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == "," and depth == 0:
            texts.append(current.strip())
            current = ""
            continue
        current += char
    texts.append(current.strip())
    if not all(texts):
        raise UserError(f"{FLAG} {path}={spec}: an empty value in the list; write v1,v2,... ({EXAMPLE})")
    return texts


@dataclass(frozen=True)
class Grid:
    """A validated sweep: the scenario with `--set` applied, its parameters, one scenario per point."""

    base: Scenario
    parameters: tuple[SweepParameter, ...]
    scenarios: tuple[Scenario, ...]

    @property
    def points(self) -> list[tuple[Any, ...]]:
        """Parameter values of each point, in the order of `scenarios`."""
        return list(itertools.product(*(p.values for p in self.parameters)))

    @property
    def point_texts(self) -> list[tuple[str, ...]]:
        """The same points as written on the command line, for tables and legends."""
        return list(itertools.product(*(p.texts for p in self.parameters)))


def build_grid(scenario: str | Path | Scenario, specs: Sequence[str], overrides: Sequence[str] = ()) -> Grid:
    """Parse `--param` specs and validate the scenario of every grid point (nothing is simulated).

    `scenario` is a scenario file, or a `Scenario` already loaded (e.g. in a notebook).
    """
    if not specs:
        raise UserError(f"{FLAG}: a sweep needs at least one {FLAG} PATH=SPEC ({EXAMPLE})")
    if isinstance(scenario, Scenario):
        source = scenario.metadata.name
        base = scenario_from_dict(_raw(scenario), source, list(overrides))
    else:
        source = str(scenario)
        base = load_scenario(scenario, list(overrides))
    parameters = tuple(parse_parameter(spec) for spec in specs)
    paths = [p.path for p in parameters]
    twice = sorted({p for p in paths if paths.count(p) > 1})
    if twice:
        raise UserError(f"{FLAG} {twice[0]}: given twice; give each swept path once with all its values")
    fixed = {o.partition("=")[0].strip() for o in overrides}
    clash = [p for p in paths if p in fixed]
    if clash:
        raise UserError(f"{FLAG} {clash[0]}: also given with --set; a swept path takes its values from {FLAG}")
    points = math.prod(len(p.texts) for p in parameters)
    if points > MAX_POINTS:
        raise UserError(f"{FLAG}: {points} grid points ({' x '.join(str(len(p.texts)) for p in parameters)}); "
                        f"a sweep has at most {MAX_POINTS}: use fewer values or several sweeps")

    def point(assignments: Sequence[str]) -> Scenario:
        return scenario_from_dict(_raw(base), source, list(assignments), flag=FLAG)

    if len(parameters) > 1:  # each value on its own first, so that a bad value is named alone
        for parameter in parameters:
            for index in range(len(parameter.texts)):
                point([parameter.override(index)])
    combinations = itertools.product(*(range(len(p.texts)) for p in parameters))
    scenarios = [point([p.override(i) for p, i in zip(parameters, combination)]) for combination in combinations]
    return Grid(base, parameters, tuple(scenarios))


def _raw(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the dict a TOML file would give, to apply overrides to and validate again."""
    return scenario.model_dump(exclude_none=True)


def grid_catalogue(grid: Grid) -> dict[str, Outcome]:
    """Every outcome some grid point reports: a point where a resource is unlimited reports fewer."""
    scenarios = sorted(grid.scenarios, key=lambda s: -len(s.catalogue))
    return {name: outcome for s in scenarios for name, outcome in s.catalogue.items()}  # in first-seen order
