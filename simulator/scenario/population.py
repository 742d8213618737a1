"""Who is enrolled, for background mortality: age at enrolment, sex and a national life table (`[population]`).

With a `[population]` table every patient who leaves the pathway alive (into follow-up, or off it) also dies of
other causes at the general population's rate for their age and sex, read from a life table: a CSV the scenario
names, relative to the scenario file or else to the shipped scenarios. The scenario's follow-up death rates are
then the excess mortality of lupus over the general population (additive hazards, as in relative-survival
models). The stages' death risks are the deaths observed on the pathway, whatever the cause, so background
deaths are not added during them. A lifetime economic horizon needs this table: without it nobody would die of
old age.

The life table gives, for each whole year of age x, q(x): the probability of dying before age x + 1. Within a
year of age the hazard is constant, -ln(1 - q(x)); beyond the last age its hazard goes on (so every patient
dies); a patient younger than the first age is taken to be of that age. Only the standard library here: loading
a scenario must not wait for numpy.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.errors import UserError, shown
from simulator.scenario.distributions import Distribution
from simulator.scenario.files import read_regular_file
from simulator.scenario.shipped import shipped_folder

SEXES = ("female", "male")
MAX_TABLE_BYTES = 2**20  # a life table is a few kB (one row per year of age); a larger file is the wrong one
COLUMNS = "an `age` column of consecutive whole years and either `qx` or both `female_qx` and `male_qx`"


class Population(BaseModel):
    """Age and sex at enrolment, and the life table of the population they come from."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    life_table: str = Field(description="CSV file of age and qx (or female_qx and male_qx), relative to the scenario "
                            "file or else to the shipped scenarios (e.g. data/us_ssa_period_life_table_2017.csv)")
    age_years: Distribution = Field(description="age at enrolment, a distribution with unit = \"years\"")
    female_fraction: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="share of women, for a life table by sex"
    )

    @model_validator(mode="after")
    def _in_years(self) -> Population:
        if self.age_years.unit != "years":
            raise ValueError('population.age_years: give the age distribution with unit = "years"')
        return self


@dataclass(frozen=True)
class LifeTable:
    """Annual death probabilities q(x) by whole year of age, from `first_age`, per sex ("all" if not by sex)."""

    first_age: int
    qx: dict[str, tuple[float, ...]]

    @property
    def by_sex(self) -> bool:
        return "all" not in self.qx


@functools.lru_cache(maxsize=16)
def read_life_table(path: str) -> LifeTable:
    """The life table in the CSV at `path`, checked row by row; a UserError naming the file, row and rule."""
    try:
        data = read_regular_file(Path(path), "life table (CSV)", MAX_TABLE_BYTES)
    except UserError as error:
        raise UserError(f"population.life_table: {error}") from None
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error):  # their text would echo the file's bytes: not shown
        raise UserError(f"population.life_table: {path} is not a CSV text file (UTF-8)") from None
    header = set(rows[0]) if rows else set()
    columns = ["qx"] if "qx" in header else [f"{sex}_qx" for sex in SEXES]
    if not rows or "age" not in header or not set(columns) <= header:
        wanted = sorted({"age", *columns} - header)  # only the names we expect: the file's first line is not echoed
        raise UserError(f"population.life_table: {path} needs {COLUMNS}; it has no column {', '.join(wanted)}")
    ages = [_number(row["age"], path, line, "age") for line, row in enumerate(rows, start=2)]
    first = ages[0]
    if first != int(first) or first < 0 or ages != [first + i for i in range(len(ages))]:
        raise UserError(f"population.life_table: {path}: the ages must be consecutive whole years from 0 or more, "
                        f"got {shown(ages[:5])}...")
    qx = {}
    for column in columns:
        values = tuple(_number(row[column], path, line, column) for line, row in enumerate(rows, start=2))
        bad = next((i for i, q in enumerate(values) if not 0 <= q < 1), None)
        if bad is not None:
            raise UserError(f"population.life_table: {path}, line {bad + 2}: {column} must lie in [0, 1) (a constant "
                            f"hazard within each year of age), got {shown(values[bad])}")
        if values[-1] <= 0:
            raise UserError(f"population.life_table: {path}: the last age's {column} must be above 0, so that "
                            "everyone dies at some age")
        qx[column.removesuffix("_qx") if column != "qx" else "all"] = values
    return LifeTable(int(first), qx)


def _number(text: str | None, path: str, line: int, column: str) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise UserError(
            f"population.life_table: {path}, line {line}: {column} is not a number: {shown(text)}"
        ) from None
    if not math.isfinite(value):
        raise UserError(f"population.life_table: {path}, line {line}: {column} must be finite, got {shown(text)}")
    return value


def found_from_anywhere(name: str, resolved: str) -> bool:
    """Whether the life table `name` would be found as `resolved` from any scenario's folder: it is the shipped
    table of that name (or an absolute path)."""
    return Path(name).is_absolute() or (shipped_folder() / name).resolve() == Path(resolved)


def _find(name: str, folder: Path) -> Path:
    """The life table `name` relative to `folder` (the scenario's), else to the shipped scenarios' folder, so that
    a copy of a shipped scenario elsewhere still finds the shipped table."""
    mine = (folder / name).resolve()
    shipped = (shipped_folder() / name).resolve()
    return shipped if not mine.exists() and shipped.exists() else mine


def with_resolved_life_table(population: Population | None, folder: Path, source: str) -> Population | None:
    """The population with its life table's path made absolute (relative to `folder`, the scenario's own, else to
    the shipped scenarios), after reading and checking the table, and checking that a table by sex has its
    `female_fraction`."""
    if population is None:
        return None
    path = str(_find(population.life_table, folder))
    try:
        table = read_life_table(path)
    except UserError as error:
        raise UserError(f"{source}: {error}") from None
    if table.by_sex and population.female_fraction is None:
        raise UserError(f"{source}: population.female_fraction: the life table {population.life_table} is by sex, "
                        "so give the share of women (a number from 0 to 1)")
    return population.model_copy(update={"life_table": path})
