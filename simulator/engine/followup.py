"""What follows the pathway, the same for both engines: follow-up of those who completed it (non-response,
relapse or flare, death before and after it, an early treatment-related death), loss to follow-up of every
enrolled patient, death after leaving the pathway alive (intention to treat), death from other causes, and flares
as episodes. None of it involves another patient.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.background import other_cause_death
from simulator.engine.flares import episode_uniforms, flare_episodes
from simulator.engine.histories import FOLLOW_UP, NEVER, OFF_PATHWAY, OTHER_CAUSES, Histories
from simulator.engine.randomness import StreamLayout, StudyStreams
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.schema import Scenario

NO_ONE = np.zeros((), dtype=bool)  # without non-response: broadcasts as nobody


def after_pathway(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, discharge: np.ndarray, completed: np.ndarray,
    studies: StudyStreams | None = None,
) -> None:
    """Follow-up of those who `completed` the pathway (from `discharge`), death after leaving it, and death from
    other causes, written into `h`; with [economics] and [followup.flares], each flare episode, drawn on further
    streams of the `studies` the block `u` belongs to."""
    _follow_up(scenario, u, layout, h, discharge, completed)
    _off_pathway(scenario, u, layout, h)
    if scenario.population is not None:
        _other_causes(scenario, u, layout, h, np.where(completed, discharge, h.withdrawal))
    if scenario.economics is not None and scenario.followup.flares is not None:  # episodes: costs and QALYs only
        if studies is None:
            raise ValueError("flare episodes draw further streams of the studies: pass `studies`")
        _flare_episodes(scenario, h, studies)  # after every death, so episodes end with the patient


def _follow_up(
    scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, now: np.ndarray, on_pathway: np.ndarray
) -> None:
    """After discharge (without a transplant: after the stages, if any, from enrolment): relapse (or flare) and
    death compete; after relapse, death follows its own distribution. An
    early treatment-related death competes with both within its window after reinfusion. A gamma frailty Z
    multiplies each patient's hazards: S(t | Z) = S(t)^Z, i.e. the uniform u becomes 1 - (1 - u)^(1/Z)."""
    f = scenario.followup
    frailty = None
    if f.frailty_variance is not None:
        from scipy import special  # here: only scenarios with a frailty pay scipy's import

        theta = f.frailty_variance  # Z ~ Gamma(shape 1/theta, scale theta): mean 1, variance theta
        frailty = special.gammaincinv(1 / theta, u[layout.rows["followup.frailty"]]) * theta

    def after(dist, event: str) -> np.ndarray:  # type: ignore[no-untyped-def]
        if dist is None:
            return np.full(now.shape, NEVER)
        uniform = u[layout.rows[f"followup.{event}"]]
        if frailty is not None:
            with np.errstate(divide="ignore"):
                uniform = -np.expm1(np.log1p(-uniform) / frailty)
        return dist.ppf(uniform)

    to_relapse = after(f.relapse, "relapse")
    to_death = after(f.death_before_relapse, "death_before_relapse")
    relapse_to_death = after(f.death_after_relapse, "death_after_relapse")
    non_responds = _non_responders(scenario, u, layout, on_pathway)
    relapses = on_pathway & ~non_responds & (to_relapse < to_death)
    if scenario.economics is not None or f.non_response_probability is not None:  # who entered follow-up
        h.discharge = np.where(on_pathway, now, NEVER)
    death = np.where(relapses, now + to_relapse + relapse_to_death, now + to_death)
    death = np.where(non_responds, now + relapse_to_death, death)  # active disease from the start
    early_first = np.zeros(now.shape, dtype=bool)
    if f.early_death is not None:  # a treatment-related death within its window after reinfusion competes
        early = now + after(f.early_death, "early_death")
        with np.errstate(invalid="ignore"):  # inf - inf for slots nobody filled (referrals): not within the window
            early = np.where(early - h.reinfusion <= f.early_death_window_days, early, NEVER)
        relapses &= now + to_relapse < early
        early_first = early < death
        death = np.minimum(death, early)
    h.relapse = np.where(relapses, now + to_relapse, h.relapse)
    if f.non_response_probability is not None:
        h.non_response = np.where(non_responds, now, NEVER)
    dies = on_pathway & np.isfinite(death)
    h.death = np.where(dies, death, h.death)
    h.death_stage[dies] = h.stage_labels.index(FOLLOW_UP)
    h.death_cause[dies] = h.cause_labels.index(f.death_cause)
    if f.early_death is not None:
        h.death_cause[dies & early_first] = h.cause_labels.index(f.early_death_cause)
    if scenario.cohort.loss_to_followup is not None:  # every enrolled patient, transplanted or not: from enrolment,
        # so it censors alike those who leave the pathway and those who stay (non-informative, as ITT needs)
        loss = scenario.cohort.loss_to_followup.ppf(u[layout.rows["cohort.loss_to_followup"]])
        h.lost = np.where(np.isfinite(h.enrolment), h.enrolment + loss, NEVER)


