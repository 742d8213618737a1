"""The TRM tests of `hsct-sim power --trm-test`: p-values, exact type I error and power, and the command line.

Exact rates sum binomial probabilities over every (deaths A, deaths B) outcome (no simulation); simulated
power must agree with them within 4 Monte Carlo SE (fixed seeds).
"""

import json
import math
import re
import shutil
import sys

import numpy as np
import pytest
from scipy.stats import binom, boschloo_exact, fisher_exact, hypergeom

from simulator import UserError, load_scenario, run
from simulator.questions.power.power import estimate_power
from simulator.questions.power.trial import compare_trm
from simulator.questions.power.trm_tests import TRM_TESTS, rejection_rate, trm_p_value, trm_p_values

from helpers import ROOT, SCENARIOS, run_cli, tiny

ALPHA = 0.05
MIDP_EXCESS = 0.01  # mid-p's type I error stays below alpha + 0.01 (measured maximum 0.0569, module docstring)


def test_mid_p_by_hand():
    """Two arms of 3, all 3 deaths in arm A: given 3 deaths among 6, arm A's deaths k have probabilities
    C(3,k) C(3,3-k) / C(6,3) = 1/20, 9/20, 9/20, 1/20. Fisher sums the two tables as probable as the
    observed one (k = 3 and its mirror k = 0): 2/20; mid-p counts both by half: 1/20. With 1 death in each
    arm of 3 (2 deaths among 6: 3/15, 9/15, 3/15) the observed table is the most probable and alone: Fisher
    1, mid-p 1 - (9/15) / 2 = 0.7. Arms of 2 with 2 deaths in A (1/6, 4/6, 1/6): mid-p 1/6."""
    assert trm_p_value("fisher", 3, 0, 3) == pytest.approx(2 / 20)
    assert trm_p_value("midp", 3, 0, 3) == pytest.approx(1 / 20)
    assert trm_p_value("midp", 0, 3, 3) == pytest.approx(1 / 20)
    assert trm_p_value("fisher", 1, 1, 3) == pytest.approx(1.0)
    assert trm_p_value("midp", 1, 1, 3) == pytest.approx(0.7)
    assert trm_p_value("midp", 2, 0, 2) == pytest.approx(1 / 6)


