"""Scenario files: one TOML file describes one pathway, a transplant protocol or an alternative
(docs/scenario-files.md).

`load_scenario` reads the file with tomllib, applies `--set dotted.path=value` overrides, and validates
everything with pydantic models that forbid unknown keys, so a typo is an error and not a silent default.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.errors import MAX_SHOWN, shortened, shown
from simulator.scenario.bounds import MAX_COUNT, MAX_RATE, MAX_SEED
from simulator.scenario.catalogue import Outcome, build_catalogue
from simulator.scenario.changes import with_values, without_none
from simulator.scenario.comparator import ExternalComparator
from simulator.scenario.distributions import MAX_DAYS, MAX_HORIZON_YEARS, Distribution
from simulator.scenario.economics import Economics
from simulator.scenario.evidence import Prior, ProbabilityOrEvidence, check_evidence
from simulator.scenario.followup import FollowUp, OffPathway
from simulator.scenario.population import Population
from simulator.scenario.resources import Resource

Probability = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]

MAX_YEARS = 1000.0  # accrual and follow-up: beyond any study (a steady-state queue test accrues 110 years)
Years = Annotated[float, Field(ge=0, le=MAX_YEARS)]
HorizonYears = Annotated[float, Field(gt=0, le=MAX_HORIZON_YEARS)]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS)]


class _Model(BaseModel):
    """Strict (no text or true for a number), closed (no unknown keys) and finite (no inf or nan)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Metadata(_Model):
    name: str
    citation: str = ""
    description: str = ""
    external_comparator: ExternalComparator | None = Field(
        default=None, description="this pathway comes from published cohorts, not a randomised control arm: "
        "every comparison with it says so (scenario/comparator.py)",
    )


class Referrals(_Model):
    """Open arrivals: referrals over the accrual window, instead of a fixed number of patients."""

    process: Literal["poisson", "fixed"] = Field(
        description="poisson: exponential gaps between referrals; fixed: one every 1/rate years"
    )
    rate_per_year: Annotated[float, Field(gt=0, le=MAX_RATE)]


class Cohort(_Model):
    """Who enters: `size` patients enrolled uniformly over the accrual period, or `referrals` arriving as
    a process over it; all are followed to the data cut-off."""

    size: Annotated[int, Field(gt=0, le=MAX_COUNT)] | None = None
    referrals: Referrals | None = None
    accrual_years: Years
    followup_after_accrual_years: Years = Field(
        description="time from the end of accrual to the data cut-off"
    )
    accrual_weights: list[Annotated[float, Field(ge=0, le=MAX_RATE)]] | None = Field(
        default=None, min_length=1,
        description="relative enrolment rate in equal parts of the accrual period (e.g. per calendar year)",
    )
    loss_to_followup: Distribution | None = Field(
        default=None, description="time from enrolment to loss to follow-up, for every enrolled patient (intention "
        "to treat: censoring that does not depend on the pathway)"
    )

    @model_validator(mode="after")
    def _size_or_referrals(self) -> Cohort:
        if (self.size is None) == (self.referrals is None):
            raise ValueError("give exactly one of size (a fixed cohort) or referrals (open arrivals)")
        if self.referrals is not None and self.accrual_years == 0:
            raise ValueError("referrals need accrual_years > 0: the window over which they arrive")
        if self.accrual_weights is not None:
            if self.referrals is not None:
                raise ValueError("accrual_weights shape a fixed cohort's enrolment; referrals have their own rate")
            if sum(self.accrual_weights) <= 0:
                raise ValueError("accrual_weights need at least one part with a weight above 0")
        return self

    @property
    def cutoff_years(self) -> float:
        return self.accrual_years + self.followup_after_accrual_years

    @property
    def max_patients(self) -> int:
        """Patients a study can hold: the size, or for referrals a bound exceeded with probability < 1e-12
        (checked against scipy in the tests; scipy.stats itself is too slow to import for this)."""
        if self.referrals is None:
            return self.size  # type: ignore[return-value]
        expected = self.referrals.rate_per_year * self.accrual_years
        if self.referrals.process == "fixed":
            return math.ceil(expected) + 1
        return int(expected + 8 * math.sqrt(expected) + 20)  # Poisson tail beyond it < 1e-12 (tested)

    @property
    def label(self) -> str:
        """How a study's cohort is described in tables and figures."""
        if self.referrals is None:
            return f"{self.size} patients"
        return f"{self.referrals.rate_per_year:g} referrals a year for {self.accrual_years:g} years"


