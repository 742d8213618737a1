"""Runs of many studies: curves and occupancy kept for the first BAND_STUDIES studies only (memory grows with
studies by their outcomes alone), said in the figures, and the per-study table as Parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator import RunOptions, load_scenario, run
from simulator.cli import main
from simulator.outcomes import study
from simulator.report.plots import occupancy_band, survival_band
from simulator.simulation import memory, runner

from helpers import SCENARIOS

CENTRE = SCENARIOS / "centre_capacity.toml"


@pytest.fixture
def band_of_30(monkeypatch):
    monkeypatch.setattr(runner, "BAND_STUDIES", 30)


def test_curves_and_occupancy_are_those_of_the_first_studies_whatever_the_chunks(band_of_30):
    scenario = load_scenario(CENTRE, ["cohort.referrals.rate_per_year=10"])
    kept = run(scenario, replications=100, options=RunOptions(chunk_size=7, workers=2))
    whole = run(scenario, replications=30)  # fewer studies than the band: all kept
    for name, curves in kept.curves.items():
        assert curves.shape[0] == 30
        np.testing.assert_array_equal(curves, whole.curves[name])
    for resource, weekly in kept.occupancy.items():
        np.testing.assert_array_equal(weekly, whole.occupancy[resource])
    assert len(kept.values["trm"]) == 100  # every study's outcomes


def test_studies_past_the_band_give_the_same_outcomes_read_at_the_landmarks_alone(band_of_30, monkeypatch):
    """Past the band, the estimators are read at the landmarks only (no curve on the monthly grid): every
    outcome is the same, to the bit, as when the whole curve is built, on every shipped scenario."""
    scenarios = [load_scenario(path) for path in sorted(SCENARIOS.glob("*.toml"))]
    past_band = [run(s, replications=60, options=RunOptions(chunk_size=30)) for s in scenarios]  # 30-59: no curves
    monkeypatch.setattr(runner, "BAND_STUDIES", 10**9)  # every study with its curves
    for scenario, result in zip(scenarios, past_band):
        every_curve = run(scenario, replications=60, options=RunOptions(chunk_size=30))
        assert result.values.keys() == every_curve.values.keys()
        for name, values in every_curve.values.items():
            np.testing.assert_array_equal(result.values[name], values, err_msg=f"{scenario.metadata.name}: {name}")


def test_figures_say_their_bands_come_from_the_first_studies(band_of_30):
    result = run(load_scenario(CENTRE, ["cohort.referrals.rate_per_year=10"]), replications=50)
    labels = [t.get_text() for t in survival_band(result, "os").axes[0].get_legend().get_texts()]
    assert any("95% of the first 30 simulated studies" in label for label in labels), labels
    labels = [t.get_text() for t in occupancy_band(result, "isolation_bed").axes[0].get_legend().get_texts()]
    assert any("Mean over the first 30 simulated studies" in label for label in labels), labels
    whole = run(load_scenario(CENTRE, ["cohort.referrals.rate_per_year=10"]), replications=20)
    labels = [t.get_text() for t in survival_band(whole, "os").axes[0].get_legend().get_texts()]
    assert any(label.startswith("95% of simulated studies") for label in labels), labels


@pytest.mark.parametrize("name", ["ebmt2004", "burt2006"])
def test_memory_kept_per_study_is_its_outcomes_past_the_band(name):
    """At most 16 bytes per outcome: under 1 KB even for burt2006's 46 outcomes, costs and QALYs included (the
    README says so; the benchmark measures it)."""
    scenario = load_scenario(SCENARIOS / f"{name}.toml")
    options = RunOptions(workers=1)
    small = memory.run_need(scenario, study.BAND_STUDIES, options).kept
    large = memory.run_need(scenario, 10 * study.BAND_STUDIES, options).kept
    per_study = (large - small) / (9 * study.BAND_STUDIES)
    assert per_study == memory.KEPT_FACTOR * 8 * len(scenario.outcome_names) <= 1024


def test_a_run_writes_its_table_from_its_own_arrays_and_hands_out_copies():
    """replications.csv is written from the outcome arrays themselves (a copy of millions of rows would double the
    run's memory); `studies`, for the user, is a copy: changing it leaves the result as it was."""
    result = run(load_scenario(SCENARIOS / "burt2006.toml"), replications=40)
    written = result.tables()["replications.csv"]
    assert all(np.shares_memory(written[name].to_numpy(), values) for name, values in result.values.items())
    studies = result.studies
    trm = result.values["trm"].copy()
    studies.loc[:, "trm"] = -1.0
    np.testing.assert_array_equal(result.values["trm"], trm)
    pd.testing.assert_frame_equal(written, result.studies)


def test_chunks_arriving_in_any_order_join_into_study_order(band_of_30):
    """Workers return chunks as they finish: each is copied into place, and the result is that of one chunk."""
    scenario = load_scenario(CENTRE, ["cohort.referrals.rate_per_year=10"])
    blocks = [range(start, min(start + 9, 50)) for start in range(0, 50, 9)]
    joining = runner._Studies(len(blocks), 50)
    for number in [3, 0, 5, 1, 4, 2]:
        joining.add(number, runner.simulate_chunk(scenario, 7, blocks[number]))
    assert joining.complete
    joined = joining.result(scenario, 7, 0.0)
    whole = runner.simulate_chunk(scenario, 7, range(50))
    for name, values in whole.values.items():
        np.testing.assert_array_equal(joined.values[name], values, err_msg=name)
    for name, curves in whole.curves.items():
        np.testing.assert_array_equal(joined.curves[name], curves, err_msg=name)
    for name, weekly in whole.occupancy.items():
        np.testing.assert_array_equal(joined.occupancy[name], weekly, err_msg=name)
    for name, counts in whole.wait_counts.items():
        np.testing.assert_array_equal(joined.wait_counts[name], counts, err_msg=name)


def test_parquet_holds_the_same_table_as_csv(in_tmp_cwd):
    burt = str(SCENARIOS / "burt2006.toml")
    common = ["run", burt, "--replications", "30", "--quiet"]
    assert main([*common, "--output", "csv"]) == 0
    assert main([*common, "--output", "parquet", "--format", "parquet"]) == 0
    assert not (in_tmp_cwd / "parquet" / "replications.csv").exists()
    from_csv = pd.read_csv(in_tmp_cwd / "csv" / "replications.csv", float_precision="round_trip")
    from_parquet = pd.read_parquet(in_tmp_cwd / "parquet" / "replications.parquet")
    pd.testing.assert_frame_equal(from_parquet, from_csv, check_exact=True)
    assert (in_tmp_cwd / "parquet" / "summary.csv").read_bytes() == (in_tmp_cwd / "csv" / "summary.csv").read_bytes()


def test_a_chunk_is_never_cast_down_to_the_first_chunks_type():
    joining = runner._Studies(2, 4)
    joining.add(0, runner.Chunk(range(0, 2), {"x": np.array([1, 2])}, {}, {}, {}))
    with pytest.raises(TypeError):
        joining.add(1, runner.Chunk(range(2, 4), {"x": np.array([0.5, 1.5])}, {}, {}, {}))
