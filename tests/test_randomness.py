"""Random numbers: common random numbers across scenarios with the same stages, whatever the study size."""

import numpy as np

from simulator import load_scenario
from simulator.engine.randomness import StreamLayout, uniforms

from helpers import SCENARIOS


def test_studies_of_different_sizes_share_their_first_patients_random_numbers():
    """Burt 2006 (50 patients) and EBMT 2004 (53) have the same stages: patient i draws the same uniforms."""
    burt, ebmt = load_scenario(SCENARIOS / "burt2006.toml"), load_scenario(SCENARIOS / "ebmt2004.toml")
    layout, other = StreamLayout.for_scenario(burt), StreamLayout.for_scenario(ebmt)
    assert layout.shares_numbers_with(other)  # burt2006's background mortality draws from its own stream
    fifty, fifty_three = uniforms(7, range(3), layout, 50), uniforms(7, range(3), other, 53)
    shared = [layout.rows[name] for name in layout.patient_events]
    assert np.array_equal(fifty[shared], fifty_three[shared][:, :, :50])


def test_background_mortality_leaves_every_other_random_number_as_it_was():
    burt = load_scenario(SCENARIOS / "burt2006.toml")
    without = burt.model_copy(update={"population": None})
    layout, shorter = StreamLayout.for_scenario(burt), StreamLayout.for_scenario(without)
    assert len(layout) == len(shorter) + 3
    assert np.array_equal(uniforms(3, range(4), layout, 50)[: len(shorter)], uniforms(3, range(4), shorter, 50))
