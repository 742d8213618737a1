"""`hsct-sim compare`: paired differences with honest MC error, the run folder and its figures."""

import json

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.outcomes.vocabulary import colour
from simulator.questions.compare.compare import compare

from helpers import SCENARIOS, tiny

BURT, EBMT = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")


def isolation(p, name):
    return tiny(
        metadata={"name": name},
        stages={"reinfusion": {"duration": {"dist": "fixed", "value": 0}},
                "isolation": {"duration": {"dist": "fixed", "value": 12}, "death_probability": p}},
        followup={"death_before_relapse": {"dist": "exponential", "rate_per_year": 0.1}},
        outcomes={"trm_stages": ["isolation"]},
    )


def test_paired_trm_difference_matches_the_closed_form_with_a_smaller_error():
    """TRM difference between death probabilities 0.05 and 0.15 is 0.10 exactly; with common random numbers
    a study's difference is Binomial(n, 0.10) / n, of variance 0.1 * 0.9 / n, against
    (0.05 * 0.95 + 0.15 * 0.85) / n for two independent studies."""
    replications, n = 400, 100
    result = compare([isolation(0.05, "low"), isolation(0.15, "high")], replications=replications)
    assert result.shares_streams == [True, True]
    gap = result.differences.set_index("outcome").loc["trm"]
    assert gap.scenario == "high" and gap.reference == "low"
    exact_se = np.sqrt(0.1 * 0.9 / n / replications)
    assert abs(gap.difference - 0.10) <= 4 * exact_se
    assert gap.mc_se == pytest.approx(exact_se, rel=0.15)  # an SD from 400 studies: about 3.5% relative error
    independent_sd = np.sqrt((0.05 * 0.95 + 0.15 * 0.85) / n)
    # exactly sqrt(0.09 / 0.175) = 0.72 of the independent SE; an SD from 400 studies is itself 3.5% uncertain
    assert gap.mc_se < 0.72 * (1 + 4 * 0.035) * independent_sd / np.sqrt(replications)
    # lower/upper is the gap between two independent studies (95% range about 3.92 SD = 0.16), wider than
    # the paired one (3.92 * 0.03 = 0.12)
    assert gap.upper - gap.lower > 0.8 * 3.92 * independent_sd
    summary = result.summary.set_index(["scenario", "outcome"])
    assert gap.difference == pytest.approx(
        summary.loc[("high", "trm"), "estimate"] - summary.loc[("low", "trm"), "estimate"]
    )


def test_scenarios_of_different_structure_do_not_claim_common_random_numbers():
    other = tiny(metadata={"name": "one stage"})
    result = compare([isolation(0.05, "two stages"), other], replications=20)
    assert result.shares_streams == [True, False]
    assert "stages differ from A, so no common random numbers" in result.text()


