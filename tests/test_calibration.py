"""Calibration recovers known parameters (within 4 MC SE of the recovered value, from closed-form
Jacobians), reports unreachable targets, and writes a calibrate run folder."""

import sys

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario, run
from simulator.cli import main
from simulator.outcomes.summary import StatisticalWarning
from simulator.questions.calibration.calibration import calibrate
from simulator.questions.calibration.problem import FreeParameter, Target

from helpers import SCENARIOS, tiny

SIMULATION = {"replications": 200, "seed": 1, "horizon_years": 5.0, "landmarks_years": [1.0, 5.0]}
TRUTH_SEED = 99  # targets come from other random numbers than the fit's, so recovery is up to MC error


def exponential(rate_per_year):
    return {"dist": "exponential", "rate_per_year": rate_per_year}


def competing(relapse, death):
    return tiny(
        simulation=SIMULATION, followup={"relapse": exponential(relapse), "death_before_relapse": exponential(death)}
    )


def one_stage(p, simulation=SIMULATION):
    stages = {
        "conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": p},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    return tiny(stages=stages, simulation=simulation, outcomes={"trm_stages": ["conditioning"]})


def test_calibration_recovers_relapse_and_death_rates():
    """Relapse 0.3 and death 0.1 per year; targets relapse_5y and dfs_5y of a run with another seed.
    relapse_5y = r/q (1 - e^(-5q)), dfs_5y = e^(-5q), q = r + d: the recovered rates differ from the truth by
    J^-1 (error of the targets - error of the fit), whose covariance is J^-1 (2 Sigma / R) J^-T."""
    r, d = 0.3, 0.1
    truth = run(competing(r, d), seed=TRUTH_SEED)
    y = np.column_stack([truth.values["relapse_5y"], truth.values["dfs_5y"]])
    targets = [Target("relapse_5y", y[:, 0].mean()), Target("dfs_5y", y[:, 1].mean())]
    free = [FreeParameter("followup.relapse.rate_per_year", 0.05, 1.0),
            FreeParameter("followup.death_before_relapse.rate_per_year", 0.01, 0.5)]
    result = calibrate(competing(0.1, 0.3), targets, free)  # from other starting values

    q, e = r + d, np.exp(-5 * (r + d))
    jacobian = np.array([
        [d / q**2 * (1 - e) + r / q * 5 * e, -r / q**2 * (1 - e) + r / q * 5 * e],
        [-5 * e, -5 * e],
    ])
    inverse = np.linalg.inv(jacobian)
    se = np.sqrt(np.diag(inverse @ (2 * np.cov(y.T) / len(y)) @ inverse.T))
    fitted = np.array([result.fitted[p.path] for p in free])
    assert np.all(np.abs(fitted - [r, d]) <= 4 * se), (fitted, se)
    assert result.reached and result.evaluations < 120
    # the fit's own MC SE is the fit's half of that error: SD estimated from 200 studies (5% error each for
    # the target and the fit) and a finite-difference Jacobian, so a 25% margin is about 4 of their SEs
    reported = result.parameters.set_index("parameter").loc[[p.path for p in free], "mc_se"].to_numpy()
    assert np.allclose(reported, se / np.sqrt(2), rtol=0.25), (reported, se / np.sqrt(2))


def test_one_parameter_grid_and_refine_recovers_a_death_probability_despite_steps():
    """With common random numbers TRM is a step function of p (a patient dies when u < p); its mean is p,
    so the recovered p is off by the targets' and the fit's MC errors: SE = sqrt(2) SE(mean TRM)."""
    truth = run(one_stage(0.08), seed=TRUTH_SEED).values["trm"]
    result = calibrate(one_stage(0.3), [Target("trm", truth.mean())],
                       [FreeParameter("stages.conditioning.death_probability", 0.0, 0.5)])
    se = np.sqrt(2) * truth.std(ddof=1) / np.sqrt(len(truth))
    assert abs(result.fitted["stages.conditioning.death_probability"] - 0.08) <= 4 * se
    assert result.reached
    assert list(result.trace_table()["phase"].unique()) == ["start", "grid", "refine", "precision"]
    # mean TRM = p, so a published TRM from one study of 100 patients pins p down to its binomial SD
    # sqrt(p (1 - p) / 100); the reported SE uses an SD from 200 studies (5% error) and a CRN difference
    # over +-0.025 (1000 of the 20 000 uniforms, 3% error): 25% is 4 of their combined SEs
    row = result.parameters.iloc[0]
    p = row["fitted"]
    assert row["se"] == pytest.approx(np.sqrt(p * (1 - p) / 100), rel=0.25)
    assert row["mc_se"] == pytest.approx(row["se"] / np.sqrt(200), rel=1e-9)
    assert row["lower"] < 0.08 < row["upper"]


