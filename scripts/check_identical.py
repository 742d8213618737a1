"""Check that a refactoring changed no result: run every command on the shipped scenarios with fixed seeds, then
compare two such output folders byte for byte.

    python scripts/check_identical.py generate /tmp/before     # on the old tree
    python scripts/check_identical.py generate /tmp/after      # on the new tree
    python scripts/check_identical.py compare /tmp/before /tmp/after

Compared: every CSV of every run folder, and each command's exit code, standard output and error (run-folder
paths and calibrate's wall time replaced by placeholders). Not compared: manifest.json, report.html and figures,
which hold times, paths and versions. Some runs are refused on purpose (exit 2), to compare their messages.
Runs use --workers 1 and small --replications, so the whole set takes under a minute.
"""

from __future__ import annotations

import argparse
import filecmp
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
COMMON = ["--workers", "1", "--quiet", "--seed", "12345"]


def commands() -> dict[str, list[str]]:
    """Name of the run -> arguments of `hsct-sim` (without --output)."""
    runs: dict[str, list[str]] = {}
    for scenario in SCENARIOS:
        runs[f"run-{scenario.stem}"] = ["run", str(scenario), "--replications", "200",
                                        "--probability", "os_5y<0.9", "--probability", "trm>=0.05"]
        runs[f"run-uncertainty-{scenario.stem}"] = ["run", str(scenario), "--replications", "200", "--uncertainty"]
        runs[f"sweep-{scenario.stem}"] = ["sweep", str(scenario), "--replications", "200",
                                          "--param", "stages.isolation.death_probability=0:0.2:3"]
    runs["sweep-grid"] = ["sweep", str(SCENARIOS[0]), "--replications", "200",
                          "--param", "stages.isolation.death_probability=0:0.2:3", "--param", "cohort.size=20,50"]
    runs["compare"] = ["compare", *map(str, SCENARIOS), "--replications", "200"]
    first, second = SCENARIOS[0], SCENARIOS[-1]
    for endpoint in ("os", "dfs", "trm"):
        runs[f"power-{endpoint}"] = ["power", str(first), str(second), "--sizes", "20,50", "--endpoint", endpoint,
                                     "--replications", "200"]
    runs["calibrate"] = ["calibrate", str(ROOT / "scenarios" / "burt2006.toml"), "--replications", "100",
                         "--free", "followup.relapse.rate_per_year=0.05:0.3", "--target", "os_5y=0.84",
                         "--target", "trm=0.02"]
    runs["calibrate-refused"] = ["calibrate", str(ROOT / "scenarios" / "burt2006.toml"), "--replications", "100",
                                 "--free", "followup.relapse.rate_per_year=0.05:0.3"]
    # Outcome names and kinds as the catalogue gives them: refused names and thresholds, a wait in days, a
    # capacity sweep reaching an unlimited resource (waits 0 there), conditions in a sweep and a comparison.
    burt, centre = str(ROOT / "scenarios" / "burt2006.toml"), str(ROOT / "scenarios" / "centre_capacity.toml")
    refused = {
        "probability-unknown": ["run", burt, "--probability", "os_7y<0.5"],
        "probability-percent": ["run", burt, "--probability", "trm>=13"],
        "target-in-file-unknown": ["run", burt, "--set", "targets.os_7y=0.5"],
        "target-unknown": [
            "calibrate",
            burt,
            "--free",
            "followup.relapse.rate_per_year=0.05:0.3",
            "--target",
            "os_7y=0.8",
        ],
        "sweep-probability-unknown": ["sweep", burt, "--param", "cohort.size=20,50", "--probability", "os_7y<0.5"],
    }
    runs |= {f"refused-{name}": [*arguments, "--replications", "100"] for name, arguments in refused.items()}
    runs["run-wait-days"] = ["run", centre, "--replications", "200", "--probability", "wait_isolation_bed_mean_days>30",
                             "--probability", "utilisation_isolation_bed>=0.5"]
    runs["sweep-capacity"] = ["sweep", centre, "--replications", "100", "--probability", "trm>=0.05",
                              "--param", "resources.isolation_bed.capacity=1,2,unlimited"]
    runs["compare-probability"] = ["compare", burt, centre, "--replications", "100", "--probability", "os_5y<0.9"]
    runs["validate-closed-forms"] = ["validate", "--suite", "closed-forms"]
    runs["validate-scenarios"] = ["validate", "--suite", "scenarios", "--replications", "200"]
    return runs


def generate(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=False)
    for name, arguments in commands().items():
        output = folder / name
        done = subprocess.run([sys.executable, "-m", "simulator", *arguments, *COMMON, "--output", str(output)],
                              capture_output=True, text=True, cwd=ROOT)
        log = f"exit {done.returncode}\n--- stdout\n{done.stdout}--- stderr\n{done.stderr}"
        log = log.replace(str(output), "<OUTPUT>").replace(str(ROOT), "<ROOT>")
        log = re.sub(r"(\d+ evaluations), \d+ s\b", r"\1, <SECONDS> s", log)  # calibrate's wall time
        (folder / f"{name}.log").write_text(log)
        print(f"{name}: exit {done.returncode}")


def compared_files(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*") if path.suffix in (".csv", ".log")}


def compare(before: Path, after: Path) -> int:
    old, new = compared_files(before), compared_files(after)
    problems = [f"only in {before}: {path}" for path in sorted(old - new)]
    problems += [f"only in {after}: {path}" for path in sorted(new - old)]
    problems += [f"differs: {path}" for path in sorted(old & new)
                 if not filecmp.cmp(before / path, after / path, shallow=False)]
    for problem in problems:
        print(problem)
    print(f"{len(old & new)} files compared, {len(problems)} problems")
    return 1 if problems or not old else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("generate").add_argument("folder", type=Path)
    both = actions.add_parser("compare")
    both.add_argument("before", type=Path)
    both.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.action == "generate":
        generate(args.folder)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
