"""Parameter uncertainty: `{ events, n }` and `{ events, person_years }` with `--uncertainty` give the
study-level distributions the Beta-binomial and the Gamma mixture predict (4 MC SE, fixed seeds)."""

import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats

from simulator import load_scenario, run
from simulator.cli import main
from simulator.engine import uncertainty as uncertainty_module
from simulator.engine.uncertainty import parameter_draws, with_drawn_parameters
from simulator.questions.run.uncertainty import UncertaintyComparison
from simulator.scenario.evidence import PRIOR_EVENTS, ProportionEstimate, RateEstimate, with_draws
from simulator.scenario.schema import Stage
from simulator.simulation.options import RunOptions

from helpers import OFF_PATHWAY, SCENARIOS, tiny

N_PATIENTS, EVENTS, N_EVIDENCE = 50, 2, 40


def trm_scenario(uncertainty: bool, replications: int = 4000, prior: str = "jeffreys"):
    stages = {
        "conditioning": {"duration": {"dist": "fixed", "value": 5},
                         "death_probability": {"events": EVENTS, "n": N_EVIDENCE}},
        "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
    }
    return tiny(
        stages=stages,
        cohort={"size": N_PATIENTS, "accrual_years": 0.0, "followup_after_accrual_years": 2.0},
        simulation={"replications": replications, "seed": 7, "horizon_years": 1.0, "landmarks_years": [1.0],
                    "parameter_uncertainty": uncertainty, "prior": prior},
        outcomes={"trm_stages": ["conditioning"]},
    )


def mean_and_variance_within_4_se(x, exact):
    """Sample mean and variance of x against an exact distribution, each within 4 MC SE."""
    r = len(x)
    se_mean = x.std(ddof=1) / np.sqrt(r)
    assert abs(x.mean() - exact.mean()) <= 4 * se_mean, (x.mean(), exact.mean(), se_mean)
    m2 = x.var(ddof=1)
    m4 = np.mean((x - x.mean()) ** 4)
    se_var = np.sqrt((m4 - m2**2 * (r - 3) / (r - 1)) / r)
    assert abs(m2 - exact.var()) <= 4 * se_var, (m2, exact.var(), se_var)


@pytest.mark.parametrize("prior", ["jeffreys", "uniform"])
def test_evidence_widens_study_level_trm_to_the_beta_binomial(prior):
    """Deaths per study: Binomial(50, 2/40) at the point estimate; BetaBinomial(50, 2 + a, 38 + a) when each
    study draws the probability from its posterior Beta(events + a, n - events + a), a = 1/2 (Jeffreys)
    or 1 (flat)."""
    a = PRIOR_EVENTS[prior]
    point = run(trm_scenario(False, prior=prior)).values["trm"] * N_PATIENTS
    uncertain = run(trm_scenario(True, prior=prior)).values["trm"] * N_PATIENTS
    binomial = stats.binom(N_PATIENTS, EVENTS / N_EVIDENCE)
    beta_binomial = stats.betabinom(N_PATIENTS, EVENTS + a, N_EVIDENCE - EVENTS + a)
    mean_and_variance_within_4_se(point, binomial)
    mean_and_variance_within_4_se(uncertain, beta_binomial)

    k = beta_binomial.ppf(0.975)  # the exact upper end of the 95% range of studies
    share = np.mean(uncertain >= k)
    se = np.sqrt(share * (1 - share) / len(uncertain))
    assert abs(share - beta_binomial.sf(k - 1)) <= 4 * se
    assert np.mean(point >= k) < 0.002  # a study reporting k deaths is implausible without uncertainty

    comparison = UncertaintyComparison(run(trm_scenario(True, prior=prior)), run(trm_scenario(False))).summary
    row = comparison.set_index("outcome").loc["trm"]
    assert abs(row["upper"] - k / N_PATIENTS) <= 1 / N_PATIENTS
    assert abs(row["point_upper"] - binomial.ppf(0.975) / N_PATIENTS) <= 1 / N_PATIENTS
    assert row["width"] > row["point_width"]


