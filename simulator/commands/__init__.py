"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from . import calibrate, compare, power, run, sweep, validate

COMMANDS = [run, sweep, compare, power, calibrate, validate]
