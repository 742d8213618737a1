"""`hsct-sim calibrate SCENARIO --target OUTCOME=VALUE ... --free PATH=LOW:HIGH ...`: fit free parameters
so that the simulated outcomes match published figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.common import add_run_options, run_options, writing_processes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "calibrate", help="fit free scenario parameters to published figures (weighted least squares)",
        description="Find values of the free parameters, within their bounds, that make the mean simulated "
                    "outcomes match the targets. Every evaluation uses the same random numbers. Exit code 1 "
                    "if a target cannot be reached (the run folder still records the closest fit).",
    )
    parser.add_argument("scenario", type=Path, help="scenario file (TOML), e.g. scenarios/burt2006.toml")
    parser.add_argument("--target", dest="targets", action="append", default=[], metavar="OUTCOME=VALUE[:SE]",
                        help="an outcome `run` reports and its published value, e.g. os_5y=0.84; with :SE, the "
                             "published standard error weights it (default weight: the spread across simulated "
                             "studies). Repeatable; default: the scenario's [targets] table")
    parser.add_argument("--free", dest="free", action="append", default=[], metavar="PATH=LOW:HIGH",
                        help="a scenario value to fit, by dotted path as for --set, within [LOW, HIGH], e.g. "
                             "followup.relapse.rate_per_year=0.05:0.3 (repeatable)")
    add_run_options(parser)
    parser.set_defaults(handler=command_calibrate)


def command_calibrate(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.questions.calibration.calibration import calibrate
    from simulator.questions.calibration.problem import FreeParameter, ScenarioSource, Target
    from simulator.simulation.runfolder import run_folder

    source = ScenarioSource.from_file(args.scenario, args.overrides)
    scenario = source.scenario()
    if args.targets:
        targets = [Target.parse(text, scenario.catalogue) for text in args.targets]
    else:
        targets = [Target(outcome, value) for outcome, value in scenario.targets.items()]
    free = [FreeParameter.parse(text) for text in args.free]
    options = run_options(args)
    with run_folder(args.output, "calibrate", scenario.short_name, args.command_line, processes=writing_processes(args),
                    figure_format=args.figure_format) as folder:
        result = calibrate(source, targets, free, args.replications, args.seed, options=options)
        folder.write(result)
    print(result.text())
    print(f"\nRun folder: {folder} (calibrated.toml holds the scenario with the fitted values)")
    return 0 if result.reached else 1
