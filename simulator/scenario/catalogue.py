"""The outcome catalogue: every outcome a scenario yields, defined once, with what it is (kind, unit, landmark,
resource, whether higher is better) and how readers see it (tables, figure axes and titles, crowded axes).

Built from the parts of a scenario that decide which outcomes exist: its landmarks, its early-TRM window and its
finite resources (`Scenario.catalogue`). Names are made here and only here (`landmark_outcome`, `early_trm`,
`resource_outcome`), so the code that computes an outcome, the schema that checks `[targets]` and the tables,
figures, `--probability` and `--target` that read it all agree, and nothing decodes a name. It lives with the
scenario, not in `outcomes/`, because the schema checks `[targets]` against it and sits above `outcomes/`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Kind = Literal["proportion", "days", "months", "per year", "per 100 enrolled", "units in use", "cost", "years", "QALYs"]
# Units a figure title leaves out: the axis label says them, and the title reads better without.
MAX_OUTCOME = 1e12  # beyond any published figure (a lifetime cost in any currency); more is a typo
_UNITS_LEFT_OUT_OF_TITLES = ("probability", "deaths / enrolled", "share of enrolled")


@dataclass(frozen=True)
class Outcome:
    """One outcome of a simulated study: `name` as in CSVs and on the command line, `family` the kind of
    measurement it belongs to (e.g. every `os_<L>y` is family "os", every `wait_<R>_mean_days` "wait_mean")."""

    name: str
    family: str
    kind: Kind
    words: str  # what it is, for figure titles and axes (before the unit)
    unit: str | None  # in brackets after the words on axes, e.g. "probability", "days"
    description: str  # for tables: the words with the name, e.g. "Overall survival at 5 y after reinfusion (os_5y)"
    short_label: str  # for crowded axes, e.g. "5-year OS"
    higher_is_better: bool | None  # None when neither is (follow-up, utilisation)
    landmark: float | None = None  # years after reinfusion (or enrolment, for intention to treat)
    resource: str | None = None
    zero_without_queue: bool = False  # a waiting outcome: 0, not missing, where the resource is unlimited
    part_of: str | None = None  # the outcome it adds up to with the others of the same part_of (a cost's parts)

    @property
    def label(self) -> str:
        """For figure axes and colour bars: "Overall survival 5 years after reinfusion (probability)"."""
        return f"{self.words} ({self.unit})" if self.unit else self.words

    @property
    def title(self) -> str:
        """For figure titles: the label, without the unit of a probability or a share of those enrolled."""
        return self.words if self.unit in _UNITS_LEFT_OUT_OF_TITLES else self.label

    @property
    def is_proportion(self) -> bool:
        """Whether it lies between 0 and 1 (a probability or share), rather than days, months or counts."""
        return self.kind == "proportion"

    @property
    def value_range(self) -> tuple[float, float]:
        """The values it can take: [0, 1] for a proportion, any QALYs within MAX_OUTCOME (a state may be valued
        below death), else 0 to MAX_OUTCOME (days, counts, rates, costs, years)."""
        if self.is_proportion:
            return 0.0, 1.0
        return (-MAX_OUTCOME if self.kind == "QALYs" else 0.0), MAX_OUTCOME

    def check_published(self, value: float) -> None:
        """A ValueError naming `targets.<name>` if `value` is not one this outcome can take."""
        low, high = self.value_range
        if not low <= value <= high:
            what = "a proportion" if self.is_proportion else f"in {self.unit or self.kind}"
            raise ValueError(f"targets.{self.name}: the published value is {what}, from {low:g} to {high:g}; got "
                             f"{value!r:.40}")


@dataclass(frozen=True)
class _Landmarked:
    """A family of outcomes read off a curve at each landmark."""

    template: str  # the name, with {} for the landmark label
    words: str
    short: str
    intention_to_treat: bool  # from enrolment, keeping those who leave the pathway, rather than from reinfusion
    higher_is_better: bool


# In the order `run` reports them; one line here adds a family to every table, figure and flag.
LANDMARKED = {
    "os": _Landmarked("os_{}", "Overall survival", "OS", False, True),
    "dfs": _Landmarked("dfs_{}", "Disease-free survival", "DFS", False, True),
    "os_itt": _Landmarked("os_{}_itt", "Overall survival", "OS", True, True),
    "efs_itt": _Landmarked("efs_{}_itt",
                           "Event-free survival (alive, on the pathway, without relapse, flare or non-response)",
                           "EFS", True, True),
    "relapse": _Landmarked("relapse_{}", "Cumulative incidence of relapse", "relapse (cum. incidence)", False, False),
    "nrm": _Landmarked("nrm_{}", "Non-relapse mortality", "NRM", False, False),
}


def landmark_label(years: float) -> str:
    """`5.0` -> `5y`, `2.5` -> `2.5y`."""
    return f"{years:g}y"


def landmark_outcome(family: str, years: float) -> str:
    """`("os", 5.0)` -> `os_5y`."""
    return LANDMARKED[family].template.format(landmark_label(years))


def early_trm(window_days: int) -> str:
    """Treatment-related deaths within the window after reinfusion: `100` -> `trm_100d`."""
    return f"trm_{window_days}d"


def _at_landmark(family: str, years: float) -> Outcome:
    curve, at = LANDMARKED[family], f"{years:g}"
    name = landmark_outcome(family, years)
    after = "after enrolment (intention to treat)" if curve.intention_to_treat else "after reinfusion"
    since = "enrolment" if curve.intention_to_treat else "reinfusion"
    return Outcome(
        name, family, "proportion", f"{curve.words} {at} years {after}", "probability",
        f"{curve.words} at {at} y after {since} ({name})",
        f"{at}-year {curve.short}{' (ITT)' if curve.intention_to_treat else ''}", curve.higher_is_better,
        landmark=years,
    )


def _fixed(name: str, kind: Kind, words: str, unit: str | None, described: str | None, short: str | None,
           higher_is_better: bool | None, zero_without_queue: bool = False) -> Outcome:
    """An outcome every scenario (or every scenario with a queue) has, whose family is its name."""
    return Outcome(name, name, kind, words, unit, f"{described} ({name})" if described else name, short or name,
                   higher_is_better, zero_without_queue=zero_without_queue)


def _study_wide(trm_window_days: int) -> list[Outcome]:
    early = early_trm(trm_window_days)
    within = f"Treatment-related deaths within {trm_window_days} days of reinfusion"
    return [
        _fixed("trm", "proportion", "Treatment-related mortality", "deaths / enrolled", "Treatment-related mortality",
               "TRM", False),
        Outcome(early, "trm_early", "proportion", within, "deaths / reinfused", f"{within} ({early})", early, False),
        _fixed("deaths", "proportion", "Deaths of any cause by the data cut-off", "deaths / enrolled",
               "Deaths of any cause by the cut-off", "Deaths by the cut-off", False),
        _fixed("deaths_before_reinfusion", "proportion", "Deaths before reinfusion", "deaths / enrolled",
               "Deaths before reinfusion", "Deaths before reinfusion", False),
        _fixed("transplanted", "proportion", "Patients reinfused", "share of enrolled", "Share transplanted",
               "Reinfused", True),
        _fixed("transplants_per_year", "per year", "Transplants per year of referrals", None,
               "Transplants per year of referrals", None, True),
        _fixed("followup_mean_months", "months", "Mean follow-up after reinfusion", "months",
               "Mean follow-up after reinfusion, months", None, None),
        _fixed("followup_median_months", "months", "Median follow-up after reinfusion, reverse Kaplan-Meier", "months",
               "Median follow-up after reinfusion (reverse Kaplan-Meier), months", None, None),
    ]


def _response() -> list[Outcome]:
    """With `followup.non_response_probability`: response as series report it, among the patients who entered
    follow-up on the pathway (after reinfusion, with a transplant) by the cut-off."""
    never = "Non-response: never reached remission"
    relapsed = "Relapse among responders by the data cut-off"
    return [_fixed("non_response", "proportion", never, "share of those followed up", f"{never}, share of those "
                   "followed up after the pathway", "Non-response", False),
            _fixed("relapse_among_responders", "proportion", relapsed, "share of responders", f"{relapsed}, share "
                   "of responders (relapse is of remission)", "Relapse of responders", False)]


@dataclass(frozen=True)
class _PerResource:
    """A family of capacity outcomes, one per finite resource."""

    template: str  # the name, with {} for the resource
    kind: Kind
    words: str  # with {} for the resource in words
    unit: str | None
    higher_is_better: bool | None
    zero_without_queue: bool


PER_RESOURCE = {
    "wait_mean": _PerResource("wait_{}_mean_days", "days", "Mean wait for {}", "days", False, True),
    "wait_median": _PerResource("wait_{}_median_days", "days", "Median wait for {}", "days", False, True),
    "wait_p90": _PerResource("wait_{}_p90_days", "days", "90th percentile of the wait for {}", "days", False, True),
    "waited": _PerResource("waited_{}", "proportion", "Patients who waited for {}", "share of those queueing", False,
                           True),
    "utilisation": _PerResource("utilisation_{}", "proportion", "Utilisation of {}s", "share of capacity", None, False),
    "occupancy_mean": _PerResource("occupancy_{}_mean", "units in use", "Mean {}s in use", None, None, False),
}


def resource_outcome(family: str, resource: str) -> str:
    """`("wait_mean", "isolation_bed")` -> `wait_isolation_bed_mean_days`."""
    return PER_RESOURCE[family].template.format(resource)


def _of_resource(family: str, resource: str) -> Outcome:
    measure, name = PER_RESOURCE[family], resource_outcome(family, resource)
    words = measure.words.format(resource.replace("_", " "))
    return Outcome(name, family, measure.kind, words, measure.unit, f"{words} ({name})", name,
                   measure.higher_is_better, resource=resource, zero_without_queue=measure.zero_without_queue)


def _while_waiting() -> list[Outcome]:
    """Per 100 enrolled, for scenarios where patients can wait for a resource."""
    return [_fixed(f"{what}_waiting_per_100", "per 100 enrolled", f"{what.capitalize()} while waiting",
                   "per 100 enrolled", f"{what.capitalize()} while waiting, per 100 enrolled", None, False,
                   zero_without_queue=True) for what in ("deaths", "withdrawals")]


def resource_cost(resource: str) -> str:
    """The discounted cost of a resource's days per patient: `isolation_bed` -> `cost_isolation_bed`."""
    return f"cost_{resource}"


