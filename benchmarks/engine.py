"""Engine benchmark: microseconds per simulated patient, ours against the plain baseline, in one run.

    make bench            # or: python benchmarks/engine.py [--patients N] [--big-patients N] [--startup-only]

Prints one `name: value` per line (a stable format to compare runs). Figures are whole runs of the
public API (`simulator.run`: sampling, SimPy queues, Kaplan-Meier / Aalen-Johansen, aggregation); the
baseline (benchmarks/baseline.py) only simulates. `simpy_*` is the per-patient SimPy engine (`--engine simpy`,
the same histories as ours); `ours_unlimited_{uniforms,pathway,outcomes}_us_per_patient` split a chunk's time
between the per-study random streams, the pathway and the study outcomes. `kept_bytes_per_study` is what the main
process's peak memory grows by per simulated study (from 20,000 to 100,000 studies, written).
`default_run_cpu_seconds` is the CPU of every process of the default run, `default_run_bound_seconds` the shortest
wall time that allows (its start-up, then every core busy). `parent_*` set the main process's serial
CPU against the parallel work of a big run (Amdahl). `power_seconds` and `calibrate_seconds` are whole commands on
2 workers (start-up and the run folder included): README's power example at 2,000 trials per size, and its
calibrate example. `contended_*` is an M/M/2 bed queue through the whole pathway, against Erlang C and, when
installed (`pip install -e '.[bench]'`), Ciw on the same queue (benchmarks/contended.py). `sweep_grid_seconds` is
the explorer's grid (60 points x 2,000 studies of burt2006). `ceiling_speedup` is the machine's own parallel ceiling
(a CPU-bound loop on 1 and on N processes, benchmarks/targets.py) and `whole_run_share_of_ceiling` the whole run's
speed-up on N workers over it (the `run` command as a user waits for it: start-up, simulating, the run folder).
The shortcuts that mirror a library are measured against it (benchmarks/shortcuts.py). `machine_unit_seconds_first`
and `_last` time one unit of the ceiling's CPU-bound loop at the start and at the end (about a second on a quiet
core): well above that, the machine was busy. Each of issue 28's targets ends the output as
`target_*: figure (target): met/missed`.
`make performance` writes docs/performance.md from one run. Compare ratios from one run: machines are noisy.
"""

from __future__ import annotations

import argparse
import math
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from shortcuts import shortcut_rows  # noqa: E402
from targets import SWEEP, Target, paired_rounds, unit_seconds  # noqa: E402

from simulator import load_scenario, run  # noqa: E402
from simulator.engine.pathway import simulate_pathway  # noqa: E402
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms  # noqa: E402
from simulator.outcomes.study import BAND_STUDIES, study_outcomes  # noqa: E402
from simulator.simulation.execution import chunks_of, local_cores  # noqa: E402
from simulator.simulation.options import RunOptions  # noqa: E402

from baseline import simulate_study  # noqa: E402
from contended import contended_rows  # noqa: E402

UNLIMITED = ["resources.isolation_bed.capacity=unlimited"]


def ours(path: Path, patients: int, overrides: list[str], workers: int = 1, engine: str = "fast") -> float:
    """Best of two runs, microseconds per patient."""
    scenario = load_scenario(path, overrides)
    studies = math.ceil(patients / scenario.cohort.size)
    best = math.inf
    for _ in range(2):
        began = time.perf_counter()
        run(scenario, replications=studies, options=RunOptions(workers=workers, engine=engine))
        best = min(best, time.perf_counter() - began)
    return best / (studies * scenario.cohort.size) * 1e6


def parts(path: Path, patients: int, overrides: list[str]) -> dict[str, float]:
    """Microseconds per patient of each part of a chunk in one process, best of two: the per-study random streams
    (uniforms), the pathway (stages, queues, follow-up) and the study outcomes (Kaplan-Meier, Aalen-Johansen,
    costs): where the time of `ours` goes."""
    scenario = load_scenario(path, overrides)
    layout = StreamLayout.for_scenario(scenario)
    blocks = chunks_of(math.ceil(patients / scenario.cohort.size))
    best = dict.fromkeys(["uniforms", "pathway", "outcomes"], math.inf)
    for _ in range(2):
        spent = dict.fromkeys(best, 0.0)
        for block in blocks:
            began = time.perf_counter()
            u = uniforms(scenario.simulation.seed, block, layout, scenario.cohort.max_patients)
            drawn = time.perf_counter()
            studies = StudyStreams(scenario.simulation.seed, block, scenario.cohort.max_patients)
            histories = simulate_pathway(scenario, u, layout, studies=studies)
            walked = time.perf_counter()
            study_outcomes(scenario, histories, scenario.economics, max(0, min(block.stop, BAND_STUDIES) - block.start))
            done = time.perf_counter()
            spent["uniforms"] += drawn - began
            spent["pathway"] += walked - drawn
            spent["outcomes"] += done - walked
        best = {name: min(best[name], spent[name]) for name in best}
    count = blocks[-1].stop * scenario.cohort.size
    return {name: seconds / count * 1e6 for name, seconds in best.items()}


