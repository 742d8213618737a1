"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from . import compare, power, run, sweep

COMMANDS = [run, sweep, compare, power]