def test_compare_writes_a_run_folder(in_tmp_cwd, capsys):
    assert main(["compare", BURT, EBMT, "--replications", "30", "--quiet", "--probability", "trm>=0.13"]) == 0
    printed = capsys.readouterr().out
    assert "B: EBMT 2004 (Jayne, European registry), 53 patients per study; common random numbers with A" in printed
    assert "P(trm>=0.13)" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("compare-burt_2006_northwestern-ebmt_2004_jayne_european_registry-")
    assert {p.name for p in folder.iterdir()} == {
        "manifest.json",
        "report.html",
        "summary.txt",
        "figure_data",
        "compare.csv",
        "differences.csv",
        "replications.csv",
        "km_os_itt.png",
        "km_efs_itt.png",
        "km_os.png",
        "km_dfs.png",
        "relapse_cif.png",
        "trm.png",
        "outcomes.png",
    }
    assert (folder / "compare.csv").read_text().splitlines()[
        0
    ] == "scenario,outcome,estimate,mc_se,lower,upper,evaluable"
    table = pd.read_csv(folder / "compare.csv")
    assert set(table.scenario) == {"Burt 2006 (Northwestern)", "EBMT 2004 (Jayne, European registry)"}
    outcomes = set(load_scenario(BURT).outcome_names) & set(load_scenario(EBMT).outcome_names)  # EBMT has no costs
    assert len(table) == 2 * (len(outcomes) + 1)
    differences = pd.read_csv(folder / "differences.csv").set_index("outcome")
    assert list(differences.columns) == ["scenario", "reference", "difference", "mc_se", "lower", "upper", "published",
                                          "evaluable", "higher", "reference_higher"]
    assert differences.loc["trm", "published"] == pytest.approx(0.132 - 0.02)
    studies = pd.read_csv(folder / "replications.csv")
    assert len(studies) == 60 and list(studies.columns[:2]) == ["scenario", "replication"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 2006 and manifest["replications"] == 30
    assert manifest["common_random_numbers_with_first"] == {"Burt 2006 (Northwestern)": True,
                                                            "EBMT 2004 (Jayne, European registry)": True}


def test_compare_figures_name_the_scenarios_in_consistent_colours():
    result = compare([load_scenario(BURT), load_scenario(EBMT)], replications=20)
    names = ["Burt 2006 (Northwestern)", "EBMT 2004 (Jayne, European registry)"]
    for curve, title, ylabel in [
        ("os", "Overall survival after reinfusion", "Probability of being alive"),
        ("dfs", "Disease-free survival after reinfusion", "Probability of being alive without relapse"),
        ("relapse", "Cumulative incidence of relapse", "Probability of having relapsed"),
    ]:
        ax = result.plot_survival(curve).axes[0]
        assert ax.get_title().startswith(title) and f"{names[0]} vs {names[1]}" in ax.get_title()
        assert (
            "20 simulated studies per scenario" in ax.get_title()
            and (
                "per study:\n50 patients, accrual 7.8 y, data cut-off 8.3 y after accrual opened\n"
                "53 patients, accrual 6 y"
            )
            in ax.get_title()
        )
        assert ax.get_xlabel() == "Years since reinfusion" and ax.get_ylabel() == ylabel
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        for number, name in enumerate(names):
            assert f"{name}: 95% of simulated studies" in legend and f"{name}: mean over simulated studies" in legend
            (mean,) = [line for line in ax.get_lines() if line.get_label() == f"{name}: mean over simulated studies"]
            assert mean.get_color() == colour(number)
        assert ("Burt 2006 (Northwestern): published" in legend) == (curve in ("os", "dfs"))
    trm = result.plot_trm().axes[0]
    legend = [t.get_text() for t in trm.get_legend().get_texts()]
    assert f"{names[0]}: published 2.0%" in legend and f"{names[1]}: published 13.2%" in legend
    assert trm.get_xlabel().startswith("Treatment-related mortality reported by the study")
    published = {line.get_label(): line for line in trm.get_lines()}
    assert published[f"{names[1]}: published 13.2%"].get_xdata()[0] == pytest.approx(0.132)
    assert published[f"{names[1]}: published 13.2%"].get_color() == colour(1)
    forest = result.plot_outcomes().axes[0]
    assert [t.get_text() for t in forest.get_yticklabels()] == [
        "5-year OS", "5-year DFS", "5-year relapse (cum. incidence)", "TRM", "Deaths by the cut-off",
        "Deaths before reinfusion"]
    assert forest.get_xlabel() == "Probability (share of patients)"
    assert [t.get_text() for t in forest.get_legend().get_texts()] == [
        f"{names[0]}: mean (dot), 95% of studies (line)", f"{names[1]}: mean (dot), 95% of studies (line)",
        "Published value (in the scenario's colour)"]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["compare", BURT], ["at least two scenario files, got 1"]),
        (["compare", BURT, BURT], ["the same scenario file is given twice"]),
        (["compare", BURT, "missing.toml"], ["missing.toml: no such scenario file"]),
        (
            ["compare", BURT, EBMT, "--set", "stages.isolation.death_probability=2"],
            ["after --set", "less than or equal to 1"],
        ),
    ],
    ids=["one-scenario", "same-file-twice", "missing-file", "bad-set"],
)
def test_bad_compare_input_fails_before_simulating(capsys, in_tmp_cwd, monkeypatch, argv, expected):
    monkeypatch.setattr(
        "simulator.questions.compare.compare.run_all", lambda *a, **k: pytest.fail("simulated despite bad input")
    )
    assert main(argv) == 2
    err = capsys.readouterr().err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []
