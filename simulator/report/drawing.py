"""Drawing figures to PNG files, shared between this process and forked children, one per further core
(report.forked): drawing a run's figures (text layout, rasterising, PNG compression) takes longer than simulating
a small run."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from simulator.report import forked

DPI = 120


def draw(makers: Mapping[str, Callable[[], Figure]], folder: Path, processes: int = 1) -> None:
    """Make each figure and save it as folder/<name>, shared by `processes` processes."""
    names = list(makers)
    jobs = [partial(_save, makers[name], folder / name) for name in names]

    def what(numbers: Sequence[int]) -> str:
        return f"drawing {', '.join(names[n] for n in numbers)}"

    forked.share(jobs, processes, what)


def _save(make: Callable[[], Figure], path: Path) -> None:
    make().savefig(path, dpi=DPI)
