"""Death from other causes at the general population's rate (`[population]`, scenario/population.py).

Each patient who leaves the pathway alive draws an age at enrolment, a sex, and a time of death from other causes
given the age reached on leaving (the life table's hazard is constant within each year of age, so the residual
lifetime inverts the cumulative hazard exactly). That death competes with the follow-up's: whichever comes first
happens, and a relapse after it does not. Both engines apply it after the follow-up (pathway.after_pathway), so
they agree.
"""

from __future__ import annotations

import numpy as np

from simulator.engine.histories import NEVER
from simulator.engine.randomness import StreamLayout
from simulator.errors import UserError
from simulator.scenario.distributions import DAYS_PER_YEAR
from simulator.scenario.population import LifeTable, Population, read_life_table
from simulator.scenario.schema import Scenario


def hazards(table: LifeTable, sex: str) -> np.ndarray:
    """Constant hazard per year within each year of age, from the table's first age: -ln(1 - q(x))."""
    return -np.log1p(-np.asarray(table.qx[sex]))


def cumulative_hazard(rates: np.ndarray, first_age: int, age: np.ndarray) -> np.ndarray:
    """Cumulative hazard from the table's first age to `age` (years); below it nothing, beyond its last age the
    last hazard goes on."""
    nodes = np.concatenate([[0.0], np.cumsum(rates)])  # at whole ages first_age, first_age + 1, ...
    offset = np.clip(age - first_age, 0.0, None)
    whole = np.minimum(np.floor(offset).astype(np.int64), len(rates) - 1)
    return nodes[whole] + (offset - whole) * rates[whole]


def age_at_hazard(rates: np.ndarray, first_age: int, target: np.ndarray) -> np.ndarray:
    """The age (years) at which the cumulative hazard from `first_age` reaches `target`: the inverse of
    `cumulative_hazard` above the first age."""
    nodes = np.concatenate([[0.0], np.cumsum(rates)])
    whole = np.clip(np.searchsorted(nodes, target, side="right") - 1, 0, len(rates) - 1)
    return first_age + whole + (target - nodes[whole]) / rates[whole]


def residual_years(table: LifeTable, sex: str, age: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Years until death from other causes at `age` (below the table's first age: as if of that age), from
    uniforms: H(age + T) - H(age) = -ln(1 - u)."""
    rates = hazards(table, sex)
    age = np.maximum(age, table.first_age)
    target = cumulative_hazard(rates, table.first_age, age) - np.log1p(-uniform)
    return age_at_hazard(rates, table.first_age, target) - age


def sexes(population: Population, table: LifeTable, uniform: np.ndarray) -> dict[str, np.ndarray]:
    """Who is of which sex, as masks by the table's columns (one mask, all true, for a table not by sex)."""
    if not table.by_sex:
        return {"all": np.ones(uniform.shape, dtype=bool)}
    if population.female_fraction is None:
        raise UserError("population.female_fraction: the life table is by sex, so give the share of women")
    female = uniform < population.female_fraction
    return {"female": female, "male": ~female}


def other_cause_death(scenario: Scenario, u: np.ndarray, layout: StreamLayout, enrolment: np.ndarray,
                      left: np.ndarray) -> np.ndarray:
    """When each patient dies of other causes (days), counted from `left`, when they left the pathway alive (inf
    if they did not: then inf); the scenario must have a [population]."""
    population = scenario.population
    assert population is not None
    table = read_life_table(population.life_table)
    age_at_enrolment = population.age_years.ppf(u[layout.rows["population.age"]]) / DAYS_PER_YEAR
    with np.errstate(invalid="ignore"):  # inf - inf for patients who never came or never left alive
        age = age_at_enrolment + np.where(np.isfinite(left), (left - enrolment) / DAYS_PER_YEAR, 0.0)
    uniform = u[layout.rows["population.death"]]
    years = np.full(age.shape, NEVER)
    for sex, mask in sexes(population, table, u[layout.rows["population.sex"]]).items():  # each patient once
        years[mask] = residual_years(table, sex, age[mask], uniform[mask])
    return np.where(np.isfinite(left), left + years * DAYS_PER_YEAR, NEVER)


def life_expectancy(table: LifeTable, sex: str, age: float, discount_rate: float = 0.0) -> float:
    """Exact (discounted) years still to live at `age` under the life table alone: the integral of the survival
    exp(-H(age + t) + H(age)) times exp(-delta t), delta = ln(1 + rate), year of age by year of age. What a
    simulation of background mortality alone must reproduce (validation, tests)."""
    rates = hazards(table, sex)
    delta = float(np.log1p(discount_rate))
    age = max(age, table.first_age)
    whole = min(int(age - table.first_age), len(rates) - 1)
    alive, elapsed, total = 1.0, 0.0, 0.0
    for index in range(whole, len(rates)):
        length = table.first_age + index + 1 - (age + elapsed)
        if index == len(rates) - 1:  # beyond the last age its hazard goes on
            return total + alive * np.exp(-delta * elapsed) / (rates[index] + delta)
        speed = rates[index] + delta
        total += alive * np.exp(-delta * elapsed) * -np.expm1(-speed * length) / speed
        alive *= np.exp(-rates[index] * length)
        elapsed += length
    raise AssertionError("unreachable: the loop returns at the last age")
