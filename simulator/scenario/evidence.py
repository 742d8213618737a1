"""Parameters given with their evidence, for probabilistic sensitivity analysis.

A scenario probability may be written as the data it was estimated from, `{ events = 1, n = 50 }`, and
a rate per year as `{ events = 10, person_years = 80 }`. The scenario then holds an `Estimate`: a float
equal to the point estimate (events / n, events / person-years), so the engine uses it like any number,
that also remembers its evidence and the posterior distribution of the parameter under the scenario's
prior. Jeffreys' prior (the default) adds half an event: Beta(events + 1/2, n - events + 1/2) for a
probability, Gamma(events + 1/2, rate = person-years) for a rate; the flat ("uniform") prior adds one,
which with one event in 50 nearly doubles the mean (2/52 against 1/50).

Evidence may name its `source`, `{ events = 37, person_years = 1470, source = "Faurschou 2010" }`: parameters
that cite the same source with the same counts rest on the same evidence, so under --uncertainty they share
one draw, in one scenario or across compared ones; any other two parameters draw independently.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Callable, Literal, TypeGuard, TypeVar, get_args, get_origin

from pydantic import BaseModel, Field, PlainSerializer, WrapValidator

from simulator.errors import shown
from simulator.scenario.bounds import MAX_COUNT, MAX_RATE

if TYPE_CHECKING:
    import numpy as np

PRIOR_EVENTS = {"jeffreys": 0.5, "uniform": 1.0}  # pseudo-events each prior adds to events and to non-events
Prior = Literal["jeffreys", "uniform"]
MAX_SOURCE = 200  # characters of an evidence's source name


class Estimate(float):
    """A parameter estimated from data: behaves as its point estimate; `ppf` maps uniforms to posterior draws."""

    events: int
    source: str | None = None  # the evidence's name: parameters citing it with the same counts share one draw

    def ppf(self, u: np.ndarray, prior: Prior = "jeffreys") -> np.ndarray:
        """Posterior quantiles for uniforms `u` (inverse CDF, so draws can share random numbers)."""
        raise NotImplementedError

    def posterior_mean(self, prior: Prior = "jeffreys") -> float:
        raise NotImplementedError

    def evidence(self) -> dict[str, float]:
        """The evidence as written in the scenario file, in the order the constructor takes it."""
        raise NotImplementedError

    def written(self) -> dict[str, Any]:
        """The evidence and its source, as the scenario file gives them."""
        return self.evidence() | ({} if self.source is None else {"source": self.source})

    def shared_evidence(self) -> str | None:
        """What identifies the evidence behind a parameter that names its source (kind, source and counts), or
        None: two parameters with the same identity rest on the same data, and share their draws."""
        if self.source is None:
            return None
        counts = ", ".join(f"{k}={v!r}" for k, v in self.evidence().items())
        return f"{type(self).__name__}: {self.source}: {counts}"

    def __reduce__(self) -> tuple[Any, ...]:  # picklable for worker processes
        return (_rebuilt, (type(self), tuple(self.evidence().values()), self.source))

    def __repr__(self) -> str:
        shown = (f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.evidence().items())
        cited = "" if self.source is None else f", source={self.source!r}"
        return f"{type(self).__name__}({', '.join(shown)}{cited})"


def _rebuilt(kind: type[Estimate], evidence: tuple[Any, ...], source: str | None) -> Estimate:
    estimate = kind(*evidence)
    estimate.source = source
    return estimate


class ProportionEstimate(Estimate):
    """`events` of `n` patients: point estimate events / n, posterior Beta(events + a, n - events + a), a the
    prior's pseudo-events."""

    n: int

    def __new__(cls, events: int, n: int) -> ProportionEstimate:
        self = super().__new__(cls, events / n)
        self.events, self.n = events, n
        return self

    def ppf(self, u: np.ndarray, prior: Prior = "jeffreys") -> np.ndarray:
        from scipy import special  # here, not at the top: checking a scenario must not wait for scipy

        a = PRIOR_EVENTS[prior]
        return special.betaincinv(self.events + a, self.n - self.events + a, u)

    def posterior_mean(self, prior: Prior = "jeffreys") -> float:
        a = PRIOR_EVENTS[prior]
        return (self.events + a) / (self.n + 2 * a)

    def evidence(self) -> dict[str, float]:
        return {"events": self.events, "n": self.n}