def baseline(path: Path, patients: int, overrides: list[str]) -> float:
    scenario = load_scenario(path, overrides)
    studies = math.ceil(patients / scenario.cohort.size)
    rng = np.random.default_rng(1)
    began = time.perf_counter()
    for _ in range(studies):
        simulate_study(scenario, rng)
    return (time.perf_counter() - began) / (studies * scenario.cohort.size) * 1e6


def million(path: Path, patients: int, workers: int | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, this process and its workers) of a big run on `workers` (default: all
    cores), measured in a fresh process so earlier work does not count."""
    code = (
        "import sys, time, resource, math\n"
        "from simulator import load_scenario, run\n"
        "from simulator.simulation.execution import local_cores\n"
        "from simulator.simulation.options import RunOptions\n"
        "if __name__ == '__main__':\n"
        f"    s = load_scenario({str(path)!r})\n"
        f"    studies = math.ceil({patients} / s.cohort.size)\n"
        f"    t = time.perf_counter(); "
        f"run(s, replications=studies, options=RunOptions(workers={workers or local_cores()}))\n"
        "    wall = time.perf_counter() - t\n"
        "    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "    print(wall, peak / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, peak = out.stdout.split()
    return float(wall), float(peak)


def kept_per_study(path: Path, small: int = 20_000, large: int = 100_000) -> float:
    """Bytes the main process keeps per simulated study (issue 13: at most 1 KB): the growth of its peak RSS from a
    run of `small` studies to one of `large`, each simulated on all cores and written as the command line writes
    it, in a fresh process."""
    code = (
        "import resource, sys, tempfile\n"
        "from simulator import load_scenario, run\n"
        "from simulator.simulation.execution import local_cores\n"
        "from simulator.simulation.options import RunOptions\n"
        "if __name__ == '__main__':\n"
        f"    s = load_scenario({str(path)!r})\n"
        "    result = run(s, replications=int(sys.argv[1]), options=RunOptions(workers=local_cores()))\n"
        "    with tempfile.TemporaryDirectory() as folder:\n"
        "        result.save(folder, processes=local_cores())\n"
        "    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n"
    )
    peaks = [float(subprocess.run([sys.executable, "-c", code, str(studies)], cwd=ROOT, capture_output=True,
                                  text=True, check=True).stdout) for studies in (small, large)]
    return (peaks[1] - peaks[0]) / (large - small)


# --- the parent's serial work against the workers' (issue 13): CPU seconds of each in a fresh process ---
def parent_and_workers(path: Path, patients: int) -> list[tuple[str, object]]:
    """A whole run on all cores, files and figures written as the command line writes them: the parent's CPU
    seconds that are serial (start-up, joining the chunks, summaries, small files) against the parallel work
    (the workers simulating; then formatting the big table and drawing the figures, shared by the parent and
    forked children, report.forked), and the speed-up Amdahl's law then allows at 16 workers. What the parent
    does while the workers compute (loading the libraries that write the results, receiving chunks) is neither:
    it overlaps them, and bounds the parallel part from below."""
    code = (
        "import math, resource, tempfile, time\n"
        "from simulator import RunOptions, load_scenario, run\n"
        "from simulator.report import forked\n"
        "from simulator.simulation import execution\n"
        "from simulator.simulation.execution import local_cores\n"
        "overlapped, shared = [], []\n"
        "on_pool, finish = execution._on_pool, forked.finish\n"
        "def timed_pool(*args):\n"
        "    began = time.process_time()\n"
        "    yield from on_pool(*args)\n"
        "    overlapped.append(time.process_time() - began)\n"
        "def timed_finish(*args, **kwargs):\n"
        "    began = time.process_time()\n"
        "    finish(*args, **kwargs)\n"
        "    shared.append(time.process_time() - began)\n"
        "execution._on_pool, forked.finish = timed_pool, timed_finish\n"
        "if __name__ == '__main__':\n"
        f"    s = load_scenario({str(path)!r})\n"
        f"    r = run(s, replications=math.ceil({patients} / s.cohort.size), "
        "options=RunOptions(workers=local_cores()))\n"
        "    with tempfile.TemporaryDirectory() as folder:\n"
        "        r.save(folder, processes=local_cores())\n"
        "    me, them = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    print(me.ru_utime + me.ru_stime, them.ru_utime + them.ru_stime, sum(overlapped), sum(shared))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    parent, children, overlapped, shared = map(float, out.stdout.split())
    serial, parallel = parent - overlapped - shared, children + shared
    at_16 = serial + max(parallel / 16, overlapped)
    return [("parallel_run_patients", patients), ("parent_cpu_seconds", f"{parent:.1f}"),
            ("parent_serial_cpu_seconds", f"{serial:.2f}"),
            ("parent_while_workers_cpu_seconds", f"{overlapped:.2f}"),
            ("parent_share_of_writing_cpu_seconds", f"{shared:.2f}"),
            ("workers_cpu_seconds", f"{children:.1f}"),
            ("parent_share_of_cpu", f"{serial / (parent + children):.3f}"),
            ("amdahl_speedup_16_workers", f"{(parent + children) / at_16:.1f}")]


# --- start-up and the whole default run (issue 13): wall seconds of fresh processes, best of `repeats` ---

PARTS = """
import sys, time
began = time.perf_counter()
from simulator.scenario.loading import load_scenario
from simulator.simulation.options import RunOptions
from simulator.questions.run.run import run
from simulator.simulation.workers import default_workers, patient_stages
imported = time.perf_counter()
scenario = load_scenario(sys.argv[1])
result = run(scenario, options=RunOptions(workers=default_workers(patient_stages([scenario], None))))
simulated = time.perf_counter()
from simulator.simulation.execution import local_cores
result.save(sys.argv[2], processes=local_cores())
saved = time.perf_counter()
print(imported - began, simulated - imported, saved - simulated)
"""


def _best_wall(command: list[str], repeats: int, expect: int = 0) -> float:
    best = math.inf
    for _ in range(repeats):
        began = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        best = min(best, time.perf_counter() - began)
        if done.returncode != expect:
            raise RuntimeError(f"{command}: exit code {done.returncode}: {done.stderr}")
    return best


def startup(path: Path, repeats: int = 5) -> list[tuple[str, object]]:
    """`hsct-sim --help`, a refused flag, a refused scenario value and the default run of `path` as whole
    processes, and the default run's parts measured inside one process as the command line does them (the
    imports before simulating; simulating, with the results' libraries loaded meanwhile where it runs on workers;
    saving the run folder: the figures drawn by forked children while this process loads what is left of pandas
    and writes the tables, then report.html)."""
    import tempfile

    cli = [sys.executable, "-m", "simulator"]
    rows: list[tuple[str, object]] = [
        ("startup_import_cli_seconds", f"{_best_wall([sys.executable, '-c', 'import simulator.cli'], repeats):.3f}"),
        ("startup_help_seconds", f"{_best_wall([*cli, '--help'], repeats):.3f}"),
        ("startup_bad_flag_seconds", f"{_best_wall([*cli, 'run', str(path), '--workers', 'x'], repeats, 2):.3f}"),
        ("startup_bad_scenario_seconds",
         f"{_best_wall([*cli, 'run', str(path), '--set', 'cohort.size=-1'], repeats, 2):.3f}"),
    ]
    with tempfile.TemporaryDirectory() as temporary:
        runs = [Path(temporary) / f"run{i}" for i in range(repeats)]
        best, cpu = math.inf, math.inf
        for folder in runs:
            began, used = time.perf_counter(), _children_cpu()
            subprocess.run([*cli, "run", str(path), "--quiet", "--output", str(folder)], cwd=ROOT,
                           capture_output=True, check=True)
            best, cpu = min(best, time.perf_counter() - began), min(cpu, _children_cpu() - used)
        rows += [("default_run_seconds", f"{best:.3f}"), ("default_run_cpu_seconds", f"{cpu:.3f}")]
        parts = [math.inf] * 3
        for number in range(repeats):
            folder = Path(temporary) / f"parts{number}"
            out = subprocess.run([sys.executable, "-c", PARTS, str(path), str(folder)], cwd=ROOT,
                                 capture_output=True, text=True, check=True)
            parts = [min(a, float(b)) for a, b in zip(parts, out.stdout.split())]
    names = ["import", "simulate", "save"]
    rows += [(f"default_run_{name}_seconds", f"{seconds:.3f}") for name, seconds in zip(names, parts)]
    # the shortest wall time this CPU allows: the start-up alone, then every core busy until the end
    rows.append(("default_run_bound_seconds", f"{parts[0] + (cpu - parts[0]) / local_cores():.3f}"))
    return rows


def _children_cpu() -> float:
    """CPU seconds of every finished child process and its own children (workers, forked writers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


POWER = ["power", "scenarios/burt2006.toml", "scenarios/ebmt2004.toml", "--sizes", "20,50,100,200",
         "--replications", "2000"]
CALIBRATE = ["calibrate", "scenarios/burt2006.toml", "--target", "os_5y=0.84", "--target", "dfs_5y=0.50",
             "--free", "followup.relapse.rate_per_year=0.05:0.3",
             "--free", "followup.death_after_relapse.rate_per_year=0.02:0.3"]  # the README example


def command_seconds(arguments: list[str], runs: int) -> float:
    """Best wall seconds of `hsct-sim ARGUMENTS` on 2 workers, start-up and writing the run folder included."""
    best = math.inf
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "simulator", *arguments, "--workers", "2", "--quiet",
                            "--output", str(Path(folder) / "run")], cwd=ROOT, capture_output=True, check=True)
            best = min(best, time.perf_counter() - began)
    return best


