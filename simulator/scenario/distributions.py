"""Duration and time-to-event distributions in clinical units.

Each distribution is a small validated value object (as in Ciw): it turns uniforms into days by its
inverse CDF (`ppf`), so that every random event of a patient comes from one fixed uniform and
scenarios that differ only in a parameter share their random numbers; and it knows its exact mean,
so tests can compare simulated means with it.

numpy and scipy are imported in the methods that compute, not at the top: checking a scenario (and refusing a
bad one) needs neither, and they take longer to load than the check takes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.scenario.evidence import RateOrEvidence

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_YEAR = 365.25
MAX_HORIZON_YEARS = 100.0  # survival curves and landmarks: a century after reinfusion
MAX_DAYS = MAX_HORIZON_YEARS * DAYS_PER_YEAR  # waits and windows in days
Unit = Literal["days", "years"]

MAX_TIME = 1e6  # a time parameter, in days or years: far beyond any horizon (at most 100 years), yet finite
MAX_GAMMA_RATIO = 1e6  # mean / sd (shape = its square): beyond it the quantiles lose all precision and become NaN
MIN_GAMMA_RATIO = 1e-3  # below it the scale sd^2 / mean overflows to inf and inf x 0 gives NaN durations
NEVER_DAYS = 1e12  # a time beyond it (2.7 billion years) is never: kept finite, ages in years overflow 64 bits
Time = Annotated[float, Field(ge=0, le=MAX_TIME)]
PositiveTime = Annotated[float, Field(gt=0, le=MAX_TIME)]


class _Distribution(BaseModel):
    """Strict as the rest of the scenario (no text or true for a number) and finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
    unit: Unit = "days"

    @property
    def _days(self) -> float:
        """Factor turning this distribution's parameters into days."""
        return DAYS_PER_YEAR if self.unit == "years" else 1.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantile function: days for uniforms `u` in [0, 1)."""
        raise NotImplementedError

    def expected_days(self) -> float:
        """Exact mean in days."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...]) -> np.ndarray:
        return self.ppf(rng.random(size))

    def hazard_words(self) -> str:
        """The shape of its hazard over time, in words: how a time to event drawn from it extrapolates."""
        return f"{self.dist} distribution"  # type: ignore[attr-defined]  # every subclass has `dist`


def _never_beyond_reach(days: np.ndarray) -> np.ndarray:
    """`days` with every time beyond NEVER_DAYS made infinite (never), as a zero rate gives: a tiny rate, a
    Weibull shape of 0.01 or a lognormal sigma of 10 reach 1e40 days and more, which no study can follow and
    which overflow the engine's whole years of age."""
    import numpy as np

    days = np.asarray(days, dtype=float)
    np.putmask(days, days > NEVER_DAYS, np.inf)
    return days


class Fixed(_Distribution):
    dist: Literal["fixed"]
    value: Time

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        return np.full(np.shape(u), self.value * self._days)

    def expected_days(self) -> float:
        return self.value * self._days


class Exponential(_Distribution):
    """Constant hazard, given as `rate_per_year` (or its evidence) or as `mean_days` (exactly one)."""

    dist: Literal["exponential"]
    rate_per_year: RateOrEvidence | None = None
    mean_days: PositiveTime | None = None

    @model_validator(mode="after")
    def _one_parameter(self) -> Exponential:
        if (self.rate_per_year is None) == (self.mean_days is None):
            raise ValueError("give exactly one of rate_per_year or mean_days")
        if self.unit != "days":
            raise ValueError("exponential takes its unit from rate_per_year or mean_days; drop 'unit'")
        return self

    @property
    def rate_per_day(self) -> float:
        if self.mean_days is not None:
            return 1.0 / self.mean_days
        return self.rate_per_year / DAYS_PER_YEAR  # type: ignore[operator]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        with np.errstate(divide="ignore", over="ignore"):  # a zero or subnormal rate: never (inf)
            return _never_beyond_reach(-np.log1p(-u) / self.rate_per_day)

    def hazard_words(self) -> str:
        return "constant hazard (exponential)"

    def expected_days(self) -> float:
        import numpy as np

        return np.inf if self.rate_per_day == 0 else 1.0 / self.rate_per_day


