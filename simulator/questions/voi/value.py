"""The value of learning something before deciding, from net benefits expected given what would be learnt.

With options d and conditional expected incremental net benefit g_d(x) = E[lambda dQ_d - dC_d | x] (against the
reference option, whose g is 0), the value of learning x is E_x[max_d g_d(x)] - max_d E_x[g_d(x)]: EVPPI when x
is a parameter or a group of them, EVSI when x is a trial's data, EVPI when x is every parameter. Net benefit is
linear in lambda, so one metamodel of incremental costs and one of QALYs serve every threshold.

Its standard error combines two parts: the Monte Carlo error of the average over a finite number of draws,
SD(max_d g_d - g_d*) / sqrt(draws) with d* the option best on average, and the metamodel's error, the SD of the
value over draws of the fitted functions from their posterior (Strong, Oakley and Brennan 2014, section 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.questions.voi.metamodel import Fit, fit


@dataclass(frozen=True)
class Value:
    """Per threshold: the value of the information (per patient) and its standard error."""

    value: np.ndarray
    se: np.ndarray
    method: str


def value_of(gain: np.ndarray) -> np.ndarray:
    """(...,) value from incremental net benefits (..., draws, options-1): E max - max E, with the reference 0."""
    options = np.concatenate([np.zeros(gain.shape[:-1] + (1,)), gain], axis=-1)
    return options.max(axis=-1).mean(axis=-1) - options.mean(axis=-2).max(axis=-1)


def monte_carlo_se(gain: np.ndarray) -> float:
    """SD over draws of the regret of the option best on average, over sqrt(draws) (gain: draws x options-1)."""
    options = np.concatenate([np.zeros((len(gain), 1)), gain], axis=1)
    regret = options.max(axis=1) - options[:, options.mean(axis=0).argmax()]
    return float(regret.std(ddof=1) / np.sqrt(len(regret)))


def information_value(x: np.ndarray, incremental_costs: np.ndarray, incremental_qalys: np.ndarray,
                      wtp: np.ndarray, what: str, seed: int = 0) -> Value:
    """The value of learning x (draws x inputs) at each threshold, from each draw's incremental costs and QALYs
    (draws x options-1, against the reference option)."""
    options = incremental_costs.shape[1]
    model: Fit = fit(x, np.concatenate([incremental_costs, incremental_qalys], axis=1), what, seed)
    costs, qalys = model.fitted[:, :options], model.fitted[:, options:]
    samples = model.samples(np.random.default_rng(seed))
    values, errors = [], []
    for threshold in wtp:
        gain = threshold * qalys - costs
        sampled = threshold * samples[:, :, options:] - samples[:, :, :options]
        values.append(max(float(value_of(gain)), 0.0))
        errors.append(float(np.hypot(monte_carlo_se(gain), value_of(sampled).std(ddof=1))))
    return Value(np.array(values), np.array(errors), model.method)


def perfect_information(incremental_costs: np.ndarray, incremental_qalys: np.ndarray, wtp: np.ndarray) -> Value:
    """EVPI straight from the draws (no metamodel), with its Monte Carlo SE. Each draw's net benefit still holds
    its cohort's patient-level noise, which inflates this EVPI; the metamodel of every parameter removes it."""
    values, errors = [], []
    for threshold in wtp:
        gain = threshold * incremental_qalys - incremental_costs
        values.append(max(float(value_of(gain)), 0.0))
        errors.append(monte_carlo_se(gain))
    return Value(np.array(values), np.array(errors), "draws themselves")
