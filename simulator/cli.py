"""`hsct-sim`: the command line. User errors give one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import __version__
from .errors import UserError
from .runfolder import check_free, default_folder, write_run
from .runner import run
from .scenario import load_scenario


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed_value(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--replications", type=positive_int, metavar="N",
                        help="simulated studies (default: the scenario's simulation.replications)")
    parser.add_argument("--seed", type=seed_value, metavar="S", help="random seed (default: simulation.seed)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario value by its dotted path, e.g. "
                             "stages.isolation.death_probability=0.05 (repeatable)")
    parser.add_argument("--output", type=Path, metavar="DIR",
                        help="run folder to create (default: outputs/<command>-<scenario>-<UTC time>/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsct-sim",
        description="Monte Carlo simulation of autologous HSCT for refractory lupus: what studies would report.",
    )
    parser.add_argument("--version", action="version", version=f"hsct-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_parser = commands.add_parser("run", help="simulate a scenario and summarise its outcomes")
    run_parser.add_argument("scenario", type=Path, help="scenario file (TOML), e.g. scenarios/burt2006.toml")
    add_run_options(run_parser)
    run_parser.add_argument("--patients-log", action="store_true",
                            help="also write patients.parquet, one row per simulated patient")
    run_parser.set_defaults(handler=command_run)
    return parser


def command_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    folder = args.output or default_folder("run", scenario.short_name)
    check_free(folder)
    result = run(scenario, args.replications, args.seed, patients_log=args.patients_log,
                 progress=not args.quiet and sys.stderr.isatty())
    write_run(folder, result.save)
    print(result.table())
    print(f"\nRun folder: {folder}")
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
    print(f"hsct-sim: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return args.handler(args)
    except UserError as error:
        print(f"hsct-sim: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("hsct-sim: interrupted; no run folder was written", file=sys.stderr)
        return 130
