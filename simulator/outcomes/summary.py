"""Aggregation across simulated studies: the Monte Carlo estimate, its error, and the spread of studies."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from simulator.outcomes.vocabulary import share_words

if TYPE_CHECKING:  # loaded when a summary is first made: a run's figures need this module, not pandas
    import pandas as pd

SUMMARY_COLUMNS = ["outcome", "estimate", "mc_se", "lower", "upper", "evaluable"]
# below this share of studies able to estimate an outcome, figures shade the curve (report and explorer alike)
MIN_EVALUABLE = 0.95


class StatisticalWarning(UserWarning):
    """Something about the numbers the user should know, e.g. studies too small to estimate an outcome."""


def summarise(values: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per outcome: `estimate` (mean over studies), `mc_se` (its Monte Carlo standard error),
    `lower`/`upper` (2.5 and 97.5 percentiles: the range of what a study of this size would report) and
    `evaluable` (the share of studies that can estimate it at all).

    A study cannot estimate an outcome when nobody in it is in the analysis set (e.g. nobody transplanted)
    or still observed at a landmark; the other columns are over the evaluable studies only, and are NaN
    when there is none (see `warn_if_not_evaluable`).
    """
    rows = []
    for outcome, every in values.items():
        v = every[np.isfinite(every)]
        evaluable = len(v) / len(every) if len(every) else np.nan
        if len(v) == 0:
            rows.append((outcome, np.nan, np.nan, np.nan, np.nan, evaluable))
            continue
        se = v.std(ddof=1) / np.sqrt(len(v)) if len(v) > 1 else np.nan
        lower, upper = np.percentile(v, [2.5, 97.5])
        rows.append((outcome, v.mean(), se, lower, upper, evaluable))
    import pandas as pd

    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def warn_if_not_evaluable(summary: pd.DataFrame) -> None:
    """One warning line naming every outcome that some studies cannot estimate (worst share over the rows of
    a sweep or comparison), so nobody reads a landmark past the data as if every study had reported it."""
    worst = summary.dropna(subset=["evaluable"]).groupby("outcome", sort=False)["evaluable"].min()
    partial = worst[worst < 1]
    if partial.empty:
        return
    shares = ", ".join(f"{outcome} {share_words(share)}" for outcome, share in partial.items())
    warnings.warn(
        f"not every simulated study can estimate these outcomes (share that can: {shares}); estimates are "
        "over those that can. A study reports nothing when nobody is in the outcome's analysis set (e.g. "
        "nobody transplanted, nobody queued) or still followed at its landmark (lengthen "
        "cohort.followup_after_accrual_years or drop the landmark)",
        StatisticalWarning,
        stacklevel=2,
    )
