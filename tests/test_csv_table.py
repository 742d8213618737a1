"""write_csv writes the same bytes as pandas' `to_csv(index=False)`: on edge values of every dtype it formats, on
random floats, on the tables of a real run, and (by handing them to pandas) on tables it does not format."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, run
from simulator.report import csv_table
from simulator.report.csv_table import write_csv

from helpers import SCENARIOS

EDGE_FLOATS = [0.0, -0.0, 1e16, 1e-5, 0.1 + 0.2, np.nan, np.inf, -np.inf, 1e15, 123456789012345678.0, 5e-324,
               1.7976931348623157e308, -1.5, 1e22, 1e-7, 2.0**53 + 2, 0.84]
EDGE_FLOAT32 = [0.1, 1 / 3, 1e16, 1e-5, -0.0, np.nan, np.inf, -np.inf, 3.4028235e38, 1e-45, 2.0**24 + 2, 0.84,
                1e-7, 2.5]
EDGE_STRINGS = ["plain", "a,b", 'say "hi"', "two\nlines", "carriage\rreturn", "", None, " lead", "tab\there",
                "'single'", "é ü 中", np.nan, "end,", '"']


def assert_same_bytes(table: pd.DataFrame, tmp_path) -> None:
    write_csv(table, tmp_path / "ours.csv")
    table.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def edge_table() -> pd.DataFrame:
    rows = len(EDGE_STRINGS)
    floats = (EDGE_FLOATS * 2)[:rows]
    return pd.DataFrame({
        "float64": np.array(floats, dtype=np.float64),
        "float32": np.array(EDGE_FLOAT32, dtype=np.float32),
        "float16": np.array([0.1, 1 / 3, np.nan, -0.0, 65504.0, np.inf, 1e-5] * 2, dtype=np.float16),
        "int64": np.array([2**63 - 1, -2**63, 0, -1, 10**15, 7, 42] * 2, dtype=np.int64),
        "int8": np.array([-128, 127, 0, 1, -1, 5, 6] * 2, dtype=np.int8),
        "uint64": np.array([2**64 - 1, 0, 1, 2**53 + 1, 3, 4, 5] * 2, dtype=np.uint64),
        "bool": [True, False] * (rows // 2),
        "text": EDGE_STRINGS,
        'label, with "quotes"': ["x"] * rows,
        "line\nbreak": np.arange(rows, dtype=float) / 3,
    })


def test_edge_values_of_every_formatted_dtype(tmp_path):
    table = edge_table()
    assert all(csv_table.column_fields(table[name]) is not None for name in table.columns)
    assert_same_bytes(table, tmp_path)


@pytest.mark.parametrize("rows", [0, 1, 2_001, 7_000])  # none, one, and chunks with a partial last one
def test_random_floats_with_nan_and_infinities(tmp_path, rows):
    rng = np.random.default_rng(20261127)
    values = rng.normal(size=(rows, 46)) * rng.choice([1e-9, 1e-3, 1.0, 1e6, 1e17], size=46)
    values[rng.random(values.shape) < 0.05] = np.nan
    values[rng.random(values.shape) < 0.01] = np.inf
    values[rng.random(values.shape) < 0.01] = -np.inf
    assert_same_bytes(pd.DataFrame(values, columns=[f"outcome_{i}" for i in range(46)]), tmp_path)


def test_an_object_column_of_python_strings_numbers_and_bools(tmp_path):
    """A swept parameter mixing numbers and words (capacity 1, 2, unlimited) is formatted here, as pandas does."""
    values = [1, "unlimited", 2.5, None, np.nan, True, -0.0, 1e22, "a,b", 'say "hi"', 10**20, float("inf"), "", 0.1]
    table = pd.DataFrame({"capacity": pd.Series(values, dtype=object), "x": np.arange(len(values), dtype=float)})
    assert csv_table.column_fields(table["capacity"]) is csv_table.mixed_fields
    assert_same_bytes(table, tmp_path)


def test_every_table_of_a_sweep_with_an_unlimited_capacity(tmp_path):
    from simulator import sweep

    result = sweep(SCENARIOS / "centre_capacity.toml", ["resources.isolation_bed.capacity=1,unlimited"],
                   replications=20)
    for name, table in result.tables().items():
        assert all(csv_table.column_fields(table[label]) is not None for label in table.columns), name
        assert_same_bytes(table, tmp_path)


def test_every_table_of_a_run(tmp_path):
    result = run(load_scenario(SCENARIOS / "burt2006.toml"), replications=50)
    for name, table in result.tables().items():
        assert all(csv_table.column_fields(table[label]) is not None for label in table.columns), name
        assert_same_bytes(table, tmp_path)


@pytest.mark.parametrize("table", [
    pd.DataFrame({"kind": pd.Categorical(["a", "b,c", None]), "x": [1.0, 2.0, 3.0]}),
    pd.DataFrame({"when": pd.to_datetime(["2026-01-01", None, "2026-03-01"]), "x": [1.0, 2.0, 3.0]}),
    pd.DataFrame({"count": pd.array([1, None, 3], dtype="Int64"), "x": [1.0, 2.0, 3.0]}),
    pd.DataFrame({"mixed": ["a", 1.5, np.float64(0.1)], "x": [1.0, 2.0, 3.0]}),
    pd.DataFrame({"complex": [1 + 2j, 0j, -1j], "x": [1.0, 2.0, 3.0]}),
    pd.DataFrame({0: [1.0, np.nan], 1: ["a", "b"]}),  # labels that are not strings
    pd.DataFrame({"alone": ["", None, "x"]}),  # one column: csv quotes a lone empty field
    pd.DataFrame(np.ones((2, 2)), columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
], ids=["categorical", "datetime", "nullable-int", "mixed-objects", "complex", "int-labels", "one-column",
        "multiindex"])
def test_tables_it_does_not_format_are_written_by_pandas(tmp_path, monkeypatch, table):
    written_by_pandas = []
    to_csv = pd.DataFrame.to_csv
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *args, **kw: written_by_pandas.append(to_csv(*args, **kw)))
    write_csv(table, tmp_path / "ours.csv")
    assert written_by_pandas
    monkeypatch.undo()
    assert_same_bytes(table, tmp_path)


@pytest.mark.parametrize("processes", [2, 3, 7])
def test_a_big_table_formatted_by_forked_processes_is_the_same_file(tmp_path, monkeypatch, processes):
    """Blocks of rows formatted in parallel and appended in order: the same bytes, no part file left; an empty
    block (more processes than rows) is harmless."""
    monkeypatch.setattr(csv_table, "PARALLEL_CELLS", 10)
    table = edge_table()
    table = pd.concat([table] * 3, ignore_index=True).iloc[:-1] if processes < 7 else table.iloc[:5]
    write_csv(table, tmp_path / "ours.csv", processes)
    table.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ours.csv", "pandas.csv"]


def test_a_block_that_fails_in_a_forked_process_fails_the_table_and_leaves_no_part(tmp_path, monkeypatch, capfd):
    monkeypatch.setattr(csv_table, "PARALLEL_CELLS", 10)
    write_rows = csv_table._write_rows

    def fails_after_the_first_block(formats, arrays, rows, path):
        if rows.start > 0:
            raise OSError("disk full")
        write_rows(formats, arrays, rows, path)

    monkeypatch.setattr(csv_table, "_write_rows", fails_after_the_first_block)
    # whichever process is free takes the next block: the failing one fails here, or in the child, which is named
    with pytest.raises((RuntimeError, OSError), match="writing ours.csv in a forked process failed|disk full") as info:
        write_csv(edge_table(), tmp_path / "ours.csv", 2)
    if info.type is RuntimeError:  # the child's traceback, printed before it left
        assert "OSError: disk full" in capfd.readouterr().err
    assert [path.name for path in tmp_path.iterdir()] == ["ours.csv"]  # the run folder is discarded as a whole
