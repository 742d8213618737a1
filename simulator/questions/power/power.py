"""`estimate_power`: how often a randomised two-arm trial of each size tells two protocols apart.

For each number of patients per arm, `replications` trials are simulated (see `trial`) and each is tested
at two-sided level alpha; `PowerResult` turns the per-trial tests into power, type S error and sample sizes.
"""

from __future__ import annotations

import collections
import os
import re
import time
import warnings
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from tqdm import tqdm

from simulator.errors import MAX_SHOWN, UserError, shortened, shown
from simulator.questions.power.result import PowerResult
from simulator.questions.power.trial import ENDPOINTS, StudyTests, simulate_trials
from simulator.questions.power.trm_tests import DEFAULT_TRM_TEST, check_trm_test
from simulator.scenario.bounds import MAX_COUNT
from simulator.scenario.schema import Scenario
from simulator.simulation.arguments import replications_argument, scenario_argument, seed_argument
from simulator.simulation.duration import busy_resource, say_duration, trials_seconds
from simulator.simulation.execution import chunks_of, map_chunks
from simulator.simulation.memory import check_fits, trials_need
from simulator.simulation.options import Engine, RunOptions
from simulator.simulation.runner import check_engine

PATIENTS_PER_CHUNK = 100_000  # per arm: bounds memory for large trials (results do not depend on chunking)
MIN_PER_ARM = 2  # one patient per arm cannot compare anything: no test, no estimate
SIZES_HELP = "give patients per arm as whole numbers of at least 2 separated by commas, e.g. 20,50,100,200"


def parse_sizes(text: str) -> list[int]:
    """`--sizes 20,50,100` -> [20, 50, 100]; anything else is a UserError saying what is allowed."""
    where = f"--sizes {shown(text)}"
    parts = [part.strip() for part in text.split(",")]
    bad = [part for part in parts if not re.fullmatch(r"[0-9]{1,10}", part)]  # str.isdigit() takes '²'
    if bad:
        raise UserError(f"{where}: {shown(bad[0])} is not a whole number; {SIZES_HELP}")
    return check_sizes([int(part) for part in parts], where)


def check_sizes(sizes: Sequence[int], where: str = "sizes") -> list[int]:
    """Sorted distinct patient numbers per arm, each at least 1."""
    sizes = list(sizes)
    if not sizes:
        raise UserError(f"{where}: no size given; {SIZES_HELP}")
    if any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not MIN_PER_ARM <= n <= MAX_COUNT
           for n in sizes):
        raise UserError(f"{where}: {SIZES_HELP}, at most {MAX_COUNT:.0e} (got {shown(sizes)})")
    repeated = sorted(n for n, count in collections.Counter(sizes).items() if count > 1)
    if repeated:
        raise UserError(f"{where}: {shortened(', '.join(map(str, repeated)), MAX_SHOWN)} given more than once; "
                        "give each size once")
    return sorted(int(n) for n in sizes)


def check_alpha(alpha: float, where: str = "alpha") -> float:
    if not 0 < alpha < 1:
        raise UserError(f"{where}: the two-sided significance level must lie strictly between 0 and 1 "
                        f"(got {alpha:g}); 0.05 is usual")
    return float(alpha)


def check_endpoint(endpoint: str, where: str = "endpoint") -> str:
    if endpoint not in ENDPOINTS:
        choices = ", ".join(f"{key} ({name.lower()})" for key, name in ENDPOINTS.items())
        raise UserError(f"{where}: unknown endpoint {endpoint!r}; endpoints: {choices}")
    return endpoint


def check_trm_choice(trm_test: str | None, endpoint: str, where: str = "trm_test") -> str:
    """The TRM test to use (default Fisher's); choosing one for a survival endpoint is a mistake, said so."""
    if trm_test is None:
        return DEFAULT_TRM_TEST
    if endpoint != "trm":
        raise UserError(f"{where}: a TRM test applies only to the trm endpoint (endpoint {endpoint} is compared "
                        "with the log-rank test); leave it out, or choose endpoint trm")
    return check_trm_test(trm_test, where)