def question_rows(runs: int) -> list[tuple[str, object]]:
    """The commands beyond `run` that simulate many studies: power (4 sizes x 2,000 trials), calibrate, and the
    explorer's sweep grid (60 points x 2,000 studies; once: it is the longest), with its CPU over the cores: the
    wall time it would take with every core its own."""
    used = _children_cpu()
    sweep = command_seconds(SWEEP, 1)
    sweep_bound = (_children_cpu() - used) / local_cores()  # before power and calibrate add their own CPU
    return [
        ("power_seconds", f"{command_seconds(POWER, runs):.1f}"),
        ("calibrate_seconds", f"{command_seconds(CALIBRATE, runs):.1f}"),
        ("sweep_grid_seconds", f"{sweep:.1f}"),
        ("sweep_grid_cpu_bound_seconds", f"{sweep_bound:.1f}"),
    ]


def run_command_seconds(path: Path, patients: int, workers: int) -> float:
    """Wall seconds of `hsct-sim run` on `patients` patients and `workers` workers, as a user waits for it: start-up,
    simulating, and writing the run folder (figures, tables, report) on as many processes."""
    studies = math.ceil(patients / load_scenario(path).cohort.size)
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "simulator", "run", str(path), "--replications", str(studies),
                        "--workers", str(workers), "--quiet", "--output", str(Path(folder) / "run")], cwd=ROOT,
                       capture_output=True, check=True)
        return time.perf_counter() - began


