"""Write a scenario file with some values substituted, keeping the original's comments and layout
(tomlkit), so a calibrated scenario still carries the source of every other value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.items import InlineTable

from simulator.scenario.loading import parse_value

if TYPE_CHECKING:
    from simulator.questions.calibration.problem import ScenarioSource


def calibrated_toml(source: ScenarioSource, changes: dict[str, tuple[Any, str]], header: list[str]) -> str:
    """The source scenario with its `--set` overrides and `changes` (path -> (value, comment)) applied,
    each changed line commented, under a header of comment lines."""
    doc = tomlkit.parse(source.text) if source.text is not None else _document(source.raw)
    for override in source.overrides:
        path, _, text = override.partition("=")
        _set(doc, path.strip(), parse_value(text.strip()), "set on the command line")
    for path, (value, comment) in changes.items():
        _set(doc, path, value, comment)
    return "".join(f"# {line}\n" for line in header) + "\n" + tomlkit.dumps(doc)


def _set(doc: tomlkit.TOMLDocument, path: str, value: Any, comment: str) -> None:
    """Set a dotted path, creating missing tables; the comment goes on the line that holds the value
    (for a value inside an inline table, the inline table's line)."""
    keys = path.split(".")
    container: Any = doc
    line: tuple[Any, str] | None = None
    for key in keys[:-1]:
        if key not in container:
            container[key] = tomlkit.inline_table() if isinstance(container, InlineTable) else tomlkit.table()
        if line is None and isinstance(container[key], InlineTable):
            line = (container, key)
        container = container[key]
    container[keys[-1]] = _item(value)
    owner, key = line or (container, keys[-1])
    owner.item(key).comment(comment)  # the tomlkit item: indexing gives a plain bool for `true`, without comments


def _item(value: Any) -> Any:
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update({k: _item(v) for k, v in value.items()})
        return table
    return tomlkit.item(value)


def _document(raw: dict[str, Any]) -> tomlkit.TOMLDocument:
    """A TOML document for a scenario that came without a file: tables for sections, inline tables for
    values such as distributions."""
    doc = tomlkit.document()
    for key, value in raw.items():
        doc[key] = _table(value) if isinstance(value, dict) else _item(value)
    return doc


def _table(raw: dict[str, Any]) -> Any:
    table = tomlkit.table()
    for key, value in raw.items():
        table[key] = _table(value) if isinstance(value, dict) and not _is_value(value) else _item(value)
    return table


def _is_value(raw: dict[str, Any]) -> bool:
    """A dict that is one value (a distribution or evidence), not a section of the scenario."""
    return "dist" in raw or "events" in raw
