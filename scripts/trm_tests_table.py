"""The README's table of the TRM tests of `hsct-sim power --trm-test`: exact type I error and power.

Exact, not simulated: each rate sums the probabilities of every (deaths A, deaths B) outcome of two binomial
arms the test finds significant at two-sided alpha 0.05 (`rejection_rate`). Run by scripts/readme_examples.py
(`make docs`); takes about a minute, Boschloo's test at 100 per arm being the slow part.

Usage: python scripts/trm_tests_table.py
"""

from __future__ import annotations

import sys

from simulator.questions.power.trm_tests import TRM_TESTS, rejection_rate

ALPHA = 0.05
SIZES = (50, 100)
LOW, HIGH = 0.02, 0.13  # Burt 2006's TRM (1/50) and the 2004 European registry's (7/53)
SHORT = {"fisher": "Fisher", "midp": "mid-p", "boschloo": "Boschloo"}


def main() -> int:
    tests = list(TRM_TESTS)
    print(f"Exact rejection rates at two-sided alpha {ALPHA:g}, summed over every outcome of two binomial arms")
    print(f"{'':<40}{'per arm':>8}" + "".join(f"{SHORT[test]:>10}" for test in tests))
    rows = [(f"type I error, both arms' TRM {trm:.0%}", n, trm, trm, None) for trm in (LOW, HIGH) for n in SIZES]
    rows += [(f"power, TRM {LOW:.0%} (A) vs {HIGH:.0%} (B)", n, LOW, HIGH, "A") for n in SIZES]
    for label, n, trm_a, trm_b, favouring in rows:
        rates = [rejection_rate(test, n, trm_a, trm_b, ALPHA, favouring) for test in tests]
        shown = "".join(f"{rate:>10.4f}" if favouring is None else f"{rate:>10.3f}" for rate in rates)
        print(f"{label:<40}{n:>8}{shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
