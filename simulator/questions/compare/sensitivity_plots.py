"""The tornado diagram of a one-way sensitivity analysis (tornado.png), drawn on the INMB so that it stays right
when a parameter changes the direction of the comparison."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.outcomes.vocabulary import colour

MAX_BARS = 15
LABEL_WIDTH = 48  # characters of a parameter's label per line
THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}")


def tornado(table: pd.DataFrame, names: Sequence[str], currency: str) -> Figure:
    """Per parameter, largest swing on top: a bar from the base INMB (B against A, at the first threshold) to the
    INMB with the parameter at the low end of its 95% interval, and one to the high end, in two colours; the base
    INMB and zero (where the decision flips) as vertical lines. Both bars start at the base, so the base lies
    inside every bar by construction."""
    rows = table[(table.scenario == "B") & (table.wtp == table.wtp.iloc[0])].head(MAX_BARS).iloc[::-1]
    threshold, base = float(rows.wtp.iloc[0]), float(rows.base_inmb.iloc[0])
    figure = Figure(figsize=(10, 2.8 + 0.45 * len(rows)), layout="constrained")
    ax = figure.add_subplot()
    for y, row in enumerate(rows.itertuples()):
        for value, inmb, number, end, shift in ((row.low_value, row.inmb_at_low, 1, "low", -0.17),
                                                 (row.high_value, row.inmb_at_high, 2, "high", 0.17)):
            ax.barh(y + shift, inmb - base, left=base, height=0.34, color=colour(number), alpha=0.85,
                    label=f"parameter at the {end} end of its 95% interval" if y == 0 else None)
            ax.annotate(
                f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}",
                (inmb, y + shift),
                xytext=(3 if inmb >= base else -3, 0),
                textcoords="offset points",
                ha="left" if inmb >= base else "right",
                va="center",
                fontsize=7,
            )
    ax.axvline(base, color="black", lw=1, label=f"base case: INMB {base:+,.0f}")
    ax.axvline(0, color="grey", lw=1, ls="--", label="INMB 0: the decision flips across this line")
    labels = [
        textwrap.fill(f"{p}{' *' if f else ''}", LABEL_WIDTH) for p, f in zip(rows.parameter, rows.flips_decision)
    ]
    ax.set_yticks(range(len(rows)), labels, fontsize=7.5)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.set_xlabel(f"Incremental net monetary benefit of B against A at {currency} {threshold:,.0f}/QALY\n"
                  f"({currency} per patient; right of 0: B cost-effective)")
    ax.set_title(textwrap.fill(f"One-way sensitivity: {names[1]} (B) against {names[0]} (A)", 90)
                 + "\neach parameter at the ends of its 95% interval, the others at their point estimates "
                 "(* flips the decision)", fontsize=9.5)
    ax.grid(axis="x", alpha=0.3)
    ax.margins(x=0.12)
    figure.legend(*ax.get_legend_handles_labels(), fontsize=7.5, loc="outside lower center", ncol=2)
    return figure
