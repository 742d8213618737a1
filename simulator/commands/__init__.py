"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from simulator.commands import calibrate, compare, power, report, run, scenarios, sweep, validate

COMMANDS = [run, sweep, compare, power, calibrate, validate, report, scenarios]
