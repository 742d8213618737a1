"""A run folder read back for report.html: its command, manifest, tables, scenarios and sections."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd
import tomlkit

from simulator import __version__
from simulator.outcomes.vocabulary import command_line, key_outcomes
from simulator.report.html_parts import (
    COMMAND_FILES,
    created,
    estimate_cell,
    frame_table,
    html_table,
    interval_cell,
    is_money,
    summary_table,
    without_none,
)
from simulator.scenario.catalogue import Outcome, description
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.schema import Scenario

SCENARIO_KEYS = ("scenario", "scenario_a", "scenario_b")


def read_manifest(folder: Path) -> dict[str, Any]:
    """folder/manifest.json, checked to have the shape hsct-sim writes (a JSON object whose command line is a list
    of words and whose scenarios are tables); a ValueError saying what is wrong otherwise."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(manifest, dict):
        raise ValueError(f"manifest.json holds a {type(manifest).__name__}, not the object hsct-sim writes")
    command = manifest.get("command", [])
    if not isinstance(command, list) or not all(isinstance(word, str) for word in command):
        raise ValueError("manifest.json: `command` is not a list of words")
    listed = manifest.get("scenarios", [])
    scenarios = [manifest[key] for key in SCENARIO_KEYS if key in manifest]
    scenarios += list(listed.values()) if isinstance(listed, dict) else listed if isinstance(listed, list) else [None]
    if not all(isinstance(raw, dict) for raw in scenarios):
        raise ValueError("manifest.json: a scenario is not a table of the scenario's values")
    if not scenarios and not manifest.get("closed_forms"):
        raise ValueError("manifest.json names no scenario")
    return manifest


