"""Every figure's data as a CSV, read back from what the figure draws, so that what is redrawn in R or a
spreadsheet is exactly what the PNG shows: one row per point, in long form.

Columns: panel (the subplot, from 1) and its title's first line, series (the legend label, or empty), kind,
x, y, start and value:
- "line": a curve's points (a mean, a median, a fitted line); "vertical line"/"horizontal line": a reference
  line at x, or y (capacity, published value, end of accrual);
- "band outline": the outline of a shaded band (fill_between) or a violin, in drawing order: a polygon;
- "bar": a vertical bar at x of height y from `start`; "horizontal bar": a bar at y of length x from `start`;
- "segment": the two ends of an error bar or range line, on consecutive rows; "point": a marker of a scatter;
- "shaded range": the two ends (x) of a shaded area (axvspan); "cell": a heatmap cell at column x, row y with
  `value`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

FIGURE_DATA = "figure_data"
COLUMNS = ["panel", "panel_title", "series", "kind", "x", "y", "start", "value"]
Row = tuple[object, ...]


def write_figure_data(figure: Figure, path: Path) -> None:
    """figure_data/<figure>.csv: every series the figure draws (COLUMNS)."""
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for number, ax in enumerate((a for a in figure.axes if a.get_label() != "<colorbar>"), start=1):
            title = (ax.get_title() or ax.get_ylabel()).split("\n")[0]
            writer.writerows((number, title, *row) for row in _rows(ax))


def _label(artist: object) -> str:
    label = str(getattr(artist, "get_label", lambda: "")())
    return "" if label.startswith("_") else " ".join(label.split())


def _rows(ax: Axes) -> Iterator[Row]:
    """series, kind, x, y, start, value of each artist of the axes."""
    bars = set()
    for container in ax.containers:
        if isinstance(container, BarContainer):
            horizontal = container.orientation == "horizontal"
            for bar in container.patches:
                bars.add(id(bar))
                if horizontal:
                    yield (_label(container), "horizontal bar", bar.get_width(), bar.get_y() + bar.get_height() / 2,
                           bar.get_x(), "")
                else:
                    yield (_label(container), "bar", bar.get_x() + bar.get_width() / 2, bar.get_height(),
                           bar.get_y(), "")
    for line in ax.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if line.get_transform() == ax.get_xaxis_transform():
            yield (_label(line), "vertical line", x[0], "", "", "")
        elif line.get_transform() == ax.get_yaxis_transform():
            yield (_label(line), "horizontal line", "", y[0], "", "")
        else:
            yield from ((_label(line), "line", a, b, "", "") for a, b in zip(x, y))
    for collection in ax.collections:
        label = _label(collection)
        if isinstance(collection, LineCollection):
            for segment in collection.get_segments():
                yield from ((label, "segment", a, b, "", "") for a, b in np.asarray(segment, float))
        elif isinstance(collection, PolyCollection):
            for path in collection.get_paths():
                yield from ((label, "band outline", a, b, "", "") for a, b in np.asarray(path.vertices, float))
        elif isinstance(collection, PathCollection):
            yield from ((label, "point", a, b, "", "") for a, b in np.asarray(collection.get_offsets(), float))
    for patch in ax.patches:
        if id(patch) in bars:
            continue
        if isinstance(patch, Rectangle) and patch.get_data_transform() == ax.get_xaxis_transform():
            yield from ((_label(patch), "shaded range", a, "", "", "") for a in (patch.get_x(),
                                                                                 patch.get_x() + patch.get_width()))
        elif isinstance(patch, Polygon) and patch.get_data_transform() == ax.get_xaxis_transform():
            xs = patch.get_xy()[:, 0]
            yield from ((_label(patch), "shaded range", a, "", "", "") for a in (xs.min(), xs.max()))
    for image in ax.images:
        values = np.asarray(image.get_array())
        for (row, column), value in np.ndenumerate(values):
            yield (_label(image), "cell", column, row, "", value)
