"""Aggregation across simulated studies: the Monte Carlo estimate, its error, and the spread of studies."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

SUMMARY_COLUMNS = ["outcome", "estimate", "mc_se", "lower", "upper"]


class StatisticalWarning(UserWarning):
    """Something about the numbers the user should know, e.g. studies too small to estimate an outcome."""


def summarise(values: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per outcome: `estimate` (mean over studies), `mc_se` (its Monte Carlo standard error) and
    `lower`/`upper` (2.5 and 97.5 percentiles: the range of what a study of this size would report).

    Studies where an outcome cannot be estimated (e.g. nobody transplanted) are left out of that outcome.
    """
    rows = []
    for outcome, v in values.items():
        v = v[np.isfinite(v)]
        if len(v) < len(values[outcome]):
            warnings.warn(
                f"{outcome}: {len(values[outcome]) - len(v)} of {len(values[outcome])} studies could not "
                "estimate it (no patient in its analysis set) and are left out",
                StatisticalWarning,
                stacklevel=2,
            )
        if len(v) == 0:
            rows.append((outcome, np.nan, np.nan, np.nan, np.nan))
            continue
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else np.nan
        lower, upper = np.percentile(v, [2.5, 97.5])
        rows.append((outcome, v.mean(), se, lower, upper))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