@pytest.mark.parametrize("x, y, n", [(0, 4, 50), (1, 7, 50), (6, 2, 50), (2, 13, 100), (20, 0, 20), (11, 9, 20)])
def test_mid_p_is_twice_the_one_sided_mid_p_with_equal_arms(x, y, n):
    """With equal arm sizes the hypergeometric law of arm A's deaths K is symmetric about half the deaths, so
    when the arms differ the two-sided mid-p is twice Lancaster's one-sided mid-p, P(K > k) + P(K = k) / 2
    for the larger arm's k, and Fisher's p minus the observed table's probability."""
    law = hypergeom(2 * n, x + y, n)
    k = max(x, y)
    fisher = fisher_exact([[x, n - x], [y, n - y]]).pvalue
    assert trm_p_value("fisher", x, y, n) == fisher
    assert trm_p_value("midp", x, y, n) == pytest.approx(2 * (law.sf(k) + law.pmf(k) / 2), rel=1e-9)
    assert trm_p_value("midp", x, y, n) == pytest.approx(fisher - law.pmf(x), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("x, n", [(3, 50), (0, 20), (10, 20)])
def test_mid_p_with_as_many_deaths_in_each_arm(x, n):
    """The observed table is the most probable and alone: Fisher's p is 1, mid-p 1 - P(observed) / 2 (0.5
    with no death at all, where P = 1: mid-p is never significant there either)."""
    assert trm_p_value("fisher", x, x, n) == pytest.approx(1.0)
    assert trm_p_value("midp", x, x, n) == pytest.approx(1 - hypergeom.pmf(x, 2 * n, 2 * x, n) / 2, rel=1e-9)


@pytest.mark.parametrize("x, y, n", [(0, 4, 20), (1, 7, 50), (6, 2, 50), (3, 3, 30), (0, 0, 10), (10, 0, 10)])
def test_boschloo_is_scipys_two_sided_test_with_the_arms_as_columns(x, y, n):
    expected = boschloo_exact([[x, y], [n - x, n - y]], alternative="two-sided").pvalue
    assert trm_p_value("boschloo", x, y, n) == pytest.approx(expected, rel=1e-6)
    assert trm_p_value("boschloo", y, x, n) == pytest.approx(expected, rel=1e-6)


def test_boschloo_never_less_powerful_than_fisher_and_mid_p_below_fisher():
    """Boschloo's p-value (the largest, over the common TRM, chance of a Fisher p at most the observed one)
    never exceeds Fisher's; mid-p subtracts a probability from Fisher's. Every table of 12 per arm."""
    n = 12
    for x in range(n + 1):
        for y in range(n + 1):
            fisher = trm_p_value("fisher", x, y, n)
            assert trm_p_value("boschloo", x, y, n) <= fisher * (1 + 1e-9), (x, y)
            assert trm_p_value("midp", x, y, n) < fisher, (x, y)


@pytest.mark.parametrize("test", TRM_TESTS)
def test_p_values_of_many_trials_are_those_of_each_trial(test):
    rng = np.random.default_rng(5)
    deaths_a, deaths_b = rng.binomial(40, 0.05, 300), rng.binomial(40, 0.15, 300)
    got = compare_trm(deaths_a, deaths_b, 40, test).p_value
    assert np.array_equal(got, trm_p_values(test, deaths_a, deaths_b, 40))
    assert got.tolist() == [trm_p_value(test, int(x), int(y), 40) for x, y in zip(deaths_a, deaths_b)]


@pytest.mark.parametrize("test", TRM_TESTS)
@pytest.mark.parametrize("trm_a, trm_b, favouring", [(0.2, 0.2, None), (0.4, 0.1, "B"), (0.4, 0.1, "A"),
                                                     (0.05, 0.3, None)])
def test_exact_rejection_rate_is_the_sum_over_every_outcome(test, trm_a, trm_b, favouring):
    """`rejection_rate` leaves out only negligible tails: against the full (n+1)^2 sum at 12 per arm."""
    n = 12
    total = 0.0
    for x in range(n + 1):
        for y in range(n + 1):
            wins = {None: x != y, "A": x < y, "B": y < x}[favouring]
            if wins and trm_p_value(test, x, y, n) < ALPHA:
                total += binom.pmf(x, n, trm_a) * binom.pmf(y, n, trm_b)
    assert rejection_rate(test, n, trm_a, trm_b, ALPHA, favouring) == pytest.approx(total, abs=1e-9)


@pytest.mark.parametrize("trm", [0.02, 0.13])
def test_exact_type_one_error_at_50_per_arm(trm):
    """Under a common TRM, Fisher's and Boschloo's tests never reject more often than alpha (they are exact);
    mid-p comes closer to alpha and stays below alpha + MIDP_EXCESS. Fisher's rate with a 2% TRM, a
    handful of deaths, is under a hundredth of alpha: the conservatism `--trm-test` exists to avoid."""
    fisher, midp, boschloo = (rejection_rate(test, 50, trm, trm, ALPHA) for test in ("fisher", "midp", "boschloo"))
    assert fisher <= ALPHA and boschloo <= ALPHA and midp <= ALPHA + MIDP_EXCESS
    assert fisher <= boschloo and fisher <= midp
    if trm == 0.02:
        assert fisher < ALPHA / 100


@pytest.mark.parametrize("n", [50, 100])
def test_mid_p_can_exceed_alpha_but_only_slightly(n):
    """Over common TRMs from 1% to 49%: mid-p is not exact, its worst type I error lies above alpha (about
    0.057 at 50 per arm, 0.056 at 100) but below alpha + MIDP_EXCESS; Fisher's never exceeds alpha (checked
    at 50 per arm: scipy's Fisher test is the slow part here)."""
    grid = np.arange(0.01, 0.51, 0.03)
    midp = [rejection_rate("midp", n, trm, trm, ALPHA) for trm in grid]
    assert ALPHA < max(midp) <= ALPHA + MIDP_EXCESS
    if n == 50:
        assert max(rejection_rate("fisher", n, trm, trm, ALPHA) for trm in grid) <= ALPHA


def arm(trm):
    """An arm whose TRM deaths are exactly Binomial(patients, trm): one stage with that death probability."""
    stages = {"conditioning": {"duration": {"dist": "fixed", "value": 5}, "death_probability": trm},
              "reinfusion": {"duration": {"dist": "fixed", "value": 0}}}
    return tiny(stages=stages, outcomes={"trm_stages": ["conditioning"]})


@pytest.mark.parametrize("test, seed", [("fisher", 11), ("midp", 12), ("boschloo", 13)])
def test_simulated_power_equals_the_exact_power(test, seed):
    """TRM 13% (arm A) against 2% (arm B) at 50 per arm, 2000 trials: within 4 MC SE of the exact power."""
    n = 50
    result = estimate_power(arm(0.13), arm(0.02), [n], "trm", alpha=ALPHA, replications=2000, seed=seed,
                            trm_test=test)
    assert result.better_arm == "B" and result.trm_test == test
    row = result.summary.iloc[0]
    exact = rejection_rate(test, n, 0.13, 0.02, ALPHA, favouring="B")
    assert abs(row.power - exact) <= 4 * row.power_mc_se, f"{test}: {row.power:.4f} vs exact {exact:.4f}"
    assert math.isclose(row.power_mc_se, math.sqrt(row.power * (1 - row.power) / 2000))


def test_chosen_test_is_printed_and_in_the_manifest(in_tmp_cwd, capsys):
    burt = str(SCENARIOS / "burt2006.toml")
    code, out, _ = run_cli(capsys, "power", burt, burt, "--endpoint", "trm", "--trm-test", "midp", "--sizes", "20",
                           "--replications", "20", "--quiet", "--workers", "1")
    assert code == 0
    assert "Treatment-related mortality, Fisher's mid-p test, two-sided alpha 0.05" in out
    (folder,) = (in_tmp_cwd / "outputs").glob("power-*")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["trm_test"], manifest["test"]) == ("midp", "Fisher's mid-p test")
    code, out, _ = run_cli(capsys, "power", burt, burt, "--endpoint", "trm", "--sizes", "20", "--replications", "20",
                           "--quiet", "--workers", "1")
    assert code == 0 and "Treatment-related mortality, Fisher's exact test" in out  # the default


