"""voi's section: EVPPI at the thresholds asked for and EVSI/ENBS per trial size, read from evppi.csv, evsi.csv
and the manifest."""

from __future__ import annotations

from html import escape

import pandas as pd

from simulator.report.folder_page import FolderPage
from simulator.report.html_parts import html_table


class VoiPage(FolderPage):
    command = "voi"
    marker = "evppi.csv"  # before power's page: a voi folder with trial sizes also holds power.csv
    entries = {"scenarios": dict, "willingness_to_pay_per_qaly": list}

    def question(self) -> str:
        manifest = self.manifest.entries
        names = " and ".join(manifest["scenarios"])
        trial = ", and what would a randomised trial of each size be worth" if "trial" in manifest else ""
        return f"Which uncertainties about {names} are worth resolving{trial}?"

    def tables(self) -> list[str]:
        """EVPPI at the thresholds asked for, highest first; then EVSI and ENBS per trial size."""
        folder, manifest = self.folder, self.manifest.entries
        currency = next(iter(manifest["scenarios"].values()))["economics"]["currency"]
        asked = manifest["willingness_to_pay_per_qaly"]
        evppi = pd.read_csv(folder / "evppi.csv")
        evppi = evppi[evppi["wtp"].isin(asked)]
        population = manifest.get("population")
        out = []
        for threshold, rows in evppi.groupby("wtp", sort=True):
            rows = rows.sort_values("evppi", ascending=False)
            cells = [[r.parameters, r.kind, f"{r.evppi:,.0f} ± {r.evppi_se:,.0f}"]
                     + ([f"{r.evppi * population['discounted_patients']:,.0f}"] if population else [])
                     for r in rows.itertuples()]
            head = ["parameters", "kind", f"per patient ({currency}) ± SE"] + (["population"] if population else [])
            out.append(
                html_table(
                    head, cells, f"EVPPI at {currency} {threshold:,.0f} per QALY ({rows['draws'].iloc[0]:,} draws)"
                )
            )
        if population:
            out.append(f"<p>Population: {population['per_year']:,.0f} patients a year for {population['years']} years, "
                       f"discounted at {population['discount_rate']:.1%} a year: "
                       f"{population['discounted_patients']:,.0f} discounted patients.</p>")
        if (folder / "evsi.csv").is_file():
            evsi = pd.read_csv(folder / "evsi.csv")
            enbs = "enbs" in evsi
            cells = [[f"{r.patients_per_arm}", f"{r.wtp:,.0f}", f"{r.evsi:,.0f} ± {r.evsi_se:,.0f}"]
                     + ([f"{r.trial_cost:,.0f}", f"{r.enbs:,.0f} ± {r.enbs_se:,.0f}"] if enbs else [])
                     for r in evsi.itertuples()]
            head = ["per arm", "WTP", f"EVSI per patient ({currency})"] + (["trial cost", "ENBS"] if enbs else [])
            out.append(
                html_table(head, cells, f"EVSI of the simulated trial (statistics: {evsi['statistics'].iloc[0]})")
            )
            power = pd.read_csv(folder / "power.csv")
            out.append("<p>" + escape("Power by size: " + ", ".join(f"{r.patients_per_arm} per arm {r.power:.0%}"
                                                                   for r in power.itertuples())) + "</p>")
        return out

    def headline(self) -> str:
        folder, manifest = self.folder, self.manifest.entries
        evppi = pd.read_csv(folder / "evppi.csv")
        at = evppi[
            (evppi["wtp"] == manifest["willingness_to_pay_per_qaly"][0]) & (evppi["kind"] != "perfect information")
        ]
        top = at.sort_values("evppi", ascending=False).iloc[0]
        return f"highest EVPPI: {top.parameters} {top.evppi:,.0f} per patient at {top.wtp:,.0f}/QALY"
