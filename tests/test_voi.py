"""Value of information (questions/voi): the metamodels against nested Monte Carlo and closed forms, the
orderings every EVPPI must keep, and the refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator.errors import UserError
from simulator.questions.validation.voi_closed_forms import value_of_information_cases
from simulator.questions.voi.draws import default_groups, from_psa_table, parse_group
from simulator.questions.voi.metamodel import draws_needed, fit
from simulator.questions.voi.population import Population, TrialCost
from simulator.questions.voi.value import information_value, perfect_information, value_of

WTP = np.array([20000.0])


def _normal_model(draws: int, seed: int) -> dict[str, np.ndarray]:
    """theta_1 ~ N(0.2, 0.3^2), theta_2 ~ N(0, 0.2^2); incremental QALYs their sum plus noise; costs 5,000."""
    rng = np.random.default_rng(seed)
    t1, t2 = rng.normal(0.2, 0.3, draws), rng.normal(0.0, 0.2, draws)
    return {"t1": t1, "t2": t2, "qalys": t1 + t2 + rng.normal(0, 0.3, draws), "costs": np.full(draws, 5000.0)}


def _value(x: np.ndarray, model: dict[str, np.ndarray], wtp: np.ndarray = WTP) -> tuple[float, float]:
    v = information_value(x.reshape(len(x), -1), model["costs"][:, None], model["qalys"][:, None], wtp, "test")
    return float(v.value[0]), float(v.se[0])


def test_value_of_two_options_is_expected_positive_part() -> None:
    gain = np.array([[-2.0], [1.0], [4.0], [-3.0]])  # mean 0: E max(0, g) = 5/4
    assert value_of(gain) == pytest.approx(1.25)


def test_evppi_agrees_with_nested_monte_carlo() -> None:
    """A nonlinear model: INB = lambda (theta_1 theta_2 - 0.3) - 1,000, theta_1 ~ Gamma(4, 1/4) and theta_2 ~
    Beta(3, 5) independent. Nested Monte Carlo: 400 outer draws of theta_1, each with 2,000 inner draws of theta_2
    for E[INB | theta_1] (the inner error biases the maximum up by far less than the outer SE)."""
    rng = np.random.default_rng(5)
    lam = 20000.0

    def inb(t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
        return lam * (t1 * t2 - 0.3) - 1000.0

    outer = rng.gamma(4.0, 0.25, 400)
    conditional = np.array([inb(t1, rng.beta(3.0, 5.0, 2000)).mean() for t1 in outer])
    overall = inb(rng.gamma(4.0, 0.25, 200000), rng.beta(3.0, 5.0, 200000)).mean()
    nested = np.maximum(conditional, 0).mean() - max(overall, 0.0)
    nested_se = (np.maximum(conditional, 0) - max(conditional.mean(), 0)).std(ddof=1) / np.sqrt(len(outer))

    t1, t2 = rng.gamma(4.0, 0.25, 3000), rng.beta(3.0, 5.0, 3000)
    model = {"qalys": t1 * t2 - 0.3, "costs": np.full(3000, 1000.0)}
    value, se = _value(t1, model, np.array([lam]))
    assert abs(value - nested) < 4 * np.hypot(se, nested_se), (value, se, nested, nested_se)


def test_evppi_orderings_hold() -> None:
    """EVPPI never above EVPI, and a group never below any of its members (dampack's issue 86)."""
    model = _normal_model(1500, 8)
    one, _ = _value(model["t1"], model)
    two, _ = _value(model["t2"], model)
    both, _ = _value(np.stack([model["t1"], model["t2"]], axis=1), model)
    evpi = perfect_information(model["costs"][:, None], model["qalys"][:, None], WTP).value[0]
    assert 0 < two < both and 0 < one < both
    assert both <= evpi


def test_evsi_rises_with_trial_size_towards_evppi() -> None:
    """Trial of n patients each measuring theta_1 with SD 1: EVSI grows with n and reaches EVPPI(theta_1)."""
    model = _normal_model(2000, 9)
    rng = np.random.default_rng(10)
    evppi, evppi_se = _value(model["t1"], model)
    values = []
    for n in (1, 10, 100, 10000):
        trial_mean = model["t1"] + rng.normal(0.0, 1.0 / np.sqrt(n), len(model["t1"]))
        values.append(_value(trial_mean, model))
    estimates = [v for v, _ in values]
    assert estimates == sorted(estimates) and estimates[0] < 0.5 * evppi
    last, last_se = values[-1]
    assert abs(last - evppi) < 4 * np.hypot(last_se, evppi_se)


@pytest.mark.parametrize("inputs", [1, 2, 3, 5])
def test_a_metamodel_too_flexible_for_the_draws_is_refused(inputs: int) -> None:
    needed = draws_needed(inputs)
    rng = np.random.default_rng(1)
    with pytest.raises(UserError, match=f"needs at least {needed} parameter draws, this run has {needed - 1}"):
        fit(rng.random((needed - 1, inputs)), rng.random((needed - 1, 1)), "a test group")


def test_closed_form_cases_pass() -> None:
    for case in value_of_information_cases():
        table = case.evaluate()
        assert table["passed"].all(), table[["quantity", "expected", "simulated", "mc_se", "z"]]


def _psa(shared: bool) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a = rng.random(100)
    return pd.DataFrame({"costs_A": rng.random(100), "qalys_A": rng.random(100), "costs_B": rng.random(100),
                         "qalys_B": rng.random(100), "A: stages.x.death_probability": a,
                         "B: stages.x.death_probability": a if shared else rng.random(100),
                         "A: economics.states.relapse.utility": rng.random(100),
                         "B: economics.states.relapse.utility": rng.random(100)})


def test_draws_shared_by_both_options_are_one_parameter() -> None:
    shared, apart = from_psa_table(_psa(True), ["a", "b"], "EUR"), from_psa_table(_psa(False), ["a", "b"], "EUR")
    assert list(shared.parameters)[0] == "stages.x.death_probability"
    assert shared.columns["stages.x.death_probability"] == [
        "A: stages.x.death_probability",
        "B: stages.x.death_probability",
    ]
    assert "A: stages.x.death_probability" in apart.parameters and "B: stages.x.death_probability" in apart.parameters
    assert default_groups(apart)["utilities"] == [
        "A: economics.states.relapse.utility",
        "B: economics.states.relapse.utility",
    ]
    assert parse_group("x=stages.x.death_probability", apart)[1] == ["A: stages.x.death_probability",
                                                                     "B: stages.x.death_probability"]
    table = _psa(True).assign(
        **{"A: followup.death_after_relapse.rate_per_year": _psa(True)["A: stages.x.death_probability"]}
    )
    merged = from_psa_table(table, ["a", "b"], "EUR")  # a second path resting on the same evidence: one draw
    assert "stages.x.death_probability = followup.death_after_relapse.rate_per_year" in merged.parameters
    with pytest.raises(UserError, match="no parameter 'typo' is drawn"):
        parse_group("x=typo", apart)


def test_population_and_trial_cost() -> None:
    population = Population(100, 3, 0.05)
    assert population.patients == pytest.approx(100 + 100 / 1.05 + 100 / 1.05**2)
    assert TrialCost(1000, 10).of(50) == 2000
    with pytest.raises(UserError, match="--population-discount"):
        Population(100, 3, 1.5)
