"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from . import calibrate, run, validate

COMMANDS = [run, calibrate, validate]
