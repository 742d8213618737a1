"""compare's section: the key outcomes of every scenario with the difference from the first and how often
each would report the higher value, and, with [economics], the cost-effectiveness against the first."""

from __future__ import annotations

import math

import pandas as pd

from simulator.outcomes.vocabulary import share_words
from simulator.report.folder_page import LETTERS, FolderPage
from simulator.report.html_parts import estimate_cell, frame_table, html_table, interval_cell, is_money
from simulator.scenario.catalogue import description


class ComparePage(FolderPage):
    command = "compare"
    marker = "compare.csv"
    entries = {"replications": int}

    def warnings(self) -> list[str]:
        return super().warnings() + self.comparator_warnings()

    def question(self) -> str:
        names = " and ".join(f"the {name} protocol" for name in self.scenarios)
        return (f"How do {names} compare, in {self.manifest.replications:,} simulated studies of each with the "
                "same seed?")

    def tables(self) -> list[str]:
        return [self._outcome_table(), *self._economics_table(), *self._decision_tables()]

    def _decision_tables(self) -> list[str]:
        """With --structural and --sensitivity: the named alternatives and the one-way analysis, as written."""
        captions = {"structural.csv": "Structural alternatives (structural.csv): each run as the comparison itself",
                    "sensitivity.csv": "One-way sensitivity (sensitivity.csv): each parameter at the ends of its 95% "
                                       "interval"}
        return [frame_table(self.csv(name), caption) for name, caption in captions.items()
                if (self.folder / name).is_file()]

    def _outcome_table(self) -> str:
        summary = self.csv("compare.csv").set_index(["scenario", "outcome"])
        differences = self.csv("differences.csv").set_index(["scenario", "outcome"])
        present = set(summary.index.get_level_values(1))
        shown = [o for o in self.key_outcomes if o in present]
        shown += [o for o in dict.fromkeys(summary.index.get_level_values(1)) if o.startswith("P(")]
        rows, partial = [], False
        for outcome in shown:
            money = is_money(outcome, self.catalogue)
            for letter, name in zip(LETTERS, self.scenarios):
                r = summary.loc[(name, outcome)]
                target = self.scenarios[name].targets.get(outcome)
                flag = "" if pd.isna(r.evaluable) or r.evaluable >= 1 else f"{share_words(r.evaluable)} of studies"
                partial |= bool(flag)
                rows.append(
                    [
                        description(outcome, self.catalogue) if letter == "A" else "",
                        letter,
                        estimate_cell(r.estimate, r.mc_se, money=money),
                        interval_cell(r.lower, r.upper, money=money),
                        "" if target is None else f"{target:.3f}",
                        "",
                        flag,
                    ]
                )
                if (name, outcome) in differences.index:
                    d = differences.loc[(name, outcome)]
                    higher = ("" if pd.isna(d.higher) else
                              f"A {d.reference_higher:.0%}, {letter} {d.higher:.0%}")
                    rows.append(["", f"{letter}-A", estimate_cell(d.difference, d.mc_se, "+", money),
                                 interval_cell(d.lower, d.upper, "+", money),
                                 "" if pd.isna(d.published) else f"{d.published:+.3f}", higher, ""])
        legend = "; ".join(f"{letter}: {name}" for letter, name in zip(LETTERS, self.scenarios))
        head = ["outcome", "", "estimate ± MC SE", "95% of studies", "published", "higher in", "evaluable"]
        if not partial:  # the column stays when any scenario has a study that cannot estimate an outcome
            head, rows = head[:-1], [row[:-1] for row in rows]
        return html_table(head, rows, f"{legend}. Rows B-A: the difference from A, paired by study, ± MC SE; its "
                          "range is that of the gap between two independent studies, one of each. Higher in: the "
                          "share of such pairs in which each reports the higher value (the rest tie). Evaluable: "
                          "the share of studies that can estimate the outcome, where not all can; the estimate is "
                          "over those. compare.csv and differences.csv hold every outcome.")

    def _economics_table(self) -> list[str]:
        if not self.has("economics.csv") or self.first.economics is None:
            return []
        table, economics = self.csv("economics.csv"), self.first.economics
        increments, benefits, verdicts = [], [], []
        for letter, (_, scenario_rows) in zip(LETTERS[1:], table.groupby("scenario", sort=False)):
            r = scenario_rows.iloc[0]
            increments.append([f"{letter}-A", f"{r.incremental_costs:+,.0f} ± {r.incremental_costs_mc_se:,.0f}",
                               f"{r.incremental_qalys:+.3f} ± {r.incremental_qalys_mc_se:.3f}",
                               "" if math.isnan(r.icer) else f"{r.icer:,.0f}"])
            verdicts.append(f"{letter}-A: {r.verdict}.")
            benefits += [[f"{letter}-A", f"{t.wtp:,.0f}", f"{t.inmb:+,.0f} ± {t.inmb_mc_se:,.0f}",
                          f"{letter} cost-effective" if t.inmb > 0 else f"{letter} not cost-effective"]
                         for t in scenario_rows.itertuples()]
        over = "lifetime" if economics.horizon == "lifetime" else f"{self.first.simulation.horizon_years:g} years"
        money = f"{economics.currency}, {economics.price_year} prices, discounted, horizon {over}"
        return [html_table(["", "incremental costs ± MC SE", "incremental QALYs ± MC SE", f"ICER ({economics.currency}"
                            " per QALY)"], increments, f"Cost-effectiveness against A per patient ({money}; "
                            "economics.csv). The ICER is shown only where it is a ratio. " + " ".join(verdicts)),
                html_table(["", f"willingness to pay ({economics.currency} per QALY)", "INMB ± MC SE", ""], benefits,
                           "Incremental net monetary benefit (willingness to pay x incremental QALYs - incremental "
                           "costs): positive where the scenario is cost-effective against A.")]

    def headline(self) -> str:
        summary = self.csv("compare.csv")
        outcome = next((o for o in self.key_outcomes if o in set(summary.outcome)), summary.outcome.iloc[0])
        rows = summary[summary.outcome == outcome]
        return f"{outcome}: " + ", ".join(f"{letter} {v:.3f}" for letter, v in zip(LETTERS, rows.estimate))