def test_rate_evidence_mixes_survival_over_the_gamma_posterior():
    """Death rate from 10 deaths in 80 person-years: S(1 y) = exp(-0.125) at the point estimate; averaged
    over the posterior Gamma(10.5, rate 80) (Jeffreys), E[exp(-lambda t)] = (80 / (80 + t))^10.5."""
    def scenario(uncertainty):
        return tiny(
            followup={"death_before_relapse": {"dist": "exponential",
                                               "rate_per_year": {"events": 10, "person_years": 80}}},
            simulation={"replications": 1000, "seed": 5, "horizon_years": 3.0, "landmarks_years": [1.0, 3.0],
                        "parameter_uncertainty": uncertainty},
        )
    for uncertainty, exact in ((False, lambda t: np.exp(-0.125 * t)), (True, lambda t: (80 / (80 + t)) ** 10.5)):
        values = run(scenario(uncertainty)).values
        for t in (1, 3):
            v = values[f"os_{t}y"]
            assert abs(v.mean() - exact(t)) <= 4 * v.std(ddof=1) / np.sqrt(len(v)), (uncertainty, t)


def test_draws_follow_the_posterior_and_do_not_depend_on_other_parameters():
    one = trm_scenario(True)
    two = tiny(**{**json.loads(one.model_dump_json()),
                  "followup": {"relapse": {"dist": "exponential", "rate_per_year": {"events": 3, "person_years": 20}}}})
    a = parameter_draws(one, 7, range(3000))
    b = parameter_draws(two, 7, range(3000))
    path = "stages.conditioning.death_probability"
    assert np.array_equal(a[path], b[path])
    assert stats.kstest(a[path], stats.beta(EVENTS + 0.5, N_EVIDENCE - EVENTS + 0.5).cdf).pvalue > 0.001
    rate = b["followup.relapse.rate_per_year"]
    assert stats.kstest(rate, stats.gamma(3.5, scale=1 / 20).cdf).pvalue > 0.001


def test_uncertain_results_do_not_depend_on_chunking_and_keep_patients_random_numbers():
    scenario = trm_scenario(True, replications=60)
    whole, pieces = run(scenario, options=RunOptions(chunk_size=60)), run(scenario, options=RunOptions(chunk_size=7))
    assert np.array_equal(whole.values["trm"], pieces.values["trm"])
    # a drawn probability of 1 would kill every patient; draws only move the threshold, so studies whose
    # draw is below the point estimate can only have fewer deaths (same uniforms, common random numbers)
    point = run(trm_scenario(False, replications=60)).values["trm"]
    drawn = parameter_draws(scenario, 7, range(60))["stages.conditioning.death_probability"]
    lower = drawn < EVENTS / N_EVIDENCE
    assert np.all(whole.values["trm"][lower] <= point[lower])
    assert np.all(whole.values["trm"][~lower] >= point[~lower])


def test_evidence_is_point_estimate_without_uncertainty_and_is_recorded_as_written():
    scenario = load_scenario(SCENARIOS / "burt2006.toml")
    p = scenario.stages["isolation"].death_probability
    assert isinstance(p, ProportionEstimate) and p == 0 and p.posterior_mean() == 0.5 / 49
    assert p.posterior_mean("uniform") == 1 / 50
    dumped = scenario.model_dump(mode="json")
    assert dumped["stages"]["isolation"]["death_probability"] == {"events": 0, "n": 48}
    rate = RateEstimate(10, 80.0)
    assert rate == 0.125 and rate.posterior_mean() == 10.5 / 80 and rate.posterior_mean("uniform") == 11 / 80


