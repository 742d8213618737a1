"""Property-based tests: mutated scenario files, life tables and generated flag strings either load (and, for a
sample, run to outcomes that make sense, in summary.csv and in the per-study table, on one worker or two, to CSV
or Parquet, with or without --uncertainty) or exit 2 with one line on stderr; never a traceback.

Scenario files are the shipped ones with keys missing, duplicated, retyped or unknown, numbers extreme or
non-finite, empty and unicode strings, truncated text and deep nesting. Every case goes through
`simulator.cli.main(argv)` in this process with the simulation itself stubbed out (validation is what is
fuzzed and it is cheap); a sample runs for real, and a few go through the installed console script.
Derandomized, so a CI failure reproduces locally. OUTCOMES counts what happened, by kind of case.
"""

from __future__ import annotations

import collections
import copy
import importlib
import itertools
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.report.folder_page import FolderPage
from simulator.scenario.population import read_life_table

from helpers import SCENARIOS

SHIPPED = {path.name: path.read_text(encoding="utf-8") for path in sorted(SCENARIOS.glob("*.toml"))}
PARSED = {name: tomlkit.parse(text).unwrap() for name, text in SHIPPED.items()}
OUTCOMES: collections.Counter[str] = collections.Counter()
RUNS = itertools.count()
FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DEEP = "__deep__"

ODD_VALUES = st.sampled_from([
    0, 1, -1, 2, 0.5, -0.0, 5e-324, 1e-300, 1e308, 1.7976931348623157e308, 10**20, 2**63, -(10**30),
    math.inf, -math.inf, math.nan, True, False, "", " ", "unlimited", "0.1", "Infinity", "nan", "é\u202e\x00\x1b[2J",
    "\ufeff", [], [1, 2], [[]], {}, {"dist": "fixed", "value": 1}, {"dist": "fixed", "value": math.inf},
    {"events": 1, "n": 50}, {"events": 10**12, "n": 1}, {"events": 3, "person_years": 0},
    {"dist": "exponential", "rate_per_year": 0.1}, {"dist": "lognormal", "median": 1e308, "sigma": 1e308},
    {"dist": "gamma", "mean": 1e308, "sd": 1e-308}, {"dist": "weibull", "shape": 1e-300, "scale": 1e300},
    {"dist": "discrete", "values": [1, 2], "probabilities": [0.5, math.nan]}, DEEP,
])
VALUES = st.one_of(
    ODD_VALUES,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=12),
)
KEYS = st.one_of(st.sampled_from(["size", "dist", "value", "rate_per_year", "x", ""]), st.text(min_size=1, max_size=8))


class Validated(BaseException):
    """Raised by the stubbed simulation: everything before it (parsing, validation) accepted the input. A
    BaseException, so that main() does not report it as an internal error (exit 70)."""


def _stub(*args: Any, **kwargs: Any) -> Any:
    raise Validated


@pytest.fixture
def no_simulation(monkeypatch):
    """Every command validates its input as usual, then stops where it would start simulating."""
    # where each is defined: the commands import them when they run (so that --help loads no engine)
    for module, name in [("simulator.questions.run.run", "run"), ("simulator.questions.sweep.sweep", "run_sweep"),
                         ("simulator.questions.compare.compare", "compare"),
                         ("simulator.questions.power.power", "estimate_power"),
                         ("simulator.questions.calibration.calibration", "calibrate")]:
        monkeypatch.setattr(importlib.import_module(module), name, _stub)


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path of a parsed scenario (tables and values), for mutations to pick from."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths_of(item, (*prefix, key))
    return found


