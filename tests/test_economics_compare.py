"""`compare A B` with [economics]: incremental costs and QALYs, ICER with dominance, INMB at --wtp, economics.csv
(issue 16, step 3), on numbers checkable by hand."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator import compare
from simulator.cli import main
from simulator.errors import UserError
from simulator.questions.compare.economics import verdict
from simulator.scenario.loading import scenario_from_dict

from helpers import SCENARIOS


def _toml(name: str, utility: float, cost_per_year: float, currency: str = "GBP") -> str:
    """Nobody dies or relapses over 10 years, no discounting: QALYs 10 u and costs 10 c per patient exactly."""
    return f"""
[metadata]
name = "{name}"
[cohort]
size = 20
accrual_years = 0
followup_after_accrual_years = 10
[simulation]
replications = 4
seed = 1
horizon_years = 10
landmarks_years = [1]
[outcomes]
transplant = false
[economics]
currency = "{currency}"
price_year = 2024
discount_rate_costs = 0
discount_rate_effects = 0
[economics.states.remission]
utility = {utility}
cost_per_year = {cost_per_year}
[economics.states.relapse]
utility = 0.5
"""


def _scenario(name: str, utility: float, cost_per_year: float, currency: str = "GBP") -> Any:
    return scenario_from_dict(tomllib.loads(_toml(name, utility, cost_per_year, currency)))


def test_increments_icer_and_net_benefit_are_the_hand_computed_ones():
    """A: QALYs 6, costs 10,000; B: QALYs 8, costs 30,000. B - A: +20,000 for +2 QALYs, ICER 10,000 per QALY;
    INMB at 5,000: 5,000 x 2 - 20,000 = -10,000 (not cost-effective); at 20,000: +20,000."""
    result = compare([_scenario("A", 0.6, 1000), _scenario("B", 0.8, 3000)], wtp=(5000, 20000))
    table = result.economics
    assert table is not None
    assert list(table.wtp) == [5000, 20000]
    assert table.incremental_costs.tolist() == pytest.approx([20000, 20000], abs=1e-6)
    assert table.incremental_qalys.tolist() == pytest.approx([2, 2], abs=1e-9)
    assert table.icer.tolist() == pytest.approx([10000, 10000])
    assert table.inmb.tolist() == pytest.approx([-10000, 20000], abs=1e-6)
    assert table.incremental_costs_mc_se.tolist() == pytest.approx([0, 0], abs=1e-6)
    text = result.text()
    assert "ICER: extra cost per QALY gained GBP 10,000" in text
    assert "INMB -10,000" in text and "(B not cost-effective)" in text and "(B cost-effective)" in text


@pytest.mark.parametrize("dc, dq, icer, words", [
    (-100.0, 1.0, math.nan, "dominant"),
    (0.0, 1.0, math.nan, "dominant"),
    (100.0, -1.0, math.nan, "dominated"),
    (100.0, 0.5, 200.0, "per QALY gained"),
    (-100.0, -0.5, 200.0, "saving per QALY lost"),
    (100.0, 0.0, math.nan, "equal QALYs"),
])
def test_a_negative_icer_is_never_reported_as_a_ratio(dc, dq, icer, words):
    ratio, said = verdict(dc, dq)
    assert words in said
    assert (math.isnan(ratio) and math.isnan(icer)) or ratio == pytest.approx(icer)


def test_a_dominated_scenario_says_so_and_prints_no_ratio():
    result = compare([_scenario("A", 0.8, 1000), _scenario("B", 0.6, 3000)])
    assert "dominated" in result.text() and math.isnan(result.economics.icer.iloc[0])


def test_compare_writes_economics_csv_at_the_wtp_given(in_tmp_cwd, capsys):
    Path("a.toml").write_text(_toml("A", 0.6, 1000))
    Path("b.toml").write_text(_toml("B", 0.8, 3000))
    assert main(["compare", "a.toml", "b.toml", "--wtp", "5000,20000,30000", "--quiet", "--output", "out",
                 "--workers", "1"]) == 0
    assert Path("out/costs_breakdown.png").exists()
    table = pd.read_csv("out/economics.csv")
    assert table.wtp.tolist() == [5000, 20000, 30000]
    assert table.inmb.tolist() == pytest.approx([-10000, 20000, 40000], abs=1e-6)
    assert "Cost-effectiveness against A" in capsys.readouterr().out


def test_without_economics_compare_writes_no_economics_csv(in_tmp_cwd):
    Path("a.toml").write_text(_toml("A", 0.6, 1000).split("[economics]")[0])
    Path("b.toml").write_text(_toml("B", 0.8, 3000).split("[economics]")[0])
    assert main(["compare", "a.toml", "b.toml", "--quiet", "--output", "out", "--workers", "1"]) == 0
    assert not Path("out/economics.csv").exists()


@pytest.mark.parametrize("wtp", ["20000;30000", "-1", "nan", "abc"])
def test_a_bad_wtp_is_refused_with_exit_code_2(in_tmp_cwd, capsys, wtp):
    Path("a.toml").write_text(_toml("A", 0.6, 1000))
    Path("b.toml").write_text(_toml("B", 0.8, 3000))
    assert main(["compare", "a.toml", "b.toml", f"--wtp={wtp}", "--quiet"]) == 2
    assert "--wtp" in capsys.readouterr().err


def test_scenarios_priced_in_different_currencies_are_refused():
    with pytest.raises(UserError, match="different currencies"):
        compare([_scenario("A", 0.6, 1000), _scenario("B", 0.8, 3000, "EUR")])


def test_cohort_size_sets_every_scenarios_cohort(tmp_path, capsys):
    code = main(["compare", str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "standard_care.toml"), "--cohort-size",
                 "80", "--replications", "20", "--quiet", "--output", str(tmp_path / "out")])
    assert code == 0
    assert capsys.readouterr().out.count("80 patients per study") == 2