class RateEstimate(Estimate):
    """`events` over `person_years`: point estimate per year events / person_years, posterior
    Gamma(shape events + a, rate person_years), a the prior's pseudo-events."""

    person_years: float

    def __new__(cls, events: int, person_years: float) -> RateEstimate:
        self = super().__new__(cls, events / person_years)
        self.events, self.person_years = events, person_years
        return self

    def ppf(self, u: np.ndarray, prior: Prior = "jeffreys") -> np.ndarray:
        from scipy import special

        return special.gammaincinv(self.events + PRIOR_EVENTS[prior], u) / self.person_years

    def posterior_mean(self, prior: Prior = "jeffreys") -> float:
        return (self.events + PRIOR_EVENTS[prior]) / self.person_years

    def evidence(self) -> dict[str, float]:
        return {"events": self.events, "person_years": self.person_years}


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def source_of(value: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The evidence without its optional `source`, and the source: a name of 1 to MAX_SOURCE characters."""
    if "source" not in value:
        return value, None
    source = value["source"]
    if not isinstance(source, str) or not 1 <= len(source.strip()) <= MAX_SOURCE:
        raise ValueError(f"an evidence's source is the name of its data, e.g. source = \"Faurschou 2010\", "
                         f"1 to {MAX_SOURCE} characters (got {shown(source)})")
    return {k: v for k, v in value.items() if k != "source"}, source.strip()


E = TypeVar("E", bound=Estimate)


def cited(estimate: E, source: str | None) -> E:
    """`estimate` naming `source` (None: no source)."""
    estimate.source = source
    return estimate


def _proportion(written: dict[str, Any]) -> ProportionEstimate:
    value, source = source_of(written)
    events, n = value.get("events"), value.get("n")
    if set(value) != {"events", "n"} or not (_whole(events) and _whole(n)):
        raise ValueError(
            "a probability is a number from 0 to 1 or its evidence { events = E, n = N } in whole numbers, "
            "with an optional source = \"name\" "
            f"(got {shown(value)})"
        )
    if not 1 <= n <= MAX_COUNT or not 0 <= events <= n:
        raise ValueError(f"evidence needs n >= 1 and 0 <= events <= n, n at most {MAX_COUNT:.0e} "
                         f"(got events = {shown(events)}, n = {shown(n)})")
    return cited(ProportionEstimate(events, n), source)


def _rate(written: dict[str, Any]) -> RateEstimate:
    value, source = source_of(written)
    events, person_years = value.get("events"), value.get("person_years")
    if set(value) != {"events", "person_years"} or not (_whole(events) and _number(person_years)):
        raise ValueError(
            "a rate is a number of at least 0 or its evidence { events = E, person_years = T } "
            f"(E a whole number), with an optional source = \"name\" (got {shown(value)})"
        )
    if not 0 <= events <= MAX_COUNT or not 0 < person_years <= MAX_COUNT:  # NaN fails too
        raise ValueError(
            f"evidence needs events >= 0 and person_years > 0, each at most {MAX_COUNT:.0e} "
            f"(got events = {shown(events)}, person_years = {shown(person_years)})"
        )
    if events / person_years > MAX_RATE:
        raise ValueError(
            f"a rate of {events / person_years:g} per year is beyond {MAX_RATE:g} (an event within a minute)"
        )
    return cited(RateEstimate(events, float(person_years)), source)


def or_evidence(read: Callable[[dict[str, Any]], Estimate]) -> WrapValidator:
    """A field's validator that reads a table (`{ events, n }`, `{ mean, se }`) with `read` into an Estimate and
    passes a plain number on to the field's own bounds; per-study draws (the engine's copy, `with_draws`) are
    checked against the same bounds."""

    def validate(value: Any, handler: Callable[[Any], Any]) -> Any:
        if isinstance(value, dict):
            return read(value)
        return _per_study(value, handler) if _is_array(value) else handler(value)

    return WrapValidator(validate)


def _is_array(value: Any) -> bool:
    """Whether `value` is a numpy array; numpy is not imported for it (an array exists only once numpy is loaded,
    and loading a scenario must not load numpy)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.ndarray)


def _per_study(draws: np.ndarray, handler: Callable[[Any], Any]) -> np.ndarray:
    """One drawn value per study, shape (studies, 1) so that it broadcasts over each study's patients; its
    smallest and largest value pass the field's own bounds (a NaN fails), so every value does."""
    if draws.ndim != 2 or draws.shape[1] != 1 or draws.dtype.kind != "f":
        raise ValueError(f"per-study draws are a (studies, 1) array of numbers (got shape {draws.shape}, "
                         f"dtype {draws.dtype})")
    if draws.size:
        handler(float(draws.min()))
        handler(float(draws.max()))
    return draws