def _non_responders(scenario: Scenario, u: np.ndarray, layout: StreamLayout, on_pathway: np.ndarray) -> np.ndarray:
    """Who, of those who complete the pathway alive, never reaches remission (`non_response_probability`).

    Non-response is dated at the start of follow-up (discharge after reinfusion), not at the assessment that
    reveals it (e.g. 6 months): a non-responder never had a disease-free or remission interval, so dating it
    later would credit them with disease-free survival and remission utility they did not have, and would need
    a rule for deaths before the assessment."""
    probability = scenario.followup.non_response_probability
    if probability is None:
        return NO_ONE
    return on_pathway & (u[layout.rows["followup.non_response"]] < probability)


def _flare_episodes(scenario: Scenario, h: Histories, studies: StudyStreams) -> None:
    """Each flare as an episode (engine/flares.py), up to death or the end of what the economics count."""
    f, economics = scenario.followup, scenario.economics
    end = h.death
    if economics is not None and economics.horizon == "study":
        end = np.minimum(end, h.enrolment + scenario.simulation.horizon_years * DAYS_PER_YEAR)
    h.flares = flare_episodes(f.flares, f.relapse, h.relapse, end,  # type: ignore[arg-type]  # schema: relapse with flares
                              episode_uniforms(studies))


def _off_pathway(scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories) -> None:
    """Patients who left the pathway alive die at their own hazard afterwards (intention to treat)."""
    left = np.isfinite(h.withdrawal)
    if scenario.off_pathway is None or not left.any():
        return
    dies = left & np.isinf(h.death)
    death = h.withdrawal + scenario.off_pathway.death.ppf(u[layout.rows["off_pathway.death"]])
    h.death = np.where(dies, death, h.death)
    h.death_stage[dies] = h.stage_labels.index(OFF_PATHWAY)
    h.death_cause[dies] = h.cause_labels.index(scenario.off_pathway.death_cause)


def _other_causes(scenario: Scenario, u: np.ndarray, layout: StreamLayout, h: Histories, left: np.ndarray) -> None:
    """Death from other causes competes from `left` (when each patient left the pathway alive; inf: did not):
    whichever death comes first happens, and a relapse after it does not."""
    death = other_cause_death(scenario, u, layout, h.enrolment, left)
    first = death < h.death
    h.death = np.where(first, death, h.death)
    h.relapse = np.where(first & (h.relapse > death), NEVER, h.relapse)
    if h.non_response is not None:
        h.non_response = np.where(first & (h.non_response > death), NEVER, h.non_response)
    h.death_cause[first] = h.cause_labels.index(OTHER_CAUSES)
    off = first & np.isfinite(h.withdrawal)
    h.death_stage[first & ~off] = h.stage_labels.index(FOLLOW_UP)
    h.death_stage[off] = h.stage_labels.index(OFF_PATHWAY)
