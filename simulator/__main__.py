"""`python -m simulator` is `hsct-sim`."""

import sys

from simulator.cli import command_line

sys.exit(command_line())