def test_a_target_out_of_reach_is_reported_with_the_closest_fit():
    result = calibrate(one_stage(0.01), [Target("trm", 0.2)],
                       [FreeParameter("stages.conditioning.death_probability", 0.0, 0.05)])
    assert not result.reached
    assert result.parameters.loc[0, "at_bound"] == "upper"
    assert result.fitted["stages.conditioning.death_probability"] == pytest.approx(0.05, abs=1e-4)
    assert result.fit.loc[0, "residual"] == pytest.approx(0.05 - 0.2, abs=0.02)
    assert "NOT REACHED: trm" in result.diagnosis() and "upper bound 0.05" in result.diagnosis()


def test_conflicting_targets_give_the_least_squares_compromise():
    """Exponential death: os_1y = 0.95 needs 0.051 per year, os_5y = 0.30 needs 0.241; one rate cannot do both."""
    scenario = tiny(simulation=SIMULATION, followup={"death_before_relapse": exponential(0.1)})
    result = calibrate(scenario, [Target("os_1y", 0.95), Target("os_5y", 0.30)],
                       [FreeParameter("followup.death_before_relapse.rate_per_year", 0.01, 1.0)])
    fitted = result.fitted["followup.death_before_relapse.rate_per_year"]
    assert -np.log(0.95) < fitted < -np.log(0.30) / 5
    assert not result.reached and "targets conflict" in result.diagnosis()


def test_fewer_targets_than_free_parameters_warns_that_the_fit_is_not_identified():
    small = {**SIMULATION, "replications": 50}
    scenario = tiny(simulation=small, followup={"relapse": exponential(0.2), "death_before_relapse": exponential(0.1)})
    with pytest.warns(StatisticalWarning, match="not identified: 1 target"):
        calibrate(scenario, [Target("dfs_5y", 0.3)],
                  [FreeParameter("followup.relapse.rate_per_year", 0.05, 1.0),
                   FreeParameter("followup.death_before_relapse.rate_per_year", 0.01, 0.5)])


SCENARIO_FILE = """\
# A one-stage protocol for the calibrate command's tests.
[metadata]
name = "One stage"

[cohort]
size = 100
accrual_years = 0.0
followup_after_accrual_years = 20.0

[simulation]
replications = 100
seed = 4
horizon_years = 1.0
landmarks_years = [1.0]

[stages.conditioning]
duration = { dist = "fixed", value = 5 }   # five days
death_probability = 0.3                    # a first guess

[stages.reinfusion]
duration = { dist = "fixed", value = 0 }

[outcomes]
trm_stages = ["conditioning"]
"""


def test_calibrate_command_writes_the_calibrated_scenario(in_tmp_cwd, capsys, monkeypatch):
    (in_tmp_cwd / "one.toml").write_text(SCENARIO_FILE)
    argv = [
        "calibrate",
        "one.toml",
        "--target",
        "trm=0.1",
        "--quiet",
        "--free",
        "stages.conditioning.death_probability=0:0.5",
    ]
    monkeypatch.setattr(sys, "argv", ["/usr/bin/hsct-sim", *argv])  # as the console script sees it
    code = main(argv)
    printed = capsys.readouterr().out
    assert code == 0 and "stages.conditioning.death_probability" in printed and "reached" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("calibrate-one_stage-")
    assert {p.name for p in folder.iterdir()} == {
        "calibrated.toml",
        "report.html",
        "trace.csv",
        "fit.csv",
        "summary.csv",
        "parameters.csv",
        "summary.txt",
        "figure_data",
        "fit.png",
        "manifest.json",
    }
    text = (folder / "calibrated.toml").read_text()
    assert (
        "#   hsct-sim calibrate one.toml --target trm=0.1 --quiet --free" in text
        and "# five days" in text
        and "calibrated (see the header)" in text
    )
    calibrated = load_scenario(folder / "calibrated.toml")
    assert calibrated.stages["conditioning"].death_probability == pytest.approx(0.1, abs=0.02)
    trace = pd.read_csv(folder / "trace.csv")
    assert list(trace.columns) == ["evaluation", "phase", "stages.conditioning.death_probability", "trm", "objective"]
    assert f"{len(trace)} evaluations" in printed


