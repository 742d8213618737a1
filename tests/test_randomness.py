"""Random numbers: common random numbers across scenarios with the same stages, whatever the study size."""

import numpy as np

from simulator import load_scenario
from simulator.engine.randomness import StreamLayout, uniforms

from helpers import SCENARIOS


def test_studies_of_different_sizes_share_their_first_patients_random_numbers():
    """Burt 2006 (50 patients) and EBMT 2004 (53) have the same stages: patient i draws the same uniforms."""
    burt, ebmt = load_scenario(SCENARIOS / "burt2006.toml"), load_scenario(SCENARIOS / "ebmt2004.toml")
    layout = StreamLayout.for_scenario(burt)
    assert layout == StreamLayout.for_scenario(ebmt)
    fifty, fifty_three = uniforms(7, range(3), layout, 50), uniforms(7, range(3), layout, 53)
    assert np.array_equal(fifty, fifty_three[:, :, :50])
