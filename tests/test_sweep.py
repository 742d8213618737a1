"""`hsct-sim sweep`: grids, common random numbers, closed forms, the run folder and its figures."""

import json

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.questions.run.run import run
from simulator.questions.sweep.grid import parse_parameter
from simulator.questions.sweep.sweep import sweep
from simulator.scenario.distributions import DAYS_PER_YEAR

from helpers import SCENARIOS, tiny

BURT = str(SCENARIOS / "burt2006.toml")
ISOLATION_DAYS = 12
DEATH_RATE, RELAPSE_RATE, DEATH_AFTER_RELAPSE_RATE = 0.1, 0.2, 0.5


def no_censoring(isolation_death=0.05):
    """Reinfusion on enrolment (all on day 0), a 12-day isolation that can kill, then relapse and death.

    Everyone is followed 20 years, so no study censors anyone: Kaplan-Meier estimates are plain shares and
    an extra early death can only lower survival. With censoring (staggered accrual) that is not so: the
    Kaplan-Meier weight of a censored patient moves to those still at risk, so an early death can raise a
    study's 5-year estimate; and a full bed makes one patient's death change others' waits.
    """
    return tiny(
        stages={
            "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
            "isolation": {"duration": {"dist": "fixed", "value": ISOLATION_DAYS}, "death_probability": isolation_death},
        },
        followup={
            "relapse": {"dist": "exponential", "rate_per_year": RELAPSE_RATE},
            "death_before_relapse": {"dist": "exponential", "rate_per_year": DEATH_RATE},
            "death_after_relapse": {"dist": "exponential", "rate_per_year": DEATH_AFTER_RELAPSE_RATE},
        },
        outcomes={"trm_stages": ["isolation"]},
    )


def test_ranges_and_lists_parse_to_the_values_given():
    assert parse_parameter("stages.isolation.death_probability=0:0.2:5").texts == ("0", "0.05", "0.1", "0.15", "0.2")
    assert parse_parameter("cohort.size=20:100:5").values == [20, 40, 60, 80, 100]
    assert parse_parameter("cohort.size=100:20:3").values == [100, 60, 20]
    assert parse_parameter("x.y=0.5:0.5:1").values == [0.5]
    assert parse_parameter("resources.bed.capacity=1, 2,unlimited").values == [1, 2, "unlimited"]
    tables = parse_parameter('followup.relapse={dist="exponential", rate_per_year=0.1},{dist="fixed", value=3}')
    assert [v["dist"] for v in tables.values] == ["exponential", "fixed"]


def test_stage_death_sweep_is_monotone_study_by_study_and_trm_matches_the_probability():
    """Common random numbers: every point draws the same uniforms and a death is u < p, so raising p turns
    survivors into deaths, never the reverse; TRM = Binomial(n, p) / n has mean p exactly."""
    result = sweep(no_censoring(), ["stages.isolation.death_probability=0:0.2:5"], replications=300)
    assert result.grid.points == [(0,), (0.05,), (0.1,), (0.15,), (0.2,)]
    for outcome in result.runs[0].values:
        step = np.diff(result.study_values(outcome), axis=0)
        if outcome in ("trm", "trm_100d", "deaths") or outcome.startswith("nrm_"):
            assert (step >= -1e-12).all(), outcome  # deaths without relapse never fall
        elif outcome not in ("deaths_before_reinfusion", "transplanted", "followup_median_months"):
            assert (step <= 1e-12).all(), outcome  # survival, DFS, relapse incidence and follow-up never rise
    n = result.grid.base.cohort.size
    for (p,), summary in zip(result.grid.points, result.runs):
        trm = summary.summary.set_index("outcome").loc["trm", "estimate"]
        assert abs(trm - p) <= 4 * np.sqrt(p * (1 - p) / (n * result.replications)), (p, trm)


def sample_variance_and_se(x):
    """Sample variance and its standard error, sqrt((m4 - s^4) / R)."""
    centred = x - x.mean()
    s2 = centred.var(ddof=1)
    return s2, np.sqrt(((centred**4).mean() - s2**2) / len(x))


