"""Write a table as CSV, byte for byte what `DataFrame.to_csv(path, index=False)` writes with pandas' defaults, faster
(benchmarks/shortcuts.py measures it), and a big table on every core: replications.csv (one row per simulated study,
dozens of float columns) dominated the parent's serial work, and pandas' writer formats each float through numpy and the
csv module.

Columns are turned into lists of fields the way pandas does (float64 by `repr`, which equals numpy's `str` that
pandas uses; other floats by numpy's `str` itself; NaN and None as empty fields) and rows joined with ',' and
'\n'. Strings and the header go through the csv module's own writer, so quoting is pandas' QUOTE_MINIMAL of this
Python; an object column of Python strings, whole numbers, floats and bools (a swept parameter such as a capacity
`1, 2, unlimited`) is written as pandas hands it to that writer: floats by `repr`, the others by `str`. A table
this module cannot format exactly (a dtype other than numbers, bools and strings, non-string column labels, fewer
than two columns) is written by pandas.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.report import forked

Fields = Callable[[np.ndarray], list[str]]  # one column's values -> its CSV fields, in order

CHUNK_CELLS = 100_000  # rows are formatted and written this many cells at a time (as pandas), so memory stays small
PARALLEL_CELLS = 200_000  # from this many cells, a table is formatted on every core
PART_COPY_BYTES = 1 << 20
PYTHON_SCALARS = {str, int, float, bool}  # an object column of these is formatted here (mixed_fields)


def write_csv(table: pd.DataFrame, path: Path, processes: int = 1) -> None:
    """`table.to_csv(path, index=False)`, faster when every column is numbers, bools or strings; a table of at
    least PARALLEL_CELLS cells is formatted by `processes` processes (report.forked), each writing a block of
    rows to a part file appended to `path` in order."""
    formats = table_formats(table)
    if formats is None:
        table.to_csv(path, index=False)
        return
    arrays = [table.iloc[:, position].to_numpy() for position in range(table.shape[1])]
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(",".join(string_fields(np.array(table.columns, dtype=object))) + "\n")
    blocks = _row_blocks(len(table), processes if table.size >= PARALLEL_CELLS else 1)
    parts = [path] + [path.with_name(f".{path.name}.part{number}") for number in range(1, len(blocks))]
    try:
        forked.share([partial(_write_rows, formats, arrays, rows, part) for rows, part in zip(blocks, parts)],
                     len(blocks), lambda _: f"writing {path.name}")
        with open(path, "ab") as whole:
            for part in parts[1:]:
                with open(part, "rb") as block:
                    shutil.copyfileobj(block, whole, PART_COPY_BYTES)
    finally:
        for part in parts[1:]:
            part.unlink(missing_ok=True)


def _row_blocks(rows: int, processes: int) -> list[range]:
    """`processes` contiguous blocks of about equal size (at least one, perhaps empty)."""
    bounds = [rows * number // processes for number in range(processes + 1)]
    return [range(start, stop) for start, stop in zip(bounds, bounds[1:])]


def _write_rows(formats: list[Fields], arrays: list[np.ndarray], rows: range, path: Path) -> None:
    """Append the rows `rows` of the columns `arrays` to `path`, CHUNK_CELLS cells at a time."""
    step = max(1, CHUNK_CELLS // len(arrays))
    with open(path, "a", encoding="utf-8", newline="") as file:
        for start in range(rows.start, rows.stop, step):
            stop = min(start + step, rows.stop)
            chunk = [fields(array[start:stop]) for fields, array in zip(formats, arrays)]
            file.write("".join([",".join(row) + "\n" for row in zip(*chunk)]))


def table_formats(table: pd.DataFrame) -> list[Fields] | None:
    """Each column's formatting, or None when pandas must write the table: a column this module does not format,
    a label that is not a string, or fewer than two columns (csv writes a row of one empty field as "")."""
    if table.shape[1] < 2 or not all(type(label) is str for label in table.columns):
        return None
    formats = [column_fields(table.iloc[:, position]) for position in range(table.shape[1])]
    known = [fields for fields in formats if fields is not None]
    return known if len(known) == len(formats) else None


def column_fields(column: pd.Series) -> Fields | None:
    """How pandas formats this column's values, or None when this module does not reproduce it exactly (pandas'
    own dtypes, such as categories, nullable integers or dates, are all left to pandas)."""
    if not isinstance(column.dtype, np.dtype):
        return None
    array = column.to_numpy()
    if array.dtype == np.float64:
        return float64_fields
    if array.dtype.kind == "f":
        return numpy_float_fields
    if array.dtype.kind in "iub":
        return integer_fields
    if array.dtype == object:
        kinds = {type(value) for value in array[~pd.isna(array)]}
        if kinds <= {str}:
            return string_fields
        if kinds <= PYTHON_SCALARS:
            return mixed_fields
    return None


def float64_fields(values: np.ndarray) -> list[str]:
    """Shortest round-trip digits (`repr`, the same text as numpy's `str`), NaN as an empty field."""
    return [repr(value) if value == value else "" for value in values.tolist()]


def numpy_float_fields(values: np.ndarray) -> list[str]:
    """float32 and float16 as pandas writes them: numpy's shortest digits for that precision, NaN empty."""
    text = values.astype(str)
    text[np.isnan(values)] = ""
    return text.tolist()


def integer_fields(values: np.ndarray) -> list[str]:
    """Integers in decimal, bools as True/False."""
    return list(map(str, values.tolist()))


def string_fields(values: np.ndarray) -> list[str]:
    """Strings quoted as pandas' csv.writer quotes them (asked of the csv module itself); None and NaN empty."""
    quoted = _quoting()
    return ["" if missing else quoted(text) for text, missing in zip(values.tolist(), pd.isna(values).tolist())]


def mixed_fields(values: np.ndarray) -> list[str]:
    """Python strings, whole numbers, floats and bools in one column, as the csv module writes the objects pandas
    gives it: strings quoted as needed, floats by `repr`, the others by `str`; None and NaN empty."""
    quoted = _quoting()
    return ["" if missing else quoted(value) if type(value) is str else repr(value) if type(value) is float
            else str(value) for value, missing in zip(values.tolist(), pd.isna(values).tolist())]


def _quoting() -> Callable[[str], str]:
    """A string as pandas' csv.writer writes it (QUOTE_MINIMAL), asked of the csv module itself."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def quoted(text: str) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow((text, ""))  # a second field: a lone empty field would be written as ""
        return buffer.getvalue()[:-2]

    return quoted