def estimate_power(
    scenario_a: Scenario | str | os.PathLike[str],
    scenario_b: Scenario | str | os.PathLike[str],
    sizes: Sequence[int],
    endpoint: str = "os",
    alpha: float = 0.05,
    replications: int | None = None,
    seed: int | None = None,
    *,
    labels: tuple[str, str] | None = None,
    options: RunOptions = RunOptions(),
    trm_test: str | None = None,
) -> PowerResult:
    """Simulate `replications` two-arm trials per size, arm A from `scenario_a`, arm B from `scenario_b`
    (defaults: scenario A's simulation.replications and seed), and test each at two-sided `alpha`: by
    log-rank (os, dfs) or, for trm, by `trm_test` ("fisher", the default, "midp" or "boschloo").
    Chunks of trials run where `options` say (this process, local workers, a dask cluster), with the same
    results.

    >>> from simulator import load_scenario
    >>> burt = load_scenario("scenarios/burt2006.toml")
    >>> estimate_power(burt, burt, [30], "os", replications=40).summary.patients_per_arm.tolist()
    [30]
    """
    scenario_a, scenario_b = scenario_argument(scenario_a, "scenario_a"), scenario_argument(scenario_b, "scenario_b")
    sizes, alpha, endpoint = check_sizes(sizes), check_alpha(alpha), check_endpoint(endpoint)
    trm_test = check_trm_choice(trm_test, endpoint)
    replications = replications_argument(replications, scenario_a.simulation.replications)
    seed = seed_argument(seed, scenario_a.simulation.seed)
    check_fits(trials_need(scenario_a, scenario_b, sizes, replications, options, PATIENTS_PER_CHUNK), "power",
               replications * len(sizes))
    _warn_if_cohorts_differ(scenario_a, scenario_b)
    if endpoint == "trm" and not (scenario_a.has_transplant and scenario_b.has_transplant):
        without = [s.metadata.name for s in (scenario_a, scenario_b) if not s.has_transplant]
        raise UserError(f"endpoint trm: {' and '.join(without)} has no transplant, so no treatment-related "
                        "mortality to compare; use os or efs (survival from enrolment)")
    began = time.perf_counter()
    items = [
        (n, block)
        for n in sizes
        for block in chunks_of(replications, max(1, min(options.chunk_size, PATIENTS_PER_CHUNK // n)))
    ]
    parts: list[pd.DataFrame | None] = [None] * len(items)
    for scenario in (scenario_a, scenario_b):
        check_engine(scenario, options)
    if options.progress:  # said with the progress bar, as for a run
        say_duration("power", trials_seconds(scenario_a, scenario_b, sizes, replications), options.workers,
                     options.scheduler, busy_resource(scenario_a, max(sizes)))
    task = partial(_trial_chunk, scenario_a, scenario_b, endpoint, trm_test, options.engine, seed)
    with tqdm(total=replications * len(sizes), unit="trial", disable=not options.progress, desc="power") as bar:
        for number, table in map_chunks(task, items, options):
            parts[number] = table
            bar.update(len(items[number][1]))
    return PowerResult(
        scenario_a=scenario_a,
        scenario_b=scenario_b,
        labels=labels or (scenario_a.metadata.name, scenario_b.metadata.name),
        endpoint=endpoint,
        trm_test=trm_test,
        alpha=alpha,
        seed=seed,
        replications=replications,
        sizes=sizes,
        studies=pd.concat(parts, ignore_index=True),
        wall_seconds=time.perf_counter() - began,
    )


def _trial_chunk(
    scenario_a: Scenario, scenario_b: Scenario, endpoint: str, trm_test: str, engine: Engine, seed: int,
    item: tuple[int, range],
) -> pd.DataFrame:
    """One chunk of trials of one size: a pure function of its arguments, so it can run anywhere."""
    n, block = item
    return _table(n, block, simulate_trials(scenario_a, scenario_b, n, endpoint, seed, block, trm_test, engine))


def _table(n: int, block: range, tests: StudyTests) -> pd.DataFrame:
    return pd.DataFrame({
        "patients_per_arm": n,
        "replication": np.arange(block.start, block.stop),
        "p_value": tests.p_value,
        "score": tests.score,
        "score_variance": tests.score_variance,
        "effect": tests.effect,
        "events_a": tests.events_a,
        "events_b": tests.events_b,
    })


def _warn_if_cohorts_differ(a: Scenario, b: Scenario) -> None:
    ca, cb = a.cohort, b.cohort
    if (ca.accrual_years, ca.cutoff_years) != (cb.accrual_years, cb.cutoff_years):
        warnings.warn(
            f"both arms use scenario A's accrual ({ca.accrual_years:g} y) and data cut-off ({ca.cutoff_years:g} y "
            f"after accrual opened), as both arms of one randomised trial do; scenario B's own "
            f"({cb.accrual_years:g} y, {cb.cutoff_years:g} y) is not used",
            UserWarning,
            stacklevel=3,
        )
