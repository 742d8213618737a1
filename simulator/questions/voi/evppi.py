"""EVPPI: the expected value of learning a parameter, or a group of them, exactly before deciding, per patient
and at each willingness to pay, by the regression metamodel of `metamodel` (Strong, Oakley and Brennan 2014)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from simulator.questions.voi.draws import PsaDraws
from simulator.questions.voi.value import information_value, perfect_information

EVPPI_COLUMNS = ["parameters", "kind", "members", "wtp", "evppi", "evppi_se", "method", "draws"]


def evppi_table(
    draws: PsaDraws, groups: dict[str, list[str]], wtp: Sequence[float] | np.ndarray, seed: int = 0
) -> pd.DataFrame:
    """One row per parameter (then group) and threshold, with EVPI from the draws themselves first."""
    thresholds = np.asarray(wtp, dtype=float)
    dc, dq = draws.incremental_costs, draws.incremental_qalys
    rows = []
    direct = perfect_information(dc, dq, thresholds)
    for threshold, value, se in zip(thresholds, direct.value, direct.se):
        rows.append(("EVPI", "perfect information", "", threshold, value, se, direct.method, len(dc)))
    wanted = [(name, "parameter", [name]) for name in draws.parameters]
    wanted += [(name, "group", members) for name, members in groups.items()]
    for name, kind, members in wanted:
        result = information_value(draws.matrix(members), dc, dq, thresholds, name, seed)
        for threshold, value, se in zip(thresholds, result.value, result.se):
            rows.append((name, kind, "; ".join(members), threshold, value, se, result.method, len(dc)))
    return pd.DataFrame(rows, columns=EVPPI_COLUMNS)
