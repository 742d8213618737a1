"""Turn pydantic's validation errors into one line a clinician can act on: file, field, what is allowed."""

from __future__ import annotations

import typing
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from simulator.errors import shortened, shown

MAX_OVERRIDE_SHOWN = 120  # characters of an override echoed as the origin of a problem


def describe_validation_error(
    error: ValidationError,
    source: str,
    model: type[BaseModel],
    overrides: list[str] | tuple[str, ...] = (),
    flag: str = "--set",
) -> str:
    """The first problem (and how many more there are), attributed to the override (`flag`) that caused it."""
    problems = error.errors(include_url=False)
    first = problems[0]
    field = ".".join(str(part) for part in user_path(model, first["loc"]))
    origin = source
    for override in overrides:
        path = override.partition("=")[0].strip()
        if field == path or field.startswith(path + ".") or path.startswith(field + ".") or not field:
            origin = f"{source} (after {flag} {shortened(override, MAX_OVERRIDE_SHOWN)})"
    message = _explain(cast(dict[str, Any], first), model)
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    return f"{origin}: {field + ': ' if field else ''}{message}{more}"


def _explain(problem: dict[str, Any], model: type[BaseModel]) -> str:
    kind = problem["type"]
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, problem["loc"][:-1])
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"unknown key{hint}"
    if kind == "missing":
        return "required but missing"
    message = problem["msg"].removeprefix("Value error, ")
    if "input" in problem and kind not in ("union_tag_invalid", "model_type", "dict_type", "value_error"):
        given = problem["input"]
        if not isinstance(given, dict):
            message += f" (got {shown(given)})"
    return message


def user_path(model: type[BaseModel], loc: tuple[Any, ...]) -> list[Any]:
    """pydantic's error location as a user types it: without the tag of a tagged union (`...duration.median`,
    not `...duration.lognormal.median`) and without validator names."""
    path: list[Any] = []
    current: Any = model
    for part in loc:
        if isinstance(part, str) and part.startswith(("function-", "lax-or-strict", "json-or-python")):
            continue
        if current is not None and _union_tag(current, part) is not None:
            current = _union_tag(current, part)
            continue
        path.append(part)
        current = None if current is None else _unwrap(current, part)
    return path


def allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at `loc`, walking dict keys and tagged unions on the way."""
    current: Any = model
    for part in loc:
        current = _unwrap(current, part)
        if current is None:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _unwrap(annotation: Any, key: Any) -> Any:
    """The annotation one level down from `annotation` when indexing it with `key`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(key)
        return None if field is None else _strip(field.annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict:
        return _strip(args[1])
    if origin is list:
        return _strip(args[0])
    return _union_tag(annotation, key)  # a tagged union: pydantic puts the tag in the location


def _union_tag(annotation: Any, key: Any) -> Any:
    """The member of the tagged union `annotation` whose tag (`dist`) is `key`, or None."""
    for option in typing.get_args(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            tag = option.model_fields.get("dist")
            if tag is not None and key in typing.get_args(tag.annotation):
                return option
    return None


def _strip(annotation: Any) -> Any:
    """Drop Optional and Annotated wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation
