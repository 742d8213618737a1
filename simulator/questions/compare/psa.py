"""Probabilistic sensitivity analysis (PSA) of a comparison run with --uncertainty: each simulated study is one
draw of every parameter given with its evidence (probabilities, rates, costs, utilities), and its mean costs and
QALYs per patient over its cohort. Scenarios share a parameter's draw only where both cite the same evidence (the
same `source` and counts, engine/uncertainty.py); otherwise each draws its own.

A draw's means still carry first-order (patient-level) noise, the chance of which patients the cohort had:
its standard error is reported beside the draws' spread, and falls as 1 / sqrt(cohort size) (`--set
cohort.size=N`, or compare's `--cohort-size N`), so a PSA wants cohorts far larger than a trial's.

The acceptability curve (CEAC) is, at each willingness to pay lambda, the share of draws in which each option has
the highest net monetary benefit lambda Q - C; the expected value of perfect information (EVPI) per patient is
E[max over options of NMB] - max over options of E[NMB]: what resolving every uncertainty would be worth.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.engine.uncertainty import parameter_draws
from simulator.questions.compare.economics import EconomicRun
from simulator.scenario.evidence import fixed_values
from simulator.scenario.schema import Scenario

LETTERS = "ABCDEFGHIJ"


def net_benefit(costs: np.ndarray, qalys: np.ndarray, wtp: np.ndarray) -> np.ndarray:
    """(thresholds, draws, options): lambda Q - C for each threshold lambda, from (draws, options) arrays."""
    return wtp[:, np.newaxis, np.newaxis] * qalys[np.newaxis] - costs[np.newaxis]


def ceac(costs: np.ndarray, qalys: np.ndarray, wtp: np.ndarray) -> np.ndarray:
    """(thresholds, options): the share of draws in which each option has the highest net benefit (a tie goes to
    the first of the tied options)."""
    best = net_benefit(costs, qalys, wtp).argmax(axis=2)
    return np.stack([(best == option).mean(axis=1) for option in range(costs.shape[1])], axis=1)


def evpi(costs: np.ndarray, qalys: np.ndarray, wtp: np.ndarray) -> np.ndarray:
    """(thresholds,): expected value of perfect information per patient, E[max NMB] - max E[NMB]; never below 0
    (where one option wins every draw the two terms are equal, and rounding must not print -0)."""
    nmb = net_benefit(costs, qalys, wtp)
    return np.maximum(nmb.max(axis=2).mean(axis=1) - nmb.mean(axis=1).max(axis=1), 0.0)


def wtp_grid(wtp: Sequence[float]) -> np.ndarray:
    """Thresholds for the curves: 0 to four times the largest asked for (at least 100,000), and those asked for."""
    top = max(4 * max(wtp, default=0.0), 100000.0)
    return np.union1d(np.linspace(0.0, top, 201), np.asarray(wtp, dtype=float))


def draws_of(runs: Sequence[EconomicRun], name: str) -> np.ndarray:
    """(draws, options): an outcome of each simulated study (parameter draw) of each scenario."""
    return np.stack([r.values[name] for r in runs], axis=1)


def psa_table(runs: Sequence[EconomicRun], seed: int) -> pd.DataFrame:
    """psa.csv: one row per draw: each scenario's mean costs and QALYs (discounted) and their first-order SE,
    the increments against A, then every parameter each scenario drew (column "<letter>: <path>")."""
    table = pd.DataFrame({"draw": np.arange(len(runs[0].values["costs"]))})
    for letter, run in zip(LETTERS, runs):
        for name in ("costs", "qalys", "costs_first_order_se", "qalys_first_order_se"):
            table[f"{name}_{letter}"] = run.values[name]
    for letter in LETTERS[1:len(runs)]:
        table[f"incremental_costs_{letter}"] = table[f"costs_{letter}"] - table["costs_A"]
        table[f"incremental_qalys_{letter}"] = table[f"qalys_{letter}"] - table["qalys_A"]
    for letter, run in zip(LETTERS, runs):
        for path, values in parameter_draws(run.scenario, seed, range(len(table))).items():
            table[f"{letter}: {path}"] = values
    return table


def psa_lines(runs: Sequence[EconomicRun], wtp: Sequence[float]) -> list[str]:
    """The terminal's PSA block: probability each option is cost-effective and EVPI per patient at each threshold,
    and the first-order noise left in each draw against the spread of the draws."""
    costs, qalys = draws_of(runs, "costs"), draws_of(runs, "qalys")
    thresholds = np.asarray(wtp, dtype=float)
    currency = runs[0].scenario.economics.currency  # type: ignore[union-attr]  # a PSA needs [economics]
    shares, value = ceac(costs, qalys, thresholds), evpi(costs, qalys, thresholds)
    lines = [
        f"Probabilistic sensitivity analysis: {len(costs)} parameter draws (psa.csv, ce_plane.png, ceac.png, evpi.png)"
    ]
    for threshold, share, information in zip(thresholds, shares, value):
        best = ", ".join(f"{letter} {p:.0%}" for letter, p in zip(LETTERS, share))
        lines.append(f"  at {currency} {threshold:,.0f}/QALY: probability cost-effective {best}; "
                     f"EVPI {information:,.0f} {currency} per patient")
    for letter, run in zip(LETTERS, runs):
        noise = [float(np.nanmean(run.values[f"{n}_first_order_se"])) for n in ("costs", "qalys")]
        spread = [float(np.std(run.values[n], ddof=1)) for n in ("costs", "qalys")]
        lines.append(f"  {letter}: first-order (patient-level) SE within a draw: costs {noise[0]:,.0f}, QALYs "
                     f"{noise[1]:.3f}, against the draws' SD {spread[0]:,.0f} and {spread[1]:.3f}")
    lines.append("  (each draw simulates one cohort; --cohort-size N divides its first-order SE by about "
                 "sqrt(N / current size))")
    return lines + held_fixed_lines([run.scenario for run in runs])


def held_fixed_lines(scenarios: Sequence[Scenario], indent: str = "  ") -> list[str]:
    """Which values every draw keeps at their written number (no evidence given: assumptions), per scenario:
    the uncertainty the probabilities above leave out."""
    lines = [f"{indent}Held fixed in every draw (written as numbers, not evidence: the probabilities leave their "
             "uncertainty out):"]
    for letter, scenario in zip(LETTERS, scenarios):
        fixed = ", ".join(f"{path} = {value:g}" for path, value in fixed_values(scenario))
        lines.append(f"{indent}  {letter}: {fixed or 'none'}")
    return lines