def test_common_random_numbers_shrink_the_variance_of_a_difference_to_its_closed_form():
    """Between p1 = 0.05 and p2 = 0.10, with common random numbers a study's 5-year OS drops by exactly
    the patients whose draw lies in [p1, p2) and who would otherwise be alive at 5 years: Binomial(n, q) / n
    with q = (p2 - p1) S, S = exp(-d (5 - 12 days)) (no relapse needed: death after relapse is still death,
    so S is the two-state survival). Drawn independently, the two studies' variances add instead."""
    p1, p2, replications = 0.05, 0.10, 400
    result = sweep(no_censoring(), [f"stages.isolation.death_probability={p1},{p2}"], replications=replications)
    crn = np.diff(result.study_values("os_5y"), axis=0)[0]
    other_seed = run(result.grid.scenarios[1], replications, result.seed + 1).values["os_5y"]
    independent = other_seed - result.study_values("os_5y")[0]

    t = 5 - ISOLATION_DAYS / DAYS_PER_YEAR
    q_rate = RELAPSE_RATE + DEATH_RATE
    alive = np.exp(-q_rate * t) + RELAPSE_RATE / (q_rate - DEATH_AFTER_RELAPSE_RATE) * (
        np.exp(-DEATH_AFTER_RELAPSE_RATE * t) - np.exp(-q_rate * t))
    n = result.grid.base.cohort.size
    q = (p2 - p1) * alive
    s1, s2 = (1 - p1) * alive, (1 - p2) * alive
    exact_crn, exact_independent = q * (1 - q) / n, (s1 * (1 - s1) + s2 * (1 - s2)) / n
    for sample, exact in ((crn, exact_crn), (independent, exact_independent)):
        variance, se = sample_variance_and_se(sample)
        assert abs(variance - exact) <= 4 * se, (variance, exact, se)
    assert exact_crn < exact_independent / 10  # what the sweep gains: ten times smaller variance here


def test_cohort_size_sweep_keeps_common_random_numbers():
    """Patient i draws the same uniforms whatever the study size, so a 40-patient study is the first 40
    patients of the 100-patient one: with no accrual, their TRM death counts are nested."""
    result = sweep(no_censoring(0.2), ["cohort.size=40,100"], replications=50)
    small, large = result.study_values("trm")
    assert (small * 40 <= large * 100 + 1e-9).all() and (small * 40 < large * 100).any()


KEYS = ["os_5y", "dfs_5y", "relapse_5y", "trm", "deaths_before_reinfusion"]  # Burt 2006 publishes the last


