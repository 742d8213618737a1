"""run's section: the summary (and, with --uncertainty, the widths with and without parameter uncertainty)."""

from __future__ import annotations

from simulator.outcomes.vocabulary import key_outcomes
from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import frame_table, html_table, number_cell, summary_table

UNCERTAINTY_HEAD = {"outcome": "outcome", "estimate": "with uncertainty: estimate", "mc_se": "MC SE",
                    "lower": "2.5%", "upper": "97.5%", "width": "width", "point_estimate": "at point estimates: "
                    "estimate", "point_mc_se": "MC SE", "point_lower": "2.5%", "point_upper": "97.5%",
                    "point_width": "width", "widening": "widening"}


class RunPage(FolderPage):
    command = "run"
    marker = "summary.csv"
    entries = {"replications": int}

    def question(self) -> str:
        s = self.first
        extra = ", with parameter uncertainty," if self.has("uncertainty.csv") else ""
        return (f"What would {self.manifest.replications:,} studies of {s.cohort.label} with the "
                f"{s.metadata.name} protocol{extra} report?")

    def tables(self) -> list[str]:
        out = [summary_table(self.csv("summary.csv"), self.first.targets, self.first.catalogue,
                             "Every outcome: estimate ± Monte Carlo SE, and the range of 95% of simulated studies.")]
        if self.has("parameters.csv"):
            out.append(frame_table(self.csv("parameters.csv"), "Uncertain parameters (parameters.csv): the point "
                                   "estimate, its evidence and the posterior 95% interval each study draws from."))
        if self.has("uncertainty.csv"):
            table = self.csv("uncertainty.csv")
            head = [UNCERTAINTY_HEAD.get(c, c.replace("_", " ")) for c in table.columns]
            rows = [[number_cell(v) for v in row] for row in table.itertuples(index=False)]
            out.append(html_table(head, rows, "With and without parameter uncertainty (uncertainty.csv): the same "
                                  "patients' random numbers; width is that of the range of 95% of studies."))
        return out

    def headline(self) -> str:
        summary = self.csv("summary.csv").set_index("outcome")
        shown = [o for o in key_outcomes(self.first) if o in summary.index][:4]
        return ", ".join(f"{o} {summary.estimate[o]:.3f}" for o in shown)
