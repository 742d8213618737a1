"""Who benefits from a decision and what a trial costs: the population that scales per-patient values of
information, and the trial's cost that the expected net benefit of sampling (ENBS) subtracts.

The population is `per_year` new patients a year for `years` years, the patients of year t (t = 0, 1, ...)
discounted by (1 + rate)^-t: the decision applies to them all, so information is worth per-patient value x
that discounted number. The trial's own patients and its duration are not subtracted (a simplification that
favours larger trials a little; say so where it matters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.errors import UserError


@dataclass(frozen=True)
class Population:
    """New patients a year, the decision's horizon in years, and the annual discount rate."""

    per_year: float
    years: int
    discount_rate: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.per_year) and self.per_year > 0):
            raise UserError(f"--population {self.per_year:g}: give the patients a year who would be treated, above 0")
        if not 1 <= self.years <= 200:
            raise UserError(f"--decision-years {self.years}: give the decision's horizon in whole years, 1 to 200")
        if not (math.isfinite(self.discount_rate) and 0 <= self.discount_rate < 1):
            raise UserError(f"--population-discount {self.discount_rate:g}: give an annual rate from 0 to below 1, "
                            "e.g. 0.035")

    @property
    def patients(self) -> float:
        """The discounted number of patients the decision reaches."""
        return sum(self.per_year / (1 + self.discount_rate) ** t for t in range(self.years))

    def words(self) -> str:
        return (f"{self.per_year:,.0f} patients a year for {self.years} years, discounted at "
                f"{self.discount_rate:.1%} a year: {self.patients:,.0f} discounted patients")


@dataclass(frozen=True)
class TrialCost:
    """A fixed cost (set-up, coordination) and a cost per patient enrolled, in the scenarios' currency."""

    fixed: float
    per_patient: float

    def __post_init__(self) -> None:
        if not all(math.isfinite(x) and x >= 0 for x in (self.fixed, self.per_patient)):
            raise UserError(f"--trial-cost {self.fixed:g},{self.per_patient:g}: give FIXED,PER_PATIENT, "
                            "each a cost of at least 0")

    def of(self, patients_per_arm: int) -> float:
        """The cost of a two-arm trial with this many patients per arm."""
        return self.fixed + self.per_patient * 2 * patients_per_arm

    def words(self, currency: str) -> str:
        return f"{currency} {self.fixed:,.0f} + {currency} {self.per_patient:,.0f} per patient enrolled"


def parse_trial_cost(text: str) -> TrialCost:
    """`--trial-cost 500000,30000` -> TrialCost(500000, 30000)."""
    parts = text.split(",")
    try:
        fixed, per_patient = (float(p) for p in parts)
    except ValueError:
        raise UserError(f"--trial-cost {text!r}: give FIXED,PER_PATIENT in the scenarios' currency, "
                        "e.g. 500000,30000") from None
    return TrialCost(fixed, per_patient)