def stage_cost(stage: str) -> str:
    """The discounted cost of a priced stage (once and per day) per patient: `conditioning` ->
    `cost_stage_conditioning`."""
    return f"cost_stage_{stage}"


def _cost_part(name: str, words: str) -> Outcome:
    """A part of `costs` (discounted): parts add up to it."""
    return Outcome(name, name, "cost", f"{words} per patient, discounted", "currency", f"{words} ({name})", name, None,
                   part_of="costs")


def _economic(priced_resources: tuple[str, ...], priced_stages: tuple[str, ...] = ()) -> list[Outcome]:
    """Per patient from enrolment to the horizon, with a scenario's [economics]; in its currency. The parts
    (`part_of="costs"`) add up to `costs`: each priced stage and resource, the follow-up states and events."""
    outcomes = []
    for suffix, how in (("", "discounted"), ("_undiscounted", "undiscounted")):
        costs, qalys, years = (f"Mean {what} per patient, {how}" for what in ("costs", "QALYs", "life-years"))
        outcomes += [
            _fixed(f"costs{suffix}", "cost", costs, "currency", costs, None, False),
            _fixed(f"qalys{suffix}", "QALYs", qalys, "QALYs", qalys, None, True),
            _fixed(f"life_years{suffix}", "years", years, "years", years, None, True),
        ]
    spread = "Patient-level standard error of a study's mean {}"
    outcomes += [
        _fixed("costs_first_order_se", "cost", spread.format("costs"), "currency", spread.format("costs"), None, None),
        _fixed("qalys_first_order_se", "QALYs", spread.format("QALYs"), "QALYs", spread.format("QALYs"), None, None),
    ]
    outcomes += [_cost_part(stage_cost(stage), f"Cost of {stage.replace('_', ' ')}") for stage in priced_stages]
    outcomes += [_cost_part(resource_cost(r), f"Cost of {r.replace('_', ' ')} days") for r in priced_resources]
    outcomes += [_cost_part("cost_in_remission", "Cost of the years in remission"),
                 _cost_part("cost_in_relapse", "Cost of the years with active disease"),
                 _cost_part("cost_of_events", "Cost of relapses and deaths")]
    return outcomes


