"""Costs, QALYs and life-years per patient, from enrolment to the modelled horizon (`[economics]`).

Health economics wants what the pathway costs and yields over the modelled horizon, not what a trial sees by its
data cut-off: every enrolled patient is followed from enrolment to `simulation.horizon_years` after it (or
death; with `economics.horizon = "lifetime"`, until death, which [population] makes certain), ignoring the cut-off
and loss to follow-up (artefacts of a study's reporting, not of the disease).

Discounting is continuous at the equivalent rate: an annual rate d weighs a cost t years after enrolment by
(1 + d)^-t = exp(-delta t), delta = ln(1 + d), and a day's utility likewise. A patient is, at each time alive, in
a stage of the pathway, in remission (on follow-up before any relapse), or with active disease (the rest:
after a relapse, from the start of follow-up for a non-responder, waiting for a resource, after leaving the
pathway). Everything is vectorised over the
(studies, patients) arrays of the histories; prices drawn per study with --uncertainty are (studies, 1) arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.engine.histories import Histories
from simulator.scenario.catalogue import resource_cost, stage_cost
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.economics import Economics
from simulator.scenario.schema import Scenario


def continuous_rate(annual: float) -> float:
    """delta = ln(1 + d): discounting exp(-delta t) equals (1 + d)^-t."""
    return float(np.log1p(annual))


def discounted_years(start: np.ndarray, end: np.ndarray, delta: float) -> np.ndarray:
    """Integral of exp(-delta t) dt from `start` to `end` years (0 where end <= start, inf-safe)."""
    start, end = np.minimum(start, end), end
    if delta == 0:
        with np.errstate(invalid="ignore"):  # inf - inf: a stage never entered, with a lifetime horizon
            return np.where(end > start, end - start, 0.0)
    return (np.exp(-delta * start) - np.exp(-delta * end)) / delta


Times = tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]


@dataclass
class _Spans:
    """Each patient's years since enrolment, within [0, horizon]: when alive, in each stage, in remission (from
    discharge to the first flare, then from each flare's response to the next: controlled disease), and when
    each event happened (`happened` says whether it did, within the horizon; a flare happens once per episode)."""

    alive_until: np.ndarray
    stages: dict[str, tuple[np.ndarray, np.ndarray]]
    remission: list[tuple[np.ndarray, np.ndarray]]
    events: dict[str, list[tuple[np.ndarray, np.ndarray]]]  # "relapse", "death", "entering <stage>": when, happened
    _times: dict[float, Times] = field(default_factory=dict)  # by rate: costs and effects usually share one

    def times(self, delta: float) -> Times:
        """Discounted years alive, in each stage, in remission and with active disease (the rest)."""
        if delta not in self._times:
            self._times[delta] = self._discounted(delta)
        return self._times[delta]

    def _discounted(self, delta: float) -> Times:
        life = discounted_years(np.zeros_like(self.alive_until), self.alive_until, delta)
        in_stage = {name: discounted_years(*span, delta) for name, span in self.stages.items()}
        in_remission = sum((discounted_years(*span, delta) for span in self.remission), np.zeros_like(life))
        active = life - sum(in_stage.values(), np.zeros_like(life)) - in_remission
        return life, in_stage, in_remission, np.maximum(active, 0.0)  # rounding only

    def discount(self, event: str, delta: float) -> np.ndarray:
        """Each patient's discounted count of `event` (0 or 1, or the discounted number of flares)."""
        total = np.zeros_like(self.alive_until)
        for when, happened in self.events[event]:
            total = total + np.where(happened, np.exp(-delta * np.where(happened, when, 0.0)), 0.0)  # no inf x 0
        return total


