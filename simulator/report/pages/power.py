"""power's section: power and the effect each trial would observe at each size, and the sizes needed."""

from __future__ import annotations

from html import escape

import pandas as pd

from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import estimate_cell, html_table, interval_cell


class PowerPage(FolderPage):
    command = "power"
    marker = "power.csv"
    entries = {"endpoint": str, "alpha": (int, float), "labels": list, "truth": dict, "replications_per_size": int}

    def warnings(self) -> list[str]:
        return super().warnings() + self.comparator_warnings()

    def question(self) -> str:
        m = self.manifest.entries
        names = " and ".join(f"the {name} protocol" for name in self.scenarios)
        return (f"How many patients per arm does a randomised trial need to tell {names} apart on "
                f"{m['endpoint'].upper()} at two-sided alpha {m['alpha']:g}?")

    def tables(self) -> list[str]:
        m, power = self.manifest.entries, self.csv("power.csv")
        effect = "trm_difference" if "trm_difference_median" in power else "hazard_ratio"
        rows = [[f"{r['patients_per_arm']}", estimate_cell(r["power"], r["power_mc_se"]),
                 "" if pd.isna(r["type_s_error"]) else f"{r['type_s_error']:.3f}", f"{r['events_median']:g}",
                 f"{r[effect + '_median']:.3g} {interval_cell(r[effect + '_lower'], r[effect + '_upper'])}",
                 f"{r[effect + '_estimable']:.0%}"] for r in power.to_dict("records")]
        sizes = [f"{r.target_power:.0%} power: " + (f"{r.patients_per_arm:.0f} per arm ({r.total_patients:.0f} in "
                 f"total), {r.note}" if pd.notna(r.patients_per_arm) else r.note)
                 for r in self.csv("sample_size.csv").itertuples()]
        better = m["truth"]["better_arm"]
        caption = (f"A: {m['labels'][0]}; B: {m['labels'][1]}. Truly better arm: {better or 'neither'} (pooled z = "
                   f"{m['truth']['pooled_z']:.1f}). {m['replications_per_size']:,} simulated trials per size.")
        effect_words = "TRM difference B - A" if effect == "trm_difference" else "hazard ratio B/A"
        table = html_table(["per arm", "power ± MC SE", "type S", "events", f"{effect_words}: median [95% of trials]",
                            "estimable"], rows, caption)
        return [table + "".join(f"<p>{escape(line)}</p>" for line in sizes)]

    def headline(self) -> str:
        return "; ".join(f"{r.target_power:.0%} power: " + (f"{r.patients_per_arm:.0f} per arm"
                         if pd.notna(r.patients_per_arm) else "not reached")
                         for r in self.csv("sample_size.csv").itertuples())