@lru_cache(maxsize=256)
def build_catalogue(landmarks_years: tuple[float, ...], trm_window_days: int, finite_resources: tuple[str, ...],
                    transplant: bool = True, priced_resources: tuple[str, ...] | None = None,
                    priced_stages: tuple[str, ...] = (), non_response: bool = False) -> dict[str, Outcome]:
    """Every outcome, by name, in the order `run` reports them. Cached: tables and figures look it up often. Callers
    must not change the dict (use `dict(...)` to combine catalogues). With `priced_resources` (the scenario has
    [economics]), costs, QALYs and life-years per patient and the parts of the costs; with `non_response`, the
    shares of non-responders and of responders who relapsed. Without a transplant, only the
    outcomes from enrolment (and of resources) exist: those timed from reinfusion are absent, not zero."""
    outcomes = [_at_landmark(family, years) for family in LANDMARKED for years in landmarks_years
                if transplant or LANDMARKED[family].intention_to_treat]
    study_wide = _study_wide(trm_window_days)
    outcomes += study_wide if transplant else [o for o in study_wide if o.name == "deaths"]
    outcomes += _response() if non_response else []
    outcomes += [_of_resource(family, resource) for resource in finite_resources for family in PER_RESOURCE]
    outcomes += _while_waiting() if finite_resources else []
    outcomes += _economic(priced_resources, priced_stages) if priced_resources is not None else []
    return {outcome.name: outcome for outcome in outcomes}


def description(name: str, catalogue: dict[str, Outcome]) -> str:
    """How a table names a row: the outcome's description, or the row as it is (a `P(...)` condition)."""
    outcome = catalogue.get(name)
    return outcome.description if outcome else name
