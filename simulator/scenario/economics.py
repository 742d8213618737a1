"""The `[economics]` table: prices, utilities and discounting, for costs, QALYs and life-years per patient.

Each cost and utility is a number or its evidence `{ mean = M, se = S }`, as a health-technology assessment
reports them. With --uncertainty each replication draws it like a probability given as events/n: a cost from
a gamma (costs are positive and skewed), a utility from a beta (bounded by 1), each with that mean and standard
error (method of moments). The drawn value behaves as its mean everywhere else (an `Estimate`).

Costs are per patient: once on entering a stage, per day in it, per day a resource is held, per year in each
follow-up state, and per event. A patient is in a stage, in remission (after the pathway, before any relapse
or flare, and with [followup.flares] controlled disease after each flare that responded), or with active disease
(during a flare, after one that did not respond or for good without [followup.flares], while waiting for a
resource, after leaving the pathway).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from simulator.errors import shown
from simulator.scenario.evidence import MAY_HAVE_EVIDENCE, Estimate, Prior, as_written, cited, or_evidence, source_of

if TYPE_CHECKING:
    import numpy as np

MAX_COST = 1e9  # per item, in the scenario's currency: beyond any treatment
MAX_DISCOUNT_RATE = 0.2  # per year; HTA bodies use 0 to 0.1 (NICE 0.035, the Netherlands 0.04 and 0.015)
MIN_UTILITY = -1.0  # EQ-5D value sets go below 0 (states worse than death), none below -1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class GammaEstimate(Estimate):
    """A cost given as mean and standard error: drawn from the gamma with that mean and SE."""

    mean: float
    se: float

    def __new__(cls, mean: float, se: float) -> GammaEstimate:
        self = super().__new__(cls, mean)
        self.mean, self.se = mean, se
        return self

    def ppf(self, u: np.ndarray, prior: Prior = "jeffreys") -> np.ndarray:
        from scipy import special  # here, not at the top: checking a scenario must not wait for scipy

        shape, scale = (self.mean / self.se) ** 2, self.se**2 / self.mean
        return special.gammaincinv(shape, u) * scale

    def posterior_mean(self, prior: Prior = "jeffreys") -> float:
        return self.mean

    def evidence(self) -> dict[str, float]:
        return {"mean": self.mean, "se": self.se}


class BetaEstimate(GammaEstimate):
    """A utility given as mean and standard error: drawn from the beta with that mean and SE."""

    def ppf(self, u: np.ndarray, prior: Prior = "jeffreys") -> np.ndarray:
        from scipy import special

        size = self.mean * (1 - self.mean) / self.se**2 - 1  # alpha + beta
        return special.betaincinv(self.mean * size, (1 - self.mean) * size, u)


def _mean_se(written: dict[str, Any], what: str) -> tuple[float, float, str | None]:
    value, source = source_of(written)
    mean, se = value.get("mean"), value.get("se")
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (mean, se))
    if set(value) != {"mean", "se"} or not numbers:
        raise ValueError(f"{what} is a number or its evidence {{ mean = M, se = S }}, with an optional "
                         f"source = \"name\" (got {shown(written)})")
    return float(mean), float(se), source  # type: ignore[arg-type]


def _cost(value: dict[str, Any]) -> GammaEstimate:
    mean, se, source = _mean_se(value, "a cost")
    if not (0 < mean <= MAX_COST and 0 < se <= MAX_COST):  # NaN fails too
        raise ValueError(f"a cost's evidence needs 0 < mean <= {MAX_COST:.0e} and 0 < se <= {MAX_COST:.0e} "
                         f"(got mean = {shown(mean)}, se = {shown(se)})")
    return cited(GammaEstimate(mean, se), source)


def _utility(value: dict[str, Any]) -> BetaEstimate:
    mean, se, source = _mean_se(value, "a utility")
    if not (0 < mean < 1 and 0 < se < math.sqrt(mean * (1 - mean))):
        raise ValueError("a utility's evidence needs 0 < mean < 1 and 0 < se < sqrt(mean (1 - mean)), so a beta "
                         f"has that mean and SE (got mean = {shown(mean)}, se = {shown(se)})")
    return cited(BetaEstimate(mean, se), source)


Cost = Annotated[float, Field(ge=0, le=MAX_COST), or_evidence(_cost), PlainSerializer(as_written), MAY_HAVE_EVIDENCE]
"""A cost from 0 to MAX_COST, or `{ mean, se }` (gamma)."""

Utility = Annotated[
    float, Field(ge=MIN_UTILITY, le=1), or_evidence(_utility), PlainSerializer(as_written), MAY_HAVE_EVIDENCE
]
"""A utility from -1 to 1 (1 full health, 0 dead), or `{ mean, se }` (beta)."""

DiscountRate = Annotated[float, Field(ge=0, le=MAX_DISCOUNT_RATE)]


class StageEconomics(_Model):
    """What a stage costs, and the patient's quality of life during it."""

    cost_once: Cost = Field(default=0.0, description="on entering the stage (e.g. the drugs of a regimen)")
    cost_per_day: Cost = Field(default=0.0, description="per day in the stage, beyond any resource it holds")
    utility: Utility | None = Field(default=None, description="during the stage; default: that of active disease")


class ResourceEconomics(_Model):
    cost_per_day: Cost = Field(description="per day a patient holds one unit (e.g. an isolation-bed day)")


class StateEconomics(_Model):
    """A follow-up state: its cost per year and utility."""

    cost_per_year: Cost = 0.0
    utility: Utility


class States(_Model):
    remission: StateEconomics = Field(
        description="after the pathway, before any relapse or flare; with followup.flares also controlled disease "
        "after a flare that responded to re-treatment"
    )
    relapse: StateEconomics = Field(
        description="active disease: during a flare (to the end without followup.flares, or if it does not respond), "
        "while waiting for a resource, after leaving the pathway"
    )


class Events(_Model):
    relapse: Cost = Field(default=0.0, description="each relapse or flare, every episode with followup.flares (e.g. "
                          "its re-treatment)")
    death: Cost = Field(default=0.0, description="each death (e.g. terminal care)")


class Economics(_Model):
    """Prices and utilities of one pathway, for costs, QALYs and life-years from enrolment to the horizon."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. GBP, EUR, USD")]
    price_year: Annotated[int, Field(ge=1900, le=2100)]
    discount_rate_costs: DiscountRate = Field(default=0.035, description="per year, e.g. NICE's 0.035")
    discount_rate_effects: DiscountRate = Field(default=0.035, description="per year, for QALYs and life-years")
    horizon: Literal["study", "lifetime"] = Field(
        default="study", description="to the scenario's simulation.horizon_years, or until every patient has died "
        "(needs [population] for death from other causes)"
    )
    stages: dict[str, StageEconomics] = {}
    resources: dict[str, ResourceEconomics] = {}
    states: States
    events: Events = Events()

    def check_names(self, stages: list[str], resources: list[str], population: bool) -> None:
        """Every priced stage and resource is one of the scenario's; a lifetime horizon has a population."""
        if self.horizon == "lifetime" and not population:
            raise ValueError('economics.horizon = "lifetime" follows every patient until death, which needs death '
                             "from other causes: add [population] with a life_table, age_years and female_fraction")
        for table, names, known in (("stages", self.stages, stages), ("resources", self.resources, resources)):
            unknown = sorted(set(names) - set(known))
            if unknown:
                raise ValueError(f"economics.{table}: {unknown} are not {table} of the scenario; {table}: "
                                 f"{known or 'none'}")
