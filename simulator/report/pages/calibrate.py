"""calibrate's section: the fitted values with their interval from the targets (or "not identified"), and the
targets at the fitted values."""

from __future__ import annotations

import math

from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import estimate_cell, html_table, interval_cell
from simulator.scenario.catalogue import description


class CalibratePage(FolderPage):
    command = "calibrate"
    marker = "fit.csv"
    entries = {"targets": list, "free": list, "fitted": dict, "fitted_mc_se": dict, "fitted_se": dict, "reached": bool}

    def question(self) -> str:
        m = self.manifest.entries
        targets = ", ".join(f"{t['outcome']} = {t['value']:g}" for t in m["targets"])
        return (f"Which values of {', '.join(p['path'] for p in m['free'])} make {self.first.metadata.name} "
                f"reproduce the published {targets}?")

    def warnings(self) -> list[str]:
        found = []
        if not self.manifest.entries["reached"]:
            missed = self.csv("fit.csv").query("not reached")["outcome"]
            found.append(f"Calibration did not reach every target: {', '.join(missed)} (see the fit table).")
        if self.has("parameters.csv"):
            loose = self.csv("parameters.csv").query("not identified")["parameter"]
            if len(loose):
                found.append(f"Not identified by the targets: {', '.join(loose)}. Its 95% interval from the "
                             "targets' sampling error is wider than the bounds searched (or than a factor of 50): "
                             "the targets do not pin it down, whatever its fitted value.")
        return found

    def tables(self) -> list[str]:
        m = self.manifest.entries
        if self.has("parameters.csv"):
            rows = [[r.parameter, f"[{r.low:g}, {r.high:g}]", f"{r.fitted:.4g} ± {r.mc_se:.2g}",
                     f"[{r.lower:.4g}, {r.upper:.4g}]" if r.identified else "not identified",
                     f"at the {r.at_bound} bound" if isinstance(r.at_bound, str) else ""]
                    for r in self.csv("parameters.csv").itertuples()]
        else:  # a folder written before parameters.csv: the SE only
            rows = [[p["path"], f"[{p['low']:g}, {p['high']:g}]", f"{m['fitted'][p['path']]:.4g} ± "
                     f"{m['fitted_mc_se'][p['path']]:.2g}", _se_words(m["fitted_se"][p["path"]]), ""]
                    for p in m["free"]]
        fit = self.csv("fit.csv")
        outcomes = [[description(r.outcome, self.catalogue), f"{r.target:.3f}", estimate_cell(r.achieved, r.mc_se),
                     interval_cell(r.lower, r.upper), f"{r.residual:+.4f}", "reached" if r.reached else "NOT REACHED"]
                    for r in fit.itertuples()]
        return [html_table(["parameter", "bounds", "fitted ± MC SE", "95% interval from the targets", ""], rows,
                           "Fitted values: ± Monte Carlo SE (how the fit would move with another seed), and the "
                           "95% interval from the targets' own sampling error."),
                html_table(["outcome", "target", "achieved ± MC SE", "95% of studies", "residual", ""], outcomes,
                           "Targets at the fitted values"),
                "<p>calibrated.toml holds the scenario with the fitted values; it is shown below.</p>"]

    def headline(self) -> str:
        m = self.manifest.entries
        summary = self.csv("summary.csv").set_index("outcome")
        shown = [o for o in self.key_outcomes if o in summary.index][:4]
        fitted = ", ".join(f"{p} = {v:.4g}" for p, v in m["fitted"].items())
        return (f"{fitted} ({'reached' if m['reached'] else 'NOT reached'}); "
                + ", ".join(f"{o} {summary.estimate[o]:.3f}" for o in shown))


def _se_words(se: float) -> str:
    return "not identified" if not math.isfinite(se) else f"SE {se:.3g}"
