"""Drawing figures to PNG files, shared between this process and forked children, one per further core
(report.forked): drawing a run's figures (text layout, rasterising, PNG compression) takes longer than simulating
a small run."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from simulator.report import forked

DPI = 120
# matplotlib's warning that a font has no glyph for a control character in a title (a scenario name with a tab or a
# terminal escape): nothing is missing from the figure, and the warning itself would print the raw character
CONTROL_GLYPH = r"Glyph \d+ \(([\x00-\x1f\x7f-\x9f]|\\x[89][0-9a-f])\) missing from"  # C1 shown as \x9b


def draw(makers: Mapping[str, Callable[[], Figure]], folder: Path, processes: int = 1) -> None:
    """Make each figure and save it as folder/<name>, shared by `processes` processes."""
    names = list(makers)
    jobs = [partial(_save, makers[name], folder / name) for name in names]

    def what(numbers: Sequence[int]) -> str:
        return f"drawing {', '.join(names[n] for n in numbers)}"

    forked.share(jobs, processes, what)


def _save(make: Callable[[], Figure], path: Path) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=CONTROL_GLYPH)
        make().savefig(path, dpi=DPI)
