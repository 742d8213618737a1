"""What every answer of hsct-sim offers, whatever the question (run, sweep, compare, power, calibrate,
validate): `.summary` (a DataFrame), `.text()` (the table the terminal prints), `.figures()`,
`.save(folder)` (with summary.txt, the table as printed), a one-line repr and the printed table in a notebook.

A question defines its summary, text, manifest (what was asked), tables (CSV name -> DataFrame) and figure
files (PNG name -> how to draw it); saving them is done once, here.
"""

from __future__ import annotations

import json
import platform
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.figure
import numpy as np

from simulator.report import drawing
from simulator.version import __version__

if TYPE_CHECKING:  # the tables' modules load pandas: in `save`, once the figures' children are forked
    import pandas as pd

PER_STUDY_TABLE = "replications.csv"  # one row per simulated study (or trial): the table that grows with a run
TABLE_FORMATS = ("csv", "parquet")


class Result:
    """The shared behaviour of result types; subclasses are dataclasses declared with `repr=False`."""

    wall_seconds: float
    # and `summary`: a DataFrame (a field or a property)

    def text(self) -> str:
        """The table the terminal prints."""
        raise NotImplementedError

    def manifest(self) -> dict[str, Any]:
        """What was asked (scenarios, seed, replications, settings): manifest.json, before its provenance."""
        raise NotImplementedError

    def tables(self) -> dict[str, pd.DataFrame]:
        """CSV file name -> the table written there."""
        raise NotImplementedError

    def other_files(self, command: Sequence[str] = ()) -> dict[str, Callable[[Path], None]]:
        """File name -> how to write a file that is neither a CSV nor a figure (e.g. calibrated.toml, whose
        header records `command`)."""
        return {}

    def figure_files(self) -> dict[str, Callable[[], matplotlib.figure.Figure]]:
        """PNG file name -> how to draw it (drawn only when asked for)."""
        return {}

    def figures(self) -> dict[str, matplotlib.figure.Figure]:
        """Every figure, by file name."""
        return {name: draw() for name, draw in self.figure_files().items()}

    def save(self, folder: str | Path, command: Sequence[str] = (), processes: int = 1,
             table_format: str = "csv", figure_format: str = "png", *, overwrite: bool = False) -> None:
        """Write manifest.json (with `command`, the command line that asked, if any), the CSVs, other files,
        figures and report.html into `folder`, created if needed (with its parents).

        A folder that already holds files is refused (FileExistsError) unless `overwrite=True`, which replaces
        a folder an earlier `save` wrote (it holds a manifest.json); a folder of other files is never removed.
        `processes` > 1 draws the figures and formats big tables in that many processes, forked (report.forked).
        `table_format="parquet"` writes the one-row-per-study table as replications.parquet (pyarrow: much
        faster than CSV for millions of rows); the summaries stay CSV. `figure_format` "svg" or "pdf" also
        writes each figure in that format (the PNG stays, for report.html); figure_data/ holds their data."""
        if table_format not in TABLE_FORMATS:
            raise ValueError(f"table_format: must be one of {', '.join(TABLE_FORMATS)} (got {table_format!r})")
        folder = Path(folder)
        _make_room(folder, overwrite)
        figures = self.figure_files()
        write_manifest(folder, {**self.manifest(), **provenance(list(command), self.wall_seconds),
                                "figures": list(figures)})
        # the figures need numpy and matplotlib only: forked children draw them while this process loads pandas
        # (if the run has not loaded it yet, simulation.execution) and writes the tables
        with drawing.drawing(figures, folder, processes, figure_format):
            from simulator.report.csv_table import write_csv
            from simulator.report.html_parts import PRINTED

            (folder / PRINTED).write_text(self.text() + "\n", encoding="utf-8")
            for name, table in self.tables().items():
                if name == PER_STUDY_TABLE and table_format == "parquet":
                    table.to_parquet(folder / name.replace(".csv", ".parquet"), index=False)
                else:
                    write_csv(table, folder / name, processes)
            for name, write in self.other_files(command).items():
                write(folder / name)
        from simulator.report import html as report

        report.write(folder)  # report.html, built from the files just written

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.text().splitlines()[0]}>"

    def _repr_html_(self) -> str:
        """In a notebook: the table the terminal prints."""
        from simulator.report.html_parts import preformatted

        return preformatted(self.text())


def _make_room(folder: Path, overwrite: bool) -> None:
    """`folder` exists and is empty: created, or (with `overwrite`) emptied of an earlier save."""
    if folder.is_dir() and any(folder.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{folder}: already holds files; save into a new folder, or pass overwrite=True "
                                  "to replace the results an earlier save wrote there")
        if not (folder / "manifest.json").is_file():
            raise FileExistsError(f"{folder}: holds files that no save wrote (no manifest.json); not removed "
                                  "even with overwrite=True: save into a new folder")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


def provenance(command: list[str], wall_seconds: float) -> dict[str, Any]:
    """What every manifest records besides its results: version, command line, wall time, platform."""
    return {
        "version": __version__,
        "command": command,
        "wall_seconds": round(wall_seconds, 3),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """manifest.json: what was run and how, beside its results."""
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