def test_sweep_writes_a_run_folder_with_figures(in_tmp_cwd, capsys):
    argv = ["sweep", BURT, "--param", "stages.isolation.death_probability=0:0.1:3", "--replications", "12",
            "--quiet", "--probability", "trm>=0.13"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "sweep over 3 grid points" in printed and "P(trm>=0.13)" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("sweep-burt_2006_northwestern-")
    files = {p.name for p in folder.iterdir()}
    assert files == {
        "manifest.json",
        "report.html",
        "summary.txt",
        "figure_data",
        "sweep.csv",
        "replications.csv",
        "sweep_probability_trm_ge_0.13.png",
        "explorer.json",
        "explorer.html",
        *(f"sweep_{k}.png" for k in KEYS),
    }
    assert (folder / "sweep.csv").read_text().splitlines()[0] == (
        "stages.isolation.death_probability,outcome,estimate,mc_se,lower,upper,evaluable")
    table = pd.read_csv(folder / "sweep.csv")
    assert (
        len(table) == 3 * (len(load_scenario(BURT).outcome_names) + 1) and (table.outcome == "P(trm>=0.13)").sum() == 3
    )
    studies = pd.read_csv(folder / "replications.csv")
    assert len(studies) == 3 * 12 and list(studies.columns[:2]) == ["stages.isolation.death_probability", "replication"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["parameters"] == {"stages.isolation.death_probability": [0, 0.05, 0.1]}
    assert manifest["seed"] == 2006 and manifest["replications"] == 12 and manifest["points"] == 3


def test_sweep_figures_say_what_they_show():
    result = sweep(BURT, ["stages.isolation.death_probability=0,0.1"], replications=20, probabilities=["trm>=0.13"])
    ax = result.plot_outcome("os_5y").axes[0]
    assert ax.get_title().startswith("Overall survival 5 years after reinfusion against death probability in isolation")
    assert "20 simulated studies at each point of 50 patients," in ax.get_title()
    assert ax.get_xlabel() == "Death probability in isolation (stages.isolation.death_probability)"
    assert ax.get_ylabel() == "Overall survival 5 years after reinfusion (probability)"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["95% of simulated studies (2.5-97.5 percentiles)", "Published, Burt 2006 (Northwestern): 0.840",
                      "Value in the scenario file: 0",
                      "Mean over simulated studies (bars: ±1.96 Monte Carlo SE)"]
    (line,) = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert line.get_xdata().tolist() == [0, 0.1]
    share = result.plot_outcome("P(trm>=0.13)").axes[0]
    assert share.get_ylabel() == "Share of studies reporting trm>=0.13"
    assert "95% of simulated studies (2.5-97.5 percentiles)" not in [
        t.get_text() for t in share.get_legend().get_texts()
    ]


def test_two_parameter_sweep_figures_have_one_line_per_value_and_a_heatmap():
    result = sweep(BURT, ["stages.isolation.death_probability=0,0.1", "cohort.size=20,50"], replications=10)
    assert set(result.figure_files()) == {*(f"sweep_{k}.png" for k in KEYS), *(f"heatmap_{k}.png" for k in KEYS)}
    columns = result.summary.columns.tolist()
    assert columns == ["stages.isolation.death_probability", "cohort.size", "outcome", "estimate", "mc_se",
                       "lower", "upper", "evaluable"]
    ax = result.plot_outcome("trm").axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][-2:] == [
        "Patients per study: 20",
        "Patients per study: 50",
    ]
    assert "shaded: 95% of simulated studies" in ax.get_legend().get_title().get_text()
    assert "20 patients to 50 patients (as swept)" in ax.get_title()
    heat, colourbar = result.plot_heatmap("os_5y").axes
    assert heat.get_title().startswith("Overall survival 5 years after reinfusion by death probability in isolation "
                                       "and patients per study")
    assert colourbar.get_ylabel() == "Overall survival 5 years after reinfusion (probability)"
    assert [t.get_text() for t in heat.get_xticklabels()] == ["0", "0.1"]
    assert [t.get_text() for t in heat.get_yticklabels()] == ["20", "50"]
    assert len(heat.texts) == 4  # every cell carries its value


@pytest.mark.parametrize(
    "params, expected",
    [
        (["stages.isolation.death_probability=0.1:0.1:5"], ["empty range", "START = STOP = 0.1"]),
        (["stages.isolation.death_probability="], ["=: empty", "START:STOP:STEPS"]),
        (["stages.isolation.death_probability=0:0.2:0"], ["STEPS must be a whole number of at least 1, got 0"]),
        (["stages.isolation.death_probability=0:0.2:-3"], ["STEPS must be a whole number of at least 1, got -3"]),
        (["stages.isolation.death_probability=0:0.2:2.5"], ["STEPS must be a whole number", "'2.5'"]),
        (["stages.isolation.death_probability=0:0.2"], ["three parts"]),
        (["stages.isolation.death_probability=0:high:3"], ["STOP must be a number", "'high'"]),
        (["stages.isolation.death_probability=0:0.2:1"], ["1 step gives a single value"]),
        (
            ["stages.nope.death_probability=0,0.1"],
            ["--param stages.nope.death_probability", "no table 'stages.nope'", "isolation"],
        ),
        (
            ["stages.isolation.death_probabilty=0,0.1"],
            ["after --param stages.isolation.death_probabilty=0", "unknown key", "death_probability"],
        ),
        (
            ["stages.isolation.death_probability=0:1.5:4"],
            ["after --param stages.isolation.death_probability=1.5", "less than or equal to 1"],
        ),
        (["cohort.size=20,0"], ["after --param cohort.size=0", "cohort.size", "greater than 0"]),
        (
            ["cohort.size=20", "stages.isolation.death_probability=0,2"],
            ["death_probability=2", "less than or equal to 1"],
        ),
        (["cohort.size=20,,50"], ["an empty value in the list"]),
        (["cohort.size=20,20"], ["values repeat (20)"]),
        (["cohort.size=20,50", "cohort.size=60"], ["--param cohort.size: given twice"]),
        (["simulation.seed=1,2"], ["not a sweep axis", "--seed"]),
        (["nonsense"], ["--param 'nonsense'", "PATH=START:STOP:STEPS"]),
        ([], ["needs at least one --param"]),
    ],
    ids=[
        "empty-range",
        "empty-spec",
        "zero-steps",
        "negative-steps",
        "fractional-steps",
        "two-parts",
        "stop-not-number",
        "one-step-two-ends",
        "unknown-table",
        "unknown-key",
        "out-of-range",
        "size-zero",
        "second-param-out-of-range",
        "empty-list-value",
        "repeated-value",
        "path-twice",
        "seed",
        "malformed",
        "no-param",
    ],
)
def test_bad_params_fail_before_simulating(capsys, in_tmp_cwd, monkeypatch, params, expected):
    monkeypatch.setattr(
        "simulator.questions.sweep.sweep.run_all", lambda *a, **k: pytest.fail("simulated despite a bad --param")
    )
    argv = ["sweep", BURT, *(token for p in params for token in ("--param", p))]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hsct-sim: error: ") and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_swept_path_also_set_is_refused(capsys, in_tmp_cwd):
    argv = ["sweep", BURT, "--param", "cohort.size=20,50", "--set", "cohort.size=30"]
    assert main(argv) == 2
    assert "--param cohort.size: also given with --set" in capsys.readouterr().err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


CENTRE = str(SCENARIOS / "centre_capacity.toml")


def test_sweep_to_unlimited_beds_reports_no_wait_and_undefined_utilisation(in_tmp_cwd, capsys):
    """An unlimited bed is always free: its wait is 0 exactly, and its utilisation (use over capacity) is
    undefined, so the sweep reports NaN for it and says why, instead of failing after simulating."""
    argv = ["sweep", CENTRE, "--param", "resources.isolation_bed.capacity=1,unlimited", "--replications", "40",
            "--quiet", "--probability", "wait_isolation_bed_mean_days>7"]
    assert main(argv) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "unlimited: nobody waits for the resource (wait 0), its utilisation is undefined" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    table = pd.read_csv(folder / "sweep.csv").set_index(["resources.isolation_bed.capacity", "outcome"])
    for outcome in ("wait_isolation_bed_mean_days", "wait_isolation_bed_p90_days", "waited_isolation_bed",
                    "deaths_waiting_per_100", "P(wait_isolation_bed_mean_days>7)"):
        assert table.loc[("unlimited", outcome), "estimate"] == 0, outcome
    assert table.loc[("1", "wait_isolation_bed_mean_days"), "estimate"] > 0
    assert np.isnan(table.loc[("unlimited", "utilisation_isolation_bed"), "estimate"])
    assert table.loc[("1", "utilisation_isolation_bed"), "estimate"] > 0
    assert len(table.loc["unlimited"]) == len(table.loc["1"])  # every outcome at every point
    assert {"sweep_wait_isolation_bed_mean_days.png", "sweep_utilisation_isolation_bed.png"} <= {
        p.name for p in folder.iterdir()}


def test_sweep_figure_says_where_an_outcome_is_undefined():
    result = sweep(CENTRE, ["resources.isolation_bed.capacity=1,unlimited"], replications=20)
    ax = result.plot_outcome("utilisation_isolation_bed").axes[0]
    assert "Undefined where the resource is unlimited" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t.get_text() for t in ax.texts] == ["undefined\n(unlimited)"]
    assert not result.plot_outcome("wait_isolation_bed_mean_days").axes[0].texts  # a wait of 0 is drawn


def test_heatmap_cells_say_undefined_where_the_resource_is_unlimited():
    result = sweep(CENTRE, ["resources.isolation_bed.capacity=1,unlimited", "stages.isolation.death_probability=0,0.1"],
                   replications=10)
    cells = [t.get_text() for t in result.plot_heatmap("utilisation_isolation_bed").axes[0].texts]
    assert cells.count("undefined") == 2 and "nan" not in cells
