"""Regenerate the reference sections of docs/ from the code they describe, so that they cannot drift:

- docs/scenario-files.md, between `<!-- generated: scenario-fields -->` and `<!-- /generated -->`: every table
  and field of a scenario file, from the schema (simulator/scenario/schema.py and the models it uses): type,
  default, allowed values and description;
- docs/outcomes.md, between `<!-- generated: outcomes -->` and `<!-- /generated -->`: every outcome family, from
  the outcome catalogue (simulator/scenario/catalogue.py): name, what it is, unit, which way is better, and which
  scenarios report it.

tests/test_docs.py checks that the committed pages equal what this script writes. Run by `make docs`.

Usage: python scripts/reference_docs.py [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simulator.scenario.catalogue import build_catalogue
from simulator.scenario.distributions import Distribution
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATED = re.compile(r"(<!-- generated: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.DOTALL)

# Placeholders the outcome reference writes in names: a landmark, a resource, a priced stage, the TRM window.
LANDMARK, RESOURCE, STAGE, WINDOW = 7.25, "RESOURCE", "STAGE", 999
PLACEHOLDERS = {"7.25": "<L>", "RESOURCE": "<resource>", "STAGE": "<stage>", "999": "<D>"}


# --- scenario fields -----------------------------------------------------------------------------------------------

def _bounds(metadata: list[Any]) -> list[str]:
    words = []
    for item in metadata:
        if isinstance(item, FieldInfo):  # Field(ge=..., le=...) inside Annotated: its constraints are its metadata
            words += _bounds(item.metadata)
            continue
        for attribute, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(item, attribute, None)
            if value is not None and isinstance(item, annotated_types.BaseMetadata):
                words.append(f"{sign} {value:g}" if isinstance(value, float) else f"{sign} {value}")
        if isinstance(item, annotated_types.MinLen) and item.min_length:
            words.append(f"at least {item.min_length} item(s)")
        if getattr(item, "pattern", None):
            words.append("a name: a letter, then letters, digits or _")
    return words


def _evidence(metadata: list[Any]) -> bool:
    return any(type(item).__name__ == "WrapValidator" for item in metadata)


def type_words(annotation: Any) -> tuple[str, list[str]]:
    """What a field takes, in words, and its bounds."""
    if annotation is Distribution or annotation == typing.get_args(Distribution)[0]:
        return "distribution", []
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        base, *metadata = args
        words, bounds = type_words(base)
        if _evidence(metadata):
            words += " or its evidence (a table)"
        return words, bounds + _bounds(metadata)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        parts = [type_words(a) for a in options]
        return " or ".join(p[0] for p in parts), [b for p in parts for b in p[1]]
    if origin is typing.Literal:
        return "one of " + ", ".join(f'"{a}"' if isinstance(a, str) else str(a).lower() for a in args), []
    if origin is list:
        inner, bounds = type_words(args[0])
        return f"list of {inner}", [f"each {b}" for b in bounds]
    if origin is tuple:
        return "list of " + ", ".join(type_words(a)[0] for a in args if a is not Ellipsis), []
    if origin is dict:
        return f"table of {type_words(args[1])[0]}", []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table", []
    names = {int: "whole number", float: "number", str: "text", bool: "true or false"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation))), []


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None or value == {} or isinstance(value, BaseModel):
        return ""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The tables nested in a field (a model, a table of models, an optional model)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if annotation is Distribution:
        return []
    if typing.get_origin(annotation) is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    return [m for a in typing.get_args(annotation) for m in _models(a)]


def _table(model: type[BaseModel], path: str, sections: list[str], seen: set[str]) -> None:
    if path in seen:
        return
    seen.add(path)
    hints = typing.get_type_hints(model, include_extras=True)
    rows, nested = [], []
    for name, field in model.model_fields.items():
        words, bounds = type_words(hints[name])
        bounds += _bounds(field.metadata)
        description = " ".join((field.description or "").split())
        rows.append(f"| `{name}` | {words} | {_default(field)} | {', '.join(dict.fromkeys(bounds))} | {description} |")
        for inner in _models(hints[name]):
            keyed = typing.get_origin(hints[name]) is dict or any(
                typing.get_origin(a) is dict for a in typing.get_args(hints[name]))
            nested.append((inner, f"{path}.{name}.<name>" if keyed else f"{path}.{name}"))
    doc = " ".join((model.__doc__ or "").split()) if model.__doc__ and model.__doc__ != BaseModel.__doc__ else ""
    sections.append(f"### `[{path}]`\n\n{doc + chr(10) + chr(10) if doc else ''}"
                    "| field | takes | default | allowed | description |\n|---|---|---|---|---|\n"
                    + "\n".join(rows) + "\n")
    for inner, inner_path in nested:
        _table(inner, inner_path, sections, seen)


def scenario_fields() -> str:
    """Every table of a scenario file (in the order of the schema) with its fields."""
    sections: list[str] = []
    seen: set[str] = set()
    hints = typing.get_type_hints(Scenario, include_extras=True)
    for name in Scenario.model_fields:
        for model in _models(hints[name]):
            keyed = typing.get_origin(hints[name]) is dict
            _table(model, f"{name}.<name>" if keyed else name, sections, seen)
    kinds = []
    for model in typing.get_args(typing.get_args(Distribution)[0]):  # Annotated[Union[...], discriminator]
        fields = ", ".join(f"`{n}`" for n in model.model_fields if n != "dist")
        kinds.append(f"| `{model.model_fields['dist'].default}` | {fields} |")
    sections.append("### Distributions\n\nEvery duration and hazard is `{ dist = \"...\", ... }` with these fields "
                    "(days unless `unit = \"years\"`):\n\n| dist | fields |\n|---|---|\n" + "\n".join(kinds) + "\n")
    return "\n".join(sections)


# --- outcomes ------------------------------------------------------------------------------------------------------

def _placeholders(text: str) -> str:
    for value, placeholder in PLACEHOLDERS.items():
        text = text.replace(value, placeholder)
    return text


def outcomes() -> str:
    """One row per outcome family, in the order `run` reports them, with the scenarios that report it."""
    full = build_catalogue((LANDMARK,), WINDOW, (RESOURCE,), True, (RESOURCE,), (STAGE,), True)
    without_transplant = build_catalogue((LANDMARK,), WINDOW, (RESOURCE,), False, (RESOURCE,), (STAGE,), True)
    plain = build_catalogue((LANDMARK,), WINDOW, (), True)
    responding = build_catalogue((LANDMARK,), WINDOW, (), True, non_response=True)
    rows = ["| outcome | what it is | unit | better | reported by |", "|---|---|---|---|---|"]
    for name, outcome in full.items():
        needs = []
        if name in responding and name not in plain:
            needs.append("a scenario with `followup.non_response_probability`")
        elif name not in plain:
            needs.append("a scenario with `[economics]`" if outcome.kind in ("cost", "QALYs", "years")
                         else "a scenario with a finite resource")
        needs.append("" if name in without_transplant else "with a transplant")
        better = {True: "higher", False: "lower", None: ""}[outcome.higher_is_better]
        reported = ", ".join(n for n in needs if n) or "every scenario"
        rows.append(f"| `{_placeholders(name)}` | {_placeholders(outcome.words)} | {outcome.unit or ''} | {better} | "
                    f"{reported} |")
    return ("`<L>`: each of `simulation.landmarks_years` (e.g. `os_5y`); `<D>`: `outcomes.trm_window_days`; "
            "`<resource>`: each finite resource a stage holds; `<stage>`: each stage `[economics]` prices.\n\n"
            + "\n".join(rows) + "\n")


SECTIONS = {"scenario-fields": scenario_fields, "outcomes": outcomes}
PAGES = {"scenario-fields": DOCS / "scenario-files.md", "outcomes": DOCS / "outcomes.md"}


def regenerated(text: str) -> str:
    """The page's text with each generated section rewritten."""
    return GENERATED.sub(lambda m: m.group(1) + "\n" + SECTIONS[m.group("name")]() + "\n" + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the scenario-file and outcome references in docs/.")
    parser.add_argument("--check", action="store_true", help="only say whether the committed pages are up to date")
    args = parser.parse_args(argv)
    stale = []
    for page in dict.fromkeys(PAGES.values()):
        text = page.read_text()
        new = regenerated(text)
        if new != text:
            stale.append(page)
            if not args.check:
                page.write_text(new)
    if args.check and stale:
        print(
            f"out of date: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; run python scripts/reference_docs.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
