"""Changing a scenario by dotted paths (`stages.isolation.death_probability`), from the command line's text
(`--set`, `--param`) or from typed values (`Scenario.with_values`), with one message style for both."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from simulator.errors import UserError
from simulator.scenario.messages import allowed_keys, describe_validation_error

M = TypeVar("M", bound=BaseModel)


def set_value(raw: dict[str, Any], model: type[BaseModel], path: str, value: Any, source: str, flag: str) -> None:
    """Set `value` at the dotted `path` of the raw (dict) form of `model`, creating a table the model allows
    but the file left to its defaults (e.g. [simulation]); a path through a non-table is a UserError."""
    keys = path.split(".")
    table = raw
    for depth, key in enumerate(keys[:-1]):
        if key not in table and key in allowed_keys(model, tuple(keys[:depth])):
            table[key] = {}
        child = table.get(key)
        if not isinstance(child, dict):
            where = ".".join(keys[: depth + 1])
            known = ", ".join(sorted(k for k, v in table.items() if isinstance(v, dict))) or "none"
            raise UserError(f"{flag} {path}: {source} has no table {where!r}; tables there: {known}")
        table = child
    table[keys[-1]] = value


def validated(model: type[M], raw: dict[str, Any], source: str, overrides: list[str] | tuple[str, ...] = (),
              flag: str = "--set") -> M:
    """`model` validated from its raw form; a problem is a UserError naming the source and the override
    (`flag PATH=VALUE`) that caused it."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise UserError(describe_validation_error(error, source, model, overrides, flag)) from None


def with_values(model: M, values: Mapping[str, Any], source: str, flag: str = "--set") -> M:
    """A copy of `model` with each dotted path set to its (typed) value, validated once."""
    raw = without_none(model.model_dump(mode="json"))
    for path, value in values.items():
        if not path or not all(path.split(".")):
            raise UserError(f"{flag} {path!r}: expected a dotted path, e.g. stages.conditioning.death_probability")
        set_value(raw, type(model), path, value, source, flag)
    return validated(type(model), raw, source, [f"{path}={value!r}" for path, value in values.items()], flag)


def without_none(value: Any) -> Any:
    """A dumped model without unset values (None, empty tables), as a file would be written."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None and v != {}}
    return value
