"""Input a user (or a script gone wrong) can give that the simulation cannot honour: non-finite and absurd
numbers, coerced types, work that cannot fit in memory, deep nesting, huge files, paths that are not files,
huge grids, control characters. Each is refused up front: one line on stderr, exit code 2, nothing written."""

import os
import re
import shutil
import time

import pytest

from simulator.errors import UserError
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS, refused

BURT = SCENARIOS / "burt2006.toml"
EBMT = SCENARIOS / "ebmt2004.toml"
FAST = ["--replications", "2", "--workers", "1", "--quiet"]


def assert_refused(code, err, folder, *fragments):
    """Exit 2, one line on stderr, every fragment in it, nothing written under outputs/."""
    assert code == 2, err
    assert err.startswith("hsct-sim: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert list((folder / "outputs").iterdir()) == []


@pytest.mark.parametrize(
    "override, fragments",
    [
        ("followup.relapse.rate_per_year=inf", ["followup.relapse.rate_per_year", "finite"]),
        (
            'stages.isolation.duration={ dist = "lognormal", median = inf, sigma = 0.1 }',
            ["stages.isolation.duration.median", "finite"],
        ),
        ('stages.conditioning.duration={ dist = "fixed", value = inf }', ["stages.conditioning.duration.value"]),
        ("simulation.horizon_years=inf", ["simulation.horizon_years", "finite"]),
        ("cohort.accrual_years=inf", ["cohort.accrual_years", "finite"]),
        ("outcomes.trm_followup_days=inf", ["outcomes.trm_followup_days", "finite"]),
        ("targets.trm=nan", ["targets.trm", "finite"]),
        ('stages.isolation.duration={ dist = "gamma", mean = 1e308, sd = 1 }', ["stages.isolation.duration.mean"]),
        ("simulation.horizon_years=1e12", ["simulation.horizon_years", "100"]),
        ("cohort.followup_after_accrual_years=1e8", ["cohort.followup_after_accrual_years", "1000"]),
        ("cohort.accrual_years=1001", ["cohort.accrual_years", "1000"]),
        ("cohort.size=99999999999999999999", ["cohort.size"]),
        ("followup.relapse.rate_per_year=1e300", ["followup.relapse.rate_per_year"]),
        (
            'stages.isolation.duration={ dist = "weibull", shape = 1e-300, scale = 1 }',
            ["stages.isolation.duration.shape"],
        ),
        ("followup.relapse.rate_per_year={ events = 1, person_years = inf }", ["followup.relapse.rate_per_year"]),
    ],
    ids=[
        "rate-inf",
        "median-inf",
        "value-inf",
        "horizon-inf",
        "accrual-inf",
        "trm-followup-inf",
        "target-nan",
        "gamma-mean-huge",
        "horizon-huge",
        "followup-huge",
        "accrual-huge",
        "size-beyond-int64",
        "rate-huge",
        "weibull-shape-tiny",
        "person-years-inf",
    ],
)
def test_non_finite_and_absurd_numbers_are_refused(capsys, in_tmp_cwd, override, fragments):
    code, err = refused(capsys, "run", BURT, "--set", override, *FAST)
    assert_refused(code, err, in_tmp_cwd, f"after --set {override.partition('=')[0]}", *fragments)


@pytest.mark.parametrize(
    "override, fragments",
    [
        ('stages.isolation.duration={ dist = "lognormal", median = 12.5, sigma = true }',
         ["stages.isolation.duration.sigma", "valid number"]),
        ('followup.relapse={ dist = "exponential", rate_per_year = "0.1" }',
         ["followup.relapse.rate_per_year", "valid number"]),
        ('stages.isolation.duration={ dist = "lognormal", median = "Infinity", sigma = 0.1 }',
         ["stages.isolation.duration.median"]),
        ('stages.rest.duration={ dist = "uniform", low = 21, high = "42" }', ["stages.rest.duration.high"]),
    ],
    ids=["bool-as-number", "text-as-rate", "text-infinity", "text-as-bound"],
)
def test_distribution_tables_are_strict_and_blame_the_set_flag(capsys, in_tmp_cwd, override, fragments):
    code, err = refused(capsys, "run", BURT, "--set", override, *FAST)
    assert_refused(code, err, in_tmp_cwd, "after --set", *fragments)
    for tag in ("lognormal.", "exponential.", "uniform.", "function-"):
        assert tag not in err, err


def test_a_union_tag_is_not_part_of_the_path_in_a_file_error(capsys, in_tmp_cwd):
    path = in_tmp_cwd / "bad.toml"
    path.write_text(BURT.read_text().replace("median = 12.5", "median = -12.5", 1))
    code, err = refused(capsys, "run", path, *FAST)
    assert_refused(code, err, in_tmp_cwd, "bad.toml: stages.isolation.duration.median")


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (
            [
                "calibrate",
                BURT,
                "--target",
                "os_5y=99999999999999999999",
                "--free",
                "followup.relapse.rate_per_year=0.05:0.3",
            ],
            ["--target", "finite number"],
        ),
        (
            ["calibrate", BURT, "--target", "os_5y=0.8:1e400", "--free", "followup.relapse.rate_per_year=0.05:0.3"],
            ["--target", "SE"],
        ),
        (
            [
                "calibrate",
                BURT,
                "--target",
                "os_5y=0.8",
                "--free",
                "followup.relapse.rate_per_year=0:99999999999999999999",
            ],
            ["--free", "followup.relapse.rate_per_year"],
        ),
        (["power", BURT, EBMT, "--sizes", "²"], ["--sizes", "whole number"]),
        (["power", BURT, EBMT, "--sizes", "20,٣٠"], ["--sizes", "whole number"]),
        (["run", BURT, "--seed", "99999999999999999999999999999999999999999"], ["--seed", "at most"]),
    ],
    ids=["target-huge-int", "target-se-inf", "free-huge-bound", "sizes-superscript", "sizes-arabic-digit", "seed-huge"],
)
def test_absurd_numbers_in_flags_are_refused(capsys, in_tmp_cwd, argv, fragments):
    code, err = refused(capsys, *argv, *FAST)
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["run", BURT, "--set", "cohort.size=100000000"],
        ["run", BURT, "--replications", "1000000000"],
        ["run", "{referrals}", "--set", "cohort.referrals={ process = \"poisson\", rate_per_year = 1e6 }"],
        ["compare", BURT, EBMT, "--set", "cohort.size=100000000"],
        ["sweep", BURT, "--param", "cohort.size=1000,100000000"],
        ["power", BURT, EBMT, "--sizes", "100000000"],
        ["calibrate", BURT, "--set", "cohort.size=100000000", "--target", "os_5y=0.8",
         "--free", "followup.relapse.rate_per_year=0.05:0.3"],
    ],
    ids=["run-size", "run-replications", "run-referrals", "compare", "sweep", "power", "calibrate"],
)
def test_work_that_cannot_fit_in_memory_is_refused_before_it_starts(capsys, in_tmp_cwd, argv):
    if argv[1] == "{referrals}":  # open arrivals instead of a fixed size
        path = in_tmp_cwd / "referrals.toml"
        text = BURT.read_text().replace("size = 50", "", 1)
        path.write_text(re.sub(r"^accrual_weights = .*$", "", text, count=1, flags=re.M))  # a fixed cohort's shape
        argv = [argv[0], path, *argv[2:]]
    began = time.perf_counter()
    code, err = refused(capsys, *argv, "--quiet")
    assert_refused(code, err, in_tmp_cwd, "memory", "GiB")
    assert any(way in err for way in ("--replications", "--chunk-size", "--scheduler", "smaller")), err
    assert time.perf_counter() - began < 20


