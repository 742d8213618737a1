"""The contended resource: an M/M/2 queue (referrals 0.1 a day, stays exponential with mean 15 days, 2 units,
20 years of referrals), simulated as a whole pathway with its outcomes, against the Erlang C mean wait and, when
installed (`pip install ciw`), against Ciw, the Python queueing simulator, on the same queue.

    python benchmarks/contended.py [--studies N]

Prints `name: value` lines, as benchmarks/engine.py (which includes them). Microseconds per referral are from
the expected number of referrals (0.1 a day for 20 years: 730.5 a study).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import run  # noqa: E402
from simulator.scenario.distributions import DAYS_PER_YEAR  # noqa: E402
from simulator.scenario.loading import scenario_from_dict  # noqa: E402
from simulator.scenario.schema import Scenario  # noqa: E402
from simulator.simulation.options import RunOptions  # noqa: E402

RATE_PER_DAY, STAY_DAYS, UNITS, YEARS = 0.1, 15.0, 2, 20.0
REFERRALS_PER_STUDY = RATE_PER_DAY * YEARS * DAYS_PER_YEAR


def mm2_scenario() -> Scenario:
    """Referrals to one stage that holds one of the units for its whole (exponential) duration."""
    return scenario_from_dict({
        "metadata": {"name": "M/M/2 bed"},
        "cohort": {"referrals": {"rate_per_year": RATE_PER_DAY * DAYS_PER_YEAR, "process": "poisson"},
                   "accrual_years": YEARS, "followup_after_accrual_years": 1.0},
        "simulation": {"replications": 100, "seed": 28, "horizon_years": 1.0, "landmarks_years": [1.0]},
        "stages": {"reinfusion": {"duration": {"dist": "exponential", "mean_days": STAY_DAYS}, "resource": "bed"}},
        "resources": {"bed": {"capacity": UNITS}},
        "outcomes": {"trm_stages": ["reinfusion"]},
    })


def erlang_c_wait(rate: float, stay: float, units: int) -> float:
    """Mean wait in the queue of the steady-state M/M/c queue: C(c, a) / (c mu - lambda), a = lambda / mu."""
    load = rate * stay
    tail = load**units / math.factorial(units) * units / (units - load)
    waits = tail / (sum(load**k / math.factorial(k) for k in range(units)) + tail)
    return waits / (units / stay - rate)


def ours(studies: int) -> tuple[float, float, float]:
    """Microseconds per referral of a whole run (one process), and the mean wait with its MC SE."""
    scenario = mm2_scenario()
    best = math.inf
    for _ in range(2):
        began = time.perf_counter()
        result = run(scenario, replications=studies, options=RunOptions(workers=1).quiet())
        best = min(best, time.perf_counter() - began)
    waits = result.values["wait_bed_mean_days"]
    return (
        best / (studies * REFERRALS_PER_STUDY) * 1e6,
        float(waits.mean()),
        float(waits.std(ddof=1) / math.sqrt(studies)),
    )


def ciw_us_per_customer(studies: int) -> float | None:
    """Microseconds per customer of Ciw on the same queue, or None if Ciw is not installed."""
    try:
        import ciw  # type: ignore[import-not-found]
    except ImportError:
        return None
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=RATE_PER_DAY)],
                                 service_distributions=[ciw.dists.Exponential(rate=1 / STAY_DAYS)],
                                 number_of_servers=[UNITS])
    customers, began = 0, time.perf_counter()
    for study in range(studies):
        ciw.seed(study)
        simulation = ciw.Simulation(network)
        simulation.simulate_until_max_time(YEARS * DAYS_PER_YEAR)
        customers += len(simulation.get_all_records())
    return (time.perf_counter() - began) / customers * 1e6


def contended_rows(studies: int = 200, ciw_studies: int = 20) -> list[tuple[str, object]]:
    per_referral, wait, se = ours(studies)
    exact = erlang_c_wait(RATE_PER_DAY, STAY_DAYS, UNITS)
    rows: list[tuple[str, object]] = [
        ("contended_us_per_referral", f"{per_referral:.2f}"),
        ("contended_mean_wait_days", f"{wait:.2f} ± {se:.2f}"),
        ("contended_erlang_c_wait_days", f"{exact:.2f}"),
        ("contended_wait_within_4_se", str(abs(wait - exact) <= 4 * se)),
    ]
    peer = ciw_us_per_customer(ciw_studies)
    if peer is not None:
        rows += [("ciw_us_per_customer", f"{peer:.2f}"), ("contended_speedup_vs_ciw", f"{peer / per_referral:.1f}")]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=200, help="simulated studies of 20 years (default 200)")
    parser.add_argument("--ciw-studies", type=int, default=20, help="Ciw runs of 20 years (default 20)")
    args = parser.parse_args()
    for name, value in contended_rows(args.studies, args.ciw_studies):
        print(f"{name}: {value}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
