"""`hsct-sim`: the command line. User errors give one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import argparse
import sys
import warnings

from . import __version__
from .commands import COMMANDS
from .errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hsct-sim",
        description="Monte Carlo simulation of autologous HSCT for refractory lupus: what studies would report.",
    )
    parser.add_argument("--version", action="version", version=f"hsct-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


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