def test_run_with_uncertainty_reports_both_widths(in_tmp_cwd, capsys):
    assert main(["run", str(SCENARIOS / "burt2006.toml"), "--uncertainty", "--replications", "30", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "with parameter uncertainty" in printed and "at point estimates" in printed
    assert "Jeffreys prior" in printed  # the prior behind the posteriors is said with the results
    assert "stages.isolation.death_probability = 0 from events = 0, n = 48" in printed
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    table = pd.read_csv(folder / "uncertainty.csv")
    assert list(table.columns) == ["outcome", "estimate", "mc_se", "lower", "upper", "width", "point_estimate",
                                   "point_mc_se", "point_lower", "point_upper", "point_width"]
    draws = pd.read_csv(folder / "parameter_draws.csv")
    assert len(draws) == 30 and "stages.mobilisation.death_probability" in draws
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["scenario"]["simulation"]["parameter_uncertainty"] is True


def test_uncertainty_table_describes_open_referrals_by_their_rate(in_tmp_cwd, capsys):
    """A cohort of open referrals has no size: the table names the referral rate, not "None patients"."""
    argv = ["run", str(SCENARIOS / "centre_capacity.toml"), "--uncertainty", "--replications", "20", "--quiet",
            "--set", "stages.isolation.death_probability={ events = 1, n = 48 }"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "20 simulated studies of 12 referrals a year for 5 years (seed 12)" in printed and "None" not in printed


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--set", "stages.isolation.death_probability={ events = 60, n = 50 }"],
         ["stages.isolation.death_probability", "0 <= events <= n", "events = 60, n = 50"]),
        (["--set", "stages.isolation.death_probability={ events = 1, patients = 50 }"],
         ["stages.isolation.death_probability", "{ events = E, n = N }"]),
        (["--set", "followup.relapse.rate_per_year={ events = 3, person_years = 0 }"],
         ["followup.relapse", "person_years > 0"]),
        (["--uncertainty", "--set", "stages.mobilisation.death_probability=0.02",
          "--set", "stages.rest.death_probability=0.02", "--set", "stages.isolation.death_probability=0.02",
          *(f"--set=followup.{hazard}.rate_per_year=0.1" for hazard in ("relapse", "death_after_relapse")),
          "--set", "waiting.death.rate_per_year=0.2",
          "--set", "off_pathway.death.rate_per_year=0.02", "--set", "followup.flares.response_probability=0.9",
          "--set", "followup.flares.next_flare.rate_per_year=0.5",
          *(f"--set=economics.{path}=0.5" for path in (  # and its prices and utilities as numbers
              "stages.conditioning.cost_once", "states.remission.cost_per_year", "states.remission.utility",
              "states.relapse.cost_per_year", "states.relapse.utility", "events.relapse"))],
         ["--uncertainty", "needs a parameter given with its evidence"]),
    ],
    ids=["events-above-n", "wrong-keys", "zero-person-years", "uncertainty-without-evidence"],
)
def test_bad_evidence_is_a_user_error(capsys, in_tmp_cwd, argv, expected):
    code = main(["run", str(SCENARIOS / "burt2006.toml"), "--replications", "2", *argv])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_failure_probability_evidence_averages_over_its_posterior():
    """Failed collection in 4 of 20: transplanted = 1 - 4/20 at the point estimate, and 1 - 4.5/21 (the
    posterior mean of Beta(4.5, 16.5), Jeffreys) with uncertainty."""
    def scenario(uncertainty):
        stages = {
            "apheresis": {"duration": {"dist": "fixed", "value": 2}, "failure_probability": {"events": 4, "n": 20}},
            "reinfusion": {"duration": {"dist": "fixed", "value": 0}},
        }
        return tiny(stages=stages, off_pathway=OFF_PATHWAY,
                    simulation={"replications": 1000, "seed": 8, "horizon_years": 1.0, "landmarks_years": [1.0],
                                "parameter_uncertainty": uncertainty})
    for uncertainty, exact in ((False, 1 - 4 / 20), (True, 1 - 4.5 / 21)):
        v = run(scenario(uncertainty)).values["transplanted"]
        assert abs(v.mean() - exact) <= 4 * v.std(ddof=1) / np.sqrt(len(v)), (uncertainty, v.mean(), exact)


def test_the_engines_copy_passes_the_schemas_own_validation():
    """With parameter uncertainty a stage's death_probability holds one draw per study: the copy is still a stage
    the schema accepts as it is (validated with its draws), not a float field silently holding an array."""
    drawn = with_drawn_parameters(trm_scenario(True, replications=50), 7, range(10))
    stage = drawn.stages["conditioning"]
    assert stage.death_probability.shape == (10, 1)
    again = Stage.model_validate({name: getattr(stage, name) for name in Stage.model_fields})
    np.testing.assert_array_equal(again.death_probability, stage.death_probability)


def test_a_draw_outside_its_fields_bounds_is_refused(monkeypatch):
    """The copy is validated with its draws: a probability drawn above 1 is an error, not a simulated study."""
    drawn = {"stages.conditioning.death_probability": np.array([0.1, 1.5])}
    monkeypatch.setattr(uncertainty_module, "parameter_draws", lambda scenario, seed, replications: drawn)
    with pytest.raises(ValidationError, match="death_probability"):
        with_drawn_parameters(trm_scenario(True, replications=50), 7, range(2))


@pytest.mark.parametrize("draws", [np.array([0.1, 0.2]), np.array([[0.1, 0.2]]), np.array([[1], [0]])])
def test_per_study_draws_are_one_column_of_numbers(draws):
    stage = trm_scenario(True, replications=50).stages["conditioning"]
    with pytest.raises(ValidationError, match=r"\(studies, 1\) array of numbers"):
        with_draws(stage, {"death_probability": draws})
