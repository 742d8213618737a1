"""Willingness-to-pay thresholds per QALY: the default and the parser of `--wtp` (no numpy, so that the command
line starts fast)."""

from __future__ import annotations

from simulator.errors import UserError

DEFAULT_WTP = (20000.0, 30000.0)  # per QALY gained, in the scenarios' currency: NICE's usual range in GBP


def parse_wtp(text: str) -> tuple[float, ...]:
    """`"20000,30000"` -> (20000.0, 30000.0): thresholds per QALY, each a number of at least 0."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise UserError(
            f"--wtp: expected thresholds per QALY separated by commas, e.g. 20000,30000, got {text!r}"
        ) from None
    if not all(0 <= v <= 1e9 for v in values):  # refuses nan and inf too
        raise UserError(f"--wtp: each threshold must lie between 0 and 1e9 per QALY, got {text!r}")
    return values
