"""The table the terminal prints: the key outcomes by default (it fits a screen), any others on request, one
shape whatever the run, and no row that misleads (a mean beside a [0, 0] range, per-100 read as percent, TRM
windows unexplained, costs without currency, columns running together, partial outcomes unflagged)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from simulator import compare, load_scenario, run
from simulator.cli import main
from simulator.outcomes.vocabulary import share_words, table_outcomes
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS

BURT, CARE, CENTRE = (SCENARIOS / f"{name}.toml" for name in ("burt2006", "standard_care", "centre_capacity"))
ONE = RunOptions(workers=1)


@pytest.fixture(scope="module")
def burt():
    return run(load_scenario(BURT), replications=20, options=ONE)


def rows(text: str) -> dict[str, str]:
    """Table rows by outcome name (the first word of a line holding an estimate ± SE)."""
    return {line.split()[0]: line for line in text.splitlines()
            if " ± " in line and not line.startswith((" ", "outcome"))}


def test_the_default_table_fits_a_screen_with_the_key_outcomes(burt) -> None:
    text = burt.text()
    assert len(text.splitlines()) <= 20
    assert list(rows(text)) == ["os_5y", "dfs_5y", "relapse_5y", "trm", "deaths_before_reinfusion",
                                "followup_median_months", "costs", "qalys"]
    hidden = len(burt.values) - 8
    assert f"{hidden} more outcomes: --outcomes all" in text
    assert "EUR, 2011 prices, discounted 3.5% a year (costs) and 3.5% (QALYs), horizon 7.5 years" in text
    assert "costs_first_order_se" not in text
    everything = dataclasses.replace(burt, outcomes=tuple(burt.values)).text()
    assert list(rows(everything)) == list(burt.values) and "more outcomes" not in everything


def test_the_table_keeps_its_shape_when_every_study_can_estimate_every_outcome(burt) -> None:
    """The evaluable column used to vanish when every share was 100%, so two runs' tables differed in shape."""
    every = dataclasses.replace(burt, values={k: np.where(np.isfinite(v), v, 0.0) for k, v in burt.values.items()})
    assert (every.summary.evaluable == 1).all()
    header = every.text().splitlines()[1]
    assert header.split()[-1] == "evaluable"
    assert all(line.rstrip().endswith("100%") for line in rows(every.text()).values())


def test_a_share_that_is_not_all_never_reads_100_percent() -> None:
    assert share_words(0.996) == "99.6%" and share_words(1.0) == "100%" and share_words(0.9999) == ">99.9%"
    assert share_words(0.57) == "57%" and share_words(0.004) == "0.4%" and share_words(0.0) == "0%"


def test_rows_that_misled_are_explained(burt) -> None:
    """A mean of 0.013 beside [0.000, 0.000]: fewer than 2.5% of studies see any; per_100 is not a percent;
    trm_100d beside trm counts other deaths over other patients."""
    values = dict(burt.values)
    values["deaths_waiting_per_100"] = np.where(np.arange(100) == 0, 2.0, 0.0)  # 1 study in 100 sees a death
    rare = dataclasses.replace(burt, values=values, outcomes=("trm", "trm_100d", "deaths_waiting_per_100"))
    text = rare.text()
    assert "[0.000, 0.000]†" in rows(text)["deaths_waiting_per_100"]
    assert "†: fewer than 2.5% of studies see any" in text
    assert "per_100 rows are deaths or withdrawals per 100 patients enrolled, not percentages" in text
    assert "trm counts treatment-related deaths from mobilisation on, over patients enrolled; trm_100d" in text


def test_a_centre_without_a_fixed_cohort_shows_its_waits() -> None:
    names = table_outcomes(load_scenario(CENTRE))
    assert {"waited_isolation_bed", "wait_isolation_bed_mean_days", "utilisation_isolation_bed"} <= set(names)
    assert "costs" not in names and "wait_isolation_bed_median_days" not in names


def test_outcomes_option_chooses_rows_and_refuses_unknown_names(tmp_path: Path, capsys) -> None:
    base = ["run", str(BURT), "--replications", "10", "--workers", "1", "--quiet"]
    assert main([*base, "--outcomes", "deaths, trm", "--output", str(tmp_path / "a")]) == 0
    assert list(rows(capsys.readouterr().out)) == ["deaths", "trm"]
    assert main([*base, "--outcomes", "os_5y,nonsense", "--output", str(tmp_path / "b")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--outcomes: unknown outcome nonsense" in error and "os_5y" in error
    assert not (tmp_path / "b").exists()
    assert (tmp_path / "a" / "summary.csv").read_text().count("\n") == len(load_scenario(BURT).catalogue) + 1


def test_uncertainty_columns_never_run_together(tmp_path: Path, capsys) -> None:
    assert main(["run", str(BURT), "--uncertainty", "--replications", "20", "--workers", "1", "--quiet",
                 "--output", str(tmp_path / "u")]) == 0
    text = capsys.readouterr().out
    assert not re.search(r"\d\[|\]\d|\d{3}\.\d{3}\d", text)  # e.g. "± 201.9110[26757.142, ..."
    assert "e+0" not in text and "e-0" not in text  # no scientific notation, parameters included
    costs = rows(text)["costs"].split()
    assert costs.count("±") == 2 and all(re.fullmatch(r"[\d,]+|±|\[[\d,]+,|[\d,]+\]|costs", c) for c in costs)


def test_compare_flags_outcomes_not_every_study_can_estimate() -> None:
    """Standard care's 5-year EFS from 57% of 20 studies said so only on stderr."""
    result = compare([load_scenario(BURT), load_scenario(CARE)], replications=20, options=ONE)
    share = result.summary.set_index(["scenario", "outcome"]).evaluable[(result.names[1], "efs_5y_itt")]
    assert share < 1
    lines = result.text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("efs_5y_itt"))
    assert lines[at + 1].split()[0] == "B" and lines[at + 1].rstrip().endswith(share_words(share))
    assert "evaluable" in next(line for line in lines if line.startswith("outcome"))  # the header, after any note
