"""Reading a scenario file: size and nesting limits, TOML, --set overrides, then the schema."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from simulator.errors import MAX_SHOWN, UserError, shortened
from simulator.scenario.bounds import MAX_DEPTH, MAX_FILE_BYTES
from simulator.scenario.changes import set_value, validated
from simulator.scenario.files import read_regular_file
from simulator.scenario.population import with_resolved_life_table
from simulator.scenario.schema import Scenario
from simulator.scenario.stage_process import file_processes, uses_processes, with_resolved_processes


def load_scenario(path: str | Path, overrides: list[str] | tuple[str, ...] = (), flag: str = "--set") -> Scenario:
    """Read, override and validate a scenario file; every problem is a `UserError` naming file and field.

    `flag` is the option the overrides came from (`--set`, or `--param` for a sweep), for the messages.

    >>> load_scenario("scenarios/burt2006.toml", ["cohort.size=100"]).cohort.size
    100
    """
    raw = parse_toml(read_scenario_text(path), str(path))
    written = file_processes(raw, overrides)  # code the file names (not --set) must lie beside it
    scenario = scenario_from_dict(raw, source=str(path), overrides=overrides, flag=flag)
    return with_files_resolved(scenario, path, written)


def with_files_resolved(
    scenario: Scenario, path: str | Path, processes_in_file: dict[str, str] | None = None
) -> Scenario:
    """The scenario read from `path` with the files it names (stages' own processes, the life table) made
    absolute, relative to that file, and checked; none is opened or imported. `processes_in_file`: the stages'
    `process` values as the file writes them (all of them if not given), which must lie in its folder."""
    if uses_processes(scenario):
        scenario = with_resolved_processes(scenario, Path(path).parent, str(path), processes_in_file)
    if scenario.population is not None:
        population = with_resolved_life_table(scenario.population, Path(path).parent, str(path))
        scenario = scenario.model_copy(update={"population": population})
    return scenario


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file, refusing up front what is not one: a missing path, a folder, a FIFO or
    device (never opened, so reading cannot block), a file above MAX_FILE_BYTES or not UTF-8. A UTF-8
    byte-order mark, as some editors write, is dropped."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a scenario file; give a .toml file, e.g. scenarios/burt2006.toml")
    data = read_regular_file(path, "scenario file", MAX_FILE_BYTES)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file (expected UTF-8 TOML)") from None


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """TOML text as a dict, its values nested at most MAX_DEPTH deep; `where` names the file or flag."""
    try:
        return _loads(text, where)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{where}: not valid TOML: {error}") from None
    except ValueError as error:  # e.g. an integer of thousands of digits, which Python refuses to convert
        raise UserError(f"{where}: not valid TOML: {shortened(str(error), MAX_SHOWN)}") from None


def _loads(text: str, where: str) -> dict[str, Any]:
    """tomllib.loads, refusing values nested deeper than MAX_DEPTH (tomllib recurses once per level)."""
    too_deep = UserError(f"{where}: values nested too deeply (at most {MAX_DEPTH} levels)")
    try:
        raw = tomllib.loads(text)
    except RecursionError:
        raise too_deep from None
    if _depth(raw) > MAX_DEPTH:
        raise too_deep
    return raw


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest in `value` (a number or text: 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth + 1)
            if depth + 1 <= MAX_DEPTH:  # deeper is refused anyway: stop walking
                stack.extend((child, depth + 1) for child in children)
    return deepest


def scenario_from_dict(
    raw: dict[str, Any], source: str = "<scenario>", overrides: list[str] | tuple[str, ...] = (), flag: str = "--set"
) -> Scenario:
    """Validate a scenario given as a dict (e.g. parsed TOML), after applying `--set` overrides."""
    for override in overrides:
        apply_override(raw, override, source, flag)
    return validated(Scenario, raw, source, overrides, flag)


def apply_override(raw: dict[str, Any], override: str, source: str, flag: str = "--set") -> None:
    """Set `dotted.path=value` in the raw scenario; the value is read as a TOML value, else as text."""
    path, sep, text = override.partition("=")
    keys = path.strip().split(".")
    if not sep or not all(keys):
        raise UserError(f"{flag} {override!r}: expected PATH=VALUE, e.g. stages.conditioning.death_probability=0.05")
    set_value(raw, Scenario, ".".join(keys), parse_value(text.strip(), f"{flag} {path}"), source, flag)


def parse_value(text: str, where: str = "value") -> Any:
    """A TOML value (`0.05`, `true`, `[1, 3, 5]`, `{ dist = "fixed", value = 3 }`) or, failing that, the text.

    A value nested more than MAX_DEPTH deep is a `UserError` naming `where` (the flag it came from)."""
    try:
        return _loads(f"value = {text}", where)["value"]
    except ValueError:  # not TOML (TOMLDecodeError), or a number Python refuses to convert: taken as text
        return text