def test_the_calibrated_scenario_names_its_files_so_that_it_runs_from_its_run_folder(in_tmp_cwd, capsys):
    """calibrated.toml lives in the run folder: a stage's process file and a life table of the scenario's own,
    named relative to the scenario, are written as absolute paths; the shipped life table stays as written
    (found from anywhere). A process file outside the run folder runs again only when the user names it (--set)
    and allows code: a scenario file names code only beside it."""
    shipped = SCENARIOS / "burt2006.toml"
    mine = in_tmp_cwd / "mine"
    mine.mkdir()
    (mine / "table.csv").write_bytes((SCENARIOS / "data" / "us_ssa_period_life_table_2017.csv").read_bytes())
    (mine / "burt.toml").write_text(shipped.read_text().replace("data/us_ssa_period_life_table_2017.csv", "table.csv"))
    example = SCENARIOS / "examples" / "remobilisation.toml"
    fit = ["--target", "os_5y=0.84", "--free", "followup.relapse.rate_per_year=0.05:0.3", "--replications", "10",
           "--workers", "1", "--quiet"]
    process = str((SCENARIOS / "examples" / "remobilisation.py").resolve())
    code = ["--allow-code", "--set", f"stages.apheresis.process={process}:collect_or_remobilise"]
    for name, scenario, engine, flags in (("process", example, "simpy", code), ("own", mine / "burt.toml", "fast", []),
                                          ("shipped", shipped, "fast", [])):
        assert main(["calibrate", str(scenario), *fit, "--engine", engine, "--output", name, *flags[:1]]) in (0, 1)
        rerun = ["run", f"{name}/calibrated.toml", "--replications", "4", "--workers", "1", "--quiet",
                 "--engine", engine, "--output", f"{name}-rerun"]
        if flags:
            assert main(rerun) == 2 and "lies outside the scenario's folder" in capsys.readouterr().err
        assert main(rerun + flags) == 0, capsys.readouterr().err
    assert f'process = "{process}:' in (in_tmp_cwd / "process" / "calibrated.toml").read_text()
    assert f'life_table = "{(mine / "table.csv").resolve()}"' in (in_tmp_cwd / "own" / "calibrated.toml").read_text()
    assert (
        'life_table = "data/us_ssa_period_life_table_2017.csv"\n'
        in (in_tmp_cwd / "shipped" / "calibrated.toml").read_text()
    )


def test_calibrate_command_exits_1_when_a_target_is_out_of_reach(in_tmp_cwd, capsys):
    (in_tmp_cwd / "one.toml").write_text(SCENARIO_FILE)
    code = main(["calibrate", "one.toml", "--target", "trm=0.9", "--quiet", "--replications", "20",
                 "--free", "stages.conditioning.death_probability=0:0.4"])
    assert code == 1 and "NOT REACHED" in capsys.readouterr().out
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert "(NOT REACHED)" in (folder / "calibrated.toml").read_text()


