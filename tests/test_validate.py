"""`hsct-sim validate`: the closed-form suite passes at a small size, wrong exact values fail, and the
command checks scenarios' published figures with exit code 0 (all pass) or 1 (a check fails)."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main
from simulator.questions.validation import validation
from simulator.questions.validation.checks import COLUMNS
from simulator.questions.validation.closed_forms import closed_form_cases, exponential_survival, single_bed_queue
from simulator.questions.validation.result import ValidationReport

SMALL = 0.2  # a fifth of each case's studies: 400 of the 2000 tiny studies, 16 of the 80 queue studies


@pytest.mark.parametrize("case", closed_form_cases(), ids=lambda case: case.name)
def test_closed_form_case_passes_at_small_size(case):
    table = case.evaluate(SMALL)
    assert list(table.columns) == COLUMNS
    assert table["passed"].all(), table[["quantity", "expected", "simulated", "mc_se", "z"]].to_string()


def with_exact(case, exact):
    return dataclasses.replace(case, checks=[dataclasses.replace(c, exact=exact(c)) for c in case.checks])


def test_an_intentionally_wrong_exact_value_fails():
    """Survival exp(-0.25 t) instead of exp(-0.2 t); the M/M/1 wait with the M/D/1 formula (half of it)."""
    wrong_rate = with_exact(exponential_survival(), lambda c: np.exp(-0.25 * float(c.quantity[3])))
    table = wrong_rate.evaluate(SMALL)
    assert not table["passed"].any() and (table["z"] > 4).all()
    wrong_queue = with_exact(single_bed_queue("exponential"),
                             lambda c: c.exact / 2 if c.quantity == "mean wait (days)" else c.exact)
    table = wrong_queue.evaluate(SMALL).set_index("quantity")
    assert not table.loc["mean wait (days)", "passed"] and table.loc["P(wait > 0)", "passed"]


SCENARIO_FILE = """\
[metadata]
name = "One stage"
citation = "A made-up series"

[cohort]
size = 50
accrual_years = 0.0
followup_after_accrual_years = 2.0

[simulation]
replications = 300
seed = 4
horizon_years = 1.0
landmarks_years = [1.0]

[stages.conditioning]
duration = { dist = "fixed", value = 5 }
death_probability = 0.1

[stages.reinfusion]
duration = { dist = "fixed", value = 0 }

[outcomes]
trm_stages = ["conditioning"]

