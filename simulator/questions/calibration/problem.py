"""What calibrate is asked: targets, free parameters within bounds, and the scenario text they change."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import UserError, shown
from simulator.scenario.catalogue import Outcome
from simulator.scenario.changes import without_none
from simulator.scenario.loading import (
    parse_toml,
    parse_value,
    read_scenario_text,
    scenario_from_dict,
    with_files_resolved,
)
from simulator.scenario.population import found_from_anywhere
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import file_processes

NOT_PARAMETERS = {  # scenario tables that describe the run or the evidence, not the model calibration fits
    "targets": "a target is the published figure to reach (give it with --target OUTCOME=VALUE)",
    "metadata": "metadata names and cites the scenario",
    "simulation": "simulation settings say how many studies to run and how",
}
MAX_NUMBER = 1e9  # beyond any scenario value; larger is a typo


@dataclass(frozen=True)
class Target:
    """A figure to reproduce: the mean of `outcome` over simulated studies should equal `value`."""

    outcome: str
    value: float
    se: float | None = None  # the published figure's standard error, if known (sets its weight)

    @classmethod
    def parse(cls, text: str, outcomes: Mapping[str, Outcome]) -> Target:
        """`OUTCOME=VALUE` or `OUTCOME=VALUE:SE` about one of `outcomes` (a catalogue), e.g. `os_5y=0.84` or
        `os_5y=0.84:0.05`."""
        outcome, sep, rest = text.partition("=")
        outcome = outcome.strip()
        value_text, _, se_text = rest.partition(":")
        if not sep or not outcome:
            raise UserError(f"--target {shown(text)}: expected OUTCOME=VALUE or OUTCOME=VALUE:SE, e.g. os_5y=0.84")
        if outcome not in outcomes:
            raise UserError(f"--target {shown(text)}: unknown outcome {outcome!r}; outcomes: {', '.join(outcomes)}")
        value = _number(value_text, f"--target {shown(text)}: VALUE")
        if not 0 <= value <= 1:
            raise UserError(f"--target {shown(text)}: VALUE must be a proportion from 0 to 1 (got {value:g})")
        se = None
        if se_text.strip():
            se = _number(se_text, f"--target {shown(text)}: SE")
            if se <= 0:
                raise UserError(f"--target {shown(text)}: SE must be above 0 (got {se:g})")
        return cls(outcome, value, se)


@dataclass(frozen=True)
class FreeParameter:
    """A scenario value (dotted path, as for --set) to fit within [low, high]."""

    path: str
    low: float
    high: float

    @classmethod
    def parse(cls, text: str) -> FreeParameter:
        """`PATH=LOW:HIGH`, e.g. `followup.relapse.rate_per_year=0.05:0.3`."""
        path, sep, bounds = text.partition("=")
        low_text, colon, high_text = bounds.partition(":")
        if not sep or not colon or not path.strip() or not all(path.strip().split(".")):
            raise UserError(
                f"--free {shown(text)}: expected PATH=LOW:HIGH, e.g. followup.relapse.rate_per_year=0.05:0.3"
            )
        section = path.strip().split(".")[0]
        if section in NOT_PARAMETERS:
            raise UserError(f"--free {shown(text)}: {NOT_PARAMETERS[section]}, not a model parameter to fit; free a "
                            "stage, follow-up or resource value, e.g. followup.relapse.rate_per_year=0.05:0.3")
        low = _number(low_text, f"--free {shown(text)}: LOW")
        high = _number(high_text, f"--free {shown(text)}: HIGH")
        if not low < high:
            raise UserError(f"--free {shown(text)}: LOW must be below HIGH (got {low:g}:{high:g})")
        return cls(path.strip(), low, high)

    def at(self, x: float) -> float:
        """The parameter's value at scaled coordinate x in [0, 1]."""
        return self.low + float(np.clip(x, 0.0, 1.0)) * (self.high - self.low)


def _number(text: str, what: str) -> float:
    """A finite number within +-MAX_NUMBER from a flag (an integer too large for a float is refused, not
    an OverflowError)."""
    value = parse_value(text.strip(), what)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_NUMBER <= value <= MAX_NUMBER:
        raise UserError(f"{what} must be a finite number within +-{MAX_NUMBER:g} (got {shown(text.strip())})")
    return float(value)


