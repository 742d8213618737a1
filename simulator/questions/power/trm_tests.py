"""Tests of treatment-related mortality between two arms of `n` patients: p-values and exact rejection rates.

Each trial's TRM is deaths / enrolled in each arm, a 2x2 table with equal arm sizes. Three two-sided tests:

- fisher: Fisher's exact test (scipy's `fisher_exact`): the sum of the hypergeometric probabilities, given
  the total deaths, of every table no more probable than the observed one. Exact, so never above alpha, but
  with a handful of deaths the achievable levels are coarse and it rejects far less often than alpha.
- midp: Fisher's mid-p: the same sum, counting the tables exactly as probable as the observed one by half.
  With equal arm sizes the observed table's mirror image (deaths of the arms swapped) is always as probable,
  so both are halved: mid-p = Fisher's p - P(observed), twice the one-sided (Lancaster) mid-p. When both
  arms have the same deaths the observed table is alone: mid-p = 1 - P(observed) / 2 (0.5 with no death).
  Not exact: its type I error can exceed alpha slightly. At two-sided alpha 0.05, over common TRMs from
  0.5% to 50%, its largest type I error is 0.0569 at 50 per arm (TRM 49.5%), 0.0560 at 100, 0.0510 at 200.
- boschloo: Boschloo's exact test (scipy's `boschloo_exact`, two-sided: twice the smaller one-sided p): the
  one-sided Fisher p-value used as the statistic of an unconditional test, maximised over the common TRM.
  Exact and never less powerful than Fisher's test, but slow (tens of ms per table at 50 per arm, a quarter
  of a second at 200), so p-values are cached per (deaths A, deaths B, patients per arm).

`rejection_rate` is the exact share of trials a test finds significant, summed over the two binomial
distributions of deaths (no simulation): the type I error when both arms share one TRM, the power otherwise.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from simulator.errors import UserError

TRM_TESTS = {"fisher": "Fisher's exact test", "midp": "Fisher's mid-p test", "boschloo": "Boschloo's exact test"}
DEFAULT_TRM_TEST = "fisher"  # the test trial protocols usually pre-specify; existing numbers stay as they were
NEGLIGIBLE = 1e-10  # binomial tail left out of exact sums, per arm and side: the sums are exact to ~4e-10


def check_trm_test(test: str, where: str = "trm_test") -> str:
    if test not in TRM_TESTS:
        choices = ", ".join(f"{key} ({name})" for key, name in TRM_TESTS.items())
        raise UserError(f"{where}: unknown TRM test {test!r}; tests: {choices}")
    return test


def trm_p_value(test: str, deaths_a: int, deaths_b: int, patients: int) -> float:
    """Two-sided p-value of `test` for `deaths_a` and `deaths_b` deaths out of `patients` per arm."""
    if test == "fisher":
        return _fisher_p(deaths_a, deaths_b, patients)
    if test == "midp":
        return _mid_p(deaths_a, deaths_b, patients)
    # Boschloo's p is the same with the arms swapped: one cache entry serves both orders.
    return _boschloo_p(min(deaths_a, deaths_b), max(deaths_a, deaths_b), patients)


def trm_p_values(test: str, deaths_a: np.ndarray, deaths_b: np.ndarray, patients: int) -> np.ndarray:
    """p-values of many trials of `patients` per arm: the p-value depends only on the pair of death counts,
    so it is computed once per distinct pair (a few dozen to a few hundred), not once per trial."""
    pairs, which = np.unique(np.stack([deaths_a, deaths_b], axis=1), axis=0, return_inverse=True)
    p_of_pair = np.array([trm_p_value(test, int(x), int(y), patients) for x, y in pairs])
    return p_of_pair[which.ravel()]


def rejection_rate(test: str, patients: int, trm_a: float, trm_b: float, alpha: float,
                   favouring: str | None = None) -> float:
    """Exact probability that a trial with true TRM `trm_a`, `trm_b` is significant at two-sided `alpha`:
    in favour of arm "A" (fewer deaths in A) or "B", or in either direction (None). Deaths beyond the
    `NEGLIGIBLE` tails of each binomial are left out."""
    total = 0.0
    for x, weight_x in _likely_deaths(patients, trm_a):
        for y, weight_y in _likely_deaths(patients, trm_b):
            if (favouring == "A" and x >= y) or (favouring == "B" and y >= x):
                continue
            if trm_p_value(test, x, y, patients) < alpha:
                total += weight_x * weight_y
    return total


def _likely_deaths(patients: int, trm: float) -> list[tuple[int, float]]:
    """(deaths, binomial probability) over all but the `NEGLIGIBLE` tails of Binomial(patients, trm)."""
    from scipy.stats import binom  # imported here: scipy.stats costs a second at every start-up

    low, high = binom.ppf(NEGLIGIBLE, patients, trm), binom.isf(NEGLIGIBLE, patients, trm)
    deaths = np.arange(int(low), int(high) + 1)
    return list(zip(deaths.tolist(), binom.pmf(deaths, patients, trm).tolist()))


@lru_cache(maxsize=100_000)
def _fisher_p(deaths_a: int, deaths_b: int, patients: int) -> float:
    """Two-sided p of Fisher's exact test; cached, as every chunk of trials meets the same pairs."""
    from scipy.stats import fisher_exact

    return float(fisher_exact([[deaths_a, patients - deaths_a], [deaths_b, patients - deaths_b]]).pvalue)


@lru_cache(maxsize=100_000)
def _mid_p(deaths_a: int, deaths_b: int, patients: int) -> float:
    """Two-sided mid-p (module docstring): the hypergeometric probabilities of arm A's deaths given the
    total, summed over tables less probable than the observed one, plus half of those as probable."""
    dead = deaths_a + deaths_b
    k = np.arange(max(0, dead - patients), min(dead, patients) + 1)
    probability = np.exp(_log_choose(patients, k) + _log_choose(patients, dead - k) - _log_choose(2 * patients, dead))
    observed = probability[deaths_a - k[0]]
    tie = 1 + 1e-7  # relative tolerance for "as probable", as scipy's fisher_exact uses
    less = probability[probability < observed / tie].sum()
    same = probability[(probability >= observed / tie) & (probability <= observed * tie)].sum()
    return float(min(1.0, less + same / 2))


def _log_choose(n: int, k: np.ndarray | int) -> np.ndarray:
    """log of n choose k (scipy.special: cheap to import, unlike scipy.stats)."""
    from scipy.special import gammaln

    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


@lru_cache(maxsize=100_000)
def _boschloo_p(deaths_a: int, deaths_b: int, patients: int) -> float:
    """Two-sided p of Boschloo's exact test (scipy: twice the smaller one-sided p); columns are the arms."""
    from scipy.stats import boschloo_exact

    return float(boschloo_exact([[deaths_a, deaths_b], [patients - deaths_a, patients - deaths_b]]).pvalue)
