"""Shared resources of a scenario (`[resources.<name>]`): capacity and opening days, split from schema.py to keep
it short."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.errors import shown
from simulator.scenario.bounds import MAX_COUNT


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Resource(_Model):
    """A shared resource: `capacity` units, taken only on `open_days` if given (the study's first day is a
    Monday), e.g. apheresis slots on weekdays; a unit taken stays taken over closed days."""

    capacity: int | Literal["unlimited"]
    open_days: list[Weekday] | None = Field(default=None, min_length=1)

    @property
    def closed_spans(self) -> tuple[tuple[float, float], ...]:
        """Closed days as [start, end) day spans within a week, adjacent days merged."""
        if self.open_days is None:
            return ()
        spans: list[tuple[float, float]] = []
        for day, name in enumerate(WEEKDAYS):
            if name not in self.open_days:
                if spans and spans[-1][1] == day:
                    spans[-1] = (spans[-1][0], day + 1.0)
                else:
                    spans.append((float(day), day + 1.0))
        return tuple(spans)

    @field_validator("capacity", mode="before")
    @classmethod
    def _whole_or_unlimited(cls, value: Any) -> Any:
        if value != "unlimited" and not (
            isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_COUNT
        ):
            raise ValueError(f'must be a whole number (up to {MAX_COUNT:.0e}) of at least 1, or "unlimited" '
                             f"(got {shown(value)})")
        return value

    @property
    def is_finite(self) -> bool:
        return self.capacity != "unlimited"
