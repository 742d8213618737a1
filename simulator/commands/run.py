"""`hsct-sim run SCENARIO`: simulate one scenario and summarise what studies of its size would report."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.common import (
    add_format_option,
    add_probability_option,
    add_run_options,
    run_options,
    writing_processes,
)
from simulator.errors import UserError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("run", help="simulate a scenario and summarise its outcomes")
    parser.add_argument("scenario", type=Path, help="scenario file (TOML), e.g. scenarios/burt2006.toml")
    add_run_options(parser)
    add_format_option(parser)
    add_probability_option(parser)
    parser.add_argument("--outcomes", metavar="NAMES",
                        help='rows of the printed table: "all", or outcome names separated by commas, e.g. '
                             '"os_5y,trm,wait_isolation_bed_mean_days" (default: the key outcomes; summary.csv '
                             "always holds every outcome)")
    parser.add_argument("--patients-log", action="store_true",
                        help="also write patients.parquet, one row per simulated patient")
    parser.set_defaults(handler=command_run)


def chosen_outcomes(text: str | None, names: list[str]) -> tuple[str, ...] | None:
    """--outcomes: None (the key outcomes), every outcome for "all", or the names given, each checked."""
    if text is None:
        return None
    if text.strip() == "all":
        return tuple(names)
    chosen = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in chosen if n not in names]
    if unknown or not chosen:
        raise UserError(f"--outcomes: unknown outcome {', '.join(unknown) or repr(text)}; give \"all\" or names "
                        f"from: {', '.join(names)}")
    return chosen


def command_run(args: argparse.Namespace) -> int:
    # imported here, not at the top, and the scenario checked before the engine's libraries load: `--help`, a
    # mistyped flag or a bad scenario must not wait a second for numpy, pandas and matplotlib; the results'
    # pandas and matplotlib load while workers simulate (simulation.execution.load_while_workers_run)
    from simulator.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario, args.overrides)
    from simulator.outcomes.conditions import parse_conditions
    from simulator.questions.run.run import answer
    from simulator.simulation.runfolder import run_folder
    from simulator.simulation.workers import patient_stages

    conditions = parse_conditions(args.probabilities, scenario.catalogue)
    shown = chosen_outcomes(args.outcomes, list(scenario.catalogue))
    options = run_options(args, patient_stages([scenario], args.replications))
    with run_folder(
        args.output,
        "run",
        scenario.short_name,
        args.command_line,
        args.format,
        processes=writing_processes(args),
        figure_format=args.figure_format,
    ) as folder:
        printed = answer(scenario, args.replications, args.seed, options, conditions, shown, args.patients_log)
        folder.write(printed)
    print(printed.text())
    print(f"\nRun folder: {folder}")
    from simulator.outcomes.summary import warn_if_not_evaluable
    from simulator.questions.run.uncertainty import UncertaintyComparison

    run = printed.with_uncertainty if isinstance(printed, UncertaintyComparison) else printed
    warn_if_not_evaluable(run.summary)
    return 0
