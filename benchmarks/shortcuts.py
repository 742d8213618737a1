"""Each shortcut that mirrors a library for speed, against that library, as a share of the user-visible run it
serves (issue 24: keep one only where it buys at least 10% of such a run).

    python benchmarks/shortcuts.py

Prints `name: value` lines, as benchmarks/engine.py (which includes them). For each shortcut: the seconds of
the shortcut and of the library doing the same work (the best of each, the two taking turns), and
`<name>_gain_share`, the seconds saved over the wall time of the run it serves (the default run; for the CSV
writer also a run of a million patients, whose per-study table is big). The shortcuts that work on every core
(figures, the big table) can gain only as much as the machine's ceiling at that moment allows
(`shortcut_ceiling_speedup`). Shares, not seconds, are what to compare between machines.
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import ceiling_round  # noqa: E402

from simulator import load_scenario, run  # noqa: E402
from simulator.report import drawing  # noqa: E402
from simulator.report.csv_table import write_csv  # noqa: E402
from simulator.scenario.normal_quantile import normal_quantile  # noqa: E402
from simulator.simulation.execution import local_cores  # noqa: E402
from simulator.simulation.options import RunOptions  # noqa: E402

SCENARIO = ROOT / "scenarios" / "burt2006.toml"
BIG_STUDIES = 20_000  # a million patients of burt2006


def in_turns(actions: Sequence[Callable[[], object]], repeats: int = 3) -> list[float]:
    """Shortest wall seconds of each action, the actions taking turns `repeats` times: a shortcut and its library
    are compared in the same moments of a machine whose load drifts."""
    shortest = [math.inf] * len(actions)
    for _ in range(repeats):
        for number, action in enumerate(actions):
            began = time.perf_counter()
            action()
            shortest[number] = min(shortest[number], time.perf_counter() - began)
    return shortest


def fresh(code: str) -> Callable[[], object]:
    """A fresh interpreter running `code`."""
    return lambda: subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)


def command(module_code: str, arguments: list[str]) -> Callable[[], object]:
    """The command line `arguments` run by `module_code` in a fresh interpreter, into a new folder."""
    def once() -> None:
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([sys.executable, "-c", module_code, *arguments, "--quiet", "--output",
                            str(Path(folder) / "run")], cwd=ROOT, check=True, capture_output=True)
    return once


CONSOLE = "import sys; from simulator.cli import command_line; sys.exit(command_line())"
PLAIN_EXIT = "import sys; from simulator.cli import main; sys.exit(main())"


def shortcut_rows() -> list[tuple[str, object]]:
    """The shortcuts' seconds against their libraries', and each one's gain as a share of the run it serves."""
    import pandas as pd
    import scipy

    rows: list[tuple[str, object]] = [("pandas", pd.__version__), ("scipy", scipy.__version__),
                                      ("shortcut_ceiling_speedup", f"{ceiling_round(local_cores()):.2f}")]
    default = ["run", str(SCENARIO)]
    # the quick exit (cli.command_line) against Python's own finalisation
    default_wall, plain = in_turns([command(CONSOLE, default), command(PLAIN_EXIT, default)], 5)
    rows.append(("shortcut_default_run_seconds", f"{default_wall:.3f}"))
    rows += _gain("quick_exit", default_wall, plain, default_wall)

    # report/csv_table.py against DataFrame.to_csv on the default run's tables (it writes them on every core)
    scenario = load_scenario(SCENARIO)
    result = run(scenario, options=RunOptions(workers=local_cores()))
    studies = result.studies
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        ours, theirs = in_turns([lambda: write_csv(studies, folder / "ours.csv", local_cores()),
                                 lambda: studies.to_csv(folder / "pandas.csv", index=False)])
        same = (folder / "ours.csv").read_bytes() == (folder / "pandas.csv").read_bytes()
        rows += [*_gain("csv_table", ours, theirs, default_wall), ("csv_table_same_bytes", same)]

        # report/forked.py figure drawing on every core against one process
        figures = result.figure_files()
        on_all, on_one = in_turns([lambda: drawing.draw(figures, folder, local_cores()),
                                   lambda: drawing.draw(figures, folder, 1)], 2)
        rows += _gain("forked_figures", on_all, on_one, default_wall)

    # scenario/normal_quantile.py against scipy.special.ndtri: what it saves is importing scipy in a process that
    # simulates lognormal durations (the default run's parent, whose workers fork from it)
    bare, with_scipy = in_turns([fresh("import numpy, pandas"), fresh("import numpy, pandas, scipy.special")], 5)
    rows += _gain("normal_quantile", bare, with_scipy, default_wall)
    from scipy import special

    u = np.random.default_rng(1).random(1_000_000)
    rows.append(("normal_quantile_max_abs_difference",
                 f"{float(np.max(np.abs(normal_quantile(u) - special.ndtri(u)))):.1e}"))

    # the big table of a big run (all cores), where formatting it is most of the main process's serial work
    big = run(scenario, replications=BIG_STUDIES, options=RunOptions(workers=local_cores()).quiet())
    big_studies = big.studies
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)

        def whole_big_run() -> None:
            run(scenario, replications=BIG_STUDIES, options=RunOptions(workers=local_cores()).quiet())
            write_csv(big_studies, folder / "ours.csv", local_cores())

        [big_wall] = in_turns([whole_big_run], 2)
        ours_big, pandas_big = in_turns([lambda: write_csv(big_studies, folder / "ours.csv", local_cores()),
                                         lambda: big_studies.to_csv(folder / "pandas.csv", index=False)], 2)
        rows += [("shortcut_big_run_studies", BIG_STUDIES), ("shortcut_big_run_seconds", f"{big_wall:.3f}"),
                 *_gain("csv_table_big_run", ours_big, pandas_big, big_wall)]
    return rows


def _gain(name: str, shortcut: float, library: float, run_wall: float) -> list[tuple[str, object]]:
    return [(f"{name}_seconds", f"{shortcut:.3f}"), (f"{name}_library_seconds", f"{library:.3f}"),
            (f"{name}_gain_share", f"{(library - shortcut) / run_wall:.3f}")]


if __name__ == "__main__":
    for name, value in shortcut_rows():
        print(f"{name}: {value}")
