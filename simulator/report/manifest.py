"""A run folder's manifest.json read back once, typed and checked: what every command records (command line,
version, seed, replications, figures, provenance), its scenarios read into `Scenario`s, and the entries its
command's page reads (`Entries`: each with its JSON type). A folder hsct-sim did not write, or one whose
manifest this version cannot read (an older version's), is a `ManifestError`: one line naming the folder, the
entry and the version that wrote it, exit code 2."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from simulator.errors import UserError, shown
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.schema import Scenario
from simulator.version import __version__

Entries = Mapping[str, type | tuple[type, ...]]  # a command's own entries -> their JSON types (dict, list, str, ...)
SCENARIO_KEYS = ("scenario", "scenario_a", "scenario_b")
NUMBER = (int, float)


class ManifestError(UserError):
    """manifest.json is not one this version of hsct-sim can read: the message says which entry and why."""


@dataclass(frozen=True)
class Manifest:
    """manifest.json of a run folder. `entries` is the whole JSON object, read for the command's own entries (those
    its page names in `Entries` are checked to be there, of their types); `raw_scenarios` holds each scenario as
    recorded, `scenarios` each read with the schema, both by their names in the folder's tables."""

    command: tuple[str, ...]  # the command line word by word (empty when the Python API saved the result)
    version: str  # of the hsct-sim that wrote it
    wall_seconds: float
    python: str
    numpy: str
    platform: str | None  # recorded after the files are written (report.html.write)
    seed: int | None  # None: each scenario's own
    replications: int | None  # None: each scenario's own (power records replications_per_size instead)
    figures: tuple[str, ...]  # in the order the run drew them, most important first
    shown_outcomes: tuple[str, ...] | None  # the rows the terminal's table showed, when recorded
    scenario_files: Mapping[str, str]  # each scenario file named on the command line -> its text as written
    raw_scenarios: Mapping[str, Mapping[str, Any]]
    scenarios: Mapping[str, Scenario]
    entries: Mapping[str, Any]


def read_manifest(folder: Path, needs: Entries = MappingProxyType({})) -> Manifest:
    """folder/manifest.json, checked: a JSON object with the entries every command writes, each of its type,
    scenarios this version's schema reads, and `needs` (the command's own entries its page reads)."""
    where = folder / "manifest.json"
    try:
        raw = json.loads(where.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ManifestError(f"{where}: not readable as JSON ({error}); give a folder an hsct-sim command "
                            "wrote") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{where}: holds a {type(raw).__name__}, not the object hsct-sim writes")
    version = raw.get("version")
    if not isinstance(version, str):
        raise ManifestError(f"{where}: no hsct-sim version recorded: not a folder an hsct-sim command wrote")
    written = f"{where} (written by hsct-sim {version}; this is {__version__})"

    def entry(key: str, kind: type | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        if key not in raw:
            if required:
                raise ManifestError(f"{written}: no `{key}`, which this report needs; re-run the command with this "
                                    "version to rebuild the folder")
            return default
        value = raw[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            raise ManifestError(f"{written}: `{key}` is {shown(value)}, not {_words(kind)}")
        return value

    command = entry("command", list, [])
    if not all(isinstance(word, str) for word in command):
        raise ManifestError(f"{written}: `command` is not a list of words")
    for key, kind in needs.items():
        entry(key, kind, required=True)
    raw_scenarios = _scenarios(raw, written)
    if not raw_scenarios and not raw.get("closed_forms"):
        raise ManifestError(f"{written}: names no scenario")
    scenarios = {name: _scenario(scenario, name, written) for name, scenario in raw_scenarios.items()}
    figures, shown_outcomes = entry("figures", list, []), entry("shown_outcomes", (list, type(None)))
    files = entry("scenario_files", dict, {})
    if not all(isinstance(text, str) for text in [*figures, *(shown_outcomes or []), *files, *files.values()]):
        raise ManifestError(f"{written}: `figures`, `shown_outcomes` and `scenario_files` hold words only")
    return Manifest(
        command=tuple(command), version=version, wall_seconds=float(entry("wall_seconds", NUMBER, 0.0)),
        python=entry("python", str, ""), numpy=entry("numpy", str, ""), platform=entry("platform", str),
        seed=entry("seed", (int, type(None))), replications=entry("replications", (int, type(None))),
        figures=tuple(figures), shown_outcomes=None if shown_outcomes is None else tuple(shown_outcomes),
        scenario_files=files, raw_scenarios=raw_scenarios, scenarios=scenarios, entries=raw,
    )


def _scenarios(raw: dict[str, Any], written: str) -> dict[str, dict[str, Any]]:
    """Each scenario the manifest records, by its name in the tables: power's two arms by their labels, a
    comparison's by name, validate's list and the one of run, sweep and calibrate by their metadata names."""
    listed = raw.get("scenarios")
    found: dict[str, Any]
    if "scenario_a" in raw:
        labels = raw.get("labels")
        if not (isinstance(labels, list) and len(labels) == 2 and all(isinstance(x, str) for x in labels)):
            raise ManifestError(f"{written}: `labels` is not the two arms' names")
        found = dict(zip(labels, (raw["scenario_a"], raw.get("scenario_b"))))
    elif isinstance(listed, dict):
        found = listed
    elif isinstance(listed, list) or listed is None:
        scenarios = listed or [raw[key] for key in SCENARIO_KEYS if key in raw]
        if not all(isinstance(s, dict) for s in scenarios):
            raise ManifestError(f"{written}: a scenario is not a table of the scenario's values")
        found = {_name(s): s for s in scenarios}
    else:
        raise ManifestError(f"{written}: `scenarios` is {shown(listed)}, not the scenarios' tables")
    if not all(isinstance(s, dict) for s in found.values()):
        raise ManifestError(f"{written}: a scenario is not a table of the scenario's values")
    return found


def _name(scenario: dict[str, Any]) -> str:
    metadata = scenario.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


def _scenario(raw: Mapping[str, Any], name: str, written: str) -> Scenario:
    try:
        return scenario_from_dict(json.loads(json.dumps(raw)), f"scenario {name!r}")  # a copy: the schema may add to it
    except UserError as error:
        raise ManifestError(f"{written}: its scenario does not read with this version: {error}; re-run the command "
                            "with this version") from None


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _words(kind: type | tuple[type, ...]) -> str:
    names = {dict: "a table", list: "a list", str: "text", int: "a whole number", float: "a number",
             bool: "true or false", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in _kinds(kind))
