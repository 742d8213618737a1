"""`hsct-sim power`: run folder, reproducibility, figures and bad input."""

import json
import shutil

import pandas as pd
import pytest

from simulator import UserError, load_scenario
from simulator.questions.power.power import estimate_power
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS, run_cli, texts_outside

BURT, EBMT = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")
INTERPOLATED = "Interpolated between simulated sizes (probit of power linear in the square root of the size)"


def test_power_writes_a_complete_run_folder(in_tmp_cwd, capsys):
    code, out, err = run_cli(capsys, "power", BURT, EBMT, "--sizes", "20,10", "--replications", "40", "--quiet")
    assert code == 0
    assert "scenario B's own (6 y, 6.5 y) is not used" in err  # both arms use scenario A's accrual and cut-off
    assert "truly better: A: Burt 2006 (Northwestern)" in out and "80% power:" in out and "90% power:" in out
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("power-burt_2006_northwestern-ebmt_2004_jayne_european_registry-")
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json",
        "report.html",
        "summary.txt",
        "figure_data",
        "power.csv",
        "sample_size.csv",
        "replications.csv",
        "power.png",
        "hazard_ratio.png",
    }
    power = pd.read_csv(folder / "power.csv")
    assert power["patients_per_arm"].tolist() == [10, 20] and (power["studies"] == 40).all()
    assert list(power.columns) == ["patients_per_arm", "studies", "power", "power_mc_se", "type_s_error",
                                   "events_median", "hazard_ratio_median", "hazard_ratio_lower", "hazard_ratio_upper",
                                   "hazard_ratio_estimable"]
    trials = pd.read_csv(folder / "replications.csv", keep_default_na=False)
    assert len(trials) == 80 and set(trials["significant_for"]) <= {"", "A", "B"}
    assert ((trials["p_value"] < 0.05) == (trials["significant_for"] != "")).all()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sizes"] == [10, 20] and manifest["seed"] == 2006 and manifest["endpoint"] == "os"
    assert manifest["scenario_b"]["cohort"]["accrual_years"] == 6.0  # recorded as given, not as used
    assert manifest["truth"]["better_arm"] == "A"


def test_one_file_two_arms_with_set_b(in_tmp_cwd, capsys):
    code, out, _ = run_cli(capsys, "power", BURT, BURT, "--set-b", "stages.isolation.death_probability=0.13",
                           "--sizes", "30", "--endpoint", "trm", "--replications", "30", "--quiet", "--output", "mine")
    assert code == 0
    assert "B: Burt 2006 (Northwestern) [stages.isolation.death_probability=0.13]" in out
    manifest = json.loads((in_tmp_cwd / "mine" / "manifest.json").read_text())
    assert manifest["scenario_b"]["stages"]["isolation"]["death_probability"] == 0.13
    assert manifest["scenario_a"]["stages"]["isolation"]["death_probability"] == {"events": 0, "n": 48}
    assert (in_tmp_cwd / "mine" / "trm_difference.png").is_file()


def test_each_trial_depends_only_on_scenarios_seed_size_and_replication():
    """Chunking and the other sizes asked for change nothing; the arms of identical scenarios differ."""
    burt = load_scenario(BURT)
    whole = estimate_power(
        burt, burt, [8, 15], "dfs", replications=30, seed=4, options=RunOptions(chunk_size=30)
    ).studies
    pieces = estimate_power(burt, burt, [15], "dfs", replications=30, seed=4, options=RunOptions(chunk_size=7)).studies
    pd.testing.assert_frame_equal(whole[whole["patients_per_arm"] == 15].reset_index(drop=True), pieces)
    assert (whole["events_a"] != whole["events_b"]).any()  # independent patients in the two arms
    other_seed = estimate_power(burt, burt, [15], "dfs", replications=30, seed=5).studies
    assert not other_seed["p_value"].equals(pieces["p_value"])


@pytest.fixture(scope="module")
def survival_result():
    burt, ebmt = load_scenario(BURT), load_scenario(EBMT)
    with pytest.warns(UserWarning, match="scenario A's accrual"):
        return estimate_power(burt, ebmt, [10, 30], "os", replications=60)


def test_power_figure_says_what_it_shows(survival_result):
    ax = survival_result.plot_power().axes[0]
    title = ax.get_title()
    assert "Power of a randomised two-arm trial" in title
    assert "A: Burt 2006 (Northwestern) vs B: EBMT 2004 (Jayne, European registry)" in title
    assert "Overall survival from enrolment, log-rank test, two-sided alpha 0.05" in title
    assert "60 simulated trials per size, 10-30 patients per arm" in title
    assert ax.get_xlabel() == "Patients per arm" and ax.get_ylabel() == "Power (share of simulated trials)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == ("Power: p < 0.05 in favour of A: Burt 2006 (Northwestern), the better arm; "
                         "bars: 95% Monte Carlo interval")
    assert legend[1:5] == [INTERPOLATED, "Significant in favour of the worse arm (type S error)", "80% power",
                           "90% power"]


