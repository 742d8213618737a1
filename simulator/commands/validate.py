"""`hsct-sim validate [SCENARIO ...]`: the closed-form suite and the shipped scenarios' published figures.
Exit code 0 when every check passes, 1 when one fails (a failed check is a finding, not a user error)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.commands.common import add_run_options, run_options, writing_processes
from simulator.errors import UserError
from simulator.questions.validation.criteria import TOLERANCE

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

SUITES = ("all", "scenarios", "closed-forms")


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "validate", help="check the simulator against closed forms and published figures",
        description="Runs the built-in closed-form cases (exact answers; pass if |z| <= 4) and each scenario "
                    "with a [targets] table (pass if the published figure lies inside the range of 95% of "
                    "simulated studies and within --tolerance of the mean). --replications, --seed and --set "
                    "apply to the scenarios; closed-form cases have fixed sizes and seeds. Exit code 1 if a "
                    "check fails.",
    )
    parser.add_argument("scenarios", type=Path, nargs="*", metavar="SCENARIO",
                        help="scenario files with a [targets] table (default: every shipped scenario that has one)")
    parser.add_argument("--suite", choices=SUITES, default="all",
                        help="what to check: all (default), scenarios only, or closed-forms only")
    parser.add_argument("--tolerance", type=_tolerance, default=TOLERANCE, metavar="T",
                        help=f"largest allowed |simulated mean - published| for scenarios (default {TOLERANCE})")
    add_run_options(parser)
    parser.set_defaults(handler=command_validate)


def _tolerance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1 (a difference in proportions), got {value:g}")
    return value


def _scenarios(args: argparse.Namespace) -> list[Scenario]:
    """The scenarios to check, loaded (and so validated) before anything is simulated."""
    from simulator.scenario.loading import load_scenario  # here, not at the top, as in command_validate

    if args.suite == "closed-forms":
        if args.scenarios:
            raise UserError("--suite closed-forms: drop the SCENARIO arguments, or use --suite all or scenarios")
        return []
    if args.scenarios:
        scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
        for path, scenario in zip(args.scenarios, scenarios):
            if not scenario.targets:
                raise UserError(f"{path}: no [targets] table, so nothing to validate against; add the published "
                                "figures, e.g. [targets] os_5y = 0.84")
        return scenarios
    from simulator.scenario.shipped import shipped_folder

    found = [load_scenario(path, args.overrides) for path in sorted(shipped_folder().glob("*.toml"))]
    scenarios = [s for s in found if s.targets]
    if not scenarios and args.suite == "scenarios":
        raise UserError("--suite scenarios: no shipped scenario with a [targets] table found; name scenario files")
    return scenarios


def command_validate(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.questions.validation.validation import validate
    from simulator.simulation.runfolder import run_folder

    scenarios = _scenarios(args)
    name = "_".join(s.short_name for s in scenarios) if args.scenarios else "suite"
    options = run_options(args)
    with run_folder(args.output, "validate", name, args.command_line, processes=writing_processes(args),
                    figure_format=args.figure_format) as folder:
        report = validate(scenarios, closed_forms=args.suite != "scenarios", replications=args.replications,
                          seed=args.seed, tolerance=args.tolerance, options=options)
        folder.write(report)
    print(report.text())
    print(f"\nRun folder: {folder}")
    return 0 if report.passed else 1