class FolderPage:
    """A run folder read back: its command, manifest, tables and scenarios."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: dict[str, Any] = read_manifest(folder)
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

    @property
    def catalogue(self) -> dict[str, Outcome]:
        """The outcomes of every scenario of the folder (a sweep's grid points may differ; their tables and
        figures are of the base scenario's outcomes)."""
        return {name: outcome for s in self.scenarios.values() for name, outcome in s.catalogue.items()}

    def question(self) -> str:
        """The question the command answered, in one sentence."""
        if not self.scenarios:  # validate's closed-form suite alone
            return "Does the simulator reproduce exact closed-form answers?"
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
        first = next(iter(targets.values()), {})  # none in validate's closed-form suite alone
        if self.command == "run":
            out = [summary_table(self._csv("summary.csv"), first, self.first.catalogue)]
            out += [frame_table(self._csv(n), n) for n in ("uncertainty.csv", "parameters.csv") if (self.folder / n).is_file()]
            return out
        if self.command == "sweep":
            return [self._sweep_table()]
        if self.command == "compare":  # with the decision's sensitivity, when compare ran it
            decision = [frame_table(self._csv(n), n) for n in ("structural.csv", "sensitivity.csv")
                        if (self.folder / n).is_file()]
            return [self._compare_table(targets), *decision]
        if self.command == "power":
            return [self._power_table()]
        if self.command == "calibrate":
            m = self.manifest
            rows = [[p["path"], f"[{p['low']:g}, {p['high']:g}]", f"{m['fitted'][p['path']]:.4g} ± "
                     f"{m['fitted_mc_se'][p['path']]:.2g}", f"{m['fitted_se'][p['path']]:.3g}"] for p in m["free"]]
            fit = self._csv("fit.csv")
            outcomes = [[description(r.outcome, self.catalogue), f"{r.target:.3f}", estimate_cell(r.achieved, r.mc_se),
                         interval_cell(r.lower, r.upper), f"{r.residual:+.4f}", "reached" if r.reached else "NOT REACHED"]
                        for r in fit.itertuples()]
            return [html_table(["parameter", "bounds", "fitted ± MC SE", "SE from the targets"], rows, "Fitted values"),
                    html_table(["outcome", "target", "achieved ± MC SE", "95% of studies", "residual", ""], outcomes,
                           "Targets at the fitted values"),
                    "<p>calibrated.toml holds the scenario with the fitted values; it is shown below.</p>"]
        checks = self._csv("validation.csv")
        rows = [[f"{r.case}: {r.quantity}", f"{r.expected:.4f}", estimate_cell(r.simulated, r.mc_se),
                 f"{r.z:+.2f}" if r.part == "closed form" else interval_cell(r.lower, r.upper),
                 "pass" if r.passed else "FAIL"] for r in checks.itertuples()]
        return [html_table(["check", "exact or published", "simulated ± MC SE", "z, or 95% of studies", ""], rows,
                       f"{int(checks['passed'].sum())} of {len(checks)} checks passed")]

    def _sweep_table(self) -> str:
        sweep, paths = self._csv("sweep.csv"), list(self.manifest["parameters"])
        shown = [o for o in dict.fromkeys(sweep["outcome"])
                 if (self.folder / f"sweep_{o}.png").is_file() or o.startswith("P(")]
        rows = []
        for point, table in sweep.groupby(paths, sort=False):
            cells = table.set_index("outcome")
            rows.append([f"{v:g}" if isinstance(v, float) else str(v) for v in point] + [
                estimate_cell(*cells.loc[o, ["estimate", "mc_se"]]) + ("*" if cells.loc[o, "evaluable"] < 1 else "")
                if o in cells.index else "unlimited" for o in shown])
        note = "* not every simulated study can estimate it there; sweep.csv holds every outcome and its range"
        return html_table([*paths, *shown], rows, f"Estimate ± MC SE at each grid point. {note}")

    def _power_table(self) -> str:
        m, power = self.manifest, self._csv("power.csv")
        effect = "trm_difference" if "trm_difference_median" in power else "hazard_ratio"
        rows = [[f"{r['patients_per_arm']}", estimate_cell(r["power"], r["power_mc_se"]),
                 "" if pd.isna(r["type_s_error"]) else f"{r['type_s_error']:.3f}", f"{r['events_median']:g}",
                 f"{r[effect + '_median']:.3g} {interval_cell(r[effect + '_lower'], r[effect + '_upper'])}",
                 f"{r[effect + '_estimable']:.0%}"] for r in power.to_dict("records")]
        sizes = [f"{r.target_power:.0%} power: " + (f"{r.patients_per_arm:.0f} per arm ({r.total_patients:.0f} in "
                 f"total), {r.note}" if pd.notna(r.patients_per_arm) else r.note)
                 for r in self._csv("sample_size.csv").itertuples()]
        better = m["truth"]["better_arm"]
        caption = (f"A: {m['labels'][0]}; B: {m['labels'][1]}. Truly better arm: {better or 'neither'} (pooled z = "
                   f"{m['truth']['pooled_z']:.1f}). {m['replications_per_size']:,} simulated trials per size.")
        effect_words = "TRM difference B - A" if effect == "trm_difference" else "hazard ratio B/A"
        table = html_table(["per arm", "power ± MC SE", "type S", "events", f"{effect_words}: median [95% of trials]",
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
                money = is_money(outcome, self.catalogue)
                rows.append([description(outcome, self.catalogue), letter, estimate_cell(r.estimate, r.mc_se, money=money),
                             interval_cell(r.lower, r.upper, money=money), "" if target is None else f"{target:.3f}"])
                if (name, outcome) in differences.index:
                    d = differences.loc[(name, outcome)]
                    rows.append(["", f"{letter}-A", estimate_cell(d.difference, d.mc_se, "+", money),
                                 interval_cell(d.lower, d.upper, "+", money),
                                 "" if pd.isna(d.published) else f"{d.published:+.3f}"])
        legend = "; ".join(f"{letter}: {name}" for letter, name in zip("ABCDEFGHIJ", self.scenarios))
        return html_table(["outcome", "", "estimate ± MC SE", "95% of studies", "published"], rows,
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
            out += [f"<h3>{escape(name)} (resolved)</h3><pre>{escape(tomlkit.dumps(without_none(raw)))}</pre>"
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
                ["written", created(self.folder).strftime("%Y-%m-%d %H:%M UTC")],
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
