"""The optional per-patient event log: one row per simulated patient, as a study's database would hold it."""

from __future__ import annotations

import numpy as np

from simulator.engine.histories import Histories
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario

COLUMNS = (
    "replication",
    "patient",
    "enrolment_day",
    "reinfusion_day",
    "relapse_day",
    "death_day",
    "death_cause",
    "death_stage",
    "last_followup_day",
)


def patient_log(scenario: Scenario, h: Histories, replications: range) -> dict[str, np.ndarray]:
    """Columns of the log (COLUMNS, and `non_response_day` after `relapse_day` where the scenario has
    non-response): days since the study's first enrolment, NaN (or None, stored as null) where the
    event did not happen before the data cut-off (or the patient's loss to follow-up)."""
    cutoff = scenario.cohort.cutoff_years * DAYS_PER_YEAR
    end = h.observed_until(cutoff)  # the cut-off, or loss to follow-up
    first = h.enrolment.min(axis=1, keepdims=True)

    def seen(times: np.ndarray) -> np.ndarray:
        return np.where(times <= end, times - first, np.nan).ravel()

    died = (h.death <= end).ravel()
    stages = np.array(h.stage_labels + [None], dtype=object)
    causes = np.array(h.cause_labels + [None], dtype=object)
    n_rows, n = h.enrolment.shape
    columns = {
        "replication": np.repeat(np.asarray(replications, dtype=np.int64), n),
        "patient": np.tile(np.arange(n, dtype=np.int64), n_rows),
        "enrolment_day": seen(h.enrolment),
        "reinfusion_day": seen(h.reinfusion),
        "relapse_day": seen(h.relapse),
        **({} if h.non_response is None else {"non_response_day": seen(h.non_response)}),  # with non-response only
        "death_day": seen(h.death),
        "death_cause": np.where(died, causes[h.death_cause.ravel()], None),
        "death_stage": np.where(died, stages[h.death_stage.ravel()], None),
        "last_followup_day": (np.minimum(h.death, end) - first).ravel(),
    }
    referred = np.isfinite(h.enrolment).ravel()  # open referrals leave unused patient slots
    return {name: column[referred] for name, column in columns.items()}