[targets]
trm = PUBLISHED
"""


def write_scenario(folder, published):
    path = folder / "one.toml"
    path.write_text(SCENARIO_FILE.replace("PUBLISHED", str(published)))
    return str(path)


@pytest.mark.parametrize(
    "published, code", [(0.1, 0), (0.3, 1), (0.16, 1)], ids=["matches", "far", "in-range-not-close"]
)
def test_validate_checks_a_scenario_against_its_published_figure(in_tmp_cwd, capsys, published, code):
    """TRM 10% in studies of 50: 95% of studies report 2%-18%; 16% is in that range but 0.06 from the mean."""
    assert main(["validate", write_scenario(in_tmp_cwd, published), "--suite", "scenarios", "--quiet"]) == code
    printed = capsys.readouterr().out
    assert "One stage" in printed and ("1 of 1 checks passed." if code == 0 else "1 FAILED") in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("validate-one_stage-")
    assert {p.name for p in folder.iterdir()} == {
        "validation.csv",
        "validation.png",
        "manifest.json",
        "report.html",
        "summary.txt",
        "figure_data",
    }
    row = pd.read_csv(folder / "validation.csv").iloc[0]
    assert row["part"] == "scenario" and row["quantity"] == "trm" and row["expected"] == published
    assert row["in_range"] == (published <= 0.18) and row["within_tolerance"] == (published == 0.1)
    assert json.loads((folder / "manifest.json").read_text())["tolerance"] == 0.03


def test_validate_command_exits_1_when_a_closed_form_check_fails(in_tmp_cwd, capsys, monkeypatch):
    wrong = with_exact(exponential_survival(), lambda c: c.exact + 0.05)
    monkeypatch.setattr(validation, "closed_form_cases", lambda: [wrong])
    assert main(["validate", "--suite", "closed-forms", "--quiet"]) == 1
    assert "0 of 4 checks passed; 4 FAILED." in capsys.readouterr().out
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("validate-suite-")
    assert not pd.read_csv(folder / "validation.csv")["passed"].any()


def test_validation_figure_says_what_it_shows(tmp_path):
    wrong = with_exact(exponential_survival(), lambda c: c.exact + (0.05 if c.quantity == "os_1y" else 0))
    table = pd.concat([wrong.evaluate(SMALL), exponential_survival().evaluate(SMALL)], ignore_index=True)
    figure = ValidationReport(table).plot()
    (axes,) = figure.axes
    assert "7 of 8 checks passed" in figure._suptitle.get_text()
    assert "simulated studies x patients per study" in figure._suptitle.get_text()
    assert axes.get_title() == ("Closed-form cases: simulated against exact values\n"
                                "dots: z of each quantity; shaded: the pass band |z| <= 4")
    assert axes.get_xlabel() == "z = (simulated - exact) / Monte Carlo standard error"
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["Pass band |z| <= 4", "Passed", "Failed"]
    assert axes.get_yticklabels()[0].get_text() == "Exponential survival: os_1y (400 x 100)"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["validate", "{plain}"], ["no [targets] table", "nothing to validate against"]),
        (["validate", "{one}", "--suite", "closed-forms"], ["--suite closed-forms", "drop the SCENARIO"]),
        (["validate", "--tolerance", "0"], ["--tolerance", "between 0 and 1"]),
        (["validate", "--suite", "everything"], ["--suite", "invalid choice"]),
        (["validate", "missing.toml"], ["missing.toml", "no such scenario file"]),
    ],
    ids=["no-targets", "suite-conflict", "bad-tolerance", "bad-suite", "missing-file"],
)
def test_bad_validate_input_is_a_user_error(capsys, in_tmp_cwd, argv, expected):
    one = write_scenario(in_tmp_cwd, 0.1)
    plain = in_tmp_cwd / "plain.toml"
    plain.write_text(SCENARIO_FILE.split("[targets]")[0])
    argv = [a.replace("{one}", one).replace("{plain}", str(plain)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


SERIES = """
[[published_series]]
source = "A longer made-up series"
cohort = { size = 20, accrual_years = 0.0, followup_after_accrual_years = 8.0 }
landmarks_years = [7.0]
targets = { os_7y = SURVIVAL }
"""


@pytest.mark.parametrize("survival, passed", [(0.5, True), (0.02, False)], ids=["in-range", "far"])
def test_validate_checks_another_published_series_with_its_own_design(in_tmp_cwd, capsys, survival, passed):
    """A scenario calibrated to 1-year figures is checked at 7 years against another series of 20 patients,
    simulated with that series' design: exp(-0.1 x 7) = 0.50 survive, and 95% of such studies report about
    0.28-0.70, so 0.5 passes and 0.02 fails (by range alone: a series of its own is not the calibration's)."""
    path = in_tmp_cwd / "series.toml"
    text = SCENARIO_FILE.replace("PUBLISHED", "0.1") + SERIES.replace("SURVIVAL", str(survival))
    path.write_text(text.replace("[outcomes]", '[followup]\ndeath_before_relapse = { dist = "exponential", '
                                 'rate_per_year = 0.1 }\n\n[outcomes]'))
    assert main(["validate", str(path), "--suite", "scenarios", "--quiet"]) == (0 if passed else 1)
    printed = capsys.readouterr().out
    assert "Other published series, simulated with their own design" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")
    row = pd.read_csv(folder / "validation.csv").set_index("part").loc["published series"]
    assert row["case"] == "One stage as A longer made-up series" and row["quantity"] == "os_7y"
    assert row["patients"] == 20 and row["passed"] == passed
    assert 0.45 < row["simulated"] < 0.55  # survival from reinfusion: exp(-0.1 x 7) = 0.497
