"""Cost-effectiveness of each scenario against the first: incremental costs and QALYs, the ICER, and the
incremental net monetary benefit (INMB) at willingness-to-pay thresholds, as an HTA submission reports them.

Differences are paired by simulated study (common random numbers where the pathways share them), so their
Monte Carlo SE is that of the paired differences. An ICER is only a ratio in the north-east (more costly, more
effective) and south-west (cheaper, less effective) quadrants; elsewhere one option dominates the other and the
ratio, negative, means nothing, so it is left out and the verdict says which dominates. The INMB, lambda x
incremental QALYs - incremental costs, is defined everywhere and is positive exactly when the scenario is cost-
effective at lambda.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from simulator.errors import UserError
from simulator.scenario.schema import Scenario

ECONOMICS_COLUMNS = ["scenario", "reference", "currency", "wtp", "incremental_costs", "incremental_costs_mc_se",
                     "incremental_qalys", "incremental_qalys_mc_se", "icer", "verdict", "inmb", "inmb_mc_se"]


class EconomicRun(Protocol):
    """What the economics read of a run (RunResult has it)."""

    @property
    def scenario(self) -> Scenario: ...
    @property
    def values(self) -> dict[str, np.ndarray]: ...


def priced(scenarios: Sequence[Scenario]) -> bool:
    """Whether every scenario has [economics], in one currency (otherwise incremental costs mean nothing)."""
    tables = [s.economics for s in scenarios]
    if any(t is None for t in tables):
        return False
    currencies = sorted({t.currency for t in tables if t is not None})
    if len(currencies) > 1:
        raise UserError(
            f"compare: the scenarios' [economics] are priced in different currencies ({', '.join(currencies)}); "
            "convert them to one (economics.currency and its prices) before comparing costs"
        )
    horizons = sorted({horizon(s) for s in scenarios})
    if len(horizons) > 1:
        raise UserError(
            f"compare: the scenarios count costs and QALYs over different horizons ({', '.join(horizons)}); "
            "give them one (economics.horizon, and simulation.horizon_years for the study's)"
        )
    return True


def horizon(scenario: Scenario) -> str:
    """Over how long a scenario counts costs and QALYs, in words."""
    if scenario.economics is not None and scenario.economics.horizon == "lifetime":
        return "lifetime"
    return f"{scenario.simulation.horizon_years:g} years"


def counted_over(scenario: Scenario) -> str:
    """`horizon` for a figure's title: "over 7.5 years from enrolment", or "from enrolment until death"."""
    over = horizon(scenario)
    return "from enrolment until death (lifetime)" if over == "lifetime" else f"over {over} from enrolment"


def verdict(incremental_costs: float, incremental_qalys: float) -> tuple[float, str]:
    """The ICER and what it means: a ratio only where it is one (more costly and more effective, or cheaper and
    less effective), "dominant"/"dominated" where one option is better on both, NaN otherwise."""
    dc, dq = incremental_costs, incremental_qalys
    if dq > 0 and dc <= 0:
        return math.nan, "dominant (more QALYs, no higher costs)"
    if dq < 0 and dc >= 0:
        return math.nan, "dominated (fewer QALYs, no lower costs)"
    if dq > 0:
        return dc / dq, "ICER: extra cost per QALY gained"
    if dq < 0:
        return dc / dq, "ICER: saving per QALY lost (cheaper and less effective)"
    return math.nan, "equal QALYs: the cheaper option is preferred"


def economics_table(names: Sequence[str], runs: Sequence[EconomicRun], wtp: Sequence[float]) -> pd.DataFrame:
    """One row per scenario after the first and threshold: incremental costs and QALYs against the first with
    their MC SE, ICER and verdict, and INMB with its MC SE (discounted)."""
    reference, rows = runs[0], []
    currency = reference.scenario.economics.currency  # type: ignore[union-attr]  # callers check priced()
    for name, result in zip(names[1:], runs[1:]):
        dc = result.values["costs"] - reference.values["costs"]
        dq = result.values["qalys"] - reference.values["qalys"]
        icer, words = verdict(float(dc.mean()), float(dq.mean()))
        for threshold in wtp:
            nmb = threshold * dq - dc
            rows.append((name, names[0], currency, threshold, dc.mean(), _se(dc), dq.mean(), _se(dq), icer, words,
                         nmb.mean(), _se(nmb)))
    return pd.DataFrame(rows, columns=ECONOMICS_COLUMNS)


def _se(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / math.sqrt(len(values)))


def economics_lines(table: pd.DataFrame, over: str, letters: str = "BCDEFGHIJ") -> list[str]:
    """The terminal's cost-effectiveness block over the horizon `over`: one line of increments and ICER per
    scenario, one of INMB per threshold, and a warning where the QALY difference is within Monte Carlo error
    (the ICER is then unstable)."""
    lines = [f"Cost-effectiveness against A (discounted, per patient, horizon {over}; economics.csv):"]
    for letter, (_, rows) in zip(letters, table.groupby("scenario", sort=False)):
        row = rows.iloc[0]
        cur = row.currency
        ratio = "" if math.isnan(row.icer) else f" {cur} {row.icer:,.0f}"
        lines.append(f"  {letter}-A: costs {row.incremental_costs:+,.0f} ± {row.incremental_costs_mc_se:,.0f} {cur}, "
                     f"QALYs {row.incremental_qalys:+.3f} ± {row.incremental_qalys_mc_se:.3f}; "
                     f"{row.verdict}{ratio}")
        if abs(row.incremental_qalys) < 2 * row.incremental_qalys_mc_se:
            lines.append("       the QALY difference is within 2 MC SE of 0: the ICER is unstable; add replications")
        for r in rows.itertuples():
            effective = "cost-effective" if r.inmb > 0 else "not cost-effective"
            if abs(r.inmb) < 2 * r.inmb_mc_se:
                effective += ", within 2 MC SE of 0: add replications to tell"
            lines.append(f"       at {cur} {r.wtp:,.0f}/QALY: INMB {r.inmb:+,.0f} ± {r.inmb_mc_se:,.0f} {cur} "
                         f"({letter} {effective})")
    return lines
