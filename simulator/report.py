"""report.html: one self-contained page per run folder (figures embedded, no scripts, no network), built
from the folder's own files so that `hsct-sim report FOLDER` and the automatic report share one code path;
and outputs/index.html, the list of every run folder."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import platform
import re
import tempfile
import warnings
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import tomlkit

from . import __version__
from .labels import key_outcomes
from .outcome_labels import command_line, describe_outcome
from .scenario import Scenario, scenario_from_dict

# The file that tells each command's folder apart, in the order checked (a calibrate folder also has summary.csv).
COMMAND_FILES = {"validate": "validation.csv", "calibrate": "fit.csv", "power": "power.csv",
                 "compare": "compare.csv", "sweep": "sweep.csv", "run": "summary.csv"}
BAND = "the shaded band holds 95% of simulated studies (2.5-97.5 percentiles)"
GREY = (" A grey area, if any, is past some studies' follow-up: there the curve is over the studies still following "
        "a patient, and it is not drawn where fewer than half are.")
CAPTIONS = [  # (file name pattern, how to read the figure), in the order figures are shown
    (r"km_os", f"Overall survival each simulated study would report (Kaplan-Meier). The line is the median study, "
               f"{BAND}; a diamond is the published figure. A diamond inside the band is a result these studies "
               "could plausibly have reported." + GREY),
    (r"km_dfs", f"Disease-free survival (alive without relapse). The line is the median study, {BAND}; a diamond "
                "is the published figure." + GREY),
    (r"relapse_cif", f"Cumulative incidence of relapse, with death as a competing risk, one colour per scenario. "
                     f"Each line is the scenario's median study; {BAND}. Where bands overlap, single studies of "
                     "the two protocols could report the same relapse rate."),
    (r"trm", "Treatment-related mortality a study would report: each bar is the share of simulated studies with "
             "that number of deaths (as a percentage of patients enrolled). The dashed line is the simulated mean, "
             "the solid red line the published figure."),
    (r"outcomes", "Key outcomes per scenario: the dot is the mean over simulated studies, the line spans 95% of "
                  "studies, and an open diamond (in the scenario's colour) is the published value."),
    (r"occupancy_(.+)", "Units of {0} in use over the study: the line is the mean over simulated studies (3-month "
                        "moving average), the band holds 95% of studies; the red dashed line is the capacity and "
                        "the dotted vertical line the end of accrual. A band reaching the capacity means queues."),
    (r"waits_(.+)", "How long patients waited for {0}, all simulated studies pooled: each bar is the share of "
                    "patients who obtained one after that wait (a part day counts as a day)."),
    (r"sweep_(.+)", "{0} against the first swept parameter, one line per value of the others: the line is the mean "
                    "over simulated studies with bars of +/-1.96 Monte Carlo SE, the shaded band holds 95% of "
                    "studies; the red dashed line is the published value and the dotted vertical line the value "
                    "in the scenario file. Every point uses the same random numbers, so differences between "
                    "points are due to the parameter, not to chance."),
    (r"heatmap_(.+)", "{0} over the two swept parameters: each cell is the mean over simulated studies (its "
                      "Monte Carlo SE is in the title); the colour scale is on the right."),
    (r"power", "Power (share of simulated trials with p below alpha in favour of the better arm) against patients "
               "per arm: dots with 95% Monte Carlo bars, the line interpolates between simulated sizes; grey "
               "dashed and dotted lines mark 80% and 90% power; red crosses are trials significant in favour of "
               "the worse arm (type S error)."),
    (r"hazard_ratio", "Hazard ratio (B vs A, log scale) each simulated trial would observe, per trial size: the "
                      "shape is the distribution over trials, the dot the median trial and the bar 95% of trials. "
                      "The solid line at 1 is no difference; below it B is better."),
    (r"trm_difference", "Difference in treatment-related mortality (B minus A, percentage points) each simulated "
                        "trial would observe, per trial size: the shape is the distribution over trials, the dot the "
                        "median trial and the bar 95% of trials; the line at 0 is no difference."),
    (r"fit", "Left: each target outcome at the fitted values: the band holds 95% of simulated studies, the dot with "
             "bars is the simulated mean +/-2 Monte Carlo SE and the open diamond the target; a target inside the "
             "bars is reached. Right: the objective (sum of squared standardised residuals) at each evaluation of "
             "the search, by phase; lower is a closer fit."),
    (r"validation", "Closed-form panel: each dot is a simulated quantity's z-score against its exact value; "
                    "the shaded band is the pass range |z| <= 4. Scenario panel: the band holds 95% of simulated "
                    "studies, the dot is their mean and the open diamond the published figure; a red cross marks a "
                    "published figure that fails."),
]
CSS = """
body{font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:62rem;padding:0 .8rem;
color:#1a1a1a;overflow-wrap:anywhere}
h1{font-size:1.35rem}h2{font-size:1.15rem;border-bottom:1px solid #ccc;margin-top:2rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .5rem;border-bottom:1px solid #e2e2e2;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal;min-width:8rem}th{background:#f3f5f8}
dt{font-weight:600}dd{margin:0 0 .5rem 0}figure{margin:1.2rem 0;break-inside:avoid}img{max-width:100%;height:auto;display:block}
figcaption{font-size:.9rem;color:#333}pre{white-space:pre-wrap;font-size:.8rem;background:#f6f6f6;padding:.6rem}
.warning{border-left:4px solid #c0392b;background:#fdf0ee;padding:.4rem .8rem}
@page{size:A4;margin:14mm}
@media print{body{max-width:none;font-size:11pt}.scroll{overflow:visible}img{max-height:24cm;width:auto}
h2{break-after:avoid}table{font-size:8pt}a{color:inherit;text-decoration:none}}
"""
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>
{body}
</body></html>
"""


def build(folder: Path) -> Path:
    """Write folder/report.html from the folder's manifest.json, CSVs and PNGs; return its path."""
    run = _Run(folder)
    sections = [f"<h1>{escape(run.title)}</h1>", f"<p><strong>{escape(run.question())}</strong></p>"]
    if run.warnings():
        items = "".join(f"<li>{escape(w)}</li>" for w in run.warnings())
        sections.append(f'<div class="warning"><strong>Warnings</strong><ul>{items}</ul></div>')
    sections += ["<h2>Results</h2>", *run.tables()]
    figures = [_figure(path) for path in _figure_files(folder)]
    if figures:
        sections += ["<h2>Figures</h2>", *figures]
    sections += ["<h2>The scenario as run</h2>", *run.scenario_texts(), "<h2>Provenance</h2>", run.provenance()]
    path = folder / "report.html"
    path.write_text(PAGE.format(title=escape(run.title), css=CSS, body="\n".join(sections)), encoding="utf-8")
    return path


def write(folder: Path) -> None:
    """At the end of a run: record the scenario files' text and the platform in manifest.json (a later
    `hsct-sim report` may not find the files), then build the report. A failure here must not cost the run's
    results, so it becomes a warning."""
    try:
        manifest_path = folder / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = [arg for arg in manifest.get("command", [])[1:] if arg.endswith(".toml") and Path(arg).is_file()]
        manifest.setdefault("scenario_files", {arg: Path(arg).read_text(encoding="utf-8") for arg in files})
        manifest.setdefault("platform", platform.platform())
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
        build(folder)
    except Exception as error:  # noqa: BLE001 - the run folder is worth more than its report
        warnings.warn(f"report.html not written: {error}", stacklevel=2)


def update_index(folder: Path, outputs: Path) -> None:
    """If `folder` is in `outputs`, rewrite outputs/index.html from every run folder there. Two runs finishing
    together take turns (a lock file), and readers never see a half-written page (temporary file, os.replace)."""
    if folder.resolve().parent != outputs.resolve():
        return
    with open(outputs / ".index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folders = [f for f in outputs.iterdir() if not f.name.startswith(".") and (f / "manifest.json").is_file()]
        rows = [_index_row(f) for f in sorted(folders, key=_created, reverse=True)]
        head = "".join(f"<th>{h}</th>" for h in ("date (UTC)", "command", "scenario", "headline", "report"))
        body = (f"<h1>hsct-sim runs in {escape(str(outputs))}</h1><p>{len(rows)} run folders, newest first.</p>"
                f'<div class="scroll"><table><tr>{head}</tr>{"".join(rows)}</table></div>')
        with tempfile.NamedTemporaryFile("w", dir=outputs, prefix=".index-", suffix=".html", delete=False,
                                         encoding="utf-8") as temporary:
            temporary.write(PAGE.format(title="hsct-sim runs", css=CSS, body=body))
        os.replace(temporary.name, outputs / "index.html")


def summary_table(summary: pd.DataFrame, targets: dict[str, float], caption: str = "") -> str:
    """A summary (outcome, estimate, mc_se, lower, upper[, evaluable]) as an HTML table with published values,
    as the terminal shows it; also the notebook view of a result (`_repr_html_`)."""
    partial = "evaluable" in summary and bool((summary["evaluable"] < 1).any())
    head = ["outcome", "estimate ± MC SE", "95% of studies", "published", *(["evaluable"] if partial else [])]
    rows = []
    for row in summary.to_dict("records"):
        target = targets.get(row["outcome"])
        cells = [describe_outcome(row["outcome"]), _estimate(row["estimate"], row["mc_se"]),
                 _interval(row["lower"], row["upper"]), "" if target is None else f"{target:.3f}"]
        rows.append(cells + ([f"{row['evaluable']:.0%}"] if partial else []))
    return _table(head, rows, caption)


class _Run:
    """A run folder read back: its command, manifest, tables and scenarios."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        self.command = next((c for c, f in COMMAND_FILES.items() if (folder / f).is_file()), "run")
        self.scenarios: dict[str, Scenario] = {name: scenario_from_dict(raw) for name, raw in self._raw().items()}
        self.title = f"hsct-sim {self.command}: {', '.join(s.metadata.name for s in self.scenarios.values())}"

    def _raw(self) -> dict[str, dict[str, Any]]:
        """Each resolved scenario of the manifest, by its name in the tables."""
        m = self.manifest
        if "scenario_a" in m:
            return dict(zip(m["labels"], (m["scenario_a"], m["scenario_b"])))
        if isinstance(m.get("scenarios"), dict):
            return m["scenarios"]
        if isinstance(m.get("scenarios"), list):
            return {raw["metadata"]["name"]: raw for raw in m["scenarios"]}
        return {m["scenario"]["metadata"]["name"]: m["scenario"]}

    def _csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / name)

    @property
    def first(self) -> Scenario:
        return next(iter(self.scenarios.values()))

    def question(self) -> str:
        """The question the command answered, in one sentence."""
        m, s = self.manifest, self.first
        names = " and ".join(f"the {name} protocol" for name in self.scenarios)
        if self.command == "run":
            extra = ", with parameter uncertainty," if (self.folder / "uncertainty.csv").is_file() else ""
            return (f"What would {m['replications']:,} studies of {s.cohort.label} with the {s.metadata.name} "
                    f"protocol{extra} report?")
        if self.command == "sweep":
            return (f"How do the outcomes of {s.metadata.name} change across {m['points']} values of "
                    f"{' and '.join(m['parameters'])}, with {m['replications']:,} simulated studies at each?")
        if self.command == "compare":
            return f"How do {names} compare, in {m['replications']:,} simulated studies of each with the same seed?"
        if self.command == "power":
            return (f"How many patients per arm does a randomised trial need to tell {names} apart on "
                    f"{m['endpoint'].upper()} at two-sided alpha {m['alpha']:g}?")
        if self.command == "calibrate":
            targets = ", ".join(f"{t['outcome']} = {t['value']:g}" for t in m["targets"])
            return (f"Which values of {', '.join(p['path'] for p in m['free'])} make {s.metadata.name} reproduce "
                    f"the published {targets}?")
        parts = ["exact closed-form answers"] * bool(m.get("closed_forms")) + (
            [f"the published figures of {', '.join(self.scenarios)}"] if self.scenarios else [])
        return f"Does the simulator reproduce {' and '.join(parts)}?"

    def warnings(self) -> list[str]:
        """What a reader must know before trusting the numbers."""
        found = []
        for name in ("summary.csv", "sweep.csv", "compare.csv"):
            if (self.folder / name).is_file() and self.command != "calibrate":
                table = self._csv(name)
                partial = table[table["evaluable"] < 1].groupby("outcome")["evaluable"].min()
                if len(partial):
                    shares = ", ".join(f"{o} {share:.0%}" for o, share in partial.items())
                    found.append(f"Not every simulated study can estimate these outcomes (smallest share that can: "
                                 f"{shares}); their estimates are over the studies that can.")
        if self.command == "calibrate" and not self.manifest["reached"]:
            missed = self._csv("fit.csv").query("not reached")["outcome"]
            found.append(f"Calibration did not reach every target: {', '.join(missed)} (see the fit table).")
        if self.command == "validate":
            failed = self._csv("validation.csv").query("not passed")
            found += [f"Check failed: {r.case}: {r.quantity}." for r in failed.itertuples()]
        return found

    def tables(self) -> list[str]:
        """The headline tables, as the terminal shows them, then the other tables of the folder."""
        targets = {name: s.targets for name, s in self.scenarios.items()}
        first = targets[next(iter(targets))]
        if self.command == "run":
            out = [summary_table(self._csv("summary.csv"), first)]
            out += [_frame(self._csv(n), n) for n in ("uncertainty.csv", "parameters.csv") if (self.folder / n).is_file()]
            return out
        if self.command == "sweep":
            return [self._sweep_table()]
        if self.command == "compare":
            return [self._compare_table(targets)]
        if self.command == "power":
            return [self._power_table()]
        if self.command == "calibrate":
            m = self.manifest
            rows = [[p["path"], f"[{p['low']:g}, {p['high']:g}]", f"{m['fitted'][p['path']]:.4g} ± "
                     f"{m['fitted_mc_se'][p['path']]:.2g}", f"{m['fitted_se'][p['path']]:.3g}"] for p in m["free"]]
            fit = self._csv("fit.csv")
            outcomes = [[describe_outcome(r.outcome), f"{r.target:.3f}", _estimate(r.achieved, r.mc_se),
                         _interval(r.lower, r.upper), f"{r.residual:+.4f}", "reached" if r.reached else "NOT REACHED"]
                        for r in fit.itertuples()]
            return [_table(["parameter", "bounds", "fitted ± MC SE", "SE from the targets"], rows, "Fitted values"),
                    _table(["outcome", "target", "achieved ± MC SE", "95% of studies", "residual", ""], outcomes,
                           "Targets at the fitted values"),
                    "<p>calibrated.toml holds the scenario with the fitted values; it is shown below.</p>"]
        checks = self._csv("validation.csv")
        rows = [[f"{r.case}: {r.quantity}", f"{r.expected:.4f}", _estimate(r.simulated, r.mc_se),
                 f"{r.z:+.2f}" if r.part == "closed form" else _interval(r.lower, r.upper),
                 "pass" if r.passed else "FAIL"] for r in checks.itertuples()]
        return [_table(["check", "exact or published", "simulated ± MC SE", "z, or 95% of studies", ""], rows,
                       f"{int(checks['passed'].sum())} of {len(checks)} checks passed")]

    def _sweep_table(self) -> str:
        sweep, paths = self._csv("sweep.csv"), list(self.manifest["parameters"])
        shown = [o for o in dict.fromkeys(sweep["outcome"])
                 if (self.folder / f"sweep_{o}.png").is_file() or o.startswith("P(")]
        rows = []
        for point, table in sweep.groupby(paths, sort=False):
            cells = table.set_index("outcome")
            rows.append([f"{v:g}" if isinstance(v, float) else str(v) for v in point] + [
                _estimate(*cells.loc[o, ["estimate", "mc_se"]]) + ("*" if cells.loc[o, "evaluable"] < 1 else "")
                if o in cells.index else "unlimited" for o in shown])
        note = "* not every simulated study can estimate it there; sweep.csv holds every outcome and its range"
        return _table([*paths, *shown], rows, f"Estimate ± MC SE at each grid point. {note}")

    def _power_table(self) -> str:
        m, power = self.manifest, self._csv("power.csv")
        effect = "trm_difference" if "trm_difference_median" in power else "hazard_ratio"
        rows = [[f"{r['patients_per_arm']}", _estimate(r["power"], r["power_mc_se"]),
                 "" if pd.isna(r["type_s_error"]) else f"{r['type_s_error']:.3f}", f"{r['events_median']:g}",
                 f"{r[effect + '_median']:.3g} {_interval(r[effect + '_lower'], r[effect + '_upper'])}",
                 f"{r[effect + '_estimable']:.0%}"] for r in power.to_dict("records")]
        sizes = [f"{r.target_power:.0%} power: " + (f"{r.patients_per_arm:.0f} per arm ({r.total_patients:.0f} in "
                 f"total), {r.note}" if pd.notna(r.patients_per_arm) else r.note)
                 for r in self._csv("sample_size.csv").itertuples()]
        better = m["truth"]["better_arm"]
        caption = (f"A: {m['labels'][0]}; B: {m['labels'][1]}. Truly better arm: {better or 'neither'} (pooled z = "
                   f"{m['truth']['pooled_z']:.1f}). {m['replications_per_size']:,} simulated trials per size.")
        effect_words = "TRM difference B - A" if effect == "trm_difference" else "hazard ratio B/A"
        table = _table(["per arm", "power ± MC SE", "type S", "events", f"{effect_words}: median [95% of trials]",
                        "estimable"], rows, caption)
        return table + "".join(f"<p>{escape(line)}</p>" for line in sizes)

    def _compare_table(self, targets: dict[str, dict[str, float]]) -> str:
        summary = self._csv("compare.csv").set_index(["scenario", "outcome"])
        differences = self._csv("differences.csv").set_index(["scenario", "outcome"])
        wanted = set(key_outcomes(self.first)).union(*targets.values())
        rows = []
        for outcome in [o for o in dict.fromkeys(summary.index.get_level_values(1)) if o in wanted or o[:2] == "P("]:
            for letter, name in zip("ABCDEFGHIJ", self.scenarios):
                r = summary.loc[(name, outcome)]
                target = targets[name].get(outcome)
                rows.append([describe_outcome(outcome), letter, _estimate(r.estimate, r.mc_se),
                             _interval(r.lower, r.upper), "" if target is None else f"{target:.3f}"])
                if (name, outcome) in differences.index:
                    d = differences.loc[(name, outcome)]
                    rows.append(["", f"{letter}-A", _estimate(d.difference, d.mc_se, "+"), _interval(d.lower, d.upper, "+"),
                                 "" if pd.isna(d.published) else f"{d.published:+.3f}"])
        legend = "; ".join(f"{letter}: {name}" for letter, name in zip("ABCDEFGHIJ", self.scenarios))
        return _table(["outcome", "", "estimate ± MC SE", "95% of studies", "published"], rows,
                      f"{legend}. Rows B-A: the difference from A, paired by study, ± MC SE; its range is that of "
                      "the gap between two independent studies, one of each. compare.csv and differences.csv hold "
                      "every outcome.")

    def scenario_texts(self) -> list[str]:
        """Each scenario file as written (with its source comments) when recorded, else the resolved scenario."""
        files = self.manifest.get("scenario_files") or {}
        out = [f"<h3>{escape(path)}</h3><pre>{escape(text)}</pre>" for path, text in files.items()]
        command = self.manifest.get("command", [])
        overrides = [b for a, b in zip(command, command[1:]) if a.startswith("--set") or a == "--uncertainty"]
        if files and overrides:
            out.insert(0, f"<p>Changed on the command line: {escape(', '.join(overrides))}</p>")
        if not files:
            out += [f"<h3>{escape(name)} (resolved)</h3><pre>{escape(tomlkit.dumps(_without_none(raw)))}</pre>"
                    for name, raw in self._raw().items()]
        if (self.folder / "calibrated.toml").is_file():
            text = (self.folder / "calibrated.toml").read_text(encoding="utf-8")
            out.append(f"<h3>calibrated.toml</h3><pre>{escape(text)}</pre>")
        return out

    def provenance(self) -> str:
        m = self.manifest
        replications = m.get("replications") or m.get("replications_per_size") or "each scenario's own"
        rows = [["hsct-sim version", m.get("version", "")], ["command line", command_line(m.get("command", []))],
                ["seed", str(m.get("seed") if m.get("seed") is not None else "each scenario's own")],
                ["replications", str(replications)], ["wall time", f"{m.get('wall_seconds', 0):.1f} s"],
                ["written", _created(self.folder).strftime("%Y-%m-%d %H:%M UTC")],
                ["platform", m.get("platform", "not recorded")],
                ["Python, NumPy", f"{m.get('python', '')}, {m.get('numpy', '')}"],
                ["report built by", f"hsct-sim {__version__}"]]
        return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"

    def headline(self) -> str:
        """A line for the index: the outcomes a reader looks for first."""
        m = self.manifest
        if self.command in ("run", "calibrate"):
            summary = self._csv("summary.csv").set_index("outcome")
            shown = [o for o in key_outcomes(self.first) if o in summary.index][:4]
            text = ", ".join(f"{o} {summary.estimate[o]:.3f}" for o in shown)
            if self.command == "calibrate":
                fitted = ", ".join(f"{p} = {v:.4g}" for p, v in m["fitted"].items())
                text = f"{fitted} ({'reached' if m['reached'] else 'NOT reached'}); {text}"
            return text
        if self.command == "sweep":
            return f"{m['points']} grid points over {', '.join(m['parameters'])}"
        if self.command == "compare":
            summary = self._csv("compare.csv")
            outcome = next(o for o in key_outcomes(self.first) if o in set(summary.outcome))
            rows = summary[summary.outcome == outcome]
            return f"{outcome}: " + ", ".join(f"{l} {v:.3f}" for l, v in zip("ABCDEFGHIJ", rows.estimate))
        if self.command == "power":
            return "; ".join(f"{r.target_power:.0%} power: " + (f"{r.patients_per_arm:.0f} per arm"
                             if pd.notna(r.patients_per_arm) else "not reached")
                             for r in self._csv("sample_size.csv").itertuples())
        checks = self._csv("validation.csv")
        return f"{int(checks['passed'].sum())} of {len(checks)} checks passed"



def _index_row(folder: Path) -> str:
    """One row of outputs/index.html; a folder that cannot be read says so instead of breaking the index."""
    name = escape(folder.name)
    try:
        run = _Run(folder)
        cells = [run.command, ", ".join(run.scenarios) or "closed forms", run.headline()]
    except Exception as error:  # noqa: BLE001 - a folder from another version must not hide the others
        cells = ["", "", f"unreadable: {error}"]
    link = f'<a href="{name}/report.html">{name}</a>' if (folder / "report.html").is_file() else name
    date = _created(folder).strftime("%Y-%m-%d %H:%M")
    return "<tr>" + "".join(f"<td>{c}</td>" for c in [date, *map(escape, cells), link]) + "</tr>"


def _created(folder: Path) -> datetime:
    """When the run was written: its manifest's modification time."""
    return datetime.fromtimestamp((folder / "manifest.json").stat().st_mtime, timezone.utc)


def _figure_files(folder: Path) -> list[Path]:
    """The folder's PNGs, in the order of CAPTIONS (unknown ones last)."""
    def rank(path: Path) -> tuple[int, str]:
        order = [i for i, (pattern, _) in enumerate(CAPTIONS) if re.fullmatch(pattern, path.stem)]
        return (order[0] if order else len(CAPTIONS), path.name)

    return sorted(folder.glob("*.png"), key=rank)


def _figure(path: Path) -> str:
    """An embedded figure with its file name and a caption that says how to read it."""
    caption = "Figure written by the run."
    for pattern, text in CAPTIONS:
        match = re.fullmatch(pattern, path.stem)
        if match:
            caption = text.format(*(describe_outcome(g).replace("_", " ") for g in match.groups()))
            break
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(path.name)}">'
            f"<figcaption><strong>{escape(path.name)}.</strong> {escape(caption)}</figcaption></figure>")


def _estimate(estimate: float, se: float, sign: str = "") -> str:
    if pd.isna(estimate):
        return "not evaluable"
    return f"{estimate:{sign}.3f}" + ("" if pd.isna(se) else f" ± {se:.4f}")


def _interval(lower: float, upper: float, sign: str = "") -> str:
    return "" if pd.isna(lower) else f"[{lower:{sign}.3f}, {upper:{sign}.3f}]"


def _table(head: list[str], rows: list[list[str]], caption: str = "") -> str:
    """An HTML table (text escaped) that scrolls sideways on a phone instead of widening the page."""
    cap = f"<p>{escape(caption)}</p>" if caption else ""
    header = "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'{cap}<div class="scroll"><table>{header}{body}</table></div>'


def _frame(table: pd.DataFrame, caption: str) -> str:
    """Any CSV of the folder, numbers to 4 significant digits."""
    rows = [["" if pd.isna(v) else f"{v:.4g}" if isinstance(v, float) else str(v) for v in row]
            for row in table.itertuples(index=False)]
    return _table(list(table.columns), rows, caption)


def _without_none(value: Any) -> Any:
    """The resolved scenario without unset values, which TOML cannot hold."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None and v != {}}
    return value
