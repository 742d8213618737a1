"""The Python API takes what the command line takes (a scenario object or a file's path) and refuses what it
refuses, in Python's terms: a TypeError or ValueError naming the argument and what it accepts, never a flag."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import simulator
from simulator import (
    ArgumentError,
    FreeParameter,
    RunOptions,
    Target,
    UserError,
    calibrate,
    compare,
    estimate_power,
    load_scenario,
    run,
    sweep,
)

from helpers import ROOT, SCENARIOS, tiny

BURT = SCENARIOS / "burt2006.toml"


def test_run_takes_a_path_as_sweep_and_calibrate_do():
    from_path = run(str(BURT), replications=4)
    from_object = run(load_scenario(BURT), replications=4)
    assert from_path.scenario == from_object.scenario
    assert all(np.array_equal(from_path.values[k], from_object.values[k], equal_nan=True) for k in from_object.values)
    assert run(BURT, replications=2).replications == 2  # a pathlib.Path too


@pytest.mark.parametrize("replications, error, words", [
    (0, ValueError, "replications: must be from 2 to"),
    (-5, ValueError, "replications: must be from 2 to"),
    (1, ValueError, "(got 1)"),
    (2.5, TypeError, "replications: expected a whole number (int)"),
    (True, TypeError, "replications: expected a whole number (int)"),
    ("10", TypeError, "got str '10'"),
])
def test_run_refuses_a_number_of_studies_the_command_line_refuses(replications, error, words):
    with pytest.raises(error) as caught:
        run(tiny(), replications=replications)
    assert words in str(caught.value)


def test_run_refuses_a_bad_seed_and_a_bad_scenario():
    with pytest.raises(ValueError, match=r"seed: must be from 0 to"):
        run(tiny(), replications=2, seed=-1)
    with pytest.raises(TypeError, match=r"scenario: expected a Scenario \(load_scenario\) or the path"):
        run({"metadata": {"name": "x"}})  # type: ignore[arg-type]
    with pytest.raises(UserError, match="no such scenario file"):
        run("scenarios/no_such.toml")


@pytest.mark.parametrize("options, error, words", [
    (dict(workers=0), ValueError, "RunOptions.workers: must be at least 1 (got 0)"),
    (dict(workers=2.0), TypeError, "RunOptions.workers: expected a whole number"),
    (dict(chunk_size=0), ValueError, "RunOptions.chunk_size: must be at least 1"),
    (dict(scheduler_timeout=0), ValueError, "RunOptions.scheduler_timeout: must be a number of seconds above 0"),
    (dict(engine="turbo"), ValueError, "RunOptions.engine: must be one of 'fast', 'simpy' (got 'turbo')"),
    (dict(scheduler=8786), TypeError, "RunOptions.scheduler: expected None or an address"),
])
def test_run_options_refuse_what_the_flags_refuse(options, error, words):
    with pytest.raises(error) as caught:
        RunOptions(**options)
    assert words in str(caught.value)


def test_other_questions_check_their_numbers_of_studies_too():
    burt = load_scenario(BURT)
    with pytest.raises(ValueError, match="replications: must be from 2"):
        compare([burt, BURT], ["a", "b"], replications=0)
    with pytest.raises(ValueError, match="scenarios: compare needs at least two, got 1"):
        compare([burt])
    with pytest.raises(ValueError, match="replications: must be from 2"):
        estimate_power(burt, str(BURT), [10], replications=-1)
    with pytest.raises(ValueError, match="replications: must be from 2"):
        sweep(BURT, ["stages.isolation.death_probability=0,0.1"], replications=0)


def test_calibrate_names_an_outcome_the_scenario_does_not_report():
    """Before: a bare KeyError('os_10y') after the first evaluation."""
    free = [FreeParameter("followup.relapse.rate_per_year", 0.05, 0.3)]
    with pytest.raises(ValueError) as caught:
        calibrate(BURT, [Target("os_10y", 0.5)], free, replications=4)
    message = str(caught.value)
    assert message.startswith("targets 'os_10y': not an outcome") and "os_5y" in message and "--" not in message
    with pytest.raises(ValueError, match=r"targets os_5y: VALUE must be a proportion from 0 to 1 \(got 84\)"):
        calibrate(BURT, [Target("os_5y", 84)], free, replications=4)
    with pytest.raises(ValueError, match="free followup.relapse.rate_per_year: LOW must be below HIGH"):
        calibrate(BURT, [Target("os_5y", 0.8)], [FreeParameter("followup.relapse.rate_per_year", 0.3, 0.1)])


def test_errors_name_arguments_not_flags():
    """The command line's messages name --set; the same mistake through the API names `overrides`."""
    with pytest.raises(ArgumentError) as caught:
        load_scenario(BURT, ["cohort.size=-3"])
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, UserError)
    assert "overrides cohort.size" in str(caught.value) and "--set" not in str(caught.value)
    with pytest.raises(ValueError, match="parameters") as swept:
        sweep(BURT, ["stages.isolation.death_probability"])
    assert "--param" not in str(swept.value)


def test_the_command_line_keeps_its_flags(capsys):
    from simulator.cli import main

    assert main(["run", str(BURT), "--set", "cohort.size=-3"]) == 2
    assert "--set cohort.size" in capsys.readouterr().err


def test_save_creates_the_folder_refuses_to_overwrite_and_writes_the_report(tmp_path):
    result = run(tiny(), replications=4)
    folder = tmp_path / "new" / "nested"
    result.save(folder)
    written = {p.name for p in folder.iterdir()}
    assert {"manifest.json", "summary.csv", "replications.csv", "report.html"} <= written
    with pytest.raises(FileExistsError, match="overwrite=True"):
        result.save(folder)
    (folder / "summary.csv").write_text("stale")
    result.save(folder, overwrite=True)
    assert (folder / "summary.csv").read_text().startswith("outcome,")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="no manifest.json"):
        result.save(mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    result.save(empty)  # an empty folder is no one's results
    assert (empty / "report.html").is_file()


def test_a_scenario_shows_itself_in_one_line():
    text = repr(load_scenario(BURT))
    assert "\n" not in text and len(text) < 200, text
    assert (
        text.startswith("<Scenario 'Burt 2006 (Northwestern)': mobilisation -> apheresis")
        and "mobilisation" in text
        and "2000 studies" in text
    )


def test_the_public_names_are_listed_and_typed():
    assert set(simulator.__all__) <= set(dir(simulator))
    assert {"run", "load_scenario", "Scenario", "ArgumentError"} <= set(dir(simulator))
    assert simulator.run is simulator.run  # loaded once
    assert simulator.run.__doc__ and "Simulate" in simulator.run.__doc__
    with pytest.raises(AttributeError, match="no attribute 'runn'"):
        simulator.runn  # noqa: B018


def test_type_checkers_see_the_public_signatures(tmp_path):
    """mypy reads the public names' real types (they were Any through the lazy __getattr__), so a result
    assigned to the wrong type is caught. Run from the repository with its settings and cache (make lint's)."""
    pytest.importorskip("mypy")
    snippet = tmp_path / "notebook.py"
    snippet.write_text("from simulator import RunResult, Scenario, run\n"
                       "wrong: int = run('scenarios/burt2006.toml')\n"
                       "right: RunResult = run('scenarios/burt2006.toml')\n"
                       "scenario: Scenario = right.scenario\n")
    checked = subprocess.run([sys.executable, "-m", "mypy", str(snippet)], cwd=ROOT, capture_output=True, text=True)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and "notebook.py:2:" in errors[0] and '"RunResult", variable has type "int"' in errors[0], \
        checked.stdout + checked.stderr