M = TypeVar("M", bound=BaseModel)


def with_draws(model: M, draws: dict[str, Any]) -> M:
    """A copy of `model` with fields replaced by per-study draws (field name -> (studies, 1) array), validated
    as the schema validates a scenario file: each draw within its field's bounds, and the model's own checks
    (e.g. a stage's one death risk) run again. Only the engine's copy of a scenario holds draws (parameter
    uncertainty, between-study heterogeneity); what is reported reads the scenario as written."""
    fields = {name: getattr(model, name) for name in type(model).model_fields}
    return type(model).model_validate(fields | draws)


def as_written(value: Any) -> Any:
    """An Estimate serialised as the evidence it was read from (so a saved scenario reads back the same)."""
    return value.written() if isinstance(value, Estimate) else value


class _MayHaveEvidence:
    """Marks a field that takes a number or its evidence, so a number there is a value the PSA holds fixed."""


MAY_HAVE_EVIDENCE = _MayHaveEvidence()

ProbabilityOrEvidence = Annotated[
    float, Field(ge=0, le=1), or_evidence(_proportion), PlainSerializer(as_written), MAY_HAVE_EVIDENCE
]
"""A probability from 0 to 1, or `{ events, n }`."""

RateOrEvidence = Annotated[
    float, Field(ge=0, le=MAX_RATE), or_evidence(_rate), PlainSerializer(as_written), MAY_HAVE_EVIDENCE
]
"""A rate per year from 0 to MAX_RATE, or `{ events, person_years }`."""


def estimates(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Estimate]]:
    """Every parameter of a (scenario) model given with its evidence, by dotted path, in schema order."""
    for name in type(model).model_fields:
        yield from _estimates_in(getattr(model, name), f"{prefix}{name}")


def _estimates_in(value: Any, path: str) -> Iterator[tuple[str, Estimate]]:
    if isinstance(value, Estimate):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from estimates(value, f"{path}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _estimates_in(item, f"{path}.{key}")


def check_evidence(model: BaseModel, uncertain: bool) -> None:
    """Refuse parameter uncertainty without any parameter given with its evidence (nothing to draw), and one
    source cited with different evidence in one scenario (a source names one body of data)."""
    if uncertain and next(estimates(model), None) is None:
        raise ValueError(
            "simulation.parameter_uncertainty (--uncertainty) needs a parameter given with its evidence, "
            "e.g. death_probability = { events = 1, n = 50 }, rate_per_year = { events = 10, "
            "person_years = 80 } or an [economics] cost { mean = 1000, se = 200 }; this scenario has none"
        )
    seen: dict[str, tuple[str, Estimate]] = {}
    for path, estimate in estimates(model):
        if estimate.source is None:
            continue
        if estimate.source in seen and seen[estimate.source][1].shared_evidence() != estimate.shared_evidence():
            first, other = seen[estimate.source]
            raise ValueError(
                f"{first} and {path} cite the source {estimate.source!r} with different evidence ({other.written()} "
                f"and {estimate.written()}): one source is one body of data, drawn once; give the same counts, or "
                "name the sources apart"
            )
        seen.setdefault(estimate.source, (path, estimate))


def fixed_values(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, float]]:
    """Every parameter written as a plain number where its evidence could be given (an assumption, or a figure
    whose data were not written down), by dotted path: what a probabilistic analysis holds fixed. Defaults the
    scenario does not write (a cost of 0 nobody named) are left out."""
    for name, field in type(model).model_fields.items():
        value, path = getattr(model, name), f"{prefix}{name}"
        marked = _takes_evidence(field.annotation) or any(isinstance(m, _MayHaveEvidence) for m in field.metadata)
        if marked and name in model.model_fields_set and _number(value) and not isinstance(value, Estimate):
            yield path, float(value)
        elif isinstance(value, BaseModel):
            yield from fixed_values(value, f"{path}.")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from fixed_values(item, f"{path}.{key}.")


def _takes_evidence(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return any(isinstance(m, _MayHaveEvidence) for m in annotation.__metadata__)
    return any(_takes_evidence(arg) for arg in get_args(annotation))
