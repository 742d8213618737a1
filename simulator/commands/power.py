"""`hsct-sim power SCENARIO_A SCENARIO_B --sizes ...`: how many patients per arm a randomised trial needs
to tell two protocols apart, from many simulated two-arm trials per size."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.common import add_format_option, add_run_options, run_options, writing_processes
from simulator.errors import UserError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "power", help="power and sample size of a randomised trial comparing two protocols",
        description="Simulate many randomised two-arm trials (arm A from SCENARIO_A, arm B from SCENARIO_B) "
                    "for each number of patients per arm, and report how often they find a significant "
                    "difference in favour of the better arm. Both arms use SCENARIO_A's accrual and cut-off; "
                    "--replications is the number of simulated trials per size (default: SCENARIO_A's "
                    "simulation.replications) and --set changes both arms.")
    parser.add_argument("scenario_a", type=Path, help="arm A's scenario file; its accrual and cut-off are the trial's")
    parser.add_argument("scenario_b", type=Path, help="arm B's scenario file")
    parser.add_argument("--sizes", required=True, metavar="N,N,...",
                        help="patients per arm to simulate, e.g. 20,50,100,200")
    parser.add_argument("--endpoint", default="os", metavar="os|dfs|efs|trm",
                        help="os: overall survival from enrolment, dfs or efs: disease-free (event-free) survival "
                             "from enrolment, relapse or flare or death (both by log-rank test), trm: "
                             "treatment-related mortality (by --trm-test; both arms need a transplant); "
                             "default os")
    parser.add_argument("--trm-test", metavar="fisher|boschloo|midp",
                        help="the test of --endpoint trm: fisher (Fisher's exact test, the default: the test "
                             "trial protocols usually name, exact but conservative with few deaths), boschloo "
                             "(Boschloo's exact test: as exact, never less powerful, slower) or midp (Fisher's "
                             "mid-p: closer to alpha, may exceed it slightly)")
    parser.add_argument("--alpha", default="0.05", metavar="A", help="two-sided significance level (default 0.05)")
    add_run_options(parser, "applied to both scenarios; --set-a and --set-b change one")
    add_format_option(parser)
    parser.add_argument("--set-a", dest="overrides_a", action="append", default=[], metavar="PATH=VALUE",
                        help="override a value in arm A's scenario only (repeatable); --set changes both arms")
    parser.add_argument("--set-b", dest="overrides_b", action="append", default=[], metavar="PATH=VALUE",
                        help="override a value in arm B's scenario only (repeatable)")
    parser.set_defaults(handler=command_power)


def command_power(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.questions.power.power import (
        check_alpha,
        check_endpoint,
        check_trm_choice,
        estimate_power,
        parse_sizes,
    )
    from simulator.scenario.loading import load_scenario
    from simulator.simulation.runfolder import run_folder

    sizes = parse_sizes(args.sizes)
    alpha = check_alpha(_number(args.alpha), f"--alpha {args.alpha}")
    endpoint = check_endpoint(args.endpoint, "--endpoint")
    trm_test = (
        None if args.trm_test is None else check_trm_choice(args.trm_test, endpoint, f"--trm-test {args.trm_test}")
    )
    scenario_a = load_scenario(args.scenario_a, args.overrides + args.overrides_a)
    scenario_b = load_scenario(args.scenario_b, args.overrides + args.overrides_b)
    labels = (_label(scenario_a.metadata.name, args.overrides_a), _label(scenario_b.metadata.name, args.overrides_b))
    options = run_options(args)
    arms = f"{scenario_a.short_name}-{scenario_b.short_name}"
    with run_folder(args.output, "power", arms, args.command_line, args.format, processes=writing_processes(args),
                    figure_format=args.figure_format) as folder:
        result = estimate_power(scenario_a, scenario_b, sizes, endpoint, alpha, args.replications, args.seed,
                                labels=labels, trm_test=trm_test, options=options)
        folder.write(result)
    print(result.text())
    print(f"\nRun folder: {folder}")
    return 0


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"--alpha {text!r}: not a number; give the two-sided significance level, e.g. 0.05") from None


def _label(name: str, overrides: list[str]) -> str:
    """The arm's name, with its own --set-a/--set-b overrides so two arms from one file can be told apart."""
    return f"{name} [{', '.join(overrides)}]" if overrides else name
