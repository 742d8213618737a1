"""Numbers at the edges: nothing the tool prints may be silently wrong (landmarks past the data, ITT,
utilisation, thresholds, degenerate sizes). Each test failed before its fix."""

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, run
from simulator.cli import main
from simulator.errors import UserError
from simulator.questions.power.trial import ARM_A, simulate_arm, survival_data

from helpers import SCENARIOS, assert_within_mc_se, tiny

BURT = str(SCENARIOS / "burt2006.toml")
SHORT_FOLLOW_UP = ["--set", "cohort.accrual_years=1", "--set", "cohort.followup_after_accrual_years=0.5"]


def test_no_landmark_is_reported_past_the_data(in_tmp_cwd, capsys):
    """With at most 1.5 years of follow-up no study can report 3- or 5-year survival: the summary says
    so (evaluable 0, no estimate) and warns once, instead of carrying the 1-year value forward."""
    argv = ["run", BURT, *SHORT_FOLLOW_UP, "--replications", "40", "--quiet", "--workers", "1", "--output", "out"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    summary = pd.read_csv(in_tmp_cwd / "out" / "summary.csv").set_index("outcome")
    for outcome in ("os_3y", "os_5y", "dfs_5y", "os_5y_itt", "relapse_5y"):
        assert summary.evaluable[outcome] == 0 and np.isnan(summary.estimate[outcome]), outcome
    assert summary.evaluable["os_1y"] == 1 and summary.evaluable["trm"] == 1
    assert "not evaluable" in captured.out
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "os_5y 0%" in warnings[0]
    studies = pd.read_csv(in_tmp_cwd / "out" / "replications.csv")
    assert studies["os_5y"].isna().all() and studies["os_1y"].notna().all()


def test_partly_evaluable_landmark_is_estimated_over_studies_that_can():
    """Follow-up that reaches 5 years in some studies only: the estimate is the mean over those."""
    scenario = load_scenario(BURT, ["cohort.accrual_years=3", "cohort.followup_after_accrual_years=2.3"])
    result = run(scenario, replications=60)
    os_5y = result.values["os_5y"]
    row = result.summary.set_index("outcome").loc["os_5y"]
    assert 0 < row.evaluable < 1
    assert row.evaluable == pytest.approx(np.isfinite(os_5y).mean())
    assert row.estimate == pytest.approx(np.nanmean(os_5y))


def test_calibrate_refuses_a_target_few_studies_can_estimate(in_tmp_cwd, capsys):
    argv = ["calibrate", BURT, *SHORT_FOLLOW_UP, "--target", "os_5y=0.84",
            "--free", "followup.death_after_relapse.rate_per_year=0.01:0.3", "--replications", "20", "--quiet",
            "--workers", "1", "--output", "out"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--target os_5y" in err and "only 0 of 20 simulated studies (0%) can estimate it" in err
    assert not (in_tmp_cwd / "out").exists()


def failing_collection(f=0.3, d=0.05, m=0.4, **cohort):
    """A share f fails collection and leaves the pathway; transplanted die at rate d, the others at m."""
    return tiny(
        stages={"apheresis": {"duration": {"dist": "fixed", "value": 0}, "failure_probability": f},
                "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        followup={"death_before_relapse": {"dist": "exponential", "rate_per_year": d}},
        off_pathway={"death": {"dist": "exponential", "rate_per_year": m}},
        **({"cohort": {"size": 100, **cohort}} if cohort else {}),
    )


def test_itt_survival_keeps_patients_who_leave_the_pathway_at_risk():
    """ITT OS = (1 - f) exp(-d t) + f exp(-m t): those who failed collection go on dying, not censored."""
    f, d, m = 0.3, 0.05, 0.4
    result = run(failing_collection(f, d, m))
    for t in (1, 3, 5):
        v = result.values[f"os_{t}y_itt"]
        exact = (1 - f) * np.exp(-d * t) + f * np.exp(-m * t)
        assert_within_mc_se(v, exact, str(t))
    os_5y = result.values["os_5y"]  # from reinfusion: the transplanted only
    assert_within_mc_se(os_5y, np.exp(-d * 5))


def test_trial_itt_endpoint_counts_deaths_after_leaving_the_pathway():
    """A trial's OS from enrolment sees every death to the cut-off:
    P(death by T) = (1 - f)(1 - e^-dT) + f(1 - e^-mT)."""
    f, d, m, years = 0.3, 0.05, 0.4, 2.0
    scenario = failing_collection(f, d, m, accrual_years=0.0, followup_after_accrual_years=years)
    h = simulate_arm(scenario, seed=3, replications=range(300), arm=ARM_A)
    _, died = survival_data(scenario, h, "os")
    share = died.mean(axis=1)
    exact = (1 - f) * (1 - np.exp(-d * years)) + f * (1 - np.exp(-m * years))
    assert_within_mc_se(share, exact)


def test_leaving_the_pathway_needs_an_off_pathway_death_hazard():
    with pytest.raises(UserError, match=r"stages\.apheresis\.failure_probability.*\[off_pathway\]"):
        tiny(stages={"apheresis": {"duration": {"dist": "fixed", "value": 0}, "failure_probability": 0.1},
                     "reinfusion": {"duration": {"dist": "fixed", "value": 0}}})


def test_utilisation_and_occupancy_stay_within_capacity_in_random_scenarios():
    """Over random accruals, stays, capacities and referral rates (overloaded ones included): utilisation in
    [0, 1], mean occupancy and the occupancy curve within capacity. An accrual of half a year gave 2.15."""
    rng = np.random.default_rng(10)
    for case in range(25):
        capacity = int(rng.integers(1, 4))
        accrual = float(rng.choice([0.0, 0.1, 0.5, 2.0]))
        cohort = ({"referrals": {"process": str(rng.choice(["poisson", "fixed"])),
                                 "rate_per_year": float(rng.uniform(5, 200))}}
                  if accrual > 0 and rng.random() < 0.5 else {"size": int(rng.integers(1, 60))})
        scenario = tiny(
            cohort={**cohort, "accrual_years": accrual, "followup_after_accrual_years": float(rng.uniform(0, 2))},
            simulation={"replications": 8, "seed": case, "horizon_years": 1.0, "landmarks_years": [1.0]},
            stages={"isolation": {"duration": {"dist": "lognormal", "median": float(rng.uniform(1, 300)),
                                               "sigma": 0.5}, "resource": "bed"},
                    "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
            resources={"bed": {"capacity": capacity}},
        )
        result = run(scenario)
        utilisation = result.values["utilisation_bed"]
        assert np.all((utilisation >= 0) & (utilisation <= 1 + 1e-12)), (case, utilisation.max())
        assert np.all(result.values["occupancy_bed_mean"] <= capacity + 1e-9), case
        assert result.occupancy["bed"].max() <= capacity, case


def test_power_files_are_identical_whatever_the_workers_and_chunks(in_tmp_cwd, capsys):
    """The Cox Newton loop stops per trial, so a trial's hazard ratio does not depend on its chunk-mates."""
    folders = []
    for workers, chunk in (("1", "250"), ("2", "37"), ("1", "64")):
        folder = f"power-{workers}-{chunk}"
        argv = ["power", BURT, str(SCENARIOS / "ebmt2004.toml"), "--sizes", "30,60", "--replications", "300",
                "--workers", workers, "--chunk-size", chunk, "--quiet", "--output", folder]
        assert main(argv) == 0
        folders.append(in_tmp_cwd / folder)
    capsys.readouterr()
    for name in sorted(p.name for p in folders[0].glob("*.csv")):
        contents = {(folder / name).read_bytes() for folder in folders}
        assert len(contents) == 1, name


def exit_code(argv):
    try:
        return main(argv)
    except SystemExit as exit:  # argparse refuses a bad flag value
        return exit.code


@pytest.mark.parametrize("argv, says", [
    (["--probability", "trm>=13"], "did you mean 13%"),
    (["--probability", "os_5y>=84"], "did you mean 84%"),
    (["--replications", "1"], "at least 2"),
    (["--set", "simulation.replications=1"], "greater than or equal to 2"),
    (["--set", "simulation.landmarks_years=[2, 2, 2]"], "2 given more than once"),
])
def test_degenerate_requests_are_refused_with_the_reason(in_tmp_cwd, capsys, argv, says):
    assert exit_code(["run", BURT, "--quiet", *argv]) == 2
    assert says in capsys.readouterr().err
    assert not any((in_tmp_cwd / "outputs").iterdir())


def test_power_reports_hazard_ratios_only_where_a_trial_can_estimate_one(in_tmp_cwd, capsys):
    ebmt = str(SCENARIOS / "ebmt2004.toml")
    assert exit_code(["power", BURT, ebmt, "--sizes", "1,5", "--quiet"]) == 2
    assert "at least 2" in capsys.readouterr().err
    assert main(["power", BURT, ebmt, "--sizes", "2,5", "--replications", "100", "--quiet", "--output", "p"]) == 0
    out = capsys.readouterr().out
    assert "inf" not in out and "of trials where it is estimable" in out
    power = pd.read_csv(in_tmp_cwd / "p" / "power.csv")
    assert ((power.hazard_ratio_estimable > 0) & (power.hazard_ratio_estimable < 1)).all()
    assert np.isfinite(power[["hazard_ratio_median", "hazard_ratio_lower", "hazard_ratio_upper"]]).all().all()


def test_a_stage_nobody_finishes_gives_no_nan_without_its_evaluable_share(in_tmp_cwd, capsys):
    """A 20-year rest: nobody is reinfused before the cut-off. Outcomes from reinfusion are not evaluable
    (said in the table and the warning), never `nan ± nan`; no numpy warning leaks; figures are drawn."""
    import warnings
    argv = ["run", BURT, "--set", 'stages.rest.duration={ dist = "fixed", value = 20, unit = "years" }',
            "--replications", "20", "--quiet", "--workers", "1", "--output", "out"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(argv) == 0
    captured = capsys.readouterr()
    assert "nan" not in captured.out and "not evaluable" in captured.out
    summary = pd.read_csv(in_tmp_cwd / "out" / "summary.csv")
    missing = summary[summary.estimate.isna()]
    assert len(missing) > 0 and (missing.evaluable == 0).all()
    assert (summary.dropna(subset=["estimate"]).evaluable > 0).all()
    assert (in_tmp_cwd / "out" / "km_os.png").is_file()


def test_compare_past_the_data_says_not_evaluable(in_tmp_cwd, capsys):
    import warnings

    argv = [
        "compare",
        BURT,
        str(SCENARIOS / "ebmt2004.toml"),
        *SHORT_FOLLOW_UP,
        "--replications",
        "20",
        "--quiet",
        "--workers",
        "1",
        "--output",
        "out",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(argv) == 0
    captured = capsys.readouterr()
    assert "os_5y" in captured.err and "nan" not in captured.out and "not evaluable" in captured.out
    differences = pd.read_csv(in_tmp_cwd / "out" / "differences.csv").set_index("outcome")
    assert differences.evaluable["os_5y"] == 0 and differences.evaluable["os_1y"] == 1


def test_published_target_errors_keep_the_simulated_correlation():
    """Published SEs replace the spread of one study, but DFS and relapse still move together (r = -0.78
    across studies): zeroing the covariance would understate how loosely two figures pin two hazards."""
    from simulator.questions.calibration.calibration import target_covariance
    across = np.array([[0.01, -0.0078], [-0.0078, 0.01]])  # SD 0.1 each, correlation -0.78
    published = target_covariance(across, [0.08, None])
    np.testing.assert_allclose(np.diag(published), [0.08**2, 0.01])
    np.testing.assert_allclose(published[0, 1] / np.sqrt(published[0, 0] * published[1, 1]), -0.78)


@pytest.mark.parametrize("value, se, low, high, identified", [
    (0.1, 0.02, 0.01, 1.0, True),
    (0.5, 0.9, 1e-5, 14.0, False),  # log-SE 1.8: [2e-5, 14] would be printed as if it meant something
    (0.1, 0.05, 0.09, 1.0, False),  # the interval reaches below the lowest value searched
    (0.1, float("nan"), 0.01, 1.0, False),
])
def test_weakly_identified_parameters_are_said_to_be_so(value, se, low, high, identified):
    from simulator.questions.calibration.result import interval_from_targets
    lower, upper = interval_from_targets(value, se, low, high)
    assert np.isfinite(lower) == identified and np.isfinite(upper) == identified
    if identified:
        assert low <= lower < value < upper <= high


def test_sweep_table_and_figure_mark_points_studies_cannot_estimate():
    from simulator.questions.sweep.grid import build_grid
    from simulator.questions.sweep.sweep import run_sweep
    grid = build_grid(BURT, ["cohort.followup_after_accrual_years=0.2,4.3,5"], ["cohort.accrual_years=1"])
    result = run_sweep(grid, replications=30)
    table = result.text()
    assert "nan" not in table and "not evaluable" in table and "*: not every simulated study" in table
    legend = [t.get_text() for t in result.plot_outcome("dfs_5y").axes[0].get_legend().get_texts()]
    assert any(text.startswith("Not every study can estimate it here") for text in legend)
    assert any(text.startswith("Not evaluable") for text in legend)