def test_memory_estimate_of_a_terabyte_scenario(in_tmp_cwd):
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.memory import Need, check_fits, run_need

    scenario = load_scenario(BURT, ["cohort.size=10000000"])
    need = run_need(scenario, 1000, RunOptions(chunk_size=250, workers=2)).total
    assert need > 1e12
    with pytest.raises(UserError, match=r"TiB|GiB"):
        check_fits(Need(need, 1, 0), "run")
    small = load_scenario(BURT)
    assert run_need(small, 1000, RunOptions(chunk_size=250, workers=2)).total < 2e9  # the shipped scenario fits


@pytest.mark.parametrize("where", ["file", "set"])
def test_deep_nesting_is_refused(capsys, in_tmp_cwd, where):
    deep = "[" * 500 + "]" * 500
    if where == "file":
        path = in_tmp_cwd / "deep.toml"
        path.write_text(BURT.read_text() + f"\n[extra]\nx = {deep}\n")
        code, err = refused(capsys, "run", path, *FAST)
        assert_refused(code, err, in_tmp_cwd, "deep.toml", "nested")
    else:
        code, err = refused(capsys, "run", BURT, "--set", f"stages.isolation.death_probability={deep}", *FAST)
        assert_refused(code, err, in_tmp_cwd, "--set stages.isolation.death_probability", "nested")


