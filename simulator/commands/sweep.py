"""`hsct-sim sweep SCENARIO --param PATH=SPEC ...`: outcomes across a grid of parameter values."""

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
from simulator.questions.sweep.syntax import EXAMPLE


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sweep", help="outcomes across a grid of parameter values, with common random numbers"
    )
    parser.add_argument("scenario", type=Path, help="scenario file (TOML), e.g. scenarios/burt2006.toml")
    parser.add_argument("--param", dest="parameters", action="append", default=[], metavar="PATH=SPEC",
                        help="a scenario path and its values: START:STOP:STEPS (inclusive, evenly spaced) or "
                             f"v1,v2,...; several --param make a full grid ({EXAMPLE})")
    parser.add_argument("--against", type=Path, metavar="SCENARIO",
                        help="a priced comparator (e.g. scenarios/standard_care.toml), simulated once with the same "
                             "seed: explorer.html shows each grid point's incremental costs, QALYs and INMB against "
                             "it (without it, against the first grid point)")
    add_run_options(parser)
    add_format_option(parser)
    add_probability_option(parser)
    parser.set_defaults(handler=command_sweep)


def command_sweep(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.outcomes.conditions import parse_conditions
    from simulator.outcomes.summary import warn_if_not_evaluable
    from simulator.questions.sweep.grid import build_grid
    from simulator.questions.sweep.sweep import check_against, run_sweep
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.runfolder import run_folder
    from simulator.simulation.workers import patient_stages

    grid = build_grid(args.scenario, args.parameters, args.overrides)
    conditions = parse_conditions(args.probabilities, grid.base.catalogue)
    against = load_scenario(args.against) if args.against is not None else None
    if against is not None:
        check_against(grid, against)
    scenarios = [*grid.scenarios, *([against] if against is not None else [])]
    options = run_options(args, patient_stages(scenarios, args.replications))
    with run_folder(
        args.output,
        "sweep",
        grid.base.short_name,
        args.command_line,
        args.format,
        processes=writing_processes(args),
        figure_format=args.figure_format,
    ) as folder:
        result = run_sweep(grid, args.replications, args.seed, conditions, options, against)
        folder.write(result)
    print(result.text())
    print(f"\nRun folder: {folder}")
    warn_if_not_evaluable(result.summary)
    return 0
