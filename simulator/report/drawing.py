"""Drawing figures to files, shared between this process and forked children, one per further core
(report.forked): drawing a run's figures (text layout, rasterising, PNG compression) takes longer than simulating
a small run. Every figure is written as PNG (report.html embeds it), optionally also as SVG or PDF for a paper,
and its data as figure_data/<name>.csv (report.figure_data) for redrawing it elsewhere."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from simulator.report import forked
from simulator.report.figure_data import FIGURE_DATA, write_figure_data

DPI = 120
# zlib level of the PNGs: these flat-coloured figures come out as small at 3 as at Pillow's default 6, faster
PNG_COMPRESSION = 3
# matplotlib's warning that a font has no glyph for a control character in a title (a scenario name with a tab or a
# terminal escape): nothing is missing from the figure, and the warning itself would print the raw character
CONTROL_GLYPH = r"Glyph \d+ \(([\x00-\x1f\x7f-\x9f]|\\x[89][0-9a-f])\) missing from"  # C1 shown as \x9b


def draw(
    makers: Mapping[str, Callable[[], Figure]], folder: Path, processes: int = 1, figure_format: str = "png"
) -> None:
    """Make each figure and save it as folder/<name> (and in `figure_format` if not PNG), with its data, shared
    by `processes` processes."""
    with drawing(makers, folder, processes, figure_format):
        pass


@contextmanager
def drawing(makers: Mapping[str, Callable[[], Figure]], folder: Path, processes: int = 1,
            figure_format: str = "png") -> Iterator[None]:
    """As `draw`, forked children drawing the figures while the block runs: with more than one process the block
    is this process's share (it loads pandas and writes the tables meanwhile) and children draw every figure;
    with one, this process draws them on leaving it."""
    names = list(makers)
    if names:
        (folder / FIGURE_DATA).mkdir(exist_ok=True)
    jobs = [partial(_save, makers[name], folder / name, figure_format) for name in names]

    def what(numbers: Sequence[int]) -> str:
        return f"drawing {', '.join(names[n] for n in numbers)}"

    with forked.started(jobs, processes, what, busy=True):
        yield


def _save(make: Callable[[], Figure], path: Path, figure_format: str) -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=CONTROL_GLYPH)
        figure = make()
        figure.savefig(path, dpi=DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})
        if figure_format != "png":
            figure.savefig(path.with_suffix(f".{figure_format}"))
    write_figure_data(figure, path.parent / FIGURE_DATA / f"{path.stem}.csv")