class LogNormal(_Distribution):
    dist: Literal["lognormal"]
    median: PositiveTime
    sigma: Annotated[float, Field(ge=0, le=10, description="log-scale SD; 10 already spans 1e-35 to 1e35")]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        from simulator.scenario.normal_quantile import normal_quantile  # not scipy's: its import per worker

        return _never_beyond_reach(self.median * self._days * np.exp(self.sigma * normal_quantile(u)))

    def expected_days(self) -> float:
        import numpy as np

        return self.median * self._days * float(np.exp(self.sigma**2 / 2))


class Gamma(_Distribution):
    dist: Literal["gamma"]
    mean: PositiveTime
    sd: PositiveTime

    @model_validator(mode="after")
    def _finite_shape(self) -> Gamma:
        if self.mean / self.sd > MAX_GAMMA_RATIO:  # the ratio, not its square: a tiny sd overflows the square
            raise ValueError(f"sd ({self.sd:g}) must be at least mean / {MAX_GAMMA_RATIO:g} "
                             f"({self.mean / MAX_GAMMA_RATIO:g})")
        if self.mean / self.sd < MIN_GAMMA_RATIO:
            raise ValueError(f"sd ({self.sd:g}) must be at most mean x {1 / MIN_GAMMA_RATIO:g} "
                             f"({self.mean / MIN_GAMMA_RATIO:g})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        from scipy import special

        shape = (self.mean / self.sd) ** 2
        scale = self.sd**2 / self.mean
        return _never_beyond_reach(special.gammaincinv(shape, u) * scale * self._days)

    def expected_days(self) -> float:
        return self.mean * self._days


class Weibull(_Distribution):
    """S(t) = exp(-(t/scale)^shape); shape < 1 a falling hazard, > 1 a rising one."""

    dist: Literal["weibull"]
    shape: Annotated[float, Field(ge=0.01, le=100)]
    scale: PositiveTime

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        return _never_beyond_reach(self.scale * self._days * (-np.log1p(-u)) ** (1.0 / self.shape))

    def hazard_words(self) -> str:
        trend = "falling" if self.shape < 1 else "rising" if self.shape > 1 else "constant"
        return f"{trend} hazard (Weibull, shape {self.shape:g})"

    def expected_days(self) -> float:
        from scipy import special

        return self.scale * self._days * float(special.gamma(1 + 1 / self.shape))


class Uniform(_Distribution):
    dist: Literal["uniform"]
    low: Time
    high: Time

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return (self.low + (self.high - self.low) * u) * self._days

    def expected_days(self) -> float:
        return (self.low + self.high) / 2 * self._days


class Discrete(_Distribution):
    """A finite set of values with probabilities, e.g. the number of apheresis days."""

    dist: Literal["discrete"]
    values: list[Time] = Field(min_length=1)
    probabilities: list[Annotated[float, Field(ge=0, le=1)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Discrete:
        if len(self.values) != len(self.probabilities):
            raise ValueError(
                f"values ({len(self.values)}) and probabilities ({len(self.probabilities)}) differ in length"
            )
        if abs(sum(self.probabilities) - 1.0) > 1e-9:
            raise ValueError(f"probabilities must sum to 1 (they sum to {sum(self.probabilities):.6g})")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        cumulative = np.cumsum(self.probabilities)
        index = np.searchsorted(cumulative, u, side="right").clip(max=len(self.values) - 1)
        return np.asarray(self.values)[index] * self._days

    def expected_days(self) -> float:
        import numpy as np

        return float(np.dot(self.values, self.probabilities)) * self._days


class Piecewise(_Distribution):
    """A hazard constant between breaks: `rates_per_year[i]` from `breaks_years[i - 1]` to `breaks_years[i]`
    (the first from 0, the last to infinity), e.g. relapses frequent in the first years, rarer later."""

    dist: Literal["piecewise"]
    breaks_years: list[PositiveTime] = Field(min_length=1)
    rates_per_year: list[Annotated[float, Field(ge=0, le=MAX_TIME)]]

    @model_validator(mode="after")
    def _consistent(self) -> Piecewise:
        if len(self.rates_per_year) != len(self.breaks_years) + 1:
            raise ValueError(f"rates_per_year needs one rate more than breaks_years ({len(self.breaks_years)} "
                             f"breaks, so {len(self.breaks_years) + 1} rates; got {len(self.rates_per_year)})")
        if any(b <= a for a, b in zip(self.breaks_years, self.breaks_years[1:])):
            raise ValueError(f"breaks_years must increase (got {self.breaks_years})")
        if self.unit != "days":
            raise ValueError("piecewise takes its units from breaks_years and rates_per_year; drop 'unit'")
        return self

    def _pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start (days), rate (per day) and cumulative hazard at the start of each piece."""
        import numpy as np

        starts = np.concatenate([[0.0], self.breaks_years]) * DAYS_PER_YEAR
        rates = np.asarray(self.rates_per_year) / DAYS_PER_YEAR
        cumulative = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(starts))])
        return starts, rates, cumulative

    def cumulative_hazard(self, days: np.ndarray) -> np.ndarray:
        import numpy as np

        starts, rates, cumulative = self._pieces()
        piece = np.searchsorted(starts, days, side="right") - 1
        return cumulative[piece] + rates[piece] * (days - starts[piece])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        starts, rates, cumulative = self._pieces()
        with np.errstate(divide="ignore"):
            target = -np.log1p(-np.asarray(u, dtype=float))
        piece = np.searchsorted(cumulative, target, side="right") - 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            days = starts[piece] + (target - cumulative[piece]) / rates[piece]
        return _never_beyond_reach(np.where(rates[piece] > 0, days, np.inf))  # a zero rate in the last piece: never

    def hazard_words(self) -> str:
        return (f"piecewise-constant hazard, {self.rates_per_year[-1]:g} a year after {self.breaks_years[-1]:g} "
                "years")

    def expected_days(self) -> float:
        import numpy as np

        starts, rates, cumulative = self._pieces()
        if rates[-1] == 0:
            return np.inf
        ends = np.append(starts[1:], np.inf)
        with np.errstate(divide="ignore", invalid="ignore"):  # integral of S over each piece
            spans = np.where(rates > 0, np.exp(-cumulative) * -np.expm1(-rates * (ends - starts)) / rates,
                             np.exp(-cumulative) * (ends - starts))
        return float(np.sum(spans))


class Cure(_Distribution):
    """A cure (mixture) fraction: a share `cured` never has the event; the others follow `uncured`, so
    S(t) = cured + (1 - cured) S_uncured(t), a plateau as seen after transplant for autoimmune disease."""

    dist: Literal["cure"]
    cured: Annotated[float, Field(ge=0, lt=1)]
    uncured: Distribution

    @model_validator(mode="after")
    def _no_unit(self) -> Cure:
        if self.unit != "days":
            raise ValueError("cure takes its unit from the uncured distribution; drop 'unit'")
        return self

    def ppf(self, u: np.ndarray) -> np.ndarray:
        import numpy as np

        u = np.asarray(u, dtype=float)
        share = 1.0 - self.cured  # the lowest uniforms are the uncured: more cure only removes events
        return np.where(u < share, self.uncured.ppf(np.minimum(u / share, 1.0)), np.inf)

    def hazard_words(self) -> str:
        return f"cure fraction {self.cured:.0%}, the others with a {self.uncured.hazard_words()}"

    def expected_days(self) -> float:
        import numpy as np

        return np.inf if self.cured > 0 else self.uncured.expected_days()


Distribution = Annotated[
    Union[Fixed, Exponential, LogNormal, Gamma, Weibull, Uniform, Discrete, Piecewise, Cure],
    Field(discriminator="dist"),
]
Cure.model_rebuild()