class Simulation(_Model):
    replications: Annotated[
        int, Field(ge=2, le=MAX_COUNT, description="at least 2: one study has no Monte Carlo error")
    ] = 1000
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = 0
    horizon_years: HorizonYears = 10.0
    landmarks_years: list[HorizonYears] = Field(default=[1.0, 3.0, 5.0], min_length=1)
    parameter_uncertainty: bool = Field(
        default=False,
        description="draw each parameter given with its evidence from its posterior, once per replication",
    )
    prior: Prior = Field(default="jeffreys", description="prior of the posteriors drawn with parameter_uncertainty")

    @field_validator("landmarks_years")
    @classmethod
    def _distinct_landmarks(cls, landmarks: list[float]) -> list[float]:
        repeated = sorted({x for x in landmarks if landmarks.count(x) > 1})
        if repeated:
            raise ValueError(f"{shortened(', '.join(f'{x:g}' for x in repeated), MAX_SHOWN)} given more than once; "
                             "give each landmark once")
        return landmarks

    @model_validator(mode="after")
    def _landmarks_within_horizon(self) -> Simulation:
        late = [x for x in self.landmarks_years if x > self.horizon_years]
        if late:
            raise ValueError(f"landmarks_years {shown(late)} lie beyond horizon_years ({self.horizon_years})")
        return self


class Stage(_Model):
    """One step of the pathway: how long it lasts, whether it can kill or fail, what it holds."""

    duration: Distribution
    death_probability: ProbabilityOrEvidence | None = None
    death_hazard: Distribution | None = Field(
        default=None, description="time from the stage's start to death, competing with its completion"
    )
    death_cause: str = "treatment-related"
    failure_probability: ProbabilityOrEvidence | None = Field(
        default=None, description="the patient leaves the pathway at the stage's end (e.g. failed collection)"
    )
    resource: Name | None = None
    death_probability_icc: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        default=None, description="intra-class correlation of deaths within a study: each study draws its own "
        "death probability from a Beta with mean death_probability (centres differ, e.g. by experience)",
    )
    process: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None, description='the modeller\'s SimPy generator run for this stage (--engine simpy only): '
        '"package.module:function" or "file.py:function", the file relative to the scenario',
    )

    @model_validator(mode="after")
    def _one_death_risk(self) -> Stage:
        if self.death_probability is not None and self.death_hazard is not None:
            raise ValueError("give death_probability or death_hazard, not both")
        if self.death_probability_icc is not None and self.death_probability is None:
            raise ValueError("death_probability_icc varies death_probability between studies: give death_probability")
        return self


class Waiting(_Model):
    """What can happen to a patient waiting for a resource (e.g. an isolation bed): death from the disease,
    withdrawal (e.g. to another centre or treatment), or leaving after a maximum wait."""

    death: Distribution | None = None
    death_cause: str = "disease"
    withdrawal: Distribution | None = None
    max_wait_days: Annotated[float, Field(gt=0, le=MAX_DAYS)] | None = None
    priority: Distribution | None = Field(
        default=None, description="each patient's priority class (lower is served first), e.g. a discrete one"
    )


class Outcomes(_Model):
    """How outcomes are defined, as the papers define them. A pathway without a transplant (`transplant =
    false`, e.g. continued conventional immunosuppression) has no reinfusion and no TRM: its outcomes are
    from enrolment only."""

    transplant: bool = Field(default=True, description="false: a pathway without reinfusion (a comparator)")
    reinfusion_stage: Name = "reinfusion"
    trm_stages: list[Name] | None = Field(default=None, min_length=1)
    trm_followup_days: Days = Field(
        default=0.0, description="deaths in follow-up within this many days of reinfusion also count as TRM"
    )
    trm_window_days: Annotated[int, Field(ge=1, le=int(MAX_DAYS))] = Field(
        default=100, description="D of the outcome trm_<D>d: treatment-related deaths within D days of "
        "reinfusion per transplanted patient",
    )