def _spans(scenario: Scenario, economics: Economics, h: Histories) -> tuple[_Spans, np.ndarray]:
    enrolled = np.isfinite(h.enrolment)
    horizon = np.inf if economics.horizon == "lifetime" else scenario.simulation.horizon_years

    def years(day: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # inf - inf where there is no patient
            return np.clip(np.where(enrolled, (day - h.enrolment) / DAYS_PER_YEAR, 0.0), 0.0, horizon)

    def happened(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return years(day), enrolled & (day - h.enrolment < horizon * DAYS_PER_YEAR)

    alive_until = years(h.death)
    discharge = years(h.discharge)  # type: ignore[arg-type]  # recorded with [economics]
    # active disease from the first relapse, or at once for a non-responder
    active_from = h.relapse if h.non_response is None else np.minimum(h.relapse, h.non_response)
    remission = [(discharge, np.minimum(years(active_from), alive_until))]
    remission += [(years(e.controlled), np.minimum(years(e.next_onset), alive_until)) for e in h.flares]
    flares = [happened(h.relapse)]  # the first; each later one is the onset of an episode after the first
    flares += [(when, happens & (e.onset < h.death)) for e in h.flares[1:] for when, happens in [happened(e.onset)]]
    events = {"relapse": flares, "death": [happened(h.death)]}
    events |= {f"entering {name}": [happened(entry)] for name, entry in h.stage_entry.items()}
    spans = _Spans(
        alive_until,
        {name: (years(h.stage_entry[name]), years(h.stage_exit[name])) for name in h.stage_entry},
        remission,
        events,
    )
    return spans, enrolled


def _cost_parts(scenario: Scenario, economics: Economics, spans: _Spans, cost_rate: float) -> dict[str, Any]:
    """Per patient, by catalogue name: each priced stage (once and per day), each priced resource's days, the
    years in remission and with active disease, and the events; they add up to the costs."""
    _, in_stage, in_remission, active = spans.times(cost_rate)
    states, events = economics.states, economics.events
    parts = {stage_cost(name): stage.cost_once * spans.discount(f"entering {name}", cost_rate)
             + stage.cost_per_day * DAYS_PER_YEAR * in_stage[name] for name, stage in economics.stages.items()}
    for resource, price in economics.resources.items():
        held = sum((in_stage[name] for name, s in scenario.stages.items() if s.resource == resource),
                   np.zeros_like(in_remission))
        parts[resource_cost(resource)] = price.cost_per_day * DAYS_PER_YEAR * held
    parts["cost_in_remission"] = states.remission.cost_per_year * in_remission
    parts["cost_in_relapse"] = states.relapse.cost_per_year * active
    parts["cost_of_events"] = (events.relapse * spans.discount("relapse", cost_rate)
                               + events.death * spans.discount("death", cost_rate))
    return parts


def economic_outcomes(scenario: Scenario, economics: Economics, h: Histories) -> dict[str, np.ndarray]:
    """Mean costs, QALYs and life-years per enrolled patient of each study, discounted and not, and each priced
    resource's discounted cost. `economics` is the scenario's table with this chunk's drawn prices."""
    spans, enrolled = _spans(scenario, economics, h)
    states = economics.states
    values: dict[str, Any] = {}
    for suffix, cost_rate, effect_rate in (
        ("", continuous_rate(economics.discount_rate_costs), continuous_rate(economics.discount_rate_effects)),
        ("_undiscounted", 0.0, 0.0),
    ):
        life, in_stage, in_remission, active = spans.times(effect_rate)
        qalys = states.remission.utility * in_remission + states.relapse.utility * active
        for name, years_in in in_stage.items():
            stage = economics.stages.get(name)
            qalys = (
                qalys + (states.relapse.utility if stage is None or stage.utility is None else stage.utility) * years_in
            )
        parts = _cost_parts(scenario, economics, spans, cost_rate)
        if not suffix:
            values |= parts
        costs = sum(parts.values(), np.zeros_like(life))
        values |= {f"costs{suffix}": costs, f"qalys{suffix}": qalys, f"life_years{suffix}": life}
    count = enrolled.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # a study without patients (referrals): NaN, not evaluable
        means = {name: np.where(enrolled, value, 0.0).sum(axis=1) / count for name, value in values.items()}
        for name in ("costs", "qalys"):  # first-order noise: what a probabilistic analysis's draw keeps of chance
            spread = np.where(enrolled, (values[name] - means[name][:, np.newaxis]) ** 2, 0.0).sum(axis=1)
            means[f"{name}_first_order_se"] = np.sqrt(spread / (count - 1) / count)  # one patient: NaN
    return means
