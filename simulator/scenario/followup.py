"""What follows the pathway in a scenario file: `[followup]` (relapse or flare and death, flares as episodes) and
`[off_pathway]` (death of patients who leave the pathway alive), split from schema.py to keep it short."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.scenario.distributions import MAX_DAYS, Distribution
from simulator.scenario.evidence import ProbabilityOrEvidence

MAX_FRAILTY_VARIANCE = 100.0  # a gamma frailty of variance 100: all but a few patients immune, already absurd


class _Model(BaseModel):
    """Strict (no text or true for a number), closed (no unknown keys) and finite (no inf or nan), as schema.py's."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class FlareEpisodes(_Model):
    """A relapse or flare is an episode, not a life sentence: it is re-treated and responds with
    `response_probability` after `duration`; the patient then returns to controlled disease (the remission
    state of [economics]) until the next flare, `next_flare` after the return (default: the relapse
    distribution), itself an episode. A flare that does not respond stays active to the end. Episodes move
    costs and utilities only: death after the first flare follows death_after_relapse as without them."""

    response_probability: ProbabilityOrEvidence = Field(description="that a flare responds to its re-treatment")
    duration: Distribution = Field(description="from a flare's onset to its response (active disease meanwhile)")
    next_flare: Distribution | None = Field(
        default=None, description="from the return to controlled disease to the next flare; default: relapse"
    )


class FollowUp(_Model):
    """Hazards after the pathway: relapse and death compete; death may be faster after relapse. A share of
    patients may not respond at all (`non_response_probability`): active disease from the start, as after relapse."""

    non_response_probability: ProbabilityOrEvidence | None = Field(
        default=None, description="that a patient who completes the pathway alive (after reinfusion, with a "
        "transplant) never reaches remission: in active disease from the start of follow-up, never in remission "
        "and never relapsing, dying at death_after_relapse's hazard; relapse then applies to responders only",
    )
    relapse: Distribution | None = None
    death_before_relapse: Distribution | None = None
    death_after_relapse: Distribution | None = None
    death_cause: str = "disease"
    early_death: Distribution | None = Field(
        default=None, description="time from discharge to a treatment-related death (e.g. infection), which "
        "can happen only within early_death_window_days of reinfusion",
    )
    early_death_window_days: Annotated[float, Field(gt=0, le=MAX_DAYS)] = 100.0
    early_death_cause: str = "treatment-related"
    frailty_variance: Annotated[float, Field(gt=0, le=MAX_FRAILTY_VARIANCE)] | None = Field(
        default=None, description="variance of a gamma frailty (mean 1) multiplying each patient's follow-up "
        "hazards: patients differ in risk beyond the scenario's averages",
    )
    flares: FlareEpisodes | None = Field(
        default=None, description="flares as episodes (re-treatment, response, return to controlled disease); "
        "without it a patient's disease stays active from the first relapse or flare on",
    )

    def hazard_words(self) -> str:
        """Each follow-up hazard's shape over time, in words: what lifetime results extrapolate."""
        hazards = (("relapse", self.relapse), ("death before relapse", self.death_before_relapse),
                   ("death after relapse", self.death_after_relapse))
        return "; ".join(f"{name}: {dist.hazard_words()}" for name, dist in hazards if dist is not None) or "none"

    @model_validator(mode="after")
    def _flares_after_relapse(self) -> FollowUp:
        if self.flares is not None and self.relapse is None:
            raise ValueError("followup.flares makes each relapse or flare an episode: give followup.relapse too")
        return self


class OffPathway(_Model):
    """Patients who leave the pathway (a failed stage such as stem-cell collection, withdrawal, or the maximum
    wait) stay at risk: intention to treat follows every enrolled patient to the cut-off. They are followed
    for death only (relapse is not modelled off the pathway)."""

    death: Distribution = Field(description="time from leaving the pathway to death")
    death_cause: str = "disease"
