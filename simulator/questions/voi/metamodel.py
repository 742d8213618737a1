"""Regression metamodels of net benefit on the quantities a decision could learn (Strong, Oakley and Brennan
2014): E[y | x] fitted across the PSA draws, where x is one parameter, a group of them, or a simulated trial's
summary statistics, and y each draw's incremental costs and QALYs.

Up to three inputs: a tensor-product cubic B-spline basis (scikit-learn's SplineTransformer) fitted by
Bayesian ridge regression (BayesianRidge: the penalty chosen by maximising the evidence, so the smooth is no
wigglier than the data support), the GAM of Strong et al. in scikit-learn's terms. More inputs: a Gaussian
process with one length scale per input and a noise term (GaussianProcessRegressor), their recommendation for
larger groups. Inputs enter as their ranks scaled to [0, 1]: a monotone map leaves E[y | x] the same function
of the information, and spreads skewed posteriors (a rate from a handful of events) evenly over the knots.

Both give a posterior for the fitted values, from which `Fit.samples` draws: the metamodel part of the EVPPI's
standard error (Strong et al. section 4). A metamodel needs far more draws than it has free parameters:
`draws_needed` says how many, and `fit` refuses fewer rather than return a curve fitted to noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulator.errors import UserError

SPLINE_BASES = {1: 8, 2: 5, 3: 4}  # cubic B-splines per input: 8, 25 or 64 coefficients in all
DRAWS_PER_COEFFICIENT = 10  # a spline smooth: at least ten draws per coefficient
GP_DRAWS_PER_HYPERPARAMETER = 50  # a Gaussian process: a length scale per input, a scale and a noise
GP_MIN_DRAWS = 200
GP_MAX_DRAWS = 3000  # its fit costs draws cubed: beyond this, name a smaller group or fewer draws
GP_TUNING_DRAWS = 400  # draws its hyperparameters are tuned on
POSTERIOR_SAMPLES = 200  # draws of the fitted values for the metamodel's standard error


def method(inputs: int) -> str:
    """The metamodel `fit` uses for this many inputs, in words."""
    if inputs <= max(SPLINE_BASES):
        return f"tensor cubic spline ({SPLINE_BASES[inputs] ** inputs} coefficients), Bayesian ridge"
    return f"Gaussian process (ARD squared-exponential, {inputs + 2} hyperparameters)"


def draws_needed(inputs: int) -> int:
    """The fewest PSA draws the metamodel for this many inputs may be fitted to."""
    if inputs <= max(SPLINE_BASES):
        return DRAWS_PER_COEFFICIENT * SPLINE_BASES[inputs] ** inputs
    return max(GP_MIN_DRAWS, GP_DRAWS_PER_HYPERPARAMETER * (inputs + 2))


@dataclass(frozen=True)
class Fit:
    """E[y | x] at every draw for each outcome (`fitted`, draws x outcomes) and how to sample it."""

    fitted: np.ndarray
    method: str
    _basis: list[np.ndarray]  # per outcome: a matrix B with fitted values' deviations B @ z, z standard normal
    _correlation: np.ndarray  # outcomes x outcomes: the residuals' correlation, shared by the deviations

    def samples(self, rng: np.random.Generator, count: int = POSTERIOR_SAMPLES) -> np.ndarray:
        """(count, draws, outcomes): fitted values drawn from the metamodel's posterior, jointly over outcomes
        (incremental costs and QALYs are fitted apart, but their errors are correlated as their residuals are)."""
        width = self._basis[0].shape[1]
        z = rng.standard_normal((count, width, len(self._basis))) @ np.linalg.cholesky(self._correlation).T
        deviations = [z[:, :, j] @ basis.T for j, basis in enumerate(self._basis)]
        return self.fitted[np.newaxis] + np.stack(deviations, axis=2)


def scaled_ranks(x: np.ndarray) -> np.ndarray:
    """Each column's ranks (ties averaged) scaled to [0, 1]."""
    ranks = stats.rankdata(x, axis=0)
    return (ranks - 1) / max(len(x) - 1, 1)


