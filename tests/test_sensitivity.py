"""One-way sensitivity and structural alternatives of a comparison (issue 25, item 5): the tornado's bars hold the
base INMB, INMB is exactly linear in a utility (same random numbers), a parameter that reverses the comparison
gives a verdict rather than a negative ICER, shared evidence moves both arms, and structural alternatives are
run as the comparison itself."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main

TOML = """
[metadata]
name = "{name}"
[cohort]
size = 30
accrual_years = 0
followup_after_accrual_years = 10
[simulation]
replications = 60
seed = 2
horizon_years = 5
landmarks_years = [1]
[followup]
relapse = {{ dist = "exponential", rate_per_year = 0.3 }}
death_before_relapse = {{ dist = "exponential", \
rate_per_year = {{ events = 10, person_years = 100, source = "one cohort" }} }}
[outcomes]
transplant = false
[economics]
currency = "GBP"
price_year = 2024
[economics.states.remission]
utility = {utility}
cost_per_year = {cost}
[economics.states.relapse]
utility = 0.5
"""
A = TOML.format(name="A", utility=0.6, cost=1000)
B = TOML.format(name="B", utility="{ mean = 0.62, se = 0.08 }", cost=4000)


def compare(tmp: Path, *flags: str) -> tuple[int, Path]:
    (tmp / "a.toml").write_text(A)
    (tmp / "b.toml").write_text(B)
    code = main(["compare", "a.toml", "b.toml", "--quiet", "--output", "out", "--workers", "1", "--wtp", "20000",
                 *flags])
    return code, tmp / "out"


def test_tornado_bars_hold_the_base_and_a_reversal_gives_a_verdict_not_a_negative_icer(in_tmp_cwd, capsys):
    code, out = compare(in_tmp_cwd, "--sensitivity")
    assert code == 0 and (out / "tornado.png").exists()
    table = pd.read_csv(out / "sensitivity.csv")
    base = pd.read_csv(out / "economics.csv").inmb.iloc[0]
    assert np.allclose(table.base_inmb, base)  # the deterministic base is the comparison's own (no uncertainty)
    assert ((table.bar_left <= table.base_inmb) & (table.base_inmb <= table.bar_right)).all()
    utility = table.set_index("parameter").loc["B: economics.states.remission.utility"]
    # low end: B has fewer QALYs than A at a higher cost: dominated, no ratio; high end: a positive ICER
    assert utility.verdict_at_low.startswith("dominated") and math.isnan(utility.icer_at_low)
    assert utility.icer_at_high > 0 and utility.verdict_at_high.startswith("ICER")
    assert utility.flips_decision == bool(np.sign(utility.inmb_at_low) != np.sign(base)
                                          or np.sign(utility.inmb_at_high) != np.sign(base))
    # QALYs are linear in the utility of remission, the patients the same: the INMB moves by the same slope
    slopes = [(utility.inmb_at_low - base) / (utility.low_value - utility.base_value),
              (utility.inmb_at_high - base) / (utility.high_value - utility.base_value)]
    assert slopes[0] == pytest.approx(slopes[1], rel=1e-9) and slopes[0] > 0
    # the death hazard both cite with one source moves in both at once: one row, "AB"
    assert "AB: followup.death_before_relapse.rate_per_year" in set(table.parameter)
    assert "One-way sensitivity (sensitivity.csv, tornado.png)" in capsys.readouterr().out
    report = (out / "report.html").read_text()
    assert "sensitivity.csv" in report and "tornado.png" in report


STRUCTURAL = """
[[alternative]]
name = "nothing changed in effect"
set = ["economics.states.relapse.utility=0.5"]

[[alternative]]
name = "B's remission worth little"
why = "a test of a flip"
B = ["economics.states.remission.utility=0.3"]
"""


@pytest.mark.parametrize("uncertainty", [False, True])
def test_structural_alternatives_run_as_the_comparison_and_flag_a_flip(in_tmp_cwd, capsys, uncertainty):
    Path("alternatives.toml").write_text(STRUCTURAL)
    code, out = compare(in_tmp_cwd, "--structural", "alternatives.toml", *(["--uncertainty"] if uncertainty else []))
    assert code == 0
    table = pd.read_csv(out / "structural.csv").set_index("alternative")
    economics = pd.read_csv(out / "economics.csv").iloc[0]
    base = table.loc["base case"]
    assert base.inmb == pytest.approx(economics.inmb) and base.incremental_qalys == pytest.approx(
        economics.incremental_qalys
    )
    same = table.loc["nothing changed in effect"]
    assert same.inmb == pytest.approx(base.inmb) and not same.flips_decision
    worse = table.loc["B's remission worth little"]
    assert worse.inmb < base.inmb and worse.flips_decision == bool(np.sign(worse.inmb) != np.sign(base.inmb))
    if uncertainty:  # a PSA per alternative: the probability B is cost-effective
        assert 0 <= worse.p_cost_effective <= base.p_cost_effective <= 1
    else:
        assert math.isnan(base.p_cost_effective)
    assert "Structural alternatives (structural.csv)" in capsys.readouterr().out
    report = (out / "report.html").read_text()
    assert "structural.csv" in report and "B&#x27;s remission worth little" in report


@pytest.mark.parametrize("text, expected", [
    ('[[alternative]]\nname = "x"\nset = ["economics.nope=1"]\n', ["alternatives.toml", "'x'", "nope"]),
    ('[[alternative]]\nname = "x"\nC = ["cohort.size=5"]\n', ["unknown keys ['C']", "A, B"]),
    ('[[alternative]]\nset = ["cohort.size=5"]\n', ["alternative 1 needs a name"]),
    ('[[alternative]]\nname = "x"\n', ["changes nothing"]),
    ('title = 3\n', ["[[alternative]] tables", "unknown keys ['title']"]),
], ids=["bad-path", "unknown-letter", "no-name", "empty", "no-alternatives"])
def test_a_bad_structural_file_is_refused_before_anything_is_written(in_tmp_cwd, capsys, text, expected):
    Path("alternatives.toml").write_text(text)
    code, out = compare(in_tmp_cwd, "--structural", "alternatives.toml")
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert not out.exists() and list(Path("outputs").iterdir()) == []
