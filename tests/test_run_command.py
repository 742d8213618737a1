"""`hsct-sim run`: the run folder, its files and figures, and reproducibility."""

import json

import numpy as np
import pandas as pd

from simulator import load_scenario, run
from simulator.cli import main
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms
from simulator.outcomes.patients import COLUMNS
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")


def test_run_writes_a_complete_run_folder(in_tmp_cwd, capsys):
    assert main(["run", BURT, "--replications", "40", "--patients-log", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "os_5y" in printed and "0.840" in printed  # the published target is shown beside the estimate
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # run folders: outputs/ also holds index.html
    assert folder.name.startswith("run-burt_2006_northwestern-")
    files = {p.name for p in folder.iterdir()}
    assert files == {"manifest.json", "report.html", "summary.csv", "summary.json", "summary.txt", "replications.csv",
                     "patients.parquet", "figure_data",
                     "km_os.png", "km_dfs.png", "trm.png", "occupancy_isolation_bed.png", "waits_isolation_bed.png"}
    assert (folder / "summary.csv").read_text().splitlines()[0] == "outcome,estimate,mc_se,lower,upper,evaluable"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == 2006 and manifest["replications"] == 40
    assert manifest["scenario"]["cohort"]["size"] == 50 and "wall_seconds" in manifest
    studies = pd.read_csv(folder / "replications.csv")
    assert len(studies) == 40 and "os_5y" in studies
    patients = pd.read_parquet(folder / "patients.parquet")
    assert tuple(patients.columns) == COLUMNS and len(patients) == 40 * 50
    dead = patients["death_day"].notna()
    for text in ("death_cause", "death_stage"):  # text where the patient died, a real null (not "") elsewhere
        assert patients.loc[dead, text].notna().all() and (patients.loc[dead, text] != "").all(), text
        assert patients.loc[~dead, text].isna().all(), text
    assert dead.any() and (~dead).any()
    assert (patients.groupby("replication")["enrolment_day"].min() == 0).all()
    assert (patients["last_followup_day"] >= patients["enrolment_day"]).all()


def test_output_flag_names_the_folder_exactly(in_tmp_cwd):
    assert main(["run", BURT, "--replications", "5", "--quiet", "--output", "mine"]) == 0
    assert (in_tmp_cwd / "mine" / "summary.csv").is_file()
    assert [p.name for p in in_tmp_cwd.iterdir() if p.name.startswith(".")] == []  # no partial folder left


def test_same_scenario_and_seed_give_identical_summary(in_tmp_cwd):
    for name in ("a", "b"):
        assert main(["run", BURT, "--replications", "30", "--seed", "5", "--quiet", "--output", name]) == 0
    assert (in_tmp_cwd / "a" / "summary.csv").read_bytes() == (in_tmp_cwd / "b" / "summary.csv").read_bytes()
    assert main(["run", BURT, "--replications", "30", "--seed", "6", "--quiet", "--output", "c"]) == 0
    assert (in_tmp_cwd / "a" / "summary.csv").read_bytes() != (in_tmp_cwd / "c" / "summary.csv").read_bytes()


def test_results_do_not_depend_on_chunking():
    scenario = load_scenario(BURT)
    whole = run(scenario, replications=60, options=RunOptions(chunk_size=60))
    pieces = run(scenario, replications=60, options=RunOptions(chunk_size=7))
    for outcome in whole.values:
        assert np.array_equal(whole.values[outcome], pieces.values[outcome], equal_nan=True), outcome
    assert whole.summary.equals(pieces.summary)


def test_figures_say_what_they_show():
    result = run(load_scenario(BURT), replications=30)
    os_axes = result.plot_survival("os").axes[0]
    assert "Overall survival after reinfusion" in os_axes.get_title()
    assert "30 simulated studies of 50 patients" in os_axes.get_title()
    assert os_axes.get_xlabel() == "Years since reinfusion"
    legend = [t.get_text() for t in os_axes.get_legend().get_texts()]
    assert legend[-3:] == ["95% of simulated studies (2.5-97.5 percentiles)",
                           "Mean of the studies' Kaplan-Meier curves (the table's estimate at 1, 3 and 5 y);\n"
                           "dashed from where not every study still follows a patient",
                           "Published: Burt 2006 (Northwestern)"]
    (marker,) = [line for line in os_axes.get_lines() if line.get_marker() == "D"]
    assert marker.get_xydata().tolist() == [[5.0, 0.84]]
    dfs_axes = result.plot_survival("dfs").axes[0]
    assert "Disease-free survival" in dfs_axes.get_title()
    trm_axes = result.plot_trm().axes[0]
    assert "Treatment-related mortality" in trm_axes.get_title()
    assert any("Published: 2.0%" in t.get_text() for t in trm_axes.get_legend().get_texts())
    assert len(trm_axes.patches) >= 2  # bars of the study-level TRM distribution


def test_skipping_simpy_where_nobody_waits_is_exact():
    """The queue runs in SimPy only in busy periods where the bed is full; running SimPy on every patient
    must give the same histories (to rounding of SimPy's clock)."""
    for capacity in (1, 2):
        scenario = load_scenario(BURT, [f"resources.isolation_bed.capacity={capacity}",
                                        'waiting.death={dist="exponential", rate_per_year=20}'])
        layout = StreamLayout.for_scenario(scenario)
        u = uniforms(11, range(200), layout, scenario.cohort.max_patients)
        studies = StudyStreams(11, range(200), scenario.cohort.max_patients)  # burt2006's flares draw further
        fast = simulate_pathway(scenario, u, layout, studies=studies)
        full = simulate_pathway(scenario, u, layout, always_queue=True, studies=studies)
        assert np.nanmax(fast.queues["isolation_bed"].wait) > 0
        assert (fast.death_stage == fast.stage_labels.index("waiting for isolation_bed")).any()
        for field in ("reinfusion", "relapse", "death", "withdrawal"):
            a, b = getattr(fast, field), getattr(full, field)
            assert np.array_equal(np.isinf(a), np.isinf(b)) and np.allclose(a, b, atol=1e-9, rtol=0), field
        assert np.array_equal(fast.death_stage, full.death_stage)
        assert np.allclose(
            fast.queues["isolation_bed"].wait, full.queues["isolation_bed"].wait, atol=1e-9, equal_nan=True
        )