def test_a_long_endpoint_wraps_inside_the_figure():
    """Event-free survival against standard care names every event (relapse, flare, non-response, leaving the
    pathway, death): the title wraps instead of running off both edges."""
    burt, standard = load_scenario(BURT), load_scenario(str(SCENARIOS / "standard_care.toml"))
    result = estimate_power(burt, standard, [10], "efs", replications=20, seed=1)
    assert "non-response" in result.plot_power().axes[0].get_title()
    assert texts_outside(result.plot_power()) == []
    assert texts_outside(result.plot_effect()) == []


def test_hazard_ratio_figure_says_what_it_shows(survival_result):
    ax = survival_result.plot_effect().axes[0]
    assert "Hazard ratio a trial would observe (Cox model)" in ax.get_title()
    assert "B: EBMT 2004 (Jayne, European registry) vs A: Burt 2006 (Northwestern)" in ax.get_title()
    assert ax.get_ylabel() == "Observed hazard ratio, B vs A (log scale)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "30"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("Observed hazard ratios across simulated trials")
    assert legend[1:] == ["No difference (HR = 1; below: B better)",
                          "Median trial, bars: 95% of trials (2.5-97.5 percentiles)"]
    assert "1" in [t.get_text() for t in ax.get_yticklabels()]  # ticks read as hazard ratios


def test_trm_figures_say_what_they_show():
    burt = load_scenario(BURT)
    result = estimate_power(burt, burt, [20], "trm", replications=40)
    ax = result.plot_effect().axes[0]
    assert "Difference in treatment-related mortality a trial would observe" in ax.get_title()
    assert ax.get_ylabel() == "Observed TRM difference, B - A (percentage points)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(text.startswith("True difference (all simulated patients pooled):") for text in legend)
    power_legend = [t.get_text() for t in result.plot_power().axes[0].get_legend().get_texts()]
    assert power_legend[:3] == ["Significant in either direction (no true difference: false-positive rate); "
                                "bars: 95% Monte Carlo interval", INTERPOLATED,
                                "Nominal false-positive rate (alpha = 0.05)"]


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--sizes", "20,abc"], ["--sizes '20,abc'", "'abc' is not a whole number", "e.g. 20,50,100,200"]),
        (["--sizes", "0,20"], ["--sizes '0,20'", "at least 2"]),
        (["--sizes", "20,50,20"], ["--sizes '20,50,20'", "20 given more than once"]),
        (["--sizes", ""], ["--sizes ''", "'' is not a whole number"]),
        (
            ["--sizes", "20", "--endpoint", "pfs"],
            ["--endpoint", "unknown endpoint 'pfs'", "os (overall survival", "trm"],
        ),
        (["--sizes", "20", "--alpha", "1.5"], ["--alpha 1.5", "strictly between 0 and 1", "got 1.5"]),
        (["--sizes", "20", "--alpha", "five"], ["--alpha 'five'", "not a number"]),
        (
            ["--sizes", "20", "--set-b", "stages.isolation.death_probability=2"],
            ["after --set", "less than or equal to 1"],
        ),
        (["--endpoint", "os"], ["the following arguments are required: --sizes"]),
    ],
    ids=[
        "sizes-not-number",
        "sizes-zero",
        "sizes-repeated",
        "sizes-empty",
        "unknown-endpoint",
        "alpha-range",
        "alpha-not-number",
        "set-b-out-of-range",
        "sizes-missing",
    ],
)
def test_bad_power_command_line(capsys, in_tmp_cwd, extra, expected):
    shutil.copy(BURT, in_tmp_cwd / "a.toml")
    code, _, err = run_cli(capsys, "power", "a.toml", "a.toml", "--replications", "5", *extra)
    assert code == 2
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert "Traceback" not in err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_python_api_checks_its_arguments():
    burt = load_scenario(BURT)
    for kwargs, fragment in [({"sizes": []}, "no size given"), ({"sizes": [10], "alpha": 0}, "alpha"),
                             ({"sizes": [10], "endpoint": "pfs"}, "unknown endpoint 'pfs'")]:
        with pytest.raises(UserError, match=fragment):
            estimate_power(burt, burt, **kwargs)