def _table(raw: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    for key in path[:-1]:
        raw = raw[key]
    return raw


MUTATIONS = ("delete", "retype", "retype", "scale", "unknown", "duplicate", "truncate", "unicode", "deep")


@st.composite
def scenario_texts(draw: st.DrawFn, kinds: tuple[str, ...] = MUTATIONS, decades: int = 320) -> str:
    """A shipped scenario with one to three mutations of `kinds`, as TOML text; `scale` multiplies a number
    by up to 10^`decades` either way."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    raw = copy.deepcopy(PARSED[name])  # parsed once: tomlkit's parser was most of this test's time
    text_mutations = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        OUTCOMES[f"mutation {kind}"] += 1
        paths = paths_of(raw)
        if kind in ("duplicate", "truncate", "unicode"):
            text_mutations.append(kind)
            continue
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        table = _table(raw, path)
        if kind == "delete":
            del table[path[-1]]
        elif kind == "retype":
            table[path[-1]] = draw(VALUES)
        elif kind == "scale" and isinstance(table[path[-1]], (int, float)) and not isinstance(table[path[-1]], bool):
            table[path[-1]] = float(table[path[-1]]) * 10.0 ** draw(st.integers(-decades, min(decades, 308)))
        elif kind == "unknown" and isinstance(table[path[-1]], dict):
            table[path[-1]][draw(KEYS)] = draw(VALUES)
        elif kind == "deep":
            table[path[-1]] = DEEP
    text = tomlkit.dumps(raw)
    depth = draw(st.integers(1, 600))
    text = text.replace(f'"{DEEP}"', "[" * depth + "1" + "]" * depth)
    for kind in text_mutations:
        lines = text.splitlines(keepends=True)
        if kind == "duplicate":
            if lines:  # an earlier truncation may have left none
                line = draw(st.integers(0, len(lines) - 1))
                lines.insert(line, lines[line])
                text = "".join(lines)
        elif kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
        else:
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.text(min_size=1, max_size=6)) + text[at:]
    return text


def call(capsys, argv: list[str]) -> tuple[str, str]:
    """Run main(argv); the outcome ('validated', 'ran', 'refused') and stderr. Anything else fails the test."""
    try:
        code = main(argv)
    except Validated:
        return "validated", capsys.readouterr().err
    except SystemExit as exit:  # argparse: the usage (wrapped over lines), then one error line, exit 2
        code = exit.code
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("usage: "), (argv, err)
        assert re.fullmatch(r"hsct-sim( \w+)?: error: [^\n]*\n", err.splitlines(keepends=True)[-1]), (argv, err)
        assert "Traceback" not in err
        return "refused", err
    err = capsys.readouterr().err
    if code == 0:
        return "ran", err
    assert code == 2, (argv, code, err)
    errors = [line for line in err.splitlines() if not line.startswith("hsct-sim: warning: ")]
    assert len(errors) == 1 and errors[0].startswith("hsct-sim: error: "), (argv, err)
    assert "Traceback" not in err
    return "refused", err


@settings(FUZZ, max_examples=650)
@given(text=scenario_texts())
def test_mutated_scenario_files_load_or_are_refused_in_one_line(capsys, tmp_path, no_simulation, text):
    path = tmp_path / "mutated.toml"
    path.write_text(text, encoding="utf-8")
    outcome, _ = call(capsys, ["run", str(path), "--quiet", "--workers", "1", "--output", str(tmp_path / "out")])
    OUTCOMES[f"scenario file {outcome}"] += 1
    assert not (tmp_path / "out").exists()


NUMBERS = st.one_of(
    st.sampled_from(["0", "1", "-1", "2", "1e308", "1e-400", "inf", "-inf", "nan", "NaN", "99999999999999999999",
                     "²", "٣", "1_000", "0x10", " 3 ", "", "3.0", "true", "\x1b[31m5", "1" * 5000, "0:1:3",
                     "0:1:150758", "20,50", "5," * 3000 + "5"]),
    st.integers(-(2**70), 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=10),
)
SET_PATHS = st.sampled_from(
    [
        "cohort.size",
        "cohort.accrual_years",
        "simulation.horizon_years",
        "simulation.landmarks_years",
        "stages.isolation.death_probability",
        "stages.isolation.duration",
        "followup.relapse.rate_per_year",
        "resources.isolation_bed.capacity",
        "targets.trm",
        "outcomes.trm_followup_days",
        "nope.nothing",
        "stages",
        "",
    ]
)
OUTCOME_NAMES = st.sampled_from(["os_5y", "trm", "dfs_1y", "wait_isolation_bed_mean_days", "nope", ""])


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command with generated flag values, over the burt2006 scenario (and ebmt2004 as a second one)."""
    burt, ebmt = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")
    command = draw(st.sampled_from(["run", "sweep", "compare", "power", "calibrate"]))
    argv = {"run": ["run", burt], "sweep": ["sweep", burt], "compare": ["compare", burt, ebmt],
            "power": ["power", burt, ebmt], "calibrate": ["calibrate", burt]}[command]
    flags = {
        "--replications": NUMBERS, "--seed": NUMBERS, "--chunk-size": NUMBERS,
        "--set": st.tuples(SET_PATHS, NUMBERS).map("=".join),
        "--probability": st.tuples(OUTCOME_NAMES, st.sampled_from([">=", "<", "=", ""]), NUMBERS).map("".join),
    }
    if command == "sweep":
        flags["--param"] = st.tuples(SET_PATHS, NUMBERS).map("=".join)
    if command == "power":
        flags.update({"--sizes": NUMBERS, "--alpha": NUMBERS, "--endpoint": st.sampled_from(["os", "dfs", "trm", "x"])})
    if command == "calibrate":
        flags["--target"] = st.tuples(OUTCOME_NAMES, NUMBERS).map("=".join)
        flags["--free"] = st.tuples(SET_PATHS, NUMBERS).map("=".join)
    for flag in draw(st.lists(st.sampled_from(sorted(flags)), min_size=1, max_size=4)):
        argv += [flag, draw(flags[flag])]
    if command == "power" and "--sizes" not in argv:
        argv += ["--sizes", "20,50"]
    return argv + ["--quiet", "--workers", "1"]


@settings(FUZZ, max_examples=380)
@given(argv=command_lines())
def test_generated_flags_are_accepted_or_refused_in_one_line(capsys, tmp_path, no_simulation, argv):
    outcome, _ = call(capsys, [*argv, "--output", str(tmp_path / "out")])
    OUTCOMES[f"flags {outcome}"] += 1
    assert not (tmp_path / "out").exists()


def check_summary(folder: Path) -> None:
    """Every proportion in [0, 1], every number finite and at least 0 unless the outcome is not evaluable."""
    summary = pd.read_csv(folder / "summary.csv")
    catalogue = FolderPage(folder).catalogue  # rows not in it are --probability shares, P(...)
    for row in summary.itertuples():
        numbers = [row.estimate, row.lower, row.upper]
        if row.evaluable == 0:
            continue
        assert all(math.isfinite(x) for x in numbers), row
        assert all(x >= 0 for x in numbers), row
        if row.outcome not in catalogue or catalogue[row.outcome].is_proportion:
            assert all(0 <= x <= 1 for x in numbers), row


@settings(FUZZ, max_examples=12)
@given(text=scenario_texts(kinds=("scale", "scale", "delete"), decades=2))
def test_a_sample_of_mutated_scenarios_runs_to_outcomes_that_make_sense(capsys, tmp_path, text):
    path = tmp_path / "mutated.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / f"out{next(RUNS)}"  # examples share tmp_path: one run folder each
    outcome, err = call(capsys, ["run", str(path), "--quiet", "--workers", "1", "--replications", "3",
                                 "--set", "cohort.size=20", "--output", str(out)])
    OUTCOMES[f"run sample {outcome}"] += 1
    if outcome == "ran":
        check_summary(out)
    else:
        assert not out.exists()


def check_studies(folder: Path) -> None:
    """The per-study table (replications.csv or .parquet) as summary.csv is checked: no infinity, every value
    within its outcome's range (catalogue), NaN only where a study cannot estimate the outcome, and the share of
    studies that can equal to summary.csv's `evaluable`."""
    csv, parquet = folder / "replications.csv", folder / "replications.parquet"
    studies = pd.read_parquet(parquet) if parquet.exists() else pd.read_csv(csv)
    catalogue = FolderPage(folder).catalogue
    evaluable = pd.read_csv(folder / "summary.csv").set_index("outcome")["evaluable"]
    for name in studies.columns.drop("replication"):
        values = studies[name].to_numpy(dtype=float)
        assert not (values == float("inf")).any() and not (values == -float("inf")).any(), name
        defined = values[~pd.isna(values)]
        low, high = catalogue[name].value_range
        assert ((defined >= low - 1e-12) & (defined <= high + 1e-12)).all(), (name, defined.min(), defined.max())
        assert len(defined) / len(values) == pytest.approx(evaluable[name], abs=1e-9), name


EXECUTION = st.sampled_from([["--workers", "2"], ["--workers", "2", "--format", "parquet"],
                             ["--workers", "1", "--format", "parquet"], ["--workers", "2", "--chunk-size", "2"]])


@settings(FUZZ, max_examples=6)
@given(text=scenario_texts(kinds=("scale", "scale", "delete"), decades=2), execution=EXECUTION,
       uncertainty=st.booleans())
def test_two_workers_parquet_and_uncertainty_give_studies_that_make_sense(capsys, tmp_path, text, execution,
                                                                          uncertainty):
    path = tmp_path / "mutated.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / f"out{next(RUNS)}"
    argv = ["run", str(path), "--quiet", "--replications", "5", "--set", "cohort.size=20", "--output", str(out),
            *execution, *(["--uncertainty"] if uncertainty else [])]
    outcome, _ = call(capsys, argv)
    OUTCOMES[f"parallel sample {outcome}"] += 1
    if outcome == "ran":
        check_summary(out)
        check_studies(out)
    else:
        assert not out.exists()


LIFE_TABLE = (SCENARIOS / "data" / "us_ssa_period_life_table_2017.csv").read_text(encoding="utf-8")
CELLS = st.one_of(st.sampled_from(["", "nan", "inf", "-0.1", "1", "1.0", "0", "0.99999", "1e-320", "abc", "\x00",
                                   '"', "1,2", "é\u202e", "\x1b[2J"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr), st.text(max_size=6))


@st.composite
def life_tables(draw: st.DrawFn, mild: bool = False) -> bytes:
    """The shipped life table with one to three mutations: rows dropped or repeated, a cell replaced (or, if
    `mild`, only the death probabilities scaled by up to 10x either way), the header renamed, the text cut short,
    bytes inserted."""
    rows = [line.split(",") for line in LIFE_TABLE.splitlines()]
    cut: int | None = None
    inserted = b""
    kinds = ["scale"] if mild else ["drop", "repeat", "cell", "cell", "header", "truncate", "bytes", "scale"]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        OUTCOMES[f"life table {kind}"] += 1
        row = draw(st.integers(1, len(rows) - 1))
        column = draw(st.integers(0, len(rows[0]) - 1))
        if kind == "drop":
            del rows[row]
        elif kind == "repeat":
            rows.insert(row, list(rows[row]))
        elif kind == "cell":
            rows[row][column] = draw(CELLS)
        elif kind == "header":
            rows[0][column] = draw(st.sampled_from(["", "AGE", "qx", "female_qx", "age", "x" * 200]))
        elif kind == "truncate":
            cut = draw(st.integers(0, len(LIFE_TABLE)))
        elif kind == "bytes":
            inserted = draw(st.binary(min_size=1, max_size=8))
        else:
            factor = 10.0 ** draw(st.floats(-1, 1))
            for cells in rows[1:]:
                cells[1:3] = [f"{min(float(q) * factor, 0.999999):.6g}" for q in cells[1:3]]
    text = "\n".join(",".join(cells) for cells in rows).encode()
    text = text[:cut] if cut is not None else text
    at = draw(st.integers(0, len(text)))
    return text[:at] + inserted + text[at:]


def scenario_with_table(folder: Path, table: bytes) -> Path:
    (folder / "table.csv").write_bytes(table)
    path = folder / "tabled.toml"
    path.write_text(SHIPPED["burt2006.toml"].replace("data/us_ssa_period_life_table_2017.csv", "table.csv"))
    return path


@settings(FUZZ, max_examples=150)
@given(table=life_tables())
def test_mutated_life_tables_load_or_are_refused_in_one_line(capsys, tmp_path, no_simulation, table):
    read_life_table.cache_clear()  # each example rewrites the same file
    path = scenario_with_table(tmp_path, table)
    outcome, err = call(capsys, ["run", str(path), "--quiet", "--workers", "1", "--output", str(tmp_path / "out")])
    OUTCOMES[f"life table {outcome}"] += 1
    assert "\x1b" not in err and "\x00" not in err
    assert not (tmp_path / "out").exists()


@settings(FUZZ, max_examples=4)
@given(table=life_tables(mild=True))
def test_a_sample_of_changed_life_tables_runs_to_outcomes_that_make_sense(capsys, tmp_path, table):
    read_life_table.cache_clear()
    path = scenario_with_table(tmp_path, table)
    out = tmp_path / f"out{next(RUNS)}"
    outcome, err = call(capsys, ["run", str(path), "--quiet", "--workers", "1", "--replications", "5",
                                 "--set", "cohort.size=20", "--output", str(out)])
    assert outcome == "ran", err
    check_summary(out)
    check_studies(out)


CONSOLE_CASES = [
    (
        ["run", "{mutated}", "--replications", "2"],
        lambda text: text.replace("rate_per_year = 0.1254", "rate_per_year = inf"),
    ),
    (["run", "{mutated}", "--replications", "2"], lambda text: text.replace("size = 50", "size = 20")),
    (["sweep", "{mutated}", "--param", "cohort.size=" + "[" * 500 + "]" * 500], lambda text: text),
]


@pytest.mark.parametrize("argv, mutate", CONSOLE_CASES, ids=["inf-rate", "small", "deep-param"])
def test_the_console_script_gives_one_line_or_a_run(tmp_path, argv, mutate):
    path = tmp_path / "mutated.toml"
    path.write_text(mutate(SHIPPED["burt2006.toml"]), encoding="utf-8")
    script = Path(sys.executable).with_name("hsct-sim")
    argv = [str(path) if a == "{mutated}" else a for a in argv]
    done = subprocess.run([str(script), *argv, "--quiet", "--workers", "1", "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    OUTCOMES[f"console script exit {done.returncode}"] += 1
    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        check_summary(tmp_path / "out")
    else:
        assert done.returncode == 2, done.stderr
        errors = [line for line in done.stderr.splitlines() if not line.startswith("hsct-sim: warning: ")]
        assert len(errors) == 1 and errors[0].startswith("hsct-sim: error: "), done.stderr


def test_at_least_a_thousand_cases_ran():
    """The counts of this run, for the log (pytest -s shows them); only meaningful with the whole module."""
    cases = sum(n for key, n in OUTCOMES.items() if key.startswith(("scenario file", "flags")))
    if cases == 0:
        pytest.skip("the generated tests did not run (selected out)")
    print("\nfuzz outcomes:", dict(sorted(OUTCOMES.items())))
    assert cases >= 1000
