"""`python -m simulator` is `hsct-sim`."""

import sys

from .cli import main

sys.exit(main())