@dataclass
class ScenarioSource:
    """The scenario as written (raw TOML, and its text when it came from a file) plus `--set` overrides:
    what calibrated.toml is written from; `base` is it validated once, which each evaluation changes."""

    raw: dict[str, Any]
    name: str
    overrides: tuple[str, ...] = ()
    text: str | None = None
    path: Path | None = None  # the file, which the files it names are relative to

    @classmethod
    def from_file(cls, path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> ScenarioSource:
        text = read_scenario_text(path)
        source = cls(parse_toml(text, str(path)), str(path), tuple(overrides), text, Path(path))
        _ = source.base  # every problem with the file or an override, reported as usual
        return source

    @classmethod
    def from_scenario(cls, scenario: Scenario, overrides: list[str] | tuple[str, ...] = ()) -> ScenarioSource:
        raw = without_none(scenario.model_dump(mode="json"))
        return cls(raw, scenario.metadata.name, tuple(overrides))

    @cached_property
    def written(self) -> Scenario:
        """The scenario with its overrides, validated, the files it names as written."""
        return scenario_from_dict(copy.deepcopy(self.raw), self.name, list(self.overrides))

    @cached_property
    def base(self) -> Scenario:
        """The scenario with its overrides, validated, the files it names found (relative to its file)."""
        return self.written if self.path is None else with_files_resolved(self.written, self.path,
                                                                         file_processes(self.raw, self.overrides))

    def files_made_absolute(self) -> dict[str, str]:
        """The files the scenario names relative to its own folder (stages' processes, a life table of its own), by
        dotted path, as the run found them: a scenario written elsewhere (calibrated.toml, in its run folder)
        must name them so. A shipped life table is found from anywhere and stays as written."""
        if self.path is None:
            return {}
        written, found = self.written, self.base
        files = {}
        for name, stage in written.stages.items():
            target = (stage.process or "").rpartition(":")[0]
            if target.endswith(".py") and not Path(target).is_absolute():
                files[f"stages.{name}.process"] = str(found.stages[name].process)
        if written.population is not None and found.population is not None:
            table = found.population.life_table
            if not found_from_anywhere(written.population.life_table, table):
                files["population.life_table"] = table
        return files

    def scenario(self, values: dict[str, float] | None = None, flag: str = "--set") -> Scenario:
        """The validated scenario with the free parameters at `values`."""
        return self.base.with_values(values or {}, self.name, flag)


def check_problem(source: ScenarioSource, targets: list[Target], free: list[FreeParameter]) -> None:
    """Every mistake in targets and free parameters, as a UserError, before anything is simulated."""
    if not free:
        raise UserError(
            "--free: give at least one parameter to fit, e.g. --free followup.relapse.rate_per_year=0.05:0.3"
        )
    if not targets:
        raise UserError("--target: give at least one, e.g. --target os_5y=0.84 (the scenario has no [targets] table)")
    outcomes = source.base.catalogue
    for target in targets:
        if not isinstance(target, Target):
            raise UserError(f"--target: expected Target(outcome, value), got {shown(target)}")
        if target.outcome not in outcomes:
            raise UserError(f"--target {shown(target.outcome)}: not an outcome {source.name} reports; its outcomes: "
                            f"{', '.join(outcomes)}")
        if isinstance(target.value, bool) or not isinstance(target.value, (int, float)) or not 0 <= target.value <= 1:
            raise UserError(f"--target {target.outcome}: VALUE must be a proportion from 0 to 1 "
                            f"(got {shown(target.value)})")
        if target.se is not None and (isinstance(target.se, bool) or not isinstance(target.se, (int, float))
                                      or not 0 < target.se < float("inf")):
            raise UserError(f"--target {target.outcome}: SE must be a number above 0 (got {shown(target.se)})")
    for parameter in free:
        if not isinstance(parameter, FreeParameter):
            raise UserError(f"--free: expected FreeParameter(path, low, high), got {shown(parameter)}")
        if not parameter.low < parameter.high:
            raise UserError(
                f"--free {parameter.path}: LOW must be below HIGH (got {parameter.low!r}:{parameter.high!r})"
            )
    for label, names in (("--target", [t.outcome for t in targets]), ("--free", [f.path for f in free])):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise UserError(f"{label}: {', '.join(repeated)} given more than once")
    fixed = {o.partition("=")[0].strip() for o in source.overrides}
    for parameter in free:
        if parameter.path in fixed:
            raise UserError(f"--free {parameter.path}: also fixed by --set; drop one of them")
        for bound in (parameter.low, parameter.high):
            try:
                source.scenario({parameter.path: bound}, flag="--free")
            except UserError as error:
                raise UserError(f"--free {parameter.path}={parameter.low:g}:{parameter.high:g}: {error}") from None
