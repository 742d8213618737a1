"""The README's comparison of the two series' treatment-related mortality, as a statistician states it: each
figure with its uncertainty, and exact tests of the difference. Computed with scipy, never typed: run by
scripts/readme_examples.py (`make docs`); tests/test_trm_comparison.py checks the words of README.md and
docs/evidence.md against these numbers.

Usage: python scripts/trm_comparison.py
"""

from __future__ import annotations

import sys

from scipy import stats

BURT_DEATHS, BURT_ENROLLED, BURT_TRANSPLANTED = 1, 50, 48  # 1/50 from mobilisation; none after transplant
EBMT_DEATHS, EBMT_PATIENTS = 7, 53  # all 53 transplanted
JEFFREYS = 0.5  # pseudo-events of Jeffreys' prior, as the simulator's --uncertainty


def figures() -> dict[str, float]:
    """Every number the comparison states."""
    burt_ci = stats.binomtest(BURT_DEATHS, BURT_ENROLLED).proportion_ci(method="exact")
    ebmt_ci = stats.binomtest(EBMT_DEATHS, EBMT_PATIENTS).proportion_ci(method="exact")
    a, b = BURT_DEATHS + JEFFREYS, BURT_ENROLLED - BURT_DEATHS + JEFFREYS
    return {
        "burt_low": burt_ci.low, "burt_high": burt_ci.high, "ebmt_low": ebmt_ci.low, "ebmt_high": ebmt_ci.high,
        # 7 or more of 53 if the TRM were exactly Burt's 2%, and if it is as uncertain as Burt's 1/50 allows
        "tail_fixed": stats.binom.sf(EBMT_DEATHS - 1, EBMT_PATIENTS, BURT_DEATHS / BURT_ENROLLED),
        "tail_uncertain": stats.betabinom.sf(EBMT_DEATHS - 1, EBMT_PATIENTS, a, b),
        "fisher": stats.fisher_exact([[BURT_DEATHS, BURT_ENROLLED - BURT_DEATHS],
                                      [EBMT_DEATHS, EBMT_PATIENTS - EBMT_DEATHS]]).pvalue,
        "fisher_after_transplant": stats.fisher_exact([[0, BURT_TRANSPLANTED],
                                                       [EBMT_DEATHS, EBMT_PATIENTS - EBMT_DEATHS]]).pvalue,
    }


def main() -> int:
    f = figures()
    print(
        f"Treatment-related deaths: Burt 2006 {BURT_DEATHS}/{BURT_ENROLLED} (exact 95% CI {f['burt_low']:.1%} to "
        f"{f['burt_high']:.1%}), Jayne 2004 {EBMT_DEATHS}/{EBMT_PATIENTS} ({f['ebmt_low']:.1%} to {f['ebmt_high']:.1%})"
    )
    print(f"P({EBMT_DEATHS} or more of {EBMT_PATIENTS} | TRM exactly {BURT_DEATHS / BURT_ENROLLED:.0%}): "
          f"{f['tail_fixed']:.1e}")
    print(f"P({EBMT_DEATHS} or more of {EBMT_PATIENTS} | TRM as uncertain as {BURT_DEATHS}/{BURT_ENROLLED}, "
          f"Jeffreys posterior): {f['tail_uncertain']:.3f}")
    print(f"Fisher's exact test, {BURT_DEATHS}/{BURT_ENROLLED} vs {EBMT_DEATHS}/{EBMT_PATIENTS}: two-sided "
          f"p = {f['fisher']:.3f}")
    print(f"Like for like, deaths after transplant, 0/{BURT_TRANSPLANTED} vs {EBMT_DEATHS}/{EBMT_PATIENTS}: "
          f"two-sided p = {f['fisher_after_transplant']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
