"""What each simulated study would report, defined as the papers define it (docs/outcomes.md).

A study sees events only up to its data cut-off: patients enrolled late are censored early.
Survival from reinfusion is among transplanted patients; intention-to-treat survival is from enrolment and
keeps patients who leave the pathway at risk to the cut-off; relapse is a cumulative incidence with death
competing (Aalen-Johansen), not 1 - KM. A Kaplan-Meier value past a study's last observation is NaN.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from simulator.engine.histories import FOLLOW_UP, OFF_PATHWAY, OTHER_CAUSES, Histories
from simulator.outcomes.capacity import (
    occupancy_grid_days,
    occupancy_over_time,
    resource_outcomes,
    wait_histogram,
    window_days,
)
from simulator.outcomes.economics import economic_outcomes
from simulator.outcomes.survival import CompetingRisks, first_reaching, kaplan_meier
from simulator.scenario.catalogue import LANDMARKED, early_trm, landmark_outcome
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.economics import Economics
from simulator.scenario.schema import Scenario

CURVES = ("os", "dfs", "relapse")
RELAPSE, DEATH, NON_RESPONSE = 1, 2, 3  # causes of the end of disease-free survival
MONTH_YEARS = 1 / 12
# Curves and occupancy are kept for the first BAND_STUDIES studies of a run only: the figures' bands (2.5-97.5
# percentiles across studies) are about as precise from them as from more, and memory then grows with studies by
# their outcomes alone. The same studies whatever the workers or chunks.
BAND_STUDIES = 2000


@dataclass
class StudyOutcomes:
    """Per-study outcomes (each an array over replications), curves on `grid_years`, and for each finite
    resource its occupancy on `occupancy_grid_days` and pooled wait counts (capacity.WAIT_BIN_DAYS); curves and
    occupancy of the first studies only when asked (study_outcomes' `curve_rows`)."""

    values: dict[str, np.ndarray]
    curves: dict[str, np.ndarray]
    grid_years: np.ndarray
    occupancy: dict[str, np.ndarray]
    wait_counts: dict[str, np.ndarray]


def curve_grid(scenario: Scenario) -> np.ndarray:
    """Monthly time points to the horizon, plus the landmarks (years since reinfusion)."""
    horizon = scenario.simulation.horizon_years
    months = np.arange(0, horizon + 1e-9, MONTH_YEARS)
    return np.union1d(months, scenario.simulation.landmarks_years)


def study_outcomes(scenario: Scenario, h: Histories, economics: Economics | None = None,
                   curve_rows: int | None = None, wanted: Collection[str] | None = None) -> StudyOutcomes:
    """The outcomes of each study; `economics` is the scenario's [economics] with the prices the studies drew
    (--uncertainty), or None to skip costs and QALYs. Curves and occupancy only of the first `curve_rows` studies
    (all if None: a run keeps them for its first BAND_STUDIES); without any, the estimators are read at the
    landmarks alone, which gives the same values (an estimate at a time depends on no other time of the grid).
    `wanted` (None: every outcome) skips the estimators and groups of outcomes none of these names needs: a
    search that reads a few outcomes (calibrate) need not pay for costs and every curve; each value computed is
    the same as in a full run."""
    needs = _Needs(scenario, wanted)
    cutoff = scenario.cohort.cutoff_years * DAYS_PER_YEAR
    full_grid = curve_grid(scenario)
    kept = len(h.enrolment) if curve_rows is None else curve_rows
    grid = full_grid if kept > 0 else np.unique(scenario.simulation.landmarks_years)
    grid_days = grid * DAYS_PER_YEAR
    end = h.observed_until(cutoff)  # the cut-off, or loss to follow-up
    died = h.death <= end
    relapsed = h.relapse <= end
    transplanted = h.reinfusion <= cutoff
    last_seen = np.minimum(h.death, end)  # patients who leave the pathway stay followed (see off_pathway)
    since_reinfusion = last_seen - h.reinfusion
    not_responding = h.non_response <= end if h.non_response is not None else np.zeros(h.death.shape, dtype=bool)
    to_relapse_or_end = np.minimum(h.relapse, last_seen) - h.reinfusion
    competing = np.where(relapsed, RELAPSE, np.where(died, DEATH, 0))
    if h.non_response is not None:  # an event of disease-free survival that competes with relapse and death
        to_relapse_or_end = np.minimum(to_relapse_or_end, h.non_response - h.reinfusion)
        competing = np.where(not_responding, NON_RESPONSE, competing)

    everyone = h.enrolment <= cutoff
    first_event = event_free_until(h)
    since_enrolment = last_seen - h.enrolment
    # intention to treat, from enrolment: every scenario has them, so any two can be compared
    curves: dict[str, np.ndarray] = {}
    if needs.family("os_itt"):
        curves["os_itt"] = kaplan_meier(since_enrolment, died, everyone, grid_days)
    if needs.family("efs_itt"):
        curves["efs_itt"] = kaplan_meier(np.minimum(first_event, last_seen) - h.enrolment,
                                         (first_event <= end) | died, everyone, grid_days)
    at_landmarks = np.searchsorted(grid, scenario.simulation.landmarks_years)
    enrolled = everyone.sum(axis=1)
    nrm: dict[str, np.ndarray] = {}  # read at the landmarks only
    if scenario.has_transplant:
        if needs.family("os"):
            curves["os"] = kaplan_meier(since_reinfusion, died, transplanted, grid_days)
        if needs.family("dfs", "relapse", "nrm"):
            relapse_or_death = CompetingRisks(to_relapse_or_end, competing, transplanted, grid_days)  # one sort for 3
            curves |= {"dfs": relapse_or_death.survival(), "relapse": relapse_or_death.incidence(RELAPSE)}
            nrm = {"nrm": relapse_or_death.incidence(DEATH, at=at_landmarks)}
    # (studies, landmarks) for each family of LANDMARKED the scenario has, read in the catalogue's order
    at_each_landmark = {name: curve[:, at_landmarks] for name, curve in curves.items()} | nrm
    values: dict[str, np.ndarray] = {}
    for family in LANDMARKED:
        for column, landmark in enumerate(scenario.simulation.landmarks_years):
            if family in at_each_landmark:
                values[landmark_outcome(family, landmark)] = at_each_landmark[family][:, column]
    if needs.group("study"):
        if scenario.has_transplant:
            values.update(_transplant_outcomes(scenario, h, died, transplanted, enrolled, since_reinfusion))
        else:
            values["deaths"] = (died & everyone).sum(axis=1) / enrolled
        if h.non_response is not None:
            values.update(response_outcomes(h, end, not_responding, relapsed))
    resources = scenario.finite_resources if needs.group("resource") else ()
    if resources:
        values.update(resource_outcomes(scenario, h))
    if economics is not None and needs.group("economics"):
        values.update(economic_outcomes(scenario, economics, h))
    occupancy_grid = occupancy_grid_days(scenario)
    return StudyOutcomes(
        values=values,
        curves={name: curve[:kept] if kept else np.empty((0, len(full_grid))) for name, curve in curves.items()},
        grid_years=full_grid,
        occupancy={r: occupancy_over_time(h.queues[r].first(kept), occupancy_grid) for r in resources},
        wait_counts={r: wait_histogram(h.queues[r]) for r in resources},
    )


ECONOMIC_KINDS = ("cost", "QALYs", "years")  # the catalogue's kinds of [economics] outcomes (life-years: "years")


class _Needs:
    """Which estimators and groups of outcomes the `wanted` names need (all of them when None), read from the
    catalogue: a landmarked family's curve, and the study-wide, resource and economic groups."""

    def __init__(self, scenario: Scenario, wanted: Collection[str] | None) -> None:
        self.everything = wanted is None
        outcomes = [scenario.catalogue[name] for name in wanted or ()]
        self.families = {o.family for o in outcomes if o.family in LANDMARKED}
        self.groups = {_group(o.kind, o.resource is not None or o.zero_without_queue)
                       for o in outcomes if o.family not in LANDMARKED}

    def family(self, *families: str) -> bool:
        return self.everything or not self.families.isdisjoint(families)

    def group(self, group: str) -> bool:
        return self.everything or group in self.groups


def _group(kind: str, of_resource: bool) -> str:
    """The group of an outcome that is not read off a curve."""
    if of_resource:
        return "resource"
    return "economics" if kind in ECONOMIC_KINDS else "study"


def event_free_until(h: Histories) -> np.ndarray:
    """When each patient's event-free survival ends, short of death (days; inf: never): a relapse or flare,
    non-response (from the start of follow-up), or leaving the pathway alive (failed collection or induction,
    withdrawal, the maximum wait), whichever first. Trials count leaving and non-response as events: those
    patients did not get the treatment's benefit. One definition for every arm, transplant or not, and for
    `power`'s trials."""
    until = np.minimum(h.relapse, h.withdrawal)
    return until if h.non_response is None else np.minimum(until, h.non_response)


def response_outcomes(h: Histories, end: np.ndarray | float, not_responding: np.ndarray,
                      relapsed: np.ndarray) -> dict[str, np.ndarray]:
    """As series report response (Jayne 2004: 17 of 50 evaluable never reached remission; 10 of 31 in remission
    relapsed): the share of patients who entered follow-up on the pathway by the cut-off who never responded,
    and the share of the responders among them who relapsed by the cut-off (or their loss to follow-up)."""
    assessed: np.ndarray = np.asarray(h.discharge) <= end  # entered follow-up by then (recorded with non-response)
    responders = assessed & ~not_responding
    with np.errstate(invalid="ignore", divide="ignore"):  # nobody assessed (or no responder) in a study: NaN
        return {"non_response": (assessed & not_responding).sum(axis=1) / assessed.sum(axis=1),
                "relapse_among_responders": (responders & relapsed).sum(axis=1) / responders.sum(axis=1)}


def _transplant_outcomes(scenario: Scenario, h: Histories, died: np.ndarray, transplanted: np.ndarray,
                         enrolled: np.ndarray, since_reinfusion: np.ndarray) -> dict[str, np.ndarray]:
    """TRM, deaths, transplants and follow-up from reinfusion: only a transplant pathway has them."""
    everyone = h.enrolment <= scenario.cohort.cutoff_years * DAYS_PER_YEAR
    values = {"trm": (died & treatment_related(scenario, h)).sum(axis=1) / enrolled}
    window = scenario.outcomes.trm_window_days
    with np.errstate(invalid="ignore", divide="ignore"):  # no transplant in a study: not evaluable (NaN)
        early = (
            died & transplanted & treatment_related(scenario, h, early_deaths=True) & (h.death - h.reinfusion <= window)
        )
        values[early_trm(window)] = early.sum(axis=1) / transplanted.sum(axis=1)
    values["deaths"] = (died & everyone).sum(axis=1) / enrolled  # every cause, as a series counts them
    values.update(followup_months(since_reinfusion, died, transplanted))
    on_pathway = h.death_stage != h.stage_labels.index(OFF_PATHWAY)  # not those who had left it
    values["deaths_before_reinfusion"] = (died & on_pathway & (h.death < h.reinfusion)).sum(axis=1) / enrolled
    values["transplanted"] = transplanted.sum(axis=1) / enrolled
    values["transplants_per_year"] = transplanted.sum(axis=1) / (window_days(scenario) / DAYS_PER_YEAR)
    return values


def followup_months(since_reinfusion: np.ndarray, died: np.ndarray, transplanted: np.ndarray) -> dict[str, np.ndarray]:
    """Follow-up of transplanted patients from reinfusion, as papers report it: the mean time observed (to
    death or last contact), and the median potential follow-up by reverse Kaplan-Meier (censoring is the
    event, death censors it), NaN when under half the patients' follow-up has ended."""
    months = since_reinfusion / (DAYS_PER_YEAR / 12)
    with np.errstate(invalid="ignore"):
        mean = np.where(transplanted, months, 0.0).sum(axis=1) / transplanted.sum(axis=1)
    grid = np.arange(0.0, np.nanmax(np.where(transplanted, months, 0.0), initial=0.0) + 0.2, 0.1)
    median = first_reaching(months, ~died, transplanted, grid, 0.5)
    return {"followup_mean_months": mean, "followup_median_months": median}


def treatment_related(scenario: Scenario, h: Histories, early_deaths: bool = False) -> np.ndarray:
    """Deaths in the TRM stages, plus follow-up deaths within the scenario's window after reinfusion (not those of
    other causes, [population]); with `early_deaths`, also deaths from the follow-up's early treatment-related
    hazard."""
    in_stages = np.isin(h.death_stage, [h.stage_labels.index(s) for s in scenario.outcomes.trm_stages or []])
    if early_deaths and scenario.followup.early_death is not None:
        follow_up = h.death_stage == h.stage_labels.index(FOLLOW_UP)
        in_stages = in_stages | (
            follow_up & (h.death_cause == h.cause_labels.index(scenario.followup.early_death_cause))
        )
    window = scenario.outcomes.trm_followup_days
    if window == 0:
        return in_stages
    with np.errstate(invalid="ignore"):  # inf - inf for patients never reinfused: not early
        early = (h.death_stage == h.stage_labels.index(FOLLOW_UP)) & (h.death - h.reinfusion <= window)
    if OTHER_CAUSES in h.cause_labels:  # the general population's deaths are not the treatment's
        early &= h.death_cause != h.cause_labels.index(OTHER_CAUSES)
    return in_stages | early