def fit(x: np.ndarray, y: np.ndarray, what: str, seed: int = 0) -> Fit:
    """Fit E[y_j | x] for each column j of y (draws x outcomes) on the inputs x (draws x inputs), `what` naming
    the inputs in the refusal when there are too few draws for the metamodel."""
    draws, inputs = x.shape
    needed = draws_needed(inputs)
    if draws < needed:
        raise UserError(f"value of information for {what}: a {method(inputs)} over {inputs} input(s) needs at least "
                        f"{needed} parameter draws, this run has {draws}; give --replications {needed} or more "
                        "(or a smaller group)")
    if inputs > max(SPLINE_BASES) and draws > GP_MAX_DRAWS:
        raise UserError(f"value of information for {what}: a Gaussian process over {draws} draws is too slow to fit "
                        f"(its cost grows as draws cubed); use at most {GP_MAX_DRAWS} draws or a group of at most "
                        f"{max(SPLINE_BASES)} parameters")
    u = scaled_ranks(x)
    constant = np.ptp(u, axis=0) == 0
    if constant.all():  # the inputs never vary: they carry no information, E[y | x] = E[y]
        fitted = np.broadcast_to(y.mean(axis=0), y.shape).copy()
        return Fit(fitted, "constant", [np.zeros((draws, 1))] * y.shape[1], np.eye(y.shape[1]))
    u = u[:, ~constant]
    fits = [_spline(u, column) if u.shape[1] <= max(SPLINE_BASES) else _gaussian_process(u, column, seed)
            for column in y.T]
    fitted = np.stack([f[0] for f in fits], axis=1)
    residuals = y - fitted
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.nan_to_num(np.corrcoef(residuals, rowvar=False), nan=0.0) if y.shape[1] > 1 else np.eye(1)
    correlation = np.atleast_2d(correlation)
    np.fill_diagonal(correlation, 1.0)
    correlation = correlation + 1e-9 * np.eye(len(correlation))  # a perfectly correlated pair stays factorable
    return Fit(fitted, method(u.shape[1]), [f[1] for f in fits], correlation)


def tensor_basis(u: np.ndarray) -> np.ndarray:
    """Row-wise tensor product of each input's cubic B-spline basis (draws x product of basis sizes)."""
    from sklearn.preprocessing import SplineTransformer

    per_input = SPLINE_BASES[u.shape[1]]
    basis = np.ones((len(u), 1))
    for column in u.T:
        spline = SplineTransformer(n_knots=per_input - 2, degree=3, knots="uniform").fit_transform(column[:, None])
        basis = (basis[:, :, None] * spline[:, None, :]).reshape(len(u), -1)
    return basis


def _spline(u: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and the factor B of their posterior covariance B B^T, by Bayesian ridge on the basis."""
    from sklearn.linear_model import BayesianRidge

    basis = tensor_basis(u)
    model = BayesianRidge(fit_intercept=True).fit(basis, y)
    centred = basis - basis.mean(axis=0)
    factor = centred @ np.linalg.cholesky(model.sigma_ + 1e-12 * np.eye(len(model.sigma_)))
    return model.predict(basis), factor


def _gaussian_process(u: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values and a factor of the latent function's posterior covariance at the draws. The kernel's
    hyperparameters are fitted on at most GP_TUNING_DRAWS evenly spaced draws (each step of their search costs
    draws cubed), then the process is fitted to every draw with them."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    if np.ptp(y) == 0:  # nothing to explain (an outcome the options share exactly)
        return y.astype(float), np.zeros((len(y), len(y)))
    kernel = ConstantKernel(1.0, (1e-4, 1e3)) * RBF(np.full(u.shape[1], 0.5), (1e-2, 1e4)) + WhiteKernel(
        0.5, (1e-8, 1e1)
    )
    tuning = np.linspace(0, len(u) - 1, min(len(u), GP_TUNING_DRAWS)).round().astype(int)
    with warnings.catch_warnings():  # a length scale at its upper bound means "this input does not matter": fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        tuned = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed).fit(u[tuning], y[tuning])
    model = GaussianProcessRegressor(tuned.kernel_, normalize_y=True, optimizer=None).fit(u, y)
    model.kernel_ = model.kernel_.k1  # the smooth part alone: predictions of E[y | x], not of a new noisy draw
    fitted, covariance = model.predict(u, return_cov=True)
    return fitted, _factor(covariance)


def _factor(covariance: np.ndarray) -> np.ndarray:
    """A Cholesky factor of a covariance matrix that rounding left barely indefinite: jitter grows until it fits."""
    jitter = 1e-10 * max(float(np.mean(np.diag(covariance))), 1e-300)
    while True:
        try:
            return np.linalg.cholesky(covariance + jitter * np.eye(len(covariance)))
        except np.linalg.LinAlgError:
            jitter *= 10
