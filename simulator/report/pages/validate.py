"""validate's section: every check, closed-form or published, with its verdict."""

from __future__ import annotations

from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import estimate_cell, html_table, interval_cell


class ValidatePage(FolderPage):
    command = "validate"
    marker = "validation.csv"

    def question(self) -> str:
        parts = ["exact closed-form answers"] * bool(self.manifest.entries.get("closed_forms")) + (
            [f"the published figures of {', '.join(self.scenarios)}"] if self.scenarios else [])
        return f"Does the simulator reproduce {' and '.join(parts)}?"

    def warnings(self) -> list[str]:
        failed = self.csv("validation.csv").query("not passed")
        return [f"Check failed: {r.case}: {r.quantity}." for r in failed.itertuples()]

    def tables(self) -> list[str]:
        checks = self.csv("validation.csv")
        rows = [[f"{r.case}: {r.quantity}", f"{r.expected:.4f}", estimate_cell(r.simulated, r.mc_se),
                 f"{r.z:+.2f}" if r.part == "closed form" else interval_cell(r.lower, r.upper),
                 "pass" if r.passed else "FAIL"] for r in checks.itertuples()]
        return [html_table(["check", "exact or published", "simulated ± MC SE", "z, or 95% of studies", ""], rows,
                           f"{int(checks['passed'].sum())} of {len(checks)} checks passed")]

    def headline(self) -> str:
        checks = self.csv("validation.csv")
        return f"{int(checks['passed'].sum())} of {len(checks)} checks passed"
