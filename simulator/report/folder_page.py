"""A run folder read back for report.html and the index: what every command's folder has (its typed manifest,
scenarios, the table the terminal printed, scenario files, provenance). Each command's own section (its question,
tables, warnings and index headline) is a subclass in report/pages/, chosen by the file that marks its folder,
which names the manifest entries it reads (`entries`), checked once when the manifest is read."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import ClassVar

import pandas as pd
import tomlkit

from simulator.outcomes.vocabulary import command_line, share_words, shared_key_outcomes
from simulator.report.html_parts import PRINTED, created, without_none
from simulator.report.manifest import Entries, Manifest, read_manifest
from simulator.scenario.catalogue import Outcome
from simulator.scenario.comparator import comparator_notes
from simulator.scenario.schema import Scenario
from simulator.version import __version__

LETTERS = "ABCDEFGHIJ"


class FolderPage:
    """A run folder read back: its manifest, scenarios and tables. Subclasses name the file that marks their
    command's folder (`marker`) and write its question, tables, warnings and headline."""

    command: ClassVar[str] = ""
    marker: ClassVar[str] = ""
    entries: ClassVar[Entries] = {}  # the command's own manifest entries the page reads, with their JSON types

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.manifest: Manifest = read_manifest(folder, self.entries)
        self.scenarios: dict[str, Scenario] = dict(self.manifest.scenarios)
        names = ", ".join(s.metadata.name for s in self.scenarios.values()) or "closed forms"
        self.title = f"hsct-sim {self.command}: {names}"

    def csv(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / name)

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    @property
    def first(self) -> Scenario:
        return next(iter(self.scenarios.values()))

    @property
    def catalogue(self) -> dict[str, Outcome]:
        """The outcomes of every scenario of the folder (a sweep's grid points may differ; their tables and
        figures are of the base scenario's outcomes)."""
        return {name: outcome for s in self.scenarios.values() for name, outcome in s.catalogue.items()}

    @property
    def key_outcomes(self) -> list[str]:
        """The outcomes the terminal's table showed: as recorded in the manifest, else every scenario's key ones."""
        recorded = self.manifest.shown_outcomes
        return list(recorded) if recorded is not None else shared_key_outcomes(list(self.scenarios.values()))

    def question(self) -> str:
        """The question the command answered, in one sentence."""
        raise NotImplementedError

    def tables(self) -> list[str]:
        """The command's tables as HTML, every number formatted as the terminal formats it."""
        raise NotImplementedError

    def headline(self) -> str:
        """A line for the index: the outcomes a reader looks for first."""
        raise NotImplementedError

    def warnings(self) -> list[str]:
        """What a reader must know before trusting the numbers: outcomes not every study can estimate, and the
        scenarios' extrapolation; a page adds its command's own."""
        found = []
        for name in ("summary.csv", "sweep.csv", "compare.csv"):
            if self.has(name):
                table = self.csv(name)
                partial = table[table["evaluable"] < 1].groupby("outcome", sort=False)["evaluable"].min()
                if len(partial):
                    shares = ", ".join(f"{o} {share_words(share)}" for o, share in partial.items())
                    found.append(f"Not every simulated study can estimate these outcomes (smallest share that can: "
                                 f"{shares}); their estimates are over the studies that can.")
        found += [s.extrapolation for s in self.scenarios.values() if s.extrapolation]
        return found

    def comparator_warnings(self) -> list[str]:
        """What a comparison with an external comparator can and cannot show (the pages of comparisons add it)."""
        return comparator_notes(list(self.scenarios), [s.metadata.external_comparator for s in self.scenarios.values()])

    def printed(self) -> str | None:
        """The table the terminal printed, word for word, when the folder recorded it."""
        return (self.folder / PRINTED).read_text(encoding="utf-8") if self.has(PRINTED) else None

    def figure_order(self) -> list[str]:
        """The figures in the order the run drew them (most important first), when recorded."""
        return list(self.manifest.figures)

    def settings(self) -> str:
        """What the command line changed in the scenario (--set, --uncertainty), for the index."""
        words = self.manifest.command
        changed = [b for a, b in zip(words, words[1:]) if a == "--set"]
        changed += ["--uncertainty"] * ("--uncertainty" in words)
        return ", ".join(changed)

    def scenario_texts(self) -> list[str]:
        """Each scenario file as written (with its source comments) when recorded, else the resolved scenario."""
        files = self.manifest.scenario_files
        out = [f"<h3>{escape(path)}</h3><pre>{escape(text)}</pre>" for path, text in files.items()]
        if files and self.settings():
            out.insert(0, f"<p>Changed on the command line: {escape(self.settings())}</p>")
        if not files:
            out += [f"<h3>{escape(name)} (resolved)</h3><pre>{escape(tomlkit.dumps(without_none(raw)))}</pre>"
                    for name, raw in self.manifest.raw_scenarios.items()]
        if not out:
            out.append("<p>No scenario file: the closed-form cases are built into hsct-sim.</p>")
        if self.has("calibrated.toml"):
            text = (self.folder / "calibrated.toml").read_text(encoding="utf-8")
            out.append(f"<h3>calibrated.toml</h3><pre>{escape(text)}</pre>")
        return out

    def provenance(self) -> str:
        m = self.manifest
        replications = m.replications or m.entries.get("replications_per_size") or "each scenario's own"
        rows = [["hsct-sim version", m.version], ["command line", command_line(list(m.command))],
                ["seed", str(m.seed if m.seed is not None else "each scenario's own")],
                ["replications", str(replications)], ["wall time", f"{m.wall_seconds:.1f} s"],
                ["written", created(self.folder).strftime("%Y-%m-%d %H:%M UTC")],
                ["platform", "not recorded" if m.platform is None else m.platform],
                ["Python, NumPy", f"{m.python}, {m.numpy}"],
                ["report built by", f"hsct-sim {__version__}"]]
        return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"
