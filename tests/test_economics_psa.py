"""Probabilistic sensitivity analysis (issue 16, step 4): CEAC and EVPI on a PSA table checkable by hand, and
`compare --uncertainty` writing psa.csv and its figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.cli import main
from simulator.questions.compare.psa import ceac, evpi

# Four draws of two options: A costs nothing and yields 1 QALY (1.0 in the last draw); B as listed.
COSTS = np.array([[0.0, 900.0], [0.0, 1000.0], [0.0, 500.0], [0.0, 2000.0]])
QALYS = np.array([[1.0, 1.1], [1.0, 1.0], [1.0, 1.2], [1.0, 1.05]])


def test_ceac_and_evpi_of_a_hand_checkable_psa_table():
    """At 10,000 per QALY the net benefits are A 10,000 in every draw and B 10,100, 9,000, 11,500, 8,500: B is
    best in draws 1 and 3 (CEAC 50% each). E[max NMB] = (10,100 + 10,000 + 11,500 + 10,000) / 4 = 10,400 and
    max E[NMB] = max(10,000, 9,775) = 10,000, so EVPI = 400. At 0 per QALY A, free, is always best: EVPI 0."""
    wtp = np.array([0.0, 10000.0])
    np.testing.assert_allclose(ceac(COSTS, QALYS, wtp), [[1.0, 0.0], [0.5, 0.5]])
    np.testing.assert_allclose(evpi(COSTS, QALYS, wtp), [0.0, 400.0])


def test_evpi_is_zero_when_one_option_is_best_in_every_draw_and_never_negative():
    rng = np.random.default_rng(1)
    costs, qalys = rng.gamma(2.0, 1000.0, (500, 3)), rng.beta(5.0, 2.0, (500, 3))
    value = evpi(costs, qalys, np.linspace(0, 1e5, 11))
    assert np.all(value >= 0.0)  # no -0 or rounding below zero printed
    dominant = np.column_stack([costs[:, 0], costs[:, 0] + 1.0])  # B: same QALYs, always 1 more
    assert evpi(dominant, np.column_stack([qalys[:, 0], qalys[:, 0]]), np.array([20000.0]))[0] == pytest.approx(
        0.0, abs=1e-6
    )


TOML = """
[metadata]
name = "{name}"
[cohort]
size = 30
accrual_years = 0
followup_after_accrual_years = 10
[simulation]
replications = 40
seed = 2
horizon_years = 5
landmarks_years = [1]
[followup]
death_before_relapse = {{ dist = "exponential", \
rate_per_year = {{ events = 10, person_years = 100, source = "one cohort" }} }}
[outcomes]
transplant = false
[economics]
currency = "GBP"
price_year = 2024
[economics.states.remission]
utility = {{ mean = {utility}, se = 0.05 }}
cost_per_year = {{ mean = {cost}, se = 500 }}
[economics.states.relapse]
utility = 0.5
"""


def test_compare_with_uncertainty_writes_the_psa_table_and_its_figures(in_tmp_cwd, capsys):
    Path("a.toml").write_text(TOML.format(name="A", utility=0.6, cost=1000))
    Path("b.toml").write_text(TOML.format(name="B", utility=0.7, cost=4000))
    assert main(["compare", "a.toml", "b.toml", "--uncertainty", "--quiet", "--output", "out", "--workers", "1"]) == 0
    out = Path("out")
    for name in ("psa.csv", "economics.csv", "ce_plane.png", "ceac.png", "evpi.png"):
        assert (out / name).exists(), name
    table = pd.read_csv(out / "psa.csv")
    assert len(table) == 40
    np.testing.assert_allclose(table.incremental_costs_B, table.costs_B - table.costs_A)
    # both scenarios cite one source for the death rate, so they drew the same values; the remission cost,
    # with no source, is each scenario's own draw
    shared = "followup.death_before_relapse.rate_per_year"
    np.testing.assert_array_equal(table[f"A: {shared}"], table[f"B: {shared}"])
    own = "economics.states.remission.cost_per_year"
    assert not np.array_equal(table[f"A: {own}"].rank(), table[f"B: {own}"].rank())
    assert table["A: economics.states.remission.cost_per_year"].std() > 0
    text = capsys.readouterr().out
    assert "Probabilistic sensitivity analysis: 40 parameter draws" in text and "first-order" in text
    # what the probabilities leave out: each scenario's values written as plain numbers
    assert "Held fixed in every draw" in text
    assert (
        "    A: economics.states.relapse.utility = 0.5\n" in text
        and "    B: economics.states.relapse.utility = 0.5" in text
    )


def test_compare_without_uncertainty_writes_no_psa(in_tmp_cwd):
    Path("a.toml").write_text(TOML.format(name="A", utility=0.6, cost=1000))
    Path("b.toml").write_text(TOML.format(name="B", utility=0.7, cost=4000))
    assert main(["compare", "a.toml", "b.toml", "--quiet", "--output", "out", "--workers", "1"]) == 0
    assert Path("out/economics.csv").exists() and not Path("out/psa.csv").exists()
