"""The normal quantile behind lognormal durations and ages: numpy's own AS 241 agrees with Python's (the same
algorithm, in C) to the last bit or one rounding, and with scipy.special.ndtri (another algorithm) to a few units
in the last place, over the centre, both tails and the edges."""

from __future__ import annotations

import statistics
import subprocess
import sys

import numpy as np
from scipy import special

from simulator.scenario.normal_quantile import normal_quantile

ULP = np.finfo(float).eps


def _probabilities() -> np.ndarray:
    rng = np.random.default_rng(241)
    return np.concatenate([
        rng.random(20_000),                        # the centre and the near tails
        0.5 + rng.uniform(-1e-9, 1e-9, 1_000),     # z near 0, where a relative error shows first
        10.0 ** -rng.uniform(2, 300, 2_000),       # the far lower tail (r > 5 below u = 1.4e-11)
        1 - 10.0 ** -rng.uniform(2, 16, 2_000),    # the upper tail, as fine as doubles below 1 go
        [0.425 + 0.5, 0.075, np.exp(-25.0), 1e-320],  # the region boundaries and a subnormal
    ])


def test_it_is_pythons_algorithm() -> None:
    u = _probabilities()
    python = np.array([statistics.NormalDist().inv_cdf(p) for p in u])
    assert np.allclose(normal_quantile(u), python, rtol=ULP, atol=0)


def test_it_agrees_with_scipy() -> None:
    u = _probabilities()
    # up to 5 units in the last place near u = exp(-2) = 0.135, where scipy's (Cephes') approximations switch
    assert np.allclose(normal_quantile(u), special.ndtri(u), rtol=8 * ULP, atol=0)


def test_arrays_of_any_shape_keep_it() -> None:
    u = _probabilities()[:24_000].reshape(3, 40, 200)[:, ::2, :]  # and not contiguous
    assert np.array_equal(normal_quantile(u), normal_quantile(u.ravel()).reshape(u.shape))
    assert normal_quantile(np.float64(0.975)).shape == ()


def test_edges_are_infinite_and_outside_is_nan() -> None:
    z = normal_quantile(np.array([0.0, 1.0, 0.5, -0.1, 1.1, np.nan]))
    assert z[:3].tolist() == [-np.inf, np.inf, 0.0]
    assert np.isnan(z[3:]).all()


def test_it_is_symmetric_and_increasing() -> None:
    u = np.sort(_probabilities()[:20_000])
    z = normal_quantile(u)
    assert (np.diff(z) >= 0).all()
    assert np.allclose(normal_quantile(1 - u[u > 1e-3]), -z[u > 1e-3], rtol=4 * ULP, atol=4 * ULP)


def test_a_lognormal_scenario_simulates_without_scipy() -> None:
    """Why it exists: each worker would spend a tenth of a second importing scipy for the default scenario."""
    probe = ("import sys; from simulator import load_scenario; from simulator.simulation.runner import simulate_chunk;"
             "simulate_chunk(load_scenario('scenarios/burt2006.toml'), 1, range(20));"
             "print(sorted(m for m in sys.modules if m.partition('.')[0] == 'scipy'))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