class PublishedSeries(_Model):
    """Another published series of the same treatment, simulated with its own design by `hsct-sim validate`: a
    check of the scenario's follow-up hazards beyond the follow-up they were calibrated on (e.g. 7-year figures
    against hazards fitted to 5-year ones). It passes when the published figure lies within the range of 95%
    of simulated studies of the series' size."""

    source: Annotated[str, Field(min_length=1, max_length=1000)]
    cohort: Cohort
    landmarks_years: list[HorizonYears] = Field(min_length=1)
    targets: dict[str, Probability] = Field(min_length=1)


class Scenario(_Model):
    metadata: Metadata
    cohort: Cohort
    simulation: Simulation = Simulation()
    stages: dict[Name, Stage] = {}
    followup: FollowUp = FollowUp()
    waiting: Waiting = Waiting()
    off_pathway: OffPathway | None = None
    resources: dict[Name, Resource] = {}
    outcomes: Outcomes
    targets: dict[str, float] = {}
    economics: Economics | None = None  # costs, QALYs and life-years (scenario/economics.py)
    population: Population | None = None  # age, sex and background mortality (scenario/population.py)
    published_series: list[PublishedSeries] = Field(
        default=[], description="other series of the same treatment, checked by validate with their own design"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        stage_names = list(self.stages)
        for name, stage in self.stages.items():
            if stage.resource is not None and stage.resource not in self.resources:
                raise ValueError(
                    f"stages.{name}.resource: unknown resource {stage.resource!r}; "
                    f"declared resources: {sorted(self.resources) or 'none'}"
                )
        for resource in {s.resource for s in self.stages.values() if s.resource}:
            held = [i for i, s in enumerate(self.stages.values()) if s.resource == resource]
            if held != list(range(held[0], held[-1] + 1)):
                raise ValueError(f"resource {resource!r} must be held by consecutive stages, not {held}")
        self._transplant_or_not()
        if self.economics is not None:
            self.economics.check_names(stage_names, list(self.resources), self.population is not None)
        unknown = [s for s in self.outcomes.trm_stages or [] if s not in self.stages]
        if unknown:
            raise ValueError(f"outcomes.trm_stages: {unknown} are not stages; stages: {stage_names}")
        leaving = self.ways_to_leave
        if leaving and self.off_pathway is None:
            raise ValueError(
                f"patients can leave the pathway ({', '.join(leaving)}), so intention-to-treat survival needs "
                "their death hazard afterwards: add [off_pathway] with death = { dist = \"exponential\", "
                "rate_per_year = ... } and death_cause (or --set off_pathway.death=...); without it they "
                "could only be censored, which is not intention to treat"
            )
        bad_targets = sorted(set(self.targets) - set(self.outcome_names))
        if bad_targets:
            raise ValueError(f"targets: unknown outcomes {bad_targets}; outcomes: {self.outcome_names}")
        for name, value in self.targets.items():
            self.catalogue[name].check_published(value)
        for number, series in enumerate(self.published_series):
            known = list(self._with_landmarks(series.landmarks_years).catalogue)
            unknown = sorted(set(series.targets) - set(known))
            if unknown:
                raise ValueError(
                    f"published_series[{number}].targets: unknown outcomes {unknown} at its landmarks_years "
                    f"{shown(series.landmarks_years)}; outcomes: {known}"
                )
        check_evidence(self, self.simulation.parameter_uncertainty)
        return self

    def _transplant_or_not(self) -> None:
        """A transplant names its reinfusion and TRM stages; a pathway without one has nothing timed from reinfusion."""
        o = self.outcomes
        if o.transplant:
            if o.reinfusion_stage not in self.stages:
                raise ValueError(f"outcomes.reinfusion_stage: {o.reinfusion_stage!r} is not a stage; stages: "
                                 f"{list(self.stages)} (a pathway without a transplant: outcomes.transplant = false)")
            if o.trm_stages is None:
                raise ValueError("outcomes.trm_stages: give the stages whose deaths count as treatment-related")
            return
        given = [
            name
            for name, value in (
                ("outcomes.trm_stages", o.trm_stages),
                ("outcomes.trm_followup_days", o.trm_followup_days or None),
                ("followup.early_death", self.followup.early_death),
            )
            if value is not None
        ]
        if given:
            raise ValueError(f"outcomes.transplant = false: a pathway without a transplant has no reinfusion and no "
                             f"treatment-related mortality, so remove {' and '.join(given)}")

    def _with_landmarks(self, landmarks: list[float]) -> Scenario:
        """This scenario reporting at other landmarks (unvalidated: for its catalogue)."""
        return self.model_copy(update={"simulation": self.simulation.model_copy(update={"landmarks_years": landmarks})})

    def as_series(self, series: PublishedSeries) -> Scenario:
        """This pathway with the design of another published series (its cohort, landmarks and targets, followed to
        its last landmark and cut-off), without economics: what `validate` simulates to check it."""
        horizon = max(self.simulation.horizon_years, *series.landmarks_years)
        return self.with_values({
            "metadata.name": f"{self.metadata.name} as {series.source}",
            "metadata.citation": series.source,
            "cohort": without_none(series.cohort.model_dump(mode="json")),
            "simulation.horizon_years": horizon,
            "simulation.landmarks_years": series.landmarks_years,
            "targets": series.targets,
            "published_series": [],
            "economics": None,
        }, flag="published_series")

    @property
    def extrapolation(self) -> str | None:
        """With a lifetime horizon: which follow-up hazards carry the results beyond the simulated study's horizon."""
        if self.economics is None or self.economics.horizon != "lifetime":
            return None
        return (
            f"{self.metadata.name}: lifetime costs and QALYs extrapolate past its "
            f"{self.simulation.horizon_years:g}-year study horizon with {self.followup.hazard_words()}; "
            "other causes of death from the life table"
        )

    @property
    def has_transplant(self) -> bool:
        return self.outcomes.transplant

    def with_values(self, values: Mapping[str, Any], source: str | None = None, flag: str = "--set") -> Scenario:
        """This scenario with each dotted path set to its value, validated once; a bad path or value is a
        UserError naming it (as coming from `flag`, in `source`: default the scenario's name).

        >>> from simulator import load_scenario
        >>> burt = load_scenario("scenarios/burt2006.toml")
        >>> burt.with_values({"stages.isolation.death_probability": 0.13}).stages["isolation"].death_probability
        0.13
        """
        return with_values(self, values, source or self.metadata.name, flag)

    @property
    def catalogue(self) -> dict[str, Outcome]:
        """Every outcome `run` reports, by name, in the order it reports them (catalogue.py); do not change it.
        A pathway without a transplant reports only outcomes from enrolment: those from reinfusion are absent."""
        e = self.economics
        return build_catalogue(tuple(self.simulation.landmarks_years), self.outcomes.trm_window_days,
                               tuple(self.finite_resources), self.has_transplant, e and tuple(e.resources),
                               tuple(e.stages) if e else (), self.followup.non_response_probability is not None)

    @property
    def outcome_names(self) -> list[str]:
        """Names of the per-study outcomes `run` reports, in the order it reports them."""
        return list(self.catalogue)

    @property
    def ways_to_leave(self) -> list[str]:
        """The scenario fields through which a patient can leave the pathway alive."""
        uncertain = self.simulation.parameter_uncertainty
        ways = [f"stages.{name}.failure_probability" for name, stage in self.stages.items()
                if stage.failure_probability is not None and (stage.failure_probability > 0 or uncertain)]
        if self.finite_resources:
            ways += [
                f"waiting.{key}" for key in ("withdrawal", "max_wait_days") if getattr(self.waiting, key) is not None
            ]
        return ways

    @property
    def finite_resources(self) -> list[str]:
        """Resources with a finite capacity that some stage holds: where patients can wait."""
        held = {stage.resource for stage in self.stages.values()}
        return [name for name, r in self.resources.items() if r.is_finite and name in held]

    @property
    def short_name(self) -> str:
        """A name for folders and legends' keys."""
        return re.sub(r"[^A-Za-z0-9]+", "_", self.metadata.name).strip("_").lower() or "scenario"

    def __repr__(self) -> str:
        """One line: name, stages, cohort and studies (`model_dump()` gives every field)."""
        cohort = (
            f"{self.cohort.size} patients" if self.cohort.size else f"referrals over {self.cohort.accrual_years:g} y"
        )
        return (f"<Scenario {self.metadata.name!r}: {' -> '.join(self.stages) or 'no stages'}; {cohort}; "
                f"{self.simulation.replications} studies, seed {self.simulation.seed}>")
