"""Which parameters share a draw under --uncertainty (issue 25, item 1): those citing the same evidence (same
`source`, same counts), in one scenario or across compared ones; every other pair draws independently, even
at the same dotted path in two scenarios."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.engine.uncertainty import parameter_draws
from simulator.errors import UserError

from helpers import tiny

REPLICATIONS = 4000
RELAPSE = "followup.relapse.rate_per_year"
DEATH_BEFORE, DEATH_AFTER = "followup.death_before_relapse.rate_per_year", "followup.death_after_relapse.rate_per_year"


def arm(name: str, relapse: dict, death_after: dict | None = None):
    death = {"events": 37, "person_years": 1470.0, "source": "Faurschou 2010"}
    followup = {"relapse": {"dist": "exponential", "rate_per_year": relapse},
                "death_before_relapse": {"dist": "exponential", "rate_per_year": death},
                "death_after_relapse": {"dist": "exponential", "rate_per_year": death_after or death}}
    return tiny(metadata={"name": name}, followup=followup,
                simulation={"replications": REPLICATIONS, "seed": 11, "parameter_uncertainty": True})


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(stats.spearmanr(a, b).statistic)


def test_the_same_path_in_two_arms_without_a_shared_source_draws_independently():
    """Transplant relapse (from one study) and standard-care flares (from another) at the same path: rank
    correlation about 0, within 4 SE (1 / sqrt(n - 1) under independence)."""
    transplant = arm("transplant", {"events": 13, "person_years": 98.5, "source": "Burt 2006"})
    standard = arm("standard care", {"events": 18, "person_years": 43.5, "source": "Catapano 2010"})
    a = parameter_draws(transplant, 11, range(REPLICATIONS))[RELAPSE]
    b = parameter_draws(standard, 11, range(REPLICATIONS))[RELAPSE]
    assert abs(rank_correlation(a, b)) <= 4 / np.sqrt(REPLICATIONS - 1)
    unnamed_a = parameter_draws(arm("A", {"events": 13, "person_years": 98.5}), 11, range(REPLICATIONS))[RELAPSE]
    unnamed_b = parameter_draws(arm("B", {"events": 13, "person_years": 98.5}), 11, range(REPLICATIONS))[RELAPSE]
    assert abs(rank_correlation(unnamed_a, unnamed_b)) <= 4 / np.sqrt(REPLICATIONS - 1)


def test_arms_citing_the_same_evidence_share_one_draw():
    """The death hazard both arms take from Faurschou 2010 (same source, same counts): the same value in every
    study, rank correlation exactly 1."""
    a = parameter_draws(arm("transplant", {"events": 13, "person_years": 98.5}), 11, range(REPLICATIONS))
    b = parameter_draws(arm("standard care", {"events": 18, "person_years": 43.5}), 11, range(REPLICATIONS))
    np.testing.assert_array_equal(a[DEATH_BEFORE], b[DEATH_BEFORE])
    assert rank_correlation(a[DEATH_BEFORE], b[DEATH_BEFORE]) == pytest.approx(1.0, abs=1e-12)


def test_the_same_source_with_other_counts_in_another_arm_draws_independently():
    a = parameter_draws(arm("A", {"events": 13, "person_years": 98.5}), 11, range(REPLICATIONS))[DEATH_BEFORE]
    other = {"events": 20, "person_years": 1470.0, "source": "Faurschou 2010"}
    standard = arm("B", {"events": 13, "person_years": 98.5}, death_after=None)
    b_scenario = standard.with_values({DEATH_BEFORE: other, DEATH_AFTER: other})
    b = parameter_draws(b_scenario, 11, range(REPLICATIONS))[DEATH_BEFORE]
    assert abs(rank_correlation(a, b)) <= 4 / np.sqrt(REPLICATIONS - 1)


def test_two_parameters_citing_one_source_in_one_scenario_share_a_draw():
    """Standard care's death before and after a flare: the same hazard, one draw."""
    draws = parameter_draws(arm("standard care", {"events": 18, "person_years": 43.5}), 11, range(REPLICATIONS))
    np.testing.assert_array_equal(draws[DEATH_BEFORE], draws[DEATH_AFTER])
    assert abs(rank_correlation(draws[DEATH_BEFORE], draws[RELAPSE])) <= 4 / np.sqrt(REPLICATIONS - 1)


def test_one_source_with_different_counts_in_one_scenario_is_refused():
    other = {"events": 20, "person_years": 1470.0, "source": "Faurschou 2010"}
    with pytest.raises(UserError, match="cite the source 'Faurschou 2010' with different evidence"):
        arm("standard care", {"events": 18, "person_years": 43.5}, death_after=other)


def test_a_source_survives_writing_the_scenario_back_and_pickling():
    import pickle

    scenario = arm("A", {"events": 13, "person_years": 98.5, "source": "Burt 2006"})
    rate = scenario.followup.relapse.rate_per_year  # type: ignore[union-attr]
    assert pickle.loads(pickle.dumps(rate)).source == "Burt 2006"
    dumped = scenario.model_dump(mode="json")["followup"]["relapse"]["rate_per_year"]
    assert dumped == {"events": 13, "person_years": 98.5, "source": "Burt 2006"}


def test_values_written_as_numbers_are_listed_as_held_fixed_and_defaults_are_not():
    from simulator.scenario.evidence import fixed_values

    scenario = arm("A", {"events": 13, "person_years": 98.5}).with_values(
        {"stages.reinfusion.death_probability": 0.02})
    assert list(fixed_values(scenario)) == [("stages.reinfusion.death_probability", 0.02)]


def test_shipped_arms_draw_relapse_and_flares_apart_and_share_what_they_both_cite():
    """burt2006 against standard_care: transplant relapse and standard-care flares (different studies) are drawn
    independently; the utility both take from Pollard 2015 is one draw; standard care's death before and after
    a flare (Faurschou 2010) is one hazard."""
    from simulator import load_scenario

    from helpers import SCENARIOS

    burt, care = (load_scenario(SCENARIOS / f, ["simulation.parameter_uncertainty=true"])
                  for f in ("burt2006.toml", "standard_care.toml"))
    a, b = (parameter_draws(s, 2006, range(REPLICATIONS)) for s in (burt, care))
    assert abs(rank_correlation(a[RELAPSE], b[RELAPSE])) <= 4 / np.sqrt(REPLICATIONS - 1)
    utility = "economics.states.remission.utility"
    np.testing.assert_array_equal(a[utility], b[utility])
    np.testing.assert_array_equal(b[DEATH_BEFORE], b[DEATH_AFTER])