@pytest.mark.parametrize("extra, expected", [
    (["--endpoint", "trm", "--trm-test", "barnard"],
     ["--trm-test barnard", "unknown TRM test 'barnard'", "fisher (Fisher's exact test)", "boschloo", "midp"]),
    (["--trm-test", "midp"], ["--trm-test midp", "applies only to the trm endpoint", "endpoint os"]),
], ids=["unknown-test", "test-without-trm-endpoint"])
def test_bad_trm_test_is_refused(capsys, in_tmp_cwd, extra, expected):
    shutil.copy(SCENARIOS / "burt2006.toml", in_tmp_cwd / "a.toml")
    code, _, err = run_cli(capsys, "power", "a.toml", "a.toml", "--sizes", "20", "--replications", "5", *extra)
    assert code == 2 and "Traceback" not in err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert not list((in_tmp_cwd / "outputs").glob("power-*"))


def test_python_api_checks_the_trm_test():
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    with pytest.raises(UserError, match="unknown TRM test 'exact'"):
        estimate_power(burt, burt, [10], "trm", trm_test="exact")
    with pytest.raises(UserError, match="applies only to the trm endpoint"):
        estimate_power(burt, burt, [10], "dfs", trm_test="fisher")


def test_readme_table_is_the_scripts_output():
    """docs/power.md's table comes from scripts/trm_tests_table.py through the examples' generator; its Fisher
    and mid-p columns (the fast ones) agree with `rejection_rate` to the printed digits."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import readme_examples

    example = readme_examples.all_examples()["trm-tests"][1]
    assert example.slow and example.command == "python scripts/trm_tests_table.py"
    usage = readme_examples.run(readme_examples.Example("usage", "python scripts/readme_examples.py --help", ""),
                                ROOT / "unused")
    assert usage.startswith("usage: readme_examples.py")
    rows = [line for line in example.output.splitlines() if line.startswith(("type I error", "power"))]
    assert len(rows) == 6
    for line in rows:
        words = line.split()
        n, fisher, midp = int(words[-4]), words[-3], words[-2]
        trm_a, trm_b = (0.02, 0.13) if line.startswith("power") else (float(words[-5].rstrip("%")) / 100,) * 2
        favouring = "A" if line.startswith("power") else None
        for test, shown in (("fisher", fisher), ("midp", midp)):
            decimals = len(shown.split(".")[1])
            assert f"{rejection_rate(test, n, trm_a, trm_b, ALPHA, favouring):.{decimals}f}" == shown, (line, test)


def test_the_simulated_trm_trial_has_the_exact_power_of_its_arms_rates():
    """docs/power.md shows `power --endpoint trm` with arm B's isolation death probability at 13%; its power at 50
    per arm is above the exact table's 2% against 13% because arm B's TRM is higher than 13%. At the arms'
    simulated TRMs, the exact power of Fisher's test is the simulated one (within 4 MC SE, plus the spread the
    TRMs' own Monte Carlo error gives the exact power)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import readme_examples

    output = readme_examples.all_examples()["power-trm"][1].output
    power, mc_se = map(float, re.search(r"^\s+50\s+([\d.]+) ± ([\d.]+)", output, re.MULTILINE).groups())
    assert power > rejection_rate("fisher", 50, 0.02, 0.13, 0.05, "A")  # "above the exact table's"
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    arms = [run(s, replications=1000).values["trm"] for s in
            (burt, burt.with_values({"stages.isolation.death_probability": 0.13}))]
    (trm_a, se_a), (trm_b, se_b) = [(v.mean(), v.std(ddof=1) / np.sqrt(len(v))) for v in arms]
    assert trm_b - 0.13 > 4 * se_b  # not 13%
    exact = [rejection_rate("fisher", 50, a, b, 0.05, "A")
             for a in (trm_a - 2 * se_a, trm_a + 2 * se_a) for b in (trm_b - 2 * se_b, trm_b + 2 * se_b)]
    assert min(exact) - 4 * mc_se <= power <= max(exact) + 4 * mc_se, (power, exact)
