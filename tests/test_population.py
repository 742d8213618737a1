"""Background mortality ([population]): the life table's own life expectancy, exact sampling of the residual
lifetime, competition with the follow-up in both engines, a lifetime economic horizon, and refused input."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from simulator.engine.background import life_expectancy, residual_years
from simulator.engine.histories import OTHER_CAUSES
from simulator.engine.pathway import simulate_pathway
from simulator.engine.processes import simulate_processes
from simulator.engine.randomness import StreamLayout, uniforms
from simulator.questions.run.run import run
from simulator.scenario.loading import load_scenario
from simulator.scenario.population import LifeTable, read_life_table

from helpers import SCENARIOS, assert_within_mc_se, refused, tiny

TABLE = SCENARIOS / "data" / "us_ssa_period_life_table_2017.csv"


def test_exact_life_expectancy_is_the_published_one():
    """Integrating the table's q(x) with a constant hazard within each year reproduces the SSA's own e(x) to 0.02
    years up to age 85 (beyond, the SSA's conventions for the oldest ages differ)."""
    table = read_life_table(str(TABLE))
    with TABLE.open() as file:
        rows = list(csv.DictReader(file))
    for row in rows[:86]:
        for sex in ("female", "male"):
            assert life_expectancy(table, sex, float(row["age"])) == pytest.approx(float(row[f"{sex}_ex"]), abs=0.02)


@pytest.mark.parametrize("age", [0.0, 29.5, 80.2, 125.0])
def test_residual_lifetime_has_the_exact_mean(age):
    table = read_life_table(str(TABLE))
    u = np.random.default_rng(3).random(200_000)
    years = residual_years(table, "female", np.full(u.shape, age), u)
    assert_within_mc_se(years, life_expectancy(table, "female", age), f"residual life at {age}")


def test_a_constant_hazard_table_gives_exponential_lifetimes_and_ages_below_it_count_as_its_first():
    q = 0.1
    table = LifeTable(first_age=20, qx={"all": (q,) * 5})
    u = np.random.default_rng(4).random(100_000)
    exact = -np.log1p(-u) / -np.log1p(-q)
    assert np.allclose(residual_years(table, "all", np.full(u.shape, 22.3), u), exact)
    assert np.allclose(residual_years(table, "all", np.full(u.shape, 5.0), u), exact)  # as if 20
    assert life_expectancy(table, "all", 21.0) == pytest.approx(1 / -np.log1p(-q))


def _with_population(**extra):
    return tiny(population={"life_table": str(TABLE), "female_fraction": 0.83,
                            "age_years": {"dist": "fixed", "value": 85, "unit": "years"}}, **extra)


def test_background_deaths_compete_with_relapse_in_both_engines():
    scenario = _with_population(followup={"relapse": {"dist": "exponential", "rate_per_year": 0.3}})
    layout = StreamLayout.for_scenario(scenario)
    u = uniforms(5, range(40), layout, scenario.cohort.max_patients)
    fast, simpy = simulate_pathway(scenario, u, layout), simulate_processes(scenario, u, layout, 5, range(40))
    for name in ("death", "relapse", "death_cause", "death_stage"):
        assert np.array_equal(getattr(fast, name), getattr(simpy, name)), name
    other = fast.death_cause == fast.cause_labels.index(OTHER_CAUSES)
    assert other.mean() > 0.5  # at 85, most die of old age before lupus kills them (no lupus deaths here)
    assert np.all(fast.relapse[np.isfinite(fast.relapse)] < fast.death[np.isfinite(fast.relapse)])


def test_scenarios_without_a_population_keep_their_random_streams():
    scenario = load_scenario(SCENARIOS / "ebmt2004.toml")
    assert not any(name.startswith("population.") for name in StreamLayout.for_scenario(scenario).rows)


def test_a_lifetime_horizon_counts_every_year_lived():
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    study = run(burt, replications=100).values
    lifetime = run(burt.with_values({"economics.horizon": "lifetime"}), replications=100).values
    assert np.all(lifetime["life_years_undiscounted"] > study["life_years_undiscounted"])
    assert np.all(lifetime["life_years_undiscounted"] > burt.simulation.horizon_years)


def test_a_copied_scenario_still_finds_the_shipped_table(tmp_path):
    copy = tmp_path / "mine.toml"
    copy.write_text((SCENARIOS / "burt2006.toml").read_text())
    assert load_scenario(copy).population.life_table == str(TABLE.resolve())


@pytest.mark.parametrize("table, female_fraction, expected", [
    ("missing.csv", 0.8, ["population.life_table", "no such life table", "missing.csv"]),
    ("age,female_qx\n0,0.01\n", 0.8, ["population.life_table", "needs an `age` column", "male_qx"]),
    ("age,qx\n0,0.01\n1,1.0\n", None, ["line 3", "qx must lie in [0, 1)", "1.0"]),
    ("age,qx\n0,0.01\n1,abc\n", None, ["line 3", "qx is not a number", "abc"]),
    ("age,qx\n0,0.01\n2,0.02\n", None, ["ages must be consecutive whole years"]),
    ("age,qx\n0,0.01\n1,0\n", None, ["last age's qx must be above 0"]),
    ("age,female_qx,male_qx\n0,0.01,0.01\n", None, ["population.female_fraction", "by sex"]),
])
def test_bad_life_tables_are_refused_with_the_file_and_rule(tmp_path, capsys, table, female_fraction, expected):
    if table.endswith(".csv"):
        name = table
    else:
        name = "table.csv"
        (tmp_path / name).write_text(table)
    scenario = (SCENARIOS / "burt2006.toml").read_text().replace(
        'life_table = "data/us_ssa_period_life_table_2017.csv"', f'life_table = "{name}"')
    if female_fraction is None:
        scenario = scenario.replace("female_fraction = 0.83\n", "")
    path = tmp_path / "bad.toml"
    path.write_text(scenario)
    code, err = refused(capsys, "run", str(path), "--replications", "10", "--quiet", "--output", str(tmp_path / "out"))
    assert code == 2, err
    assert "Traceback" not in err and "bad.toml" in err
    for text in expected:
        assert text in err, (text, err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("setting, expected", [
    ("economics.horizon=lifetime", ["economics.horizon", "needs death from other causes", "[population]"]),
    ("economics.horizon=forever", ["economics.horizon", "'study' or 'lifetime'"]),
])
def test_a_lifetime_horizon_needs_a_population(tmp_path, capsys, setting, expected):
    code, err = refused(capsys, "run", str(SCENARIOS / "ebmt2004.toml"),
                        "--set", 'economics={currency="EUR", price_year=2011, states={remission={utility=0.8}, '
                        'relapse={utility=0.5}}}', "--set", setting, "--quiet", "--output", str(tmp_path / "out"))
    assert code == 2
    for text in expected:
        assert text in err, (text, err)


def test_age_is_given_in_years(tmp_path, capsys):
    code, err = refused(capsys, "run", str(SCENARIOS / "burt2006.toml"), "--set",
                        'population.age_years={dist="fixed", value=30}', "--quiet", "--output", str(tmp_path / "o"))
    assert code == 2 and 'unit = "years"' in err, err


def test_compare_refuses_economics_over_different_horizons(tmp_path, capsys):
    lifetime = tmp_path / "lifetime.toml"
    lifetime.write_text((SCENARIOS / "standard_care.toml").read_text().replace(
        'currency = "EUR"', 'currency = "EUR"\nhorizon = "lifetime"', 1))
    code, err = refused(capsys, "compare", str(SCENARIOS / "burt2006.toml"), str(lifetime), "--replications", "10",
                        "--quiet", "--output", str(tmp_path / "out"))
    assert code == 2 and "different horizons (7.5 years, lifetime)" in err, err
    assert not (tmp_path / "out").exists()


def test_figures_name_the_horizon_costs_are_counted_over():
    from simulator.questions.compare.economics import counted_over

    burt = load_scenario(SCENARIOS / "burt2006.toml")
    assert counted_over(burt) == "over 7.5 years from enrolment"
    assert counted_over(burt.with_values({"economics.horizon": "lifetime"})) == "from enrolment until death (lifetime)"


def test_deaths_of_other_causes_are_never_treatment_related():
    """Everyone is 100 and nobody dies of lupus: with a TRM window of a year after reinfusion, the deaths in it are
    all of other causes, and TRM stays 0."""
    scenario = tiny(population={"life_table": str(TABLE), "female_fraction": 0.5,
                                "age_years": {"dist": "fixed", "value": 100, "unit": "years"}},
                    outcomes={"trm_stages": ["reinfusion"], "trm_followup_days": 365.0})
    result = run(scenario, replications=50)
    assert np.all(result.values["trm"] == 0.0)
    assert result.values["os_1y"].mean() < 0.8  # many did die within the window
