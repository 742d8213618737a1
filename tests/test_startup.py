"""Start-up stays fast: `hsct-sim --help` and a run refused for bad input do not load the heavy libraries
(numpy, pandas, matplotlib, scipy), which take about a second together. Checked by the modules loaded, not by a
clock, so the test does not depend on how busy the machine is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "pandas", "matplotlib", "scipy", "simpy", "dask", "distributed")
# Runs the command line in a fresh interpreter, then prints which heavy libraries it loaded and its exit code.
PROBE = """
import sys
from simulator.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(sorted({name.partition('.')[0] for name in sys.modules} & set(%r)), code)
""" % (HEAVY,)


def _loaded(*argv: str) -> tuple[str, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    loaded, _, code = done.stdout.strip().splitlines()[-1].rpartition(" ")
    return loaded, code


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sweep", "--help"], ["validate", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    assert _loaded(*argv) == ("[]", "0")


def test_a_bad_flag_loads_no_heavy_library() -> None:
    assert _loaded("run", "scenarios/burt2006.toml", "--workers", "none") == ("[]", "2")


def test_a_bad_scenario_loads_no_heavy_library(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text((ROOT / "scenarios" / "burt2006.toml").read_text().replace("size = 50", "size = -3"))
    assert _loaded("run", str(scenario), "--output", str(tmp_path / "out")) == ("[]", "2")
    assert not (tmp_path / "out").exists()


def test_the_probe_sees_the_libraries_a_run_loads(tmp_path: Path) -> None:
    """The check itself can fail: a command that does load the libraries is caught."""
    loaded, code = _loaded("run", "scenarios/burt2006.toml", "--replications", "2", "--quiet", "--workers", "1",
                           "--output", str(tmp_path / "out"))
    assert (code, "pandas" in loaded, "matplotlib" in loaded) == ("0", True, True)


def test_small_runs_stay_in_process_and_big_ones_use_every_core() -> None:
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.execution import local_cores
    from simulator.simulation.workers import IN_PROCESS_PATIENT_STAGES, default_workers, patient_stages

    burt = load_scenario(ROOT / "scenarios" / "burt2006.toml")
    assert patient_stages([burt], None) == 2000 * 50 * 6  # its default: on every core, where it ran faster
    assert patient_stages([burt, burt], 10) == 2 * 10 * 50 * 6
    assert default_workers(patient_stages([burt], None)) == local_cores()
    assert default_workers(patient_stages([burt], 250)) == 1  # one chunk: nothing to share
    assert default_workers(IN_PROCESS_PATIENT_STAGES - 1) == 1
    assert default_workers(IN_PROCESS_PATIENT_STAGES) == local_cores()
    assert default_workers(None) == local_cores()


def test_the_run_folder_is_written_by_the_workers_asked_for_else_by_every_core() -> None:
    from argparse import Namespace

    from simulator.commands.common import writing_processes
    from simulator.simulation.execution import local_cores

    assert writing_processes(Namespace(workers=1)) == 1  # --workers 1: one process throughout
    assert writing_processes(Namespace(workers=None)) == local_cores()  # figures outlast a small simulation
    assert writing_processes(Namespace(workers=10_000)) == local_cores()


# A program whose main prints without a newline (left in stdout's buffer: a pipe), registers an exit handler as a
# library would, and holds an object the interpreter's finalisation would free, saying so
EXITING = """
import atexit, sys
from simulator import cli
class Kept:
    def __del__(self):
        print("freed by the interpreter's finalisation")
kept = Kept()
def main(**how):
    atexit.register(print, "the library's exit handler ran")
    print("printed by main, ", end="")
    return 3
cli.main = main
sys.exit(cli.command_line() if sys.argv[1] == "program" else main())
"""


@pytest.mark.parametrize("how", ["program", "main"])
def test_the_program_leaves_once_every_exit_handler_has_run_but_main_does_not(how: str) -> None:
    """The console script skips the interpreter's finalisation (freeing pandas' and matplotlib's objects one by
    one took a sixth of the default run) but not the libraries' exit handlers, and exits with main's code, its
    output flushed; `main`, called by tests and notebooks, leaves the process to finish as Python does."""
    done = subprocess.run([sys.executable, "-c", EXITING, how], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 3
    assert done.stdout.startswith("printed by main, the library's exit handler ran\n")
    assert ("freed by the interpreter's finalisation" in done.stdout) == (how == "main")


def test_output_that_cannot_be_written_at_exit_is_reported_as_python_does() -> None:
    """Where flushing at exit fails (here standard output's descriptor is closed after main printed), the quick
    exit steps aside: the program says so and exits as Python does without it."""
    code = EXITING.replace("import atexit", "import atexit, os")
    code = code.replace("    return 3", "    os.close(1)\n    return 3")
    ends = {how: subprocess.run([sys.executable, "-c", code, how], cwd=ROOT, capture_output=True, text=True,
                                timeout=60) for how in ("program", "main")}
    program, main = ((done.returncode, "Bad file descriptor" in done.stderr) for done in ends.values())
    assert program == main == (3, True), ends


def test_quick_commands_know_the_version_without_reading_package_metadata() -> None:
    """`--help` and `--version` answer without importlib.metadata (a third of their start-up), and the version
    they print is the one the installed package's metadata records (pyproject reads simulator/version.py)."""
    from importlib.metadata import version

    from simulator.version import __version__

    for argv in (["--help"], ["--version"]):
        done = subprocess.run(
            [sys.executable, "-c", "import sys\nfrom simulator.cli import main\ntry:\n    main(sys.argv[1:])\n"
             "except SystemExit:\n    pass\nprint('importlib.metadata' in sys.modules)", *argv],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.stdout.strip().splitlines()[-1] == "False", argv
    printed = subprocess.run([sys.executable, "-m", "simulator", "--version"], cwd=ROOT, capture_output=True,
                             text=True, timeout=60).stdout
    assert printed.strip() == f"hsct-sim {__version__}" == f"hsct-sim {version('hsct-sim')}"
