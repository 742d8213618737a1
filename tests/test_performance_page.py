"""docs/performance.md comes from the benchmark's output, never typed: each target line becomes a row with its
verdict, the shortcuts' table holds the measured shares, and a target is met only on the right side of its bound."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import performance_page  # noqa: E402
from targets import Target  # noqa: E402

OUTPUT = """cores: 2
python: 3.11.7
ceiling_processes: 2
ceiling_speedup: 1.80
whole_run_patients: 1000000
whole_run_speedup: 1.62
whole_run_share_of_ceiling: 0.90
csv_table_seconds: 0.100
csv_table_library_seconds: 0.300
csv_table_gain_share: 0.150
target_default_run_seconds: 1.2 s (target < 1 s; 1.20 of it): missed
target_whole_run_share_of_ceiling: 0.9 (target >= 0.9; 1.00 of it; ceiling 1.80x on 2 processes): met
"""


def test_each_target_line_is_a_row_with_its_verdict():
    page = performance_page.page(OUTPUT)
    assert "| default_run_seconds | 1.2 s (target < 1 s; 1.20 of it) | missed |" in page
    assert ("| whole_run_share_of_ceiling | 0.9 (target >= 0.9; 1.00 of it; ceiling 1.80x on 2 processes) | met |"
            in page)
    assert "1.80x" in page and "1.62x" in page  # the speed-up beside the ceiling
    assert "| simulator/report/csv_table.py | pandas `DataFrame.to_csv` | 0.100 | 0.300 | 0.150 |" in page
    assert OUTPUT.strip() in page  # the whole output, as it came


def test_a_target_is_met_only_on_its_side_of_the_bound():
    assert Target("t", 0.99, 1.0, True, " s").met and not Target("t", 1.01, 1.0, True, " s").met
    assert Target("r", 0.9, 0.9, False, "").met and not Target("r", 0.89, 0.9, False, "").met
    assert Target("t", 1.2, 1.0, True, " s").line() == ("target_t", "1.2 s (target < 1 s; 1.20 of it): missed")
    assert Target("r", 0.85, 0.9, False, "", "ceiling 1.8x").line() == (
        "target_r", "0.85 (target >= 0.9; 0.94 of it; ceiling 1.8x): missed")


def test_the_benchmarks_split_of_a_chunk_runs_on_a_flare_scenario():
    """`make bench` times a chunk's parts through the engine's own entry points; a scenario with flare episodes
    (which draw further streams of the studies) must go through them as a run does."""
    import engine  # benchmarks/engine.py

    parts = engine.parts(ROOT / "scenarios" / "standard_care.toml", 200, [])
    assert set(parts) == {"uniforms", "pathway", "outcomes"} and all(value > 0 for value in parts.values())


def test_the_benchmarks_serial_share_and_default_run_parts_run_against_the_current_code():
    """`make bench` wraps the parent's pool and forked writing to split its CPU, and times the default run's
    parts by the package's own calls: a change of their signatures must fail here, not in a benchmark run."""
    import engine  # benchmarks/engine.py

    rows = dict(engine.parent_and_workers(ROOT / "scenarios" / "burt2006.toml", 20_000))
    assert 0 < float(rows["parent_share_of_cpu"]) < 1 and float(rows["workers_cpu_seconds"]) > 0
    rows = dict(engine.startup(ROOT / "scenarios" / "burt2006.toml", repeats=1))
    assert all(float(rows[f"default_run_{part}_seconds"]) > 0 for part in ("import", "simulate", "save"))