def test_fit_figure_says_what_it_compares():
    truth = 0.1
    result = calibrate(one_stage(0.3, {**SIMULATION, "replications": 50}), [Target("trm", truth), Target("os_1y", 0.9)],
                       [FreeParameter("stages.conditioning.death_probability", 0.0, 0.5)])
    figure = result.plot()
    assert "Calibration of tiny: simulated outcomes against the targets" in figure._suptitle.get_text()
    assert "50 simulated studies of 100 patients per evaluation" in figure._suptitle.get_text()
    fit_axes, search_axes = figure.axes
    assert fit_axes.get_xlabel() == "Proportion of patients (outcome reported by a study)"
    labels = [" ".join(t.get_text().split()) for t in fit_axes.get_yticklabels()]  # wrapped onto lines
    assert all(len(line) <= 28 for t in fit_axes.get_yticklabels() for line in t.get_text().split("\n"))
    assert labels[0].startswith("Treatment-related mortality (trm)")  # targets top to bottom, in given order
    assert labels[1].startswith("Overall survival at 1 y after reinfusion (os_1y)")
    legend = [t.get_text() for t in fit_axes.get_legend().get_texts()]
    assert legend == ["95% of simulated studies at the fitted values", "Simulated mean ± 2 MC SE", "Target"]
    assert search_axes.get_ylabel() == "Objective: sum of squared standardised residuals"
    assert [t.get_text() for t in search_axes.get_legend().get_texts()] == [
        "Start: centre of the bounds (sets the weights)", "Grid over the bounds", "Refinement from the best grid point",
        "Around the fit, for the fitted values' precision"]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--target", "os_7y=0.8"], ["--target 'os_7y=0.8'", "unknown outcome 'os_7y'", "trm"]),
        (["--target", "trm=1.5"], ["--target 'trm=1.5'", "proportion from 0 to 1"]),
        (["--target", "trm"], ["--target 'trm'", "OUTCOME=VALUE"]),
        (["--target", "trm=0.1:-1"], ["SE must be above 0"]),
        (
            ["--target", "trm=0.1", "--target", "trm=0.2", "--free", "stages.conditioning.death_probability=0:0.5"],
            ["--target: trm given more than once"],
        ),
        (["--free", "stages.conditioning.death_probability=0.5"], ["PATH=LOW:HIGH"]),
        (["--free", "stages.conditioning.death_probability=0.4:0.1"], ["LOW must be below HIGH"]),
        (
            ["--free", "stages.conditioning.death_probability=0:1.5"],
            ["--free stages.conditioning.death_probability", "less than or equal to 1"],
        ),
        (["--free", "stages.nope.death_probability=0:0.1"], ["--free stages.nope.death_probability", "'stages.nope'"]),
        (["--free", "stages.conditioning.death_probabilty=0:0.1"], ["unknown key", "death_probability"]),
        (["--free", "cohort.size=10:100"], ["cohort.size", "valid integer"]),
        ([], ["--free: give at least one parameter"]),
        (
            [
                "--free",
                "stages.conditioning.death_probability=0:0.5",
                "--set",
                "stages.conditioning.death_probability=0.2",
            ],
            ["also fixed by --set"],
        ),
    ],
    ids=[
        "unknown-outcome",
        "target-above-1",
        "target-malformed",
        "negative-se",
        "duplicate-target",
        "free-malformed",
        "free-reversed",
        "free-bound-invalid",
        "free-unknown-table",
        "free-unknown-key",
        "free-integer",
        "no-free",
        "free-and-set",
    ],
)
def test_bad_calibrate_input_is_a_user_error(capsys, in_tmp_cwd, argv, expected):
    (in_tmp_cwd / "one.toml").write_text(SCENARIO_FILE)
    if not any(a == "--target" for a in argv):
        argv = [*argv, "--target", "trm=0.1"]
    code = main(["calibrate", "one.toml", "--replications", "5", *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_without_target_flags_the_scenario_targets_are_used(in_tmp_cwd, capsys):
    (in_tmp_cwd / "one.toml").write_text(SCENARIO_FILE + "\n[targets]\ntrm = 0.1\n")
    assert main(["calibrate", "one.toml", "--quiet", "--replications", "50",
                 "--free", "stages.conditioning.death_probability=0:0.5"]) == 0
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert pd.read_csv(folder / "fit.csv")["outcome"].tolist() == ["trm"]


@pytest.mark.parametrize("flag", [["--uncertainty"], ["--set", "simulation.parameter_uncertainty=true"]],
                         ids=["uncertainty", "set-bool"])
def test_a_boolean_override_is_written_into_the_calibrated_scenario(in_tmp_cwd, capsys, flag):
    """tomlkit hands back a plain bool for a boolean value, which cannot carry the line's comment."""
    evidence = (
        '[stages.reinfusion]\nduration = { dist = "fixed", value = 0 }\ndeath_probability = { events = 1, n = 50 }'
    )
    (in_tmp_cwd / "one.toml").write_text(
        SCENARIO_FILE.replace('[stages.reinfusion]\nduration = { dist = "fixed", value = 0 }', evidence)
    )
    code = main(["calibrate", "one.toml", "--target", "trm=0.1", "--quiet", "--replications", "20",
                 "--free", "stages.conditioning.death_probability=0:0.5", *flag])
    assert code == 0, capsys.readouterr().err
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert "parameter_uncertainty = true # set on the command line" in (folder / "calibrated.toml").read_text()
    assert load_scenario(folder / "calibrated.toml").simulation.parameter_uncertainty is True


REFERRALS_FILE = SCENARIO_FILE.replace("size = 100\naccrual_years = 0.0",
                                       'referrals = { process = "fixed", rate_per_year = 40 }\naccrual_years = 2.0')


def test_calibrating_open_referrals_describes_the_cohort_by_its_referrals(in_tmp_cwd, capsys):
    """Open referrals have no cohort size: weights and tables use the referral rate instead."""
    (in_tmp_cwd / "referrals.toml").write_text(REFERRALS_FILE)
    code = main(["calibrate", "referrals.toml", "--target", "trm=0.1", "--quiet", "--replications", "20",
                 "--free", "stages.conditioning.death_probability=0:0.5"])
    printed = capsys.readouterr().out
    assert code == 0 and "None" not in printed
    assert "20 simulated studies of 40 referrals a year for 2 years per evaluation" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert (folder / "fit.png").exists()


def registry_series(relapse: float, replications: int = 400):
    """A 28-patient registry series, enrolled over 5 years and cut off a year later, lost to follow-up at 0.1 a
    year: only about 80% of such studies still follow a patient relapse-free at 5 years."""
    return tiny(cohort={"size": 28, "accrual_years": 5.0, "followup_after_accrual_years": 1.0,
                        "loss_to_followup": exponential(0.1)},
                simulation={"replications": replications, "seed": 1, "horizon_years": 7.5, "landmarks_years": [5.0]},
                followup={"relapse": exponential(relapse), "death_before_relapse": exponential(0.01)})


def test_an_immature_series_is_calibrated_to_the_mean_over_the_studies_that_can_report_it():
    """The published 5-year DFS of a young series comes from a study that could report it: the target is the
    mean over such studies (about 0.53 at relapse 0.13, above the e^(-5 x 0.14) = 0.50 of a full follow-up).
    The fit recovers the true rate within 4 SE (the target's and the fit's MC errors, sqrt(2) x the fit's) and
    says over what share it fitted."""
    truth = run(registry_series(0.13), seed=TRUTH_SEED).values["dfs_5y"]
    share = np.isfinite(truth).mean()
    assert 0.70 <= share <= 0.90, share
    result = calibrate(registry_series(0.3), [Target("dfs_5y", float(np.nanmean(truth)))],
                       [FreeParameter("followup.relapse.rate_per_year", 0.03, 0.5)])
    row = result.parameters.set_index("parameter").loc["followup.relapse.rate_per_year"]
    assert abs(row.fitted - 0.13) <= 4 * np.sqrt(2) * row.mc_se, (row.fitted, row.mc_se)
    fit = result.fit.set_index("outcome").loc["dfs_5y"]
    assert 0.70 <= fit.evaluable <= 0.90 and result.reached
    assert (
        f"dfs_5y: fitted to the mean over the {fit.evaluable:.0%} of simulated studies that can estimate it"
        in result.text()
    )


def test_calibrate_refuses_a_target_fewer_than_10_studies_can_estimate():
    """The stated rule: a mean and an SD need at least MIN_EVALUABLE_STUDIES = 10 studies that can report."""
    from simulator.errors import UserError

    scenario = registry_series(0.13, replications=12).with_values({"cohort.followup_after_accrual_years": 0.2})
    evaluable = int(np.isfinite(run(scenario).values["dfs_5y"]).sum())
    assert evaluable < 10  # where the search starts (the scenario's own value)
    with pytest.raises(
        UserError, match=rf"only {evaluable} of 12 simulated studies \(\d+%\) can estimate it.*at least 10 of them"
    ):
        calibrate(scenario, [Target("dfs_5y", 0.5)], [FreeParameter("followup.relapse.rate_per_year", 0.03, 0.5)])
