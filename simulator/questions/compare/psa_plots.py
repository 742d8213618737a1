"""Figures of a probabilistic sensitivity analysis, as an HTA submission shows them: the cost-effectiveness
plane, the acceptability curve (CEAC) and the expected value of perfect information (EVPI) per patient."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from simulator.outcomes.vocabulary import colour, subtitle
from simulator.questions.compare.economics import EconomicRun, counted_over
from simulator.questions.compare.psa import LETTERS, ceac, draws_of, evpi, wtp_grid

THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}")


def _title(what: str, names: Sequence[str], runs: Sequence[EconomicRun], seed: int) -> str:
    draws = len(runs[0].values["costs"])
    return (f"{what}\n{' vs '.join(names)}\n"
            + subtitle(draws, [r.scenario.cohort for r in runs], per=" (parameter draws) per scenario",
                       note=f"seed {seed}; costs and QALYs {counted_over(runs[0].scenario)}"))


def _currency(runs: Sequence[EconomicRun]) -> str:
    e = runs[0].scenario.economics
    return "" if e is None else f"{e.currency}, {e.price_year} prices"


def ce_plane(names: Sequence[str], runs: Sequence[EconomicRun], wtp: Sequence[float], seed: int) -> Figure:
    """Each draw's incremental QALYs and costs against the first scenario, their mean, and the threshold lines:
    below a line (to the right of it) the scenario is cost-effective at that willingness to pay."""
    costs, qalys = draws_of(runs, "costs"), draws_of(runs, "qalys")
    figure = Figure(figsize=(8, 7))
    ax = figure.add_subplot()
    for option in range(1, len(runs)):
        dq, dc = qalys[:, option] - qalys[:, 0], costs[:, option] - costs[:, 0]
        ax.scatter(dq, dc, s=8, alpha=0.35, color=colour(option), lw=0,
                   label=f"{LETTERS[option]}: {names[option]}, one dot per draw")
        ax.plot(dq.mean(), dc.mean(), "D", color=colour(option), mec="black", ms=10, label=f"{LETTERS[option]}: mean")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(0, color="black", lw=0.8)
    x_low, x_high = ax.get_xlim()
    reach = np.array([min(x_low, 0.0), max(x_high, 0.0)])
    for number, threshold in enumerate(wtp):
        ax.plot(reach, threshold * reach, ls=("--", ":", "-.")[number % 3], color="grey",
                label=f"{threshold:,.0f} per QALY: cost-effective below the line")
    ax.set_xlim(float(reach[0]), float(reach[1]))
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set(xlabel=f"Incremental QALYs per patient against A: {names[0]} (discounted)",
           ylabel=f"Incremental costs per patient ({_currency(runs)}, discounted)")
    ax.set_title(_title("Cost-effectiveness plane", names, runs, seed), fontsize=9.5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1)
    figure.tight_layout()
    return figure


def ceac_figure(names: Sequence[str], runs: Sequence[EconomicRun], wtp: Sequence[float], seed: int) -> Figure:
    """The probability that each option is the most cost-effective, against the willingness to pay."""
    grid = wtp_grid(wtp)
    shares = ceac(draws_of(runs, "costs"), draws_of(runs, "qalys"), grid)
    figure = Figure(figsize=(8, 6))
    ax = figure.add_subplot()
    for option, name in enumerate(names):
        ax.plot(grid, shares[:, option], color=colour(option), lw=2, label=f"{LETTERS[option]}: {name}")
    for threshold in wtp:
        ax.axvline(threshold, color="grey", ls=":", lw=1)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlim=(0, grid[-1]), ylim=(-0.02, 1.02), xlabel=f"Willingness to pay per QALY gained ({_currency(runs)})",
           ylabel="Probability of being the most cost-effective")
    ax.set_title(_title("Cost-effectiveness acceptability curves", names, runs, seed)
                 + "\ndotted: the thresholds asked for (--wtp)", fontsize=9.5)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    figure.tight_layout()
    return figure


def evpi_figure(names: Sequence[str], runs: Sequence[EconomicRun], wtp: Sequence[float], seed: int) -> Figure:
    """The expected value of perfect information per patient, against the willingness to pay."""
    grid = wtp_grid(wtp)
    value = evpi(draws_of(runs, "costs"), draws_of(runs, "qalys"), grid)
    figure = Figure(figsize=(8, 5.5))
    ax = figure.add_subplot()
    ax.plot(grid, value, color="black", lw=2)
    for threshold in wtp:
        at = value[np.searchsorted(grid, threshold)]
        ax.axvline(threshold, color="grey", ls=":", lw=1)
        ax.annotate(f"{at:,.0f}", (threshold, at), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.yaxis.set_major_formatter(THOUSANDS)
    ax.set(xlim=(0, grid[-1]), ylim=(0, None), xlabel=f"Willingness to pay per QALY gained ({_currency(runs)})",
           ylabel=f"EVPI per patient ({_currency(runs)})")
    ax.set_title(_title("Expected value of perfect information per patient", names, runs, seed)
                 + "\nincludes the first-order noise left in each draw (see psa.csv)", fontsize=9.5)
    ax.grid(alpha=0.3)
    figure.tight_layout()
    return figure
