"""Bad input: one clear message naming the file, the field and what is allowed; exit code 2; no
traceback; nothing written under outputs/."""

import shutil

import pytest

from helpers import SCENARIOS, refused


def scenario_with(tmp_path, old, new):
    text = (SCENARIOS / "burt2006.toml").read_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("[cohort]", "[cohort", ["bad.toml", "not valid TOML"]),
        ("size = 50", "size = 50\nsise = 50", ["bad.toml", "cohort.sise", "unknown key", "allowed keys: size"]),
        ("size = 50", 'size = "fifty"', ["bad.toml", "cohort.size", "valid integer"]),
        (
            "rate_per_year = 0.01 ",
            "rate_per_year = -0.01 ",
            ["bad.toml", "followup.death_before_relapse.rate_per_year", "greater than or equal to 0"],
        ),
        (
            "death_probability = { events = 0, n = 48 }",
            "death_probability = 1.5",
            ["bad.toml", "stages.isolation.death_probability", "less than or equal to 1", "1.5"],
        ),
        (
            "death_probability = { events = 0, n = 48 }",
            "death_probability = { events = 0, n = 48, source = 3 }",
            ["bad.toml", "stages.isolation.death_probability", 'source = "Faurschou 2010"', "(got 3)"],
        ),
        (
            'dist = "uniform"',
            'dist = "triangular"',
            ["bad.toml", "stages.rest.duration", "'triangular'", "'lognormal'"],
        ),
        (
            'resource = "isolation_bed"           #',
            'resource = "isolation_beds"           #',
            ["bad.toml", "unknown resource 'isolation_beds'", "isolation_bed"],
        ),
        (
            "capacity = 2",
            "capacity = 0",
            ["bad.toml", "resources.isolation_bed.capacity", 'at least 1, or "unlimited" (got 0)'],
        ),
    ],
    ids=[
        "malformed",
        "unknown-key",
        "wrong-type",
        "negative-rate",
        "probability-above-1",
        "source-not-text",
        "unknown-distribution",
        "unknown-resource",
        "zero-capacity",
    ],
)
def test_bad_scenario_file(capsys, in_tmp_cwd, old, new, expected):
    path = scenario_with(in_tmp_cwd, old, new)
    code, err = refused(capsys, "run", str(path), "--replications", "2")
    assert code == 2
    assert err.startswith("hsct-sim: error: ") and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "missing.toml"], ["missing.toml", "no such scenario file"]),
        (
            ["run", "{burt}", "--set", "stages.nope.death_probability=0.1"],
            ["--set stages.nope.death_probability", "'stages.nope'", "mobilisation"],
        ),
        (
            ["run", "{burt}", "--set", "stages.isolation.death_probabilty=0.1"],
            ["after --set", "stages.isolation.death_probabilty", "unknown key", "death_probability"],
        ),
        (
            ["run", "{burt}", "--set", "stages.isolation.death_probability=2"],
            ["after --set", "stages.isolation.death_probability", "less than or equal to 1"],
        ),
        (["run", "{burt}", "--set", "cohort.size=many"], ["after --set cohort.size=many", "valid integer"]),
        (["run", "{burt}", "--set", "nonsense"], ["--set 'nonsense'", "PATH=VALUE"]),
        (["run", "{burt}", "--replications", "0"], ["--replications", "at least 2"]),
        (["run", "{burt}", "--frobnicate"], ["unrecognized arguments: --frobnicate"]),
    ],
    ids=[
        "missing-file",
        "set-unknown-table",
        "set-unknown-key",
        "set-out-of-range",
        "set-wrong-type",
        "set-malformed",
        "bad-replications",
        "bad-flag",
    ],
)
def test_bad_command_line(capsys, in_tmp_cwd, argv, expected):
    shutil.copy(SCENARIOS / "burt2006.toml", in_tmp_cwd / "burt2006.toml")
    argv = [a.replace("{burt}", "burt2006.toml") for a in argv]
    code, err = refused(capsys, *argv)
    assert code == 2
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_existing_output_folder_is_refused_before_simulating(capsys, in_tmp_cwd):
    (in_tmp_cwd / "outputs" / "taken").mkdir()
    code, err = refused(capsys, "run", str(SCENARIOS / "burt2006.toml"), "--output", "outputs/taken")
    assert code == 2 and "already exists" in err
    assert list((in_tmp_cwd / "outputs").iterdir()) == [in_tmp_cwd / "outputs" / "taken"]


@pytest.mark.parametrize("value, allowed", [
    ("1.5", "less than or equal to 1"), ("-0.1", "greater than or equal to 0"), ("nan", "finite"), ("inf", "finite"),
    ("{ events = 60, n = 50 }", "events"),
], ids=["above-1", "negative", "nan", "inf", "more-events-than-patients"])
def test_a_bad_non_response_probability_is_refused_naming_it(capsys, in_tmp_cwd, value, allowed):
    """followup.non_response_probability is a probability (or events of n): refused with file, field, allowed."""
    path = scenario_with(in_tmp_cwd, "[followup]\n", f"[followup]\nnon_response_probability = {value}\n")
    code, err = refused(capsys, "run", str(path), "--replications", "2")
    assert code == 2 and err.startswith("hsct-sim: error: ") and err.count("\n") == 1, err
    for fragment in ("bad.toml", "followup.non_response_probability", allowed):
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []
