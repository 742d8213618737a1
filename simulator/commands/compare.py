"""`hsct-sim compare SCENARIO SCENARIO [...]`: scenarios side by side, with the same random numbers."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.common import (
    add_format_option,
    add_probability_option,
    add_run_options,
    positive_int,
    run_options,
    writing_processes,
)
from simulator.errors import UserError
from simulator.questions.compare.thresholds import DEFAULT_WTP, parse_wtp

MAX_FOLDER_NAME = 100


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "compare", help="several scenarios side by side: outcomes, differences, survival curves"
    )
    parser.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO",
                        help="two or more scenario files; differences are against the first")
    add_run_options(parser, "applied to every scenario compared: edit a scenario's file to change one alone")
    add_format_option(parser)
    add_probability_option(parser)
    parser.add_argument("--wtp", default=",".join(f"{x:g}" for x in DEFAULT_WTP), metavar="LIST",
                        help="willingness to pay per QALY, in the scenarios' currency, for the net monetary benefit "
                             "(scenarios with [economics]; default %(default)s)")
    parser.add_argument("--cohort-size", type=positive_int, metavar="N",
                        help="patients per simulated study in every scenario (default: each scenario's cohort.size); "
                             "with --uncertainty, a large N leaves each parameter draw little patient-level noise")
    parser.add_argument("--sensitivity", action="store_true",
                        help="one-way deterministic sensitivity: each parameter given with its evidence at the ends of "
                             "its 95%% interval, the INMB against the first scenario (sensitivity.csv, tornado.png; "
                             "scenarios with [economics])")
    parser.add_argument("--structural", type=Path, metavar="FILE",
                        help="named structural alternatives run side by side with the base case: a TOML file of "
                             "[[alternative]] tables (name, set = [\"PATH=VALUE\", ...], or A = [...] for one "
                             "scenario), e.g. scenarios/structural_burt2006_vs_standard_care.toml (structural.csv)")
    parser.set_defaults(handler=command_compare)


def command_compare(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.outcomes.summary import warn_if_not_evaluable
    from simulator.questions.compare.compare import compare
    from simulator.questions.compare.structural import read_alternatives
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.runfolder import run_folder
    from simulator.simulation.workers import patient_stages

    wtp = parse_wtp(args.wtp)
    if len(args.scenarios) < 2:
        raise UserError(f"compare needs at least two scenario files, got {len(args.scenarios)}")
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    if args.cohort_size:
        scenarios = [s.with_values({"cohort.size": args.cohort_size}, str(path), "--cohort-size")
                     for s, path in zip(scenarios, args.scenarios)]
    names = [s.metadata.name for s in scenarios]
    # the same metadata name twice (e.g. an edited copy): tell them apart by file name
    names = [f"{n} ({p.name})" if names.count(n) > 1 else n for n, p in zip(names, args.scenarios)]
    if len(set(names)) < len(names):
        raise UserError(f"compare: the same scenario file is given twice: {[str(p) for p in args.scenarios]}")
    alternatives = read_alternatives(args.structural, len(scenarios)) if args.structural else []
    name = "-".join(s.short_name for s in scenarios)[:MAX_FOLDER_NAME].rstrip("-_")
    options = run_options(args, patient_stages(scenarios, args.replications))
    with run_folder(args.output, "compare", name, args.command_line, args.format, processes=writing_processes(args),
                    figure_format=args.figure_format) as folder:
        result = compare(scenarios, names, args.replications, args.seed, args.probabilities, options, wtp,
                         args.sensitivity, alternatives, str(args.structural))
        folder.write(result)
    print(result.text())
    print(f"\nRun folder: {folder}")
    warn_if_not_evaluable(result.summary)
    return 0
