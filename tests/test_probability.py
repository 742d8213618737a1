"""`--probability EXPR`: parsed safely, reported as summary rows, and right against the binomial tail."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator import load_scenario, run
from simulator.cli import main
from simulator.outcomes.conditions import Condition, parse_condition

from helpers import SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")
# Burt 2006 with unlimited beds: no patient waits, so each patient dies in isolation independently with
# probability (1 - 0.02) (1 - 0.02) p_isolation (mobilisation and rest deaths first), and every pathway
# ends long before the data cut-off: the TRM count of a study is exactly Binomial(50, that probability).
UNLIMITED = "resources.isolation_bed.capacity=unlimited"
TRM = {"trm": load_scenario(BURT).catalogue["trm"]}


def tail(expression, n, p):
    """P(a study reports `expression`) for TRM = X / n, X ~ Binomial(n, p), by counting deaths."""
    deaths = np.arange(n + 1)
    condition = parse_condition(expression, TRM)
    return stats.binom.pmf(deaths, n, p)[condition.met({"trm": deaths / n}) == 1].sum()


@pytest.mark.parametrize(
    "isolation, expression",
    [(0.02083, "trm>=0.13"), (0.02083, "trm>=0.04"), (0.02083, "trm>0.04"), (0.02083, "trm<=0.02"),
     (0.02083, "trm<2%"), (0.13, "trm>=0.13")],
)
def test_share_of_studies_agrees_with_the_binomial_tail(isolation, expression):
    """TRM counts the mobilisation death (0.02) and isolation deaths after surviving mobilisation and rest:
    0.02 + 0.98 * 0.98 * p, 0.040 for p = 0.02083 and, so that P(trm>=0.13) is not ~0, 0.145.
    Thresholds fall exactly on k/50, so >= against > and <= against < are told apart."""
    scenario = load_scenario(BURT, [UNLIMITED, f"stages.isolation.death_probability={isolation}"])
    replications = 2000
    result = run(scenario, replications=replications).with_probabilities(expression)
    row = result.summary.set_index("outcome").loc[parse_condition(expression, TRM).label]
    exact = tail(expression, 50, 0.02 + 0.98 * 0.98 * isolation)
    se = np.sqrt(exact * (1 - exact) / replications)  # the exact MC SE: never 0 unless the tail is
    assert abs(row.estimate - exact) <= 4 * se, (expression, row.estimate, exact, se)
    assert row.mc_se == pytest.approx(np.sqrt(row.estimate * (1 - row.estimate) / replications))
    assert np.isnan(row.lower) and np.isnan(row.upper)


def test_values_within_rounding_of_the_threshold_count_as_equal():
    values = {"os_5y": np.array([42 / 50 - 1e-12, 0.84, 0.8399, np.nan])}
    met = Condition("os_5y", ">=", 0.84).met(values)
    assert met[:3].tolist() == [1.0, 1.0, 0.0] and np.isnan(met[3])
    assert Condition("os_5y", ">=", 0.84).share(values) == (pytest.approx(2 / 3), pytest.approx(np.sqrt(2 / 9 / 3)))
    assert Condition("os_5y", "<", 0.84).met(values)[:3].tolist() == [0.0, 0.0, 1.0]


def test_run_writes_probability_rows_into_summary_csv(in_tmp_cwd, capsys):
    argv = ["run", BURT, "--replications", "50", "--quiet", "--output", "out",
            "--probability", "trm>=0.13", "--probability", "os_5y < 70%"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "P(trm>=0.13)" in printed and "/50 studies" in printed
    lines = (in_tmp_cwd / "out" / "summary.csv").read_text().splitlines()
    assert lines[0] == "outcome,estimate,mc_se,lower,upper,evaluable"
    summary = pd.read_csv(in_tmp_cwd / "out" / "summary.csv").set_index("outcome")
    studies = pd.read_csv(in_tmp_cwd / "out" / "replications.csv")
    assert summary.loc["P(os_5y<0.7)", "estimate"] == pytest.approx((studies.os_5y < 0.7).mean())
    assert summary.loc["P(trm>=0.13)", ["lower", "upper"]].isna().all()


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("trn>=0.13", ["unknown outcome 'trn'", "outcomes: os_1y", "trm"]),
        ("trm=0.13", ["operator '='", ">=, <=, >, <"]),
        ("trm==0.13", ["operator '=='"]),
        ("trm>=high", ["'high' is not a number", "13%"]),
        ("trm>=nan", ["finite number"]),
        ("__import__('os').system('true')", ["expected OUTCOME OP NUMBER"]),
        ("", ["expected OUTCOME OP NUMBER"]),
    ],
    ids=["unknown-outcome", "single-equals", "double-equals", "not-a-number", "nan", "code", "empty"],
)
@pytest.mark.parametrize("command", ["run", "sweep", "compare"])
def test_bad_expressions_fail_before_simulating(capsys, in_tmp_cwd, command, expression, expected):
    scenarios = {
        "run": [BURT],
        "sweep": [BURT, "--param", "cohort.size=20,30"],
        "compare": [BURT, BURT.replace("burt2006", "ebmt2004")],
    }
    try:
        code = main([command, *scenarios[command], "--probability", expression])
    except SystemExit as exit:
        code = exit.code
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("hsct-sim: error: --probability") and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []
