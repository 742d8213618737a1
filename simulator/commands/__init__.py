"""One module per `hsct-sim` command; each has `register(subparsers)` that adds its parser and handler."""

from simulator.commands import calibrate, compare, power, report, run, scenarios, sweep, validate, voi

COMMANDS = [run, sweep, compare, power, voi, calibrate, validate, report, scenarios]
