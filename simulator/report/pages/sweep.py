"""sweep's section: the key outcomes at each grid point."""

from __future__ import annotations

from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import estimate_cell, html_table


class SweepPage(FolderPage):
    command = "sweep"
    marker = "sweep.csv"
    entries = {"points": int, "parameters": dict, "replications": int}

    def question(self) -> str:
        m = self.manifest.entries
        return (f"How do the outcomes of {self.first.metadata.name} change across {m['points']} values of "
                f"{' and '.join(m['parameters'])}, with {self.manifest.replications:,} simulated studies at each?")

    def tables(self) -> list[str]:
        sweep, paths = self.csv("sweep.csv"), list(self.manifest.entries["parameters"])
        present = set(sweep["outcome"])
        shown = [o for o in self.key_outcomes if o in present] + [o for o in dict.fromkeys(sweep["outcome"])
                                                                   if o.startswith("P(")]
        rows = []
        for point, table in sweep.groupby(paths, sort=False):
            cells = table.set_index("outcome")
            rows.append([f"{v:g}" if isinstance(v, float) else str(v) for v in point] + [
                estimate_cell(*cells.loc[o, ["estimate", "mc_se"]]) + ("*" if cells.loc[o, "evaluable"] < 1 else "")
                if o in cells.index else "unlimited" for o in shown])
        note = "* not every simulated study can estimate it there; sweep.csv holds every outcome and its range"
        return [html_table([*paths, *shown], rows, f"Estimate ± MC SE at each grid point. {note}")]

    def headline(self) -> str:
        m = self.manifest.entries
        return f"{m['points']} grid points over {', '.join(m['parameters'])}"