def test_a_huge_scenario_file_is_refused_unread(capsys, in_tmp_cwd):
    path = in_tmp_cwd / "huge.toml"
    path.write_text(BURT.read_text() + ("#" * 1023 + "\n") * 1100)
    code, err = refused(capsys, "run", path, *FAST)
    assert_refused(code, err, in_tmp_cwd, "huge.toml", "MiB")


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_a_scenario_path_that_is_not_a_file_says_what_it_is(capsys, in_tmp_cwd, kind):
    if kind == "folder":
        path, expected = in_tmp_cwd / "scenarios", "is a folder"
        path.mkdir()
    elif kind == "fifo":
        path, expected = in_tmp_cwd / "pipe.toml", "not a regular file"
        os.mkfifo(path)  # reading it would block forever: it must not be opened
    else:
        path, expected = "/dev/null", "not a regular file"
    code, err = refused(capsys, "run", path, *FAST)
    assert_refused(code, err, in_tmp_cwd, str(path), expected)


def test_a_utf8_bom_is_accepted(capsys, in_tmp_cwd):
    path = in_tmp_cwd / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BURT.read_bytes())
    code, err = refused(capsys, "run", path, "--output", "outputs/bom", *FAST)
    assert code == 0, err


@pytest.mark.parametrize("spec", ["0:1:150758", ",".join(f"{i / 200000:.6f}" for i in range(150758))],
                         ids=["range", "list"])
def test_a_huge_sweep_is_refused_quickly(capsys, in_tmp_cwd, spec):
    began = time.perf_counter()
    code, err = refused(capsys, "sweep", BURT, "--param", f"stages.isolation.death_probability={spec}", *FAST)
    assert_refused(code, err, in_tmp_cwd, "--param stages.isolation.death_probability", "at most")
    assert time.perf_counter() - began < 5


@pytest.mark.parametrize(
    "override",
    ["stages.is\x1b[31molation\n.death_probability=0.1", "cohort.size=\x07\x1b[2J"],
    ids=["control-in-path", "control-in-value"],
)
def test_control_characters_are_escaped(capsys, in_tmp_cwd, override):
    code, err = refused(capsys, "run", BURT, "--set", override, *FAST)
    assert_refused(code, err, in_tmp_cwd)
    assert "\x1b" not in err and "\x07" not in err, err


def test_long_echoed_values_are_truncated(capsys, in_tmp_cwd):
    landmarks = "[" + ", ".join(str(11 + i) for i in range(5000)) + "]"
    code, err = refused(capsys, "run", BURT, "--set", f"simulation.landmarks_years={landmarks}", *FAST)
    assert_refused(code, err, in_tmp_cwd, "simulation", "...")
    assert len(err) < 1200, len(err)


def test_user_error_is_one_bounded_line():
    error = UserError("a\nb\x1b" + "x" * 10_000)
    text = str(error)
    assert "\n" not in text and "\x1b" not in text and len(text) <= 1100 and text.endswith("...")


def test_shipped_scenarios_still_validate(capsys, in_tmp_cwd):
    for path in sorted(SCENARIOS.glob("*.toml")):
        shutil.copy(path, in_tmp_cwd / path.name)
        code, err = refused(capsys, "run", in_tmp_cwd / path.name, "--output", f"outputs/{path.stem}", *FAST)
        assert code == 0, err


def test_a_long_run_says_roughly_how_long_before_it_starts(monkeypatch):
    """Work expected to take over a minute says so (and how to shorten it) before any simulation."""
    from simulator import load_scenario, run
    from simulator.simulation import duration
    scenario = load_scenario(BURT)
    monkeypatch.setattr(duration, "SAY_DURATION_SECONDS", 0.0)
    with pytest.warns(RuntimeWarning, match=r"roughly .* minutes on 1 worker"):
        run(scenario, replications=2, options=RunOptions(progress=True))
