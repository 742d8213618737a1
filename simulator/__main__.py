"""`python -m simulator` is `hsct-sim`."""

import sys

from simulator.cli import main

sys.exit(main())
