"""`--probability EXPR`: the share of simulated studies that would report, e.g., `trm>=0.13`.

Expressions are parsed, never evaluated: `<outcome><op><number>` with op one of >=, <=, >, <, and the
number a proportion (0.13) or a percentage (13%). Values within 1e-9 of the threshold count as equal to
it, so that a Kaplan-Meier product that should be exactly 42/50 is not lost to rounding.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.errors import UserError, shown
from simulator.scenario.catalogue import Outcome

if TYPE_CHECKING:  # parsing conditions happens before a run: pandas loads while it runs (execution)
    import pandas as pd

TOLERANCE = 1e-9
OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": lambda v, t: v >= t - TOLERANCE,
    "<=": lambda v, t: v <= t + TOLERANCE,
    ">": lambda v, t: v > t + TOLERANCE,
    "<": lambda v, t: v < t - TOLERANCE,
}
_EXPRESSION = re.compile(
    r"^\s*(?P<outcome>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>>=|<=|=>|=<|==|=|>|<|!=)\s*(?P<number>\S+?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """`outcome op threshold`, e.g. trm >= 0.13, checked study by study."""

    outcome: str
    op: str
    threshold: float

    @property
    def label(self) -> str:
        """The summary row's name, e.g. `P(trm>=0.13)`."""
        return f"P({self.outcome}{self.op}{self.threshold:g})"

    @property
    def as_outcome(self) -> Outcome:
        """The share of studies meeting it, described as figures describe an outcome of the catalogue."""
        words = f"Share of studies reporting {self.outcome}{self.op}{self.threshold:g}"
        return Outcome(self.label, "condition", "proportion", words, None, self.label, self.label, None)

    def met(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """1.0 where a study meets the condition, 0.0 where not, NaN where it cannot estimate the outcome."""
        v = values[self.outcome]
        return np.where(np.isfinite(v), OPERATORS[self.op](v, self.threshold), np.nan)

    def count(self, values: dict[str, np.ndarray]) -> tuple[int, int]:
        """(studies meeting it, studies that could estimate the outcome)."""
        met = self.met(values)
        return int(np.nansum(met)), int(np.isfinite(met).sum())

    def evaluable(self, values: dict[str, np.ndarray]) -> float:
        """The share of studies that can estimate the outcome, hence be checked at all."""
        return float(np.isfinite(values[self.outcome]).mean())

    def share(self, values: dict[str, np.ndarray]) -> tuple[float, float]:
        """The share of studies meeting it and its Monte Carlo SE, sqrt(p (1 - p) / studies)."""
        met = self.met(values)
        met = met[np.isfinite(met)]
        if len(met) == 0:
            return math.nan, math.nan
        p = float(met.mean())
        return p, math.sqrt(p * (1 - p) / len(met))


def parse_condition(text: str, outcomes: Mapping[str, Outcome], flag: str = "--probability") -> Condition:
    """Read `trm>=0.13` (or `os_5y < 70%`) about one of `outcomes` (a catalogue); every mistake is a `UserError`
    saying what is allowed."""
    example = f"e.g. {flag} \"trm>=0.13\" or \"os_5y<0.7\""
    match = _EXPRESSION.match(text)
    if match is None:
        raise UserError(f"{flag} {shown(text)}: expected OUTCOME OP NUMBER with OP one of >=, <=, >, < ({example})")
    outcome, op, number = match["outcome"], match["op"], match["number"]
    if op not in OPERATORS:
        raise UserError(f"{flag} {shown(text)}: operator {op!r} is not allowed; use one of >=, <=, >, < ({example})")
    if outcome not in outcomes:
        raise UserError(f"{flag} {shown(text)}: unknown outcome {outcome!r}; outcomes: {', '.join(outcomes)}")
    percent = number.endswith("%")
    try:
        threshold = float(number.removesuffix("%")) / (100 if percent else 1)
    except ValueError:
        raise UserError(
            f"{flag} {shown(text)}: {shown(number)} is not a number; give a proportion (0.13) or a percentage (13%)"
        ) from None
    if not math.isfinite(threshold):
        raise UserError(f"{flag} {shown(text)}: the threshold must be a finite number, got {shown(number)}")
    if outcomes[outcome].is_proportion and not 0 <= threshold <= 1:
        hint = f"; did you mean {number}%?" if not percent and 1 < threshold <= 100 else ""
        raise UserError(f"{flag} {shown(text)}: {outcome} is a proportion between 0 and 1, so a threshold of "
                        f"{threshold:g} would never (or always) be met; give a proportion (0.13) or a percentage "
                        f"(13%){hint}")
    return Condition(outcome, op, threshold)


def parse_conditions(texts: Iterable[str], outcomes: Mapping[str, Outcome]) -> tuple[Condition, ...]:
    """Parse every `--probability` about one of `outcomes` (a catalogue); the same condition twice is kept once."""
    return tuple(dict.fromkeys(parse_condition(text, outcomes) for text in texts))


def condition_rows(conditions: Iterable[Condition], values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Summary rows (outcome `P(...)`, estimate = share, mc_se, evaluable; lower/upper left empty)."""
    import pandas as pd

    from simulator.outcomes.summary import SUMMARY_COLUMNS

    rows = [(c.label, *c.share(values), math.nan, math.nan, c.evaluable(values)) for c in conditions]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
