"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from . import compare, run, sweep

COMMANDS = [run, sweep, compare]
