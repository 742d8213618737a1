"""Calibration: values of free scenario parameters that make the simulated outcomes match published figures.

Weighted least squares on the mean outcomes over the simulated studies, sum_k ((mean_k - target_k) / sd_k)^2,
where sd_k is the target's standard error if given, else the spread of the outcome across simulated studies
at the centre of the bounds (the sampling SD of a study of the scenario's size), so the objective reads as
a sum of squared z-scores. Every evaluation uses the same seed, hence the same patients' uniforms (common
random numbers), so the objective changes only through the parameters. It is still a step function (a
patient dies when u < p), with zero finite-difference gradients, so the search is derivative-free: a grid
over the bounds, then a bounded Brent search (one free parameter) or bounded Nelder-Mead (several) from the
best grid point, in coordinates scaled to [0, 1] per parameter. Finally, finite differences around the fit
give each fitted value's Monte Carlo SE and its precision given the targets' own sampling error.
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulator.errors import UserError
from simulator.outcomes.summary import StatisticalWarning
from simulator.questions.calibration.problem import FreeParameter, ScenarioSource, Target, check_problem
from simulator.questions.calibration.result import CalibrationResult, Evaluation
from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, seed_argument
from simulator.simulation.execution import kept_pool
from simulator.simulation.memory import check_fits, run_need
from simulator.simulation.options import RunOptions
from simulator.simulation.results import RunResult
from simulator.simulation.runner import iterate_runs
from simulator.simulation.stage_cache import forget, only_after_the_pathway

GRID_PER_AXIS = {1: 11, 2: 5, 3: 3}  # grid points per free parameter; beyond 3 parameters, a Halton sample
HALTON_PER_PARAMETER = 16
REFINE_XATOL = 1e-3  # search tolerance, as a share of each parameter's range
MIN_EVALUABLE_STUDIES = 10  # studies that must be able to estimate a target: enough for its mean and its SD
PRECISION_STEP = 0.05  # finite-difference step around the fit, as a share of each parameter's range


def _start_points(dimensions: int) -> np.ndarray:
    """The grid (or, for many parameters, a Halton sample) of scaled points searched first."""
    if dimensions in GRID_PER_AXIS:
        axis = np.linspace(0.0, 1.0, GRID_PER_AXIS[dimensions])
        return np.array(list(itertools.product(axis, repeat=dimensions)))
    from scipy.stats import qmc  # imported here: every command imports this module, scipy.stats is slow to import

    sample = qmc.Halton(dimensions, scramble=False).random(HALTON_PER_PARAMETER * dimensions)
    return np.vstack([np.full(dimensions, 0.5), sample])


class _Objective:
    """Runs the simulation at scaled points, remembering every evaluation and the best one.

    The points of one phase (the grid, the finite differences) run as one task list on one pool; their
    evaluations are recorded in the order the points were given, as if run one after the other. Each computes
    only the targets' outcomes (runner.iterate_runs' `outcomes`): the fit's whole run is simulated once more at
    the end, the same studies, for the files."""

    def __init__(self, source: ScenarioSource, targets: list[Target], free: list[FreeParameter], replications: int,
                 seed: int, options: RunOptions, bar: tqdm) -> None:
        self.source, self.targets, self.free = source, targets, free
        self.replications, self.seed, self.options, self.bar = replications, seed, options, bar
        self.trace: list[Evaluation] = []
        self.cache: dict[tuple[float, ...], float] = {}
        self.means: dict[tuple[float, ...], dict[str, float]] = {}
        self.sd: dict[str, float] = {}
        self.best: Evaluation | None = None

    def values(self, x: np.ndarray) -> dict[str, float]:
        return {p.path: p.at(xi) for p, xi in zip(self.free, x)}

    def achieved(self, x: np.ndarray) -> dict[str, float]:
        """Mean of each target outcome at an evaluated scaled point x."""
        return self.means[self._key(x)]

    @staticmethod
    def _key(x: np.ndarray) -> tuple[float, ...]:
        return tuple(float(np.clip(xi, 0.0, 1.0)) for xi in np.atleast_1d(x))

    def __call__(self, x: np.ndarray, phase: str) -> float:
        return self.evaluate([x], phase)[0]

    def evaluate(self, points: Sequence[np.ndarray], phase: str) -> list[float]:
        """The objective at each scaled point; points not evaluated before are simulated together."""
        keys = [self._key(x) for x in points]
        new = list(dict.fromkeys(k for k in keys if k not in self.cache))
        scenarios = [self.source.scenario(self.values(np.array(k))) for k in new]
        found: dict[int, tuple[dict[str, float], float]] = {}
        best: int | None = None
        wanted = frozenset(t.outcome for t in self.targets)
        for number, result in iterate_runs(scenarios, self.replications, self.seed, self.options, "calibrating",
                                           outcomes=wanted):
            if phase == "start":  # the fit is checked again at its end (see calibrate)
                _check_evaluable(result, self.targets, self.values(np.array(new[number])))
            means = {t.outcome: float(np.nanmean(result.values[t.outcome])) for t in self.targets}
            if not self.sd:  # the first evaluation (the start point, alone) fixes the weights for the whole search
                self.sd = {t.outcome: t.se or _study_sd(result, t.outcome) for t in self.targets}
            found[number] = means, self._objective(means)
            if best is None or (found[number][1], number) < (found[best][1], best):
                best = number  # the earliest of equally good points, as if run in order
            self.bar.update(1)
        for number, key in enumerate(new):
            means, objective = found[number]
            evaluation = Evaluation(len(self.trace) + 1, phase, self.values(np.array(key)), means, objective)
            self.trace.append(evaluation)
            self.cache[key], self.means[key] = objective, means
            if phase != "precision" and best == number and (self.best is None or objective < self.best.objective):
                self.best = evaluation
        return [self.cache[k] for k in keys]

    def _objective(self, means: dict[str, float]) -> float:
        return sum(((means[t.outcome] - t.value) / self.sd[t.outcome]) ** 2 for t in self.targets)


def _check_evaluable(result: RunResult, targets: list[Target], values: dict[str, float]) -> None:
    """Refuse a target that too few simulated studies can estimate for a mean and an SD to weigh it by (fewer
    than MIN_EVALUABLE_STUDIES; their Monte Carlo error is reported either way). A published figure
    comes from a study that could report it, so the fit is to the mean over the studies that can, however small
    their share (the result says the share). Checked at the start of the search and at the fit; points in
    between may dip below the limit."""
    for t in targets:
        evaluable = np.isfinite(result.values[t.outcome])
        if evaluable.sum() < MIN_EVALUABLE_STUDIES:
            at = ", ".join(f"{path}={value:.4g}" for path, value in values.items())
            raise UserError(
                f"--target {t.outcome}: only {evaluable.sum()} of {len(evaluable)} simulated studies "
                f"({evaluable.mean():.0%}) can estimate it (at {at}); calibration fits the mean over the studies "
                f"that can, and needs at least {MIN_EVALUABLE_STUDIES} of them: a study with nobody still "
                "followed at the landmark reports nothing. Add replications, lengthen follow-up "
                "(cohort.followup_after_accrual_years) or target an earlier landmark"
            )


def _study_sd(result: RunResult, outcome: str) -> float:
    """Spread of the outcome across simulated studies, at least one patient's share of the cohort (for open
    referrals, of the patients a study expects: referral rate x accrual)."""
    v = result.values[outcome]
    cohort = result.scenario.cohort
    patients = cohort.size if cohort.referrals is None else cohort.referrals.rate_per_year * cohort.accrual_years
    return max(float(np.nanstd(v, ddof=1)), 1.0 / patients)  # type: ignore[operator]  # size or referrals


def calibrate(
    source: ScenarioSource | Scenario | str | Path,
    targets: list[Target],
    free: list[FreeParameter],
    replications: int | None = None,
    seed: int | None = None,
    *,
    options: RunOptions = RunOptions(),
) -> CalibrationResult:
    """Fit the free parameters to the targets; `options` say where every evaluation's studies run.

    Give the scenario as a file path (calibrated.toml then keeps the file's comments), a `ScenarioSource`
    (a file with `--set` overrides) or a `Scenario`.

    >>> fit = calibrate("scenarios/burt2006.toml", [Target("dfs_5y", 0.5)],
    ...                 [FreeParameter("followup.relapse.rate_per_year", 0.05, 0.3)], replications=40)
    >>> list(fit.fitted)
    ['followup.relapse.rate_per_year']
    """
    if isinstance(source, Scenario):
        source = ScenarioSource.from_scenario(source)
    elif not isinstance(source, ScenarioSource):
        source = ScenarioSource.from_file(source)
    check_problem(source, targets, free)
    if len(targets) < len(free):
        warnings.warn(
            f"the fit is not identified: {len(targets)} target(s) for {len(free)} free parameters, so many "
            "combinations of values match equally well; the one reported depends on the search",
            StatisticalWarning, stacklevel=2,
        )
    base = source.scenario()
    replications = replications_argument(replications, base.simulation.replications)
    seed = seed_argument(seed, base.simulation.seed)
    need = run_need(base, replications, options)
    check_fits(need + need, "calibrate", replications)  # room for the stages workers keep (stage_cache) beside a run
    began = time.perf_counter()
    # one pool of workers for every evaluation (the refinement simulates one point at a time); when only what
    # follows the pathway is free, each worker walks the stages of its chunks once (stage_cache)
    evaluations = replace(options.quiet(), reuse_stages=only_after_the_pathway([p.path for p in free]))
    with tqdm(unit="evaluation", disable=not options.progress, desc="calibrating") as bar, kept_pool():
        objective = _Objective(source, targets, free, replications, seed, evaluations, bar)
        _search(objective, _start(base, free))
        assert objective.best is not None
        best_evaluation = objective.best
        [(_, best)] = iterate_runs([source.scenario(best_evaluation.values)], replications, seed, evaluations,
                                   "calibrating")
        _check_evaluable(best, targets, best_evaluation.values)
        mc_se, se = _precision(objective, best_evaluation.values, best)
    forget()  # what this process kept, when the evaluations ran in it
    return CalibrationResult(
        source=source, targets=targets, free=free, fitted=best_evaluation.values, best=best,
        trace=objective.trace, sd=objective.sd, mc_se=mc_se, se=se, wall_seconds=time.perf_counter() - began,
    )


def _precision(
    objective: _Objective, fitted: dict[str, float], best: RunResult
) -> tuple[dict[str, float], dict[str, float]]:
    """Delta-method standard errors of the fitted values, as the fit moves with the targets: theta(y) with
    d theta = A dy, A = (J' W J)^-1 J' W, J the Jacobian of the mean outcomes (central differences with the
    same random numbers) and W the weights. `mc_se`: dy is the Monte Carlo error of the simulated means
    (covariance across studies / studies). `se`: dy is the sampling error of the targets themselves, each a
    figure from one study of the scenario's size (covariance across studies) or with its given SE.
    NaN where the fit is not identified."""
    free, outcomes = objective.free, [t.outcome for t in objective.targets]
    x = np.array([(fitted[p.path] - p.low) / (p.high - p.low) for p in free])
    jacobian = np.empty((len(outcomes), len(free)))
    ups = [np.where(np.arange(len(x)) == i, min(1.0, x[i] + PRECISION_STEP), x) for i in range(len(x))]
    downs = [np.where(np.arange(len(x)) == i, max(0.0, x[i] - PRECISION_STEP), x) for i in range(len(x))]
    objective.evaluate([p for pair in zip(ups, downs) for p in pair], "precision")
    for i, (parameter, up, down) in enumerate(zip(free, ups, downs)):
        high, low = objective.achieved(up), objective.achieved(down)
        step = parameter.at(up[i]) - parameter.at(down[i])
        jacobian[:, i] = [(high[o] - low[o]) / step for o in outcomes]
    weights = np.diag([1 / objective.sd[o] ** 2 for o in outcomes])
    information = jacobian.T @ weights @ jacobian
    nan = {p.path: float("nan") for p in free}
    if len(outcomes) < len(free) or np.linalg.cond(information) > 1e12:
        return nan, dict(nan)
    a = np.linalg.solve(information, jacobian.T @ weights)
    across = pd.DataFrame({o: best.values[o] for o in outcomes}).cov().to_numpy()
    published = target_covariance(across, [t.se for t in objective.targets])
    mc = np.sqrt(np.diag(a @ (across / best.replications) @ a.T))
    se = np.sqrt(np.diag(a @ published @ a.T))
    return ({p.path: float(v) for p, v in zip(free, mc)}, {p.path: float(v) for p, v in zip(free, se)})


def target_covariance(across: np.ndarray, published_se: list[float | None]) -> np.ndarray:
    """Covariance of the targets' sampling errors: each target's published SE where given, else the spread of
    one simulated study, combined with the correlation between the outcomes across simulated studies (the
    figures of one paper come from the same patients: DFS and relapse move together)."""
    spread = np.sqrt(np.diag(across))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = np.where(np.outer(spread, spread) > 0, across / np.outer(spread, spread), 0.0)
    np.fill_diagonal(correlation, 1.0)
    scale = np.array([spread[k] if se is None else se for k, se in enumerate(published_se)])
    return correlation * np.outer(scale, scale)


def _start(scenario: Scenario, free: list[FreeParameter]) -> np.ndarray:
    """Where the search starts (scaled to [0, 1]): the scenario's own value of each free parameter when it
    lies within the bounds, else the middle of the bounds."""
    start = []
    for p in free:
        value: Any = scenario
        for key in p.path.split("."):
            value = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        start.append((value - p.low) / (p.high - p.low) if number and p.low <= value <= p.high else 0.5)
    return np.array(start, dtype=float)


def _search(objective: _Objective, start: np.ndarray) -> None:
    """Grid, then refine from the best grid point; the objective keeps the best evaluation itself."""
    from scipy import optimize  # imported here, as scipy.stats above

    dimensions = len(start)
    objective(start, "start")
    points = _start_points(dimensions)
    scores = objective.evaluate(list(points), "grid")
    best = points[int(np.argmin(scores))]
    if dimensions == 1:
        spacing = 1.0 / (GRID_PER_AXIS[1] - 1)
        low, high = max(0.0, best[0] - spacing), min(1.0, best[0] + spacing)
        optimize.minimize_scalar(lambda x: objective(np.array([x]), "refine"), bounds=(low, high),
                                 method="bounded", options={"xatol": REFINE_XATOL / 10})
        return
    step = 0.5 / (GRID_PER_AXIS.get(dimensions, 4) - 1)
    simplex = [best] + [np.clip(best + step * np.sign(0.5 - best[i] or 1) * np.eye(dimensions)[i], 0, 1)
                        for i in range(dimensions)]
    optimize.minimize(lambda x: objective(x, "refine"), best, method="Nelder-Mead",
                      bounds=[(0.0, 1.0)] * dimensions,
                      options={"initial_simplex": np.array(simplex), "xatol": REFINE_XATOL, "fatol": 1e-6,
                               "maxfev": 60 * dimensions})