def parallel_rows(path: Path, patients: int) -> list[tuple[str, object]]:
    """The machine's parallel ceiling and the whole run's speed-up (the `run` command, start-up and run folder
    included) on every core against one worker, measured in turn in each round; the medians over rounds, and the
    median of each round's speed-up over its ceiling."""
    cores = local_cores()
    rounds = paired_rounds(cores, lambda: run_command_seconds(path, patients, 1),
                           lambda: run_command_seconds(path, patients, cores))
    return [("ceiling_processes", cores),
            ("ceiling_speedup", f"{statistics.median(limit for limit, _ in rounds):.2f}"),
            ("whole_run_patients", patients),
            ("whole_run_speedup", f"{statistics.median(speedup for _, speedup in rounds):.2f}"),
            ("whole_run_share_of_ceiling", f"{statistics.median(speedup / limit for limit, speedup in rounds):.2f}")]


def targets(rows: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """Issue 28's targets from the figures above, each with its bound and met/missed."""
    figure = {name: str(value).split()[0] for name, value in rows}
    ceiling = (f"ceiling {figure['ceiling_speedup']}x on {figure['ceiling_processes']} processes, whole run "
               f"{figure['whole_run_speedup']}x")
    amdahl = f"Amdahl: {figure['amdahl_speedup_16_workers']}x on 16 workers"
    found = [
        Target("whole_run_share_of_ceiling", float(figure["whole_run_share_of_ceiling"]), 0.9, False, "", ceiling),
        Target("parent_share_of_cpu", float(figure["parent_share_of_cpu"]), 0.03, True, "", amdahl),
        Target("default_run_seconds", float(figure["default_run_seconds"]), 1.0, True, " s"),
        Target("power_seconds", float(figure["power_seconds"]), 8.0, True, " s"),
        Target("calibrate_seconds", float(figure["calibrate_seconds"]), 10.0, True, " s"),
        Target("sweep_grid_seconds", float(figure["sweep_grid_seconds"]), 30.0, True, " s"),
    ]
    if "contended_speedup_vs_ciw" in figure:
        found.append(Target("contended_speedup_vs_ciw", float(figure["contended_speedup_vs_ciw"]), 5.0, False, "x"))
    return [target.line() for target in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "burt2006.toml")
    parser.add_argument("--patients", type=int, default=200_000, help="patients for ours (default 200,000)")
    parser.add_argument("--baseline-patients", type=int, default=20_000, help="patients for the baseline")
    parser.add_argument("--simpy-patients", type=int, default=50_000, help="patients for the SimPy engine")
    parser.add_argument("--big-patients", type=int, default=1_000_000, help="patients of the all-cores run")
    parser.add_argument("--parallel-patients", type=int, default=2_000_000,
                        help="patients of the run that sets the parent's work against the workers'")
    parser.add_argument("--startup-only", action="store_true", help="only the start-up and default-run lines")
    parser.add_argument("--question-runs", type=int, default=2, help="runs of power and calibrate (best kept)")
    args = parser.parse_args()
    if args.startup_only:
        for name, value in startup(args.scenario):
            print(f"{name}: {value}")
        return

    unit_before = unit_seconds()
    rows: list[tuple[str, object]] = [
        ("scenario", args.scenario.name),
        ("python", platform.python_version()),
        ("numpy", np.__version__),
        ("simpy", simpy.__version__),
        ("cores", local_cores()),
        ("patients_ours", args.patients),
        ("patients_baseline", args.baseline_patients),
        ("patients_simpy", args.simpy_patients),
    ]
    base = baseline(args.scenario, args.baseline_patients, [])
    base_unlimited = baseline(args.scenario, args.baseline_patients, UNLIMITED)
    with_beds = ours(args.scenario, args.patients, [])
    unlimited = ours(args.scenario, args.patients, UNLIMITED)
    two = ours(args.scenario, args.patients, [], workers=2)
    simpy_engine = ours(args.scenario, args.simpy_patients, [], engine="simpy")
    simpy_unlimited = ours(args.scenario, args.simpy_patients, UNLIMITED, engine="simpy")
    unlimited_parts = parts(args.scenario, args.patients, UNLIMITED)
    wall, peak = million(args.scenario, args.big_patients)
    rows += [
        ("baseline_us_per_patient", f"{base:.2f}"),
        ("ours_us_per_patient", f"{with_beds:.2f}"),
        ("speedup_vs_baseline", f"{base / with_beds:.1f}"),
        ("baseline_unlimited_us_per_patient", f"{base_unlimited:.2f}"),
        ("ours_unlimited_us_per_patient", f"{unlimited:.2f}"),
        ("speedup_unlimited_vs_baseline", f"{base_unlimited / unlimited:.1f}"),
        *[(f"ours_unlimited_{name}_us_per_patient", f"{value:.2f}") for name, value in unlimited_parts.items()],
        ("ours_2_workers_us_per_patient", f"{two:.2f}"),
        ("speedup_2_workers_vs_1", f"{with_beds / two:.2f}"),
        ("simpy_us_per_patient", f"{simpy_engine:.2f}"),
        ("simpy_unlimited_us_per_patient", f"{simpy_unlimited:.2f}"),
        ("ours_speedup_vs_simpy", f"{simpy_engine / with_beds:.1f}"),
        ("simpy_speedup_vs_baseline", f"{base / simpy_engine:.1f}"),
        ("big_run_patients", args.big_patients),
        ("big_run_wall_seconds", f"{wall:.1f}"),
        ("big_run_peak_rss_mb", f"{peak:.0f}"),
        ("kept_bytes_per_study", f"{kept_per_study(args.scenario):.0f}"),
    ]
    rows += contended_rows()
    rows += parent_and_workers(args.scenario, args.parallel_patients)
    rows += startup(args.scenario)
    rows += question_rows(args.question_runs)
    rows += parallel_rows(args.scenario, args.big_patients)
    rows += shortcut_rows()
    rows += [("machine_unit_seconds_first", f"{unit_before:.2f}"),
             ("machine_unit_seconds_last", f"{unit_seconds():.2f}")]
    rows += targets(rows)
    for name, value in rows:
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
