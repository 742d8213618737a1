"""explorer.html: one offline page per sweep folder with a slider per swept parameter and linked views (survival
bands, the TRM a study would report, waits and beds, costs, the outcome table, a probability box) at each grid
point, built from the folder's manifest.json, sweep.csv and explorer.json, so that `hsct-sim report FOLDER`
rebuilds it as the sweep wrote it.

The drawing is our own SVG (explorer.js, package data): the page needs a handful of step curves, bars and bands
redrawn at each slider step, which a few hundred lines of script do without a charting library's weight or its
network fetches; an SVG also saves as a figure for a slide as it is.
"""

from __future__ import annotations

import json
import math
import warnings
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.outcomes.vocabulary import REFERENCE_COLOUR, command_line, parameter_words
from simulator.report.html_parts import estimate_cell, interval_cell, is_money
from simulator.report.manifest import Manifest, read_manifest
from simulator.scenario.catalogue import Outcome, description
from simulator.scenario.schema import Scenario

DATA_FILE = "explorer.json"
PAGE_FILE = "explorer.html"
DEFAULT_CONDITION = "trm >= 13%"
SUMMARY_COLUMNS = ("outcome", "estimate", "mc_se", "lower", "upper", "evaluable")


def write(folder: Path) -> None:
    """At the end of a sweep: build the page; a failure costs the page, never the run's results (a warning),
    except the machine's (a full disk, memory), which the run folder reports as such."""
    try:
        build(folder)
    except (OSError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - the run folder is worth more than its explorer
        warnings.warn(f"{PAGE_FILE} not written: {error}", stacklevel=2)


def build(folder: Path) -> Path:
    """Write folder/explorer.html from the folder's files; return its path."""
    manifest = read_manifest(folder, {"parameters": dict, "replications": int, "seed": int})
    data = json.loads((folder / DATA_FILE).read_text(encoding="utf-8"))
    scenario = next(iter(manifest.scenarios.values()))
    parameters = manifest.entries["parameters"]
    table = pd.read_csv(folder / "sweep.csv")
    page = {**data, **_page_data(manifest, scenario, parameters, table)}
    path = folder / PAGE_FILE
    path.write_text(_html(page, scenario), encoding="utf-8")
    return path


def _page_data(manifest: Manifest, scenario: Scenario, parameters: dict[str, list[Any]],
               table: pd.DataFrame) -> dict[str, Any]:
    """What the page needs besides explorer.json: the sliders, the table's cells as the report writes them,
    the published values and the provenance."""
    catalogue = scenario.catalogue
    points = len(data_points(parameters))
    rows = table[list(SUMMARY_COLUMNS)]
    outcomes = list(dict.fromkeys(rows.outcome))
    if len(rows) != points * len(outcomes):
        raise ValueError(f"sweep.csv has {len(rows)} rows, not {points} points x {len(outcomes)} outcomes")
    cells = [[_cells(row, catalogue) for row in rows.iloc[p * len(outcomes):(p + 1) * len(outcomes)].itertuples()]
             for p in range(points)]
    return {
        "title": scenario.metadata.name,
        "replications": manifest.replications,
        "seed": manifest.seed,
        "cohort": scenario.cohort.label,
        "command": command_line(list(manifest.command)),
        "version": manifest.version,
        "parameters": [{"path": path, "words": parameter_words(path), "values": values,
                        "shown": [value_words(path, v) for v in values]} for path, values in parameters.items()],
        "outcomes": [{"name": name, "words": description(name, catalogue)} for name in outcomes],
        "cells": cells,
        "targets": scenario.targets,
        "published_points": _published_points(scenario),
        "reference_colour": REFERENCE_COLOUR,
        "default_condition": DEFAULT_CONDITION,
    }


def data_points(parameters: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
    """The grid's points in the sweep's order (the first parameter varying slowest)."""
    points: list[tuple[Any, ...]] = [()]
    for values in parameters.values():
        points = [(*p, v) for p in points for v in values]
    return points


def _cells(row: Any, catalogue: dict[str, Outcome]) -> list[str]:
    """estimate ± MC SE, the 95% range of studies and the share evaluable, as report.html writes them."""
    money = is_money(row.outcome, catalogue)
    evaluable = "" if pd.isna(row.evaluable) else f"{row.evaluable:.0%}"
    return [estimate_cell(row.estimate, row.mc_se, money=money), interval_cell(row.lower, row.upper, money=money),
            evaluable]


def _published_points(scenario: Scenario) -> dict[str, list[list[float]]]:
    """Curve -> [years, value] of each published landmark, e.g. os_5y = 0.84 -> os: [[5, 0.84]]."""
    points: dict[str, list[list[float]]] = {}
    for name, value in scenario.targets.items():
        outcome = scenario.catalogue.get(name)
        if outcome is not None and outcome.landmark is not None:
            points.setdefault(outcome.family, []).append([outcome.landmark, value])
    return points


def value_words(path: str, value: Any) -> str:
    """A grid value with its unit: 0.05 of a death probability -> "5%", 2 isolation beds -> "2 isolation beds"."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    keys = path.split(".")
    if keys[-1].endswith("probability"):
        return f"{value * 100:.4g}%"
    if keys[0] == "resources" and keys[-1] == "capacity":
        return f"{value} {keys[1].replace('_', ' ')}{'' if value == 1 else 's'}"
    units = {"size": "patients", "rate_per_year": "per year", "mean_days": "days", "median_days": "days",
             "accrual_years": "years", "horizon_years": "years"}
    unit = units.get(keys[-1])
    number = f"{value:g}" if isinstance(value, float) and not math.isnan(value) else str(value)
    return f"{number} {unit}" if unit else number


def _html(page: dict[str, Any], scenario: Scenario) -> str:
    script = resources.files("simulator.report").joinpath("explorer.js").read_text(encoding="utf-8")
    style = resources.files("simulator.report").joinpath("explorer.css").read_text(encoding="utf-8")
    data = json.dumps(page, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    sliders = "".join(_slider(number, p) for number, p in enumerate(page["parameters"]))
    rows = "".join(f'<tr data-outcome="{escape(o["name"])}"><th scope="row">{escape(o["words"])}</th>'
                   "<td></td><td></td><td></td></tr>" for o in page["outcomes"])
    title = f"Explorer: {page['title']}"
    studies = f"{page['replications']:,} simulated studies of {page['cohort']} at each grid point"
    return TEMPLATE.format(
        title=escape(title), style=style, script=script, data=data, sliders=sliders, rows=rows,
        studies=escape(studies), seed=escape(str(page["seed"])), command=escape(page["command"]),
        version=escape(str(page["version"])), condition=escape(page["default_condition"]),
        points=len(page["points"]),
    )


def _slider(number: int, parameter: dict[str, Any]) -> str:
    values = parameter["values"]
    return (f'<div class="slider"><label for="parameter{number}">{escape(parameter["words"])}</label>'
            f'<input type="range" id="parameter{number}" data-param="{escape(parameter["path"])}" min="0" '
            f'max="{len(values) - 1}" step="1" value="0" aria-valuetext="{escape(parameter["shown"][0])}">'
            f'<output for="parameter{number}" id="parameter{number}-value">{escape(parameter["shown"][0])}</output>'
            f'<span class="path">{escape(parameter["path"])}: {len(values)} simulated values</span></div>')


TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data: blob:">
<title>{title}</title><style>{style}</style></head>
<body>
<header><h1>{title}</h1>
<p>Move a slider to another simulated grid point: every view and number below is what the simulation gave at that
point ({studies}; seed {seed}). Nothing is interpolated between points.</p></header>
<section id="controls" aria-label="Swept parameters">{sliders}</section>
<section id="probability" aria-label="Probability">
<label for="condition">Share of simulated studies that would report</label>
<input id="condition" type="text" value="{condition}" spellcheck="false" autocomplete="off">
<output id="probability-result" for="condition" aria-live="polite"></output>
<p class="note" id="probability-note"></p></section>
<p class="actions"><button type="button" id="save-png">Save view as PNG</button>
<button type="button" id="save-svg">Save view as SVG</button></p>
<div id="views"></div>
<section id="economics" hidden><h2 id="economics-title">Costs and QALYs</h2><div id="economics-body"></div></section>
<section><h2>Outcomes at this grid point</h2>
<div class="scroll"><table id="outcomes"><thead><tr><th>outcome</th><th>estimate ± MC SE</th>
<th>95% of studies</th><th>evaluable</th></tr></thead><tbody>{rows}</tbody></table></div>
<p class="note">Estimate: mean over the simulated studies that can estimate the outcome, ± its Monte Carlo
standard error. 95% of studies: the range (2.5-97.5 percentiles) of what one study would report. Evaluable: the
share of studies that can estimate it (someone still followed at the landmark). As in sweep.csv.</p></section>
<footer><h2>Provenance</h2><p>{points} grid points, {studies}, seed {seed} (common random numbers: every point
simulates the same patients), hsct-sim {version}. The command that reproduces it:</p>
<pre id="command">{command}</pre></footer>
<script type="application/json" id="explorer-data">{data}</script>
<script>{script}</script>
</body></html>
"""
