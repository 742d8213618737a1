"""Pathways without a transplant (outcomes.transplant = false): follow-up from enrolment, outcomes from
enrolment only, and every command on them (issue 15, section 1)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulator import compare, estimate_power, load_scenario, run
from simulator.cli import main
from simulator.errors import UserError
from simulator.scenario.loading import scenario_from_dict
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS, tiny

STANDARD_CARE = str(SCENARIOS / "standard_care.toml")
BURT = str(SCENARIOS / "burt2006.toml")
DEATH, FLARE = 0.05, 0.3  # per year
NO_TRANSPLANT = {
    "metadata": {"name": "no transplant"},
    "cohort": {"size": 100, "accrual_years": 0.0, "followup_after_accrual_years": 20.0},
    "simulation": {"replications": 400, "seed": 3, "horizon_years": 5.0, "landmarks_years": [1.0, 3.0, 5.0]},
    "followup": {"relapse": {"dist": "exponential", "rate_per_year": FLARE},
                 "death_before_relapse": {"dist": "exponential", "rate_per_year": DEATH}},
    "outcomes": {"transplant": False},
}


def _within_4_se(values: np.ndarray, exact: float) -> None:
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - exact) <= 4 * se, (values.mean(), exact, se)


@pytest.mark.parametrize("years", [1, 3, 5])
def test_efs_and_os_from_enrolment_have_their_closed_forms_without_a_transplant(years):
    """Exponential flare and death from enrolment, nobody censored before the landmark: EFS(t) =
    exp(-(flare + death) t); with death after a flare as fast as before it, OS(t) = exp(-death t)."""
    raw = json.loads(json.dumps(NO_TRANSPLANT))
    raw["followup"]["death_after_relapse"] = {"dist": "exponential", "rate_per_year": DEATH}
    values = run(scenario_from_dict(raw)).values
    _within_4_se(values[f"efs_{years}y_itt"], np.exp(-(FLARE + DEATH) * years))
    _within_4_se(values[f"os_{years}y_itt"], np.exp(-DEATH * years))


def test_efs_from_enrolment_counts_deaths_before_reinfusion_and_relapses_after_it():
    """A transplant pathway: a stage killing p of patients at enrolment, then relapse and death hazards:
    EFS(t) = (1 - p) exp(-(relapse + death) t)."""
    p = 0.1
    scenario = tiny(
        stages={"reinfusion": {"duration": {"dist": "fixed", "value": 0}, "death_probability": p}},
        followup={"relapse": {"dist": "exponential", "rate_per_year": FLARE},
                  "death_before_relapse": {"dist": "exponential", "rate_per_year": DEATH}},
    )
    values = run(scenario).values
    for years in (1, 3, 5):
        _within_4_se(values[f"efs_{years}y_itt"], (1 - p) * np.exp(-(FLARE + DEATH) * years))


def test_outcomes_that_need_a_transplant_are_absent_not_zero():
    scenario = scenario_from_dict(NO_TRANSPLANT)
    assert scenario.outcome_names == ["os_1y_itt", "os_3y_itt", "os_5y_itt", "efs_1y_itt", "efs_3y_itt", "efs_5y_itt",
                                      "deaths"]
    result = run(scenario, replications=20)
    assert list(result.values) == scenario.outcome_names
    assert set(result.curves) == {"os_itt", "efs_itt"}
    assert set(result.summary.outcome) == set(scenario.outcome_names)
    assert set(result.figures()) == {"km_os_itt.png", "km_efs_itt.png"}


def test_every_scenario_reports_survival_from_enrolment():
    for file in sorted(SCENARIOS.glob("*.toml")):
        names = load_scenario(file).outcome_names
        assert {"os_5y_itt", "efs_5y_itt"} <= set(names), file.name


@pytest.mark.parametrize("change, words", [
    ({"outcomes": {"transplant": False, "trm_stages": ["reinfusion"]}}, "so remove outcomes.trm_stages"),
    ({"outcomes": {"transplant": False, "trm_followup_days": 30}}, "outcomes.trm_followup_days"),
    ({"outcomes": {"transplant": False},
      "followup": {"early_death": {"dist": "exponential", "rate_per_year": 1.0}}}, "followup.early_death"),
    ({"stages": {}}, "outcomes.transplant = false"),
    ({"outcomes": {}}, "outcomes.trm_stages: give the stages"),
    ({"outcomes": {"transplant": False}, "targets": {"os_5y": 0.8}}, "unknown outcomes ['os_5y']"),
])
def test_fields_timed_from_reinfusion_are_refused_without_a_transplant(change, words):
    raw = json.loads(json.dumps({**NO_TRANSPLANT, "outcomes": {"trm_stages": ["reinfusion"]},
                                 "stages": {"reinfusion": {"duration": {"dist": "fixed", "value": 0}}}}))
    raw.update(change)
    with pytest.raises(UserError) as refused:
        scenario_from_dict(raw)
    assert words in str(refused.value)


def test_bad_transplant_flag_is_refused_at_the_command_line(capsys):
    assert main(["run", STANDARD_CARE, "--set", "outcomes.transplant=maybe", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "outcomes.transplant" in err and "Traceback" not in err


def test_compare_sets_a_transplant_against_standard_care_from_enrolment(in_tmp_cwd, capsys):
    assert main(["compare", BURT, STANDARD_CARE, "--replications", "40", "--quiet", "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "os_5y_itt" in printed and "efs_5y_itt" in printed and "trm" not in printed
    assert "Higher in:" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")
    assert {p.name for p in folder.glob("*.png")} == {"km_os_itt.png", "km_efs_itt.png", "outcomes.png",
                                                       "costs_breakdown.png"}  # both priced ([economics])
    differences = pd.read_csv(folder / "differences.csv").set_index("outcome")
    common = set(load_scenario(STANDARD_CARE).outcome_names) & set(load_scenario(BURT).outcome_names)
    assert set(differences.index) == common
    assert "external, non-randomised comparator" in printed  # standard_care.toml declares itself one
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert "external, non-randomised comparator" in report and "The answer rests on: how long a flare" in report
    row = differences.loc["efs_5y_itt"]
    assert row.higher + row.reference_higher <= 1


def test_efs_from_enrolment_counts_leaving_the_pathway_as_an_event():
    """A stage that a share q of patients fail at enrolment (they leave the pathway alive and die at their own
    hazard): event-free survival counts leaving as an event, as trials do, so EFS(t) = (1 - q) exp(-(relapse +
    death) t) whatever happens to those who left (before issue 25 they stayed event-free off the pathway)."""
    q = 0.2
    scenario = tiny(
        stages={"induction": {"duration": {"dist": "fixed", "value": 0}, "failure_probability": q},
                "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        followup={"relapse": {"dist": "exponential", "rate_per_year": FLARE},
                  "death_before_relapse": {"dist": "exponential", "rate_per_year": DEATH}},
        off_pathway={"death": {"dist": "exponential", "rate_per_year": 0.01}},
    )
    values = run(scenario).values
    for years in (1, 3, 5):
        _within_4_se(values[f"efs_{years}y_itt"], (1 - q) * np.exp(-(FLARE + DEATH) * years))


def test_shares_higher_count_pairs_of_independent_studies():
    """The shares in which each scenario reports the higher value, checked against the replications."""
    scenarios = [load_scenario(BURT), load_scenario(STANDARD_CARE)]
    result = compare(scenarios, replications=30)
    a, b = (r.values["os_3y_itt"] for r in result.runs)
    gap = np.roll(b, 1) - a
    row = result.differences.set_index("outcome").loc["os_3y_itt"]
    assert row.higher == pytest.approx((gap > 0).mean()) and row.reference_higher == pytest.approx((gap < 0).mean())


@pytest.mark.parametrize("endpoint", ["os", "efs"])
def test_power_of_a_trial_against_standard_care(endpoint):
    result = estimate_power(load_scenario(BURT), load_scenario(STANDARD_CARE), [20], endpoint, replications=40,
                            seed=1)
    assert len(result.studies) == 40 and np.isfinite(result.studies.p_value).all()


def test_power_refuses_trm_without_a_transplant(capsys):
    code = main(["power", BURT, STANDARD_CARE, "--sizes", "20", "--endpoint", "trm", "--replications", "10",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "has no transplant" in err and "Traceback" not in err


def test_efs_and_dfs_endpoints_are_the_same_trials():
    """efs is dfs under its name for a pathway without a transplant: relapse or flare or death from enrolment."""
    a, b = load_scenario(BURT), load_scenario(STANDARD_CARE)
    efs, dfs = (estimate_power(a, b, [20], e, replications=20, seed=2).studies for e in ("efs", "dfs"))
    pd.testing.assert_frame_equal(efs, dfs)


def test_validate_and_sweep_run_on_standard_care(in_tmp_cwd):
    assert main(["validate", "--suite", "scenarios", STANDARD_CARE, "--replications", "40", "--quiet",
                 "--workers", "1", "--tolerance", "0.2"]) == 0
    assert main(["sweep", STANDARD_CARE, "--param", "followup.relapse.rate_per_year=0.2:0.6:2",
                 "--replications", "20", "--quiet", "--workers", "1"]) == 0


def test_same_numbers_whatever_the_number_of_workers():
    scenario = load_scenario(STANDARD_CARE)
    one = run(scenario, replications=40, options=RunOptions(workers=1, chunk_size=10))
    two = run(scenario, replications=40, options=RunOptions(workers=2, chunk_size=10))
    pd.testing.assert_frame_equal(one.studies, two.studies)


def test_loss_to_follow_up_counts_from_enrolment_without_a_transplant():
    """Loss to follow-up at rate c from enrolment, no deaths or flares: a study's potential follow-up; with c
    large, nearly everyone is censored within a year, so few studies can report survival at 5 years."""
    raw = json.loads(json.dumps(NO_TRANSPLANT))
    raw["cohort"]["loss_to_followup"] = {"dist": "exponential", "rate_per_year": 3.0}
    values = run(scenario_from_dict(raw), replications=40).values
    assert np.isnan(values["os_5y_itt"]).mean() > 0.5  # exp(-15) x 100 patients: almost nobody left at 5 years


def test_lifetime_results_name_their_extrapolation():
    """Over a lifetime horizon the follow-up hazards carry the results past the data: the scenario says which."""
    burt = load_scenario(BURT)
    assert burt.extrapolation is None  # the study's own horizon: nothing extrapolated
    lifetime = burt.with_values({"economics.horizon": "lifetime"})
    assert lifetime.extrapolation == (
        "Burt 2006 (Northwestern): lifetime costs and QALYs extrapolate past its 7.5-year study horizon with relapse: "
        "constant hazard (exponential); death before relapse: constant hazard (exponential); death after relapse: "
        "constant hazard (exponential); other causes of death from the life table")
    cured = lifetime.with_values({"followup.relapse": {"dist": "cure", "cured": 0.3, "uncured": {
        "dist": "exponential", "rate_per_year": 0.2}}})
    assert "relapse: cure fraction 30%, the others with a constant hazard" in cured.extrapolation
    assert lifetime.extrapolation in run(lifetime, replications=4).text()


def test_power_counts_leaving_the_pathway_as_an_efs_event_too():
    """One definition of event-free survival for `run` and `power`: a patient who fails a 10-day stage leaves the
    pathway alive, an event at day 10 in the trial's data as in the study's outcomes."""
    from simulator.engine.pathway import simulate_pathway
    from simulator.engine.randomness import StreamLayout, uniforms
    from simulator.questions.power.trial import survival_data

    scenario = tiny(
        stages={"induction": {"duration": {"dist": "fixed", "value": 10}, "failure_probability": 1.0},
                "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        off_pathway={"death": {"dist": "exponential", "rate_per_year": 0.01}},
    )
    layout = StreamLayout.for_scenario(scenario)
    h = simulate_pathway(scenario, uniforms(1, range(3), layout, scenario.cohort.size), layout)
    for endpoint in ("efs", "dfs"):
        days, event = survival_data(scenario, h, endpoint)
        np.testing.assert_allclose(days - 10.0, 0.0, atol=1e-9)
        assert event.all()
    assert run(scenario, replications=3).values["efs_1y_itt"].max() == 0.0
