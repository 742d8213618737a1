"""Capacity planning against queueing theory (fixed seeds, 4 Monte Carlo standard errors)."""

from math import factorial

import numpy as np
import pytest

from simulator import load_scenario, run
from simulator.cli import main
from simulator.engine.pathway import simulate_pathway
from simulator.engine.randomness import StreamLayout, StudyStreams, uniforms
from simulator.scenario.distributions import DAYS_PER_YEAR

from helpers import OFF_PATHWAY, SCENARIOS, assert_within_mc_se, queue_starts, tiny


def queue_scenario(capacity, service, days=3000.0, arrivals_per_day=1.0, **tables):
    """Poisson referrals for `days`, each holding one of `capacity` beds for `service` days, nothing else."""
    return tiny(
        cohort={"referrals": {"process": "poisson", "rate_per_year": arrivals_per_day * DAYS_PER_YEAR},
                "accrual_years": days / DAYS_PER_YEAR, "followup_after_accrual_years": 0.0},
        simulation={"replications": 40, "seed": 4, "horizon_years": 5.0, "landmarks_years": [1.0]},
        stages={"isolation": {"duration": service, "resource": "bed"},
                "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        resources={"bed": {"capacity": capacity}},
        **tables,
    )


def mean_wait_after_warm_up(scenario, warm_up_days=300.0):
    """Per-study mean wait of patients referred after the warm-up (the queue starts empty)."""
    layout = StreamLayout.for_scenario(scenario)
    replications = range(scenario.simulation.replications)
    h = simulate_pathway(scenario, uniforms(scenario.simulation.seed, replications, layout,
                                            scenario.cohort.max_patients), layout)
    queue = h.queues["bed"]
    wait = np.where(queue.arrival > warm_up_days, queue.wait, np.nan)
    return np.nanmean(wait, axis=1)


def erlang_c_wait(servers, arrival_rate, mean_service):
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = arrival_rate * mean_service
    rho = a / servers
    top = a**servers / factorial(servers) / (1 - rho)
    probability_wait = top / (sum(a**k / factorial(k) for k in range(servers)) + top)
    return probability_wait * mean_service / (servers - a)


@pytest.mark.parametrize("servers, mean_service", [(1, 0.6), (2, 1.2), (3, 2.1)])
def test_mm_c_mean_wait_matches_erlang_c(servers, mean_service):
    scenario = queue_scenario(servers, {"dist": "exponential", "mean_days": mean_service})
    assert_within_mc_se(mean_wait_after_warm_up(scenario), erlang_c_wait(servers, 1.0, mean_service))


def test_md1_mean_wait_matches_pollaczek_khinchine():
    service = 0.6
    scenario = queue_scenario(1, {"dist": "fixed", "value": service})
    assert_within_mc_se(mean_wait_after_warm_up(scenario), 1.0 * service**2 / (2 * (1 - 1.0 * service)))


def test_utilisation_is_arrival_rate_times_service_over_capacity():
    scenario = queue_scenario(2, {"dist": "gamma", "mean": 1.2, "sd": 0.5}, days=1000.0)
    result = run(scenario)
    for name, exact in (("utilisation_bed", 1.0 * 1.2 / 2), ("occupancy_bed_mean", 1.0 * 1.2)):
        v = result.values[name]
        assert_within_mc_se(v, exact, str(name))
    assert result.values["transplants_per_year"].mean() == pytest.approx(DAYS_PER_YEAR, rel=0.02)


def two_patients_one_bed(**waiting):
    """Two patients referred together; the first holds the one bed for Exp(mean 10 days), so the second
    waits an exponential time with rate 1/10 per day."""
    return tiny(
        cohort={"size": 2, "accrual_years": 0.0, "followup_after_accrual_years": 1.0},
        simulation={"replications": 4000, "seed": 8, "horizon_years": 1.0, "landmarks_years": [1.0]},
        stages={"isolation": {"duration": {"dist": "exponential", "mean_days": 10}, "resource": "bed"},
                "reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
        resources={"bed": {"capacity": 1}},
        waiting=waiting,
        off_pathway=OFF_PATHWAY,
    )


def test_no_waiting_hazard_means_no_deaths_while_waiting():
    result = run(two_patients_one_bed())
    assert result.values["waited_bed"].mean() > 0.4
    assert np.all(result.values["deaths_waiting_per_100"] == 0)


def test_deaths_while_waiting_follow_competing_exponentials():
    """Death hazard d per day against an exponential wait with rate w: P(death) = d / (d + w)."""
    d, w = 1 / 20, 1 / 10
    result = run(two_patients_one_bed(death={"dist": "exponential", "mean_days": 20}))
    per_100 = result.values["deaths_waiting_per_100"]
    exact = 100 * (d / (d + w)) / 2  # one of the two patients waits
    assert_within_mc_se(per_100, exact)


def test_maximum_wait_withdraws_patients():
    """With a 5-day limit the second patient leaves when the first holds the bed longer: P = exp(-5/10)."""
    result = run(two_patients_one_bed(max_wait_days=5.0))
    per_100 = result.values["withdrawals_waiting_per_100"]
    assert_within_mc_se(per_100, 100 * np.exp(-0.5) / 2)
    assert np.all(result.values["deaths_waiting_per_100"] == 0)


def test_enough_beds_means_no_waits_and_unconstrained_survival():
    path = SCENARIOS / "centre_capacity.toml"
    plenty = run(load_scenario(path, ["resources.isolation_bed.capacity=60"]), replications=100)
    unlimited = run(load_scenario(path, ["resources.isolation_bed.capacity=unlimited"]), replications=100)
    assert np.all(plenty.values["wait_isolation_bed_p90_days"] == 0)
    assert np.all(plenty.values["waited_isolation_bed"] == 0)
    for outcome, values in unlimited.values.items():
        assert np.array_equal(values, plenty.values[outcome], equal_nan=True), outcome


def test_referral_processes_give_the_right_numbers_of_patients():
    poisson = queue_scenario(1, {"dist": "fixed", "value": 0.1}, days=365.25, arrivals_per_day=0.1)
    layout = StreamLayout.for_scenario(poisson)
    h = simulate_pathway(poisson, uniforms(0, range(2000), layout, poisson.cohort.max_patients), layout)
    counts = np.isfinite(h.enrolment).sum(axis=1)
    expected = 0.1 * 365.25
    assert abs(counts.mean() - expected) <= 4 * np.sqrt(expected / len(counts))
    assert abs(counts.var(ddof=1) / expected - 1) < 0.1  # Poisson: variance equals mean
    fixed = tiny(cohort={"referrals": {"process": "fixed", "rate_per_year": 12}, "accrual_years": 2.0,
                         "followup_after_accrual_years": 1.0})
    h = simulate_pathway(fixed, uniforms(0, range(3), StreamLayout.for_scenario(fixed), fixed.cohort.max_patients),
                         StreamLayout.for_scenario(fixed))
    assert np.isfinite(h.enrolment).sum(axis=1).tolist() == [24, 24, 24]


@pytest.mark.parametrize("override, message", [
    ("resources.isolation_bed.capacity=-2", 'at least 1, or "unlimited" (got -2)'),
    ("stages.isolation.resource=icu_bed", "unknown resource 'icu_bed'"),
    ("cohort.size=10", "exactly one of size (a fixed cohort) or referrals"),
])
def test_bad_resource_and_referral_definitions_exit_2(in_tmp_cwd, capsys, override, message):
    assert main(["run", str(SCENARIOS / "centre_capacity.toml"), "--set", override]) == 2
    assert message in capsys.readouterr().err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_simpy_and_vectorised_paths_give_the_same_outcomes():
    """Every patient through SimPy (ample beds, queue forced) against no SimPy at all (unlimited beds)."""
    from simulator.outcomes.study import study_outcomes

    path = SCENARIOS / "burt2006.toml"
    outcomes = []
    for capacity, always_queue in (("60", True), ("unlimited", False)):
        scenario = load_scenario(path, [f"resources.isolation_bed.capacity={capacity}"])
        layout = StreamLayout.for_scenario(scenario)
        u = uniforms(3, range(100), layout, scenario.cohort.max_patients)
        studies = StudyStreams(3, range(100), scenario.cohort.max_patients)  # burt2006's flares draw further
        h = simulate_pathway(scenario, u, layout, always_queue=always_queue, studies=studies)
        outcomes.append(study_outcomes(scenario, h).values)
    simpy_path, vectorised = outcomes
    for name, values in vectorised.items():
        assert np.allclose(values, simpy_path[name], atol=1e-12, equal_nan=True), name


def test_fast_row_statistics_and_occupancy_match_the_obvious_versions():
    import warnings

    from simulator.engine.histories import QueueRecord
    from simulator.outcomes.capacity import occupancy_over_time, row_statistics

    rng = np.random.default_rng(0)
    start = rng.uniform(0, 100, (50, 30))
    start[rng.random((50, 30)) < 0.2] = np.nan
    hold = np.where(np.isnan(start), np.nan, rng.exponential(10, (50, 30)))
    grid = np.arange(0, 120, 7.0)
    s = np.where(np.isnan(start), np.inf, start)
    obvious = ((s[:, :, None] <= grid) & (grid < (s + np.nan_to_num(hold))[:, :, None])).sum(axis=1)
    assert np.array_equal(occupancy_over_time(QueueRecord(start, start, hold), grid), obvious)

    waits = rng.exponential(3, (40, 25))
    waits[rng.random((40, 25)) < 0.3] = np.nan
    waits[0], waits[1] = np.nan, 0.0
    mean, median, p90 = row_statistics(waits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the all-NaN row
        for fast, slow in ((mean, np.nanmean(waits, axis=1)), (median, np.nanmedian(waits, axis=1)),
                           (p90, np.nanpercentile(waits, 90, axis=1))):
            assert np.allclose(fast, slow, equal_nan=True)


@pytest.mark.parametrize("expected", [0.5, 5, 60, 1000, 1e5])
def test_referral_slots_exceed_the_poisson_count_with_negligible_probability(expected):
    from scipy.stats import poisson

    cohort = tiny(cohort={"referrals": {"process": "poisson", "rate_per_year": expected},
                          "accrual_years": 1.0, "followup_after_accrual_years": 0.0}).cohort
    assert poisson.sf(cohort.max_patients, expected) < 1e-12


def test_weekly_schedule_by_hand():
    """Open Monday to Friday (day 0 is a Monday): a Saturday arrival starts on Monday; a unit taken on
    Friday stays taken over the weekend, so the next patient waits for it beyond Monday."""
    from simulator.engine.queueing import Rules

    weekdays = Rules(capacity=1, closed=((5.0, 7.0),))
    never = np.full(2, np.inf)
    assert queue_starts(weekdays, np.array([5.5, 12.0]), np.array([1.0, 1.0]), never).tolist() == [7.0, 12.0]
    assert queue_starts(weekdays, np.array([4.5, 5.2]), np.array([3.0, 1.0]), never).tolist() == [4.5, 7.5]


def test_weekend_closure_gives_the_closed_form_wait():
    """Ample units, open on weekdays only, Poisson arrivals: a share 2/7 arrive at the weekend and wait on
    average one day for Monday, so the mean wait is 2/7 day."""
    scenario = load_scenario_from(
        queue_scenario(50, {"dist": "fixed", "value": 0.25}, days=700.0),
        {"resources": {"bed": {"capacity": 50, "open_days": ["mon", "tue", "wed", "thu", "fri"]}}},
    )
    result = run(scenario)
    for name, exact in (("wait_bed_mean_days", 2 / 7), ("waited_bed", 2 / 7)):
        v = result.values[name]
        assert_within_mc_se(v, exact, str((name, v.mean())))


def test_priority_classes_by_hand():
    from simulator.engine.queueing import Rules

    starts = queue_starts(Rules(1), np.array([0.0, 1.0, 2.0]), np.full(3, 5.0), np.full(3, np.inf),
                          priority=np.array([0.0, 2.0, 1.0]))
    assert starts.tolist() == [0.0, 10.0, 5.0]  # the later, more urgent patient goes first


def test_priority_classes_match_cobhams_formula():
    """M/M/1 with two non-preemptive priority classes (30% urgent): W_k = W0 / ((1 - s_(k-1)) (1 - s_k)),
    W0 = lambda E[S^2] / 2, s_k the load of classes 1..k."""
    m, share = 0.6, 0.3
    base = queue_scenario(1, {"dist": "exponential", "mean_days": m})
    scenario = load_scenario_from(base, {"waiting": {"priority": {"dist": "discrete", "values": [1, 2],
                                                                  "probabilities": [share, 1 - share]}}})
    layout = StreamLayout.for_scenario(scenario)
    u = uniforms(scenario.simulation.seed, range(scenario.simulation.replications), layout,
                 scenario.cohort.max_patients)
    h = simulate_pathway(scenario, u, layout)
    urgent = scenario.waiting.priority.ppf(u[layout.rows["waiting.priority"]]) == 1
    queue = h.queues["bed"]
    late = queue.arrival > 300.0
    w0 = 1.0 * 2 * m**2 / 2
    s1, s2 = share * m, m
    for in_class, exact in ((urgent, w0 / (1 - s1)), (~urgent, w0 / ((1 - s1) * (1 - s2)))):
        per_study = np.nanmean(np.where(late & in_class, queue.wait, np.nan), axis=1)
        assert_within_mc_se(per_study, exact)


def load_scenario_from(scenario, tables):
    """The scenario with some tables replaced, validated again."""
    from simulator.scenario.loading import scenario_from_dict

    raw = scenario.model_dump(mode="json", exclude_none=True)
    raw.update(tables)
    return scenario_from_dict(raw)


def test_skipping_simpy_stays_exact_with_schedules_and_priorities():
    scenario = load_scenario(SCENARIOS / "centre_capacity.toml", [
        'resources.isolation_bed.open_days=["mon", "tue", "wed", "thu"]',
        'waiting.priority={dist="discrete", values=[1, 2], probabilities=[0.4, 0.6]}',
        "cohort.referrals.rate_per_year=20",
    ])
    layout = StreamLayout.for_scenario(scenario)
    u = uniforms(5, range(60), layout, scenario.cohort.max_patients)
    fast = simulate_pathway(scenario, u, layout)
    full = simulate_pathway(scenario, u, layout, always_queue=True)
    assert np.nanmax(fast.queues["isolation_bed"].wait) > 0
    assert np.allclose(
        fast.queues["isolation_bed"].start, full.queues["isolation_bed"].start, atol=1e-9, equal_nan=True
    )
    assert np.array_equal(fast.death_stage, full.death_stage)
