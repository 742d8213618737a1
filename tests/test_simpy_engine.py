"""The per-patient SimPy engine (`--engine simpy`): the same patient histories as the fast engine, patient by
patient, and stages run by the modeller's own process (the re-mobilisation example)."""

import re

import numpy as np
import pytest

from simulator import RunOptions, UserError, load_scenario, run
from simulator.cli import main
from simulator.engine.heterogeneity import study_scenario
from simulator.engine.pathway import simulate_pathway
from simulator.engine.processes import PATIENT_STREAM, simulate_processes
from simulator.engine.randomness import StreamLayout, StudyStreams, replication_generator, uniforms

from helpers import ROOT, SCENARIOS

EXAMPLE = SCENARIOS / "examples" / "remobilisation.toml"
TIMES = ("enrolment", "reinfusion", "relapse", "death", "withdrawal")
LABELS = ("death_stage", "death_cause", "withdrawal_stage")
EVERY_RULE = [  # every rule of the pathway at once, on a busy centre, so that patients wait, leave and interact
    'resources.isolation_bed.open_days=["mon", "tue", "wed", "thu"]',
    'waiting.priority={dist="discrete", values=[1, 2], probabilities=[0.4, 0.6]}',
    'waiting.withdrawal={dist="exponential", rate_per_year=2}',
    "stages.apheresis.failure_probability=0.1",
    'stages.conditioning.death_hazard={dist="exponential", rate_per_year=0.5}',
    'followup.early_death={dist="exponential", rate_per_year=0.5}',
    "followup.frailty_variance=0.5",
    'cohort.loss_to_followup={dist="exponential", rate_per_year=0.1}',
    "cohort.referrals.rate_per_year=20",
    "stages.reinfusion.death_probability=0.05",  # a zero-length stage: death ties with completion, and wins
]


def both_engines(scenario, seed, replications):
    layout = StreamLayout.for_scenario(scenario)
    drawn = study_scenario(scenario, seed, replications)
    u = uniforms(seed, replications, layout, scenario.cohort.max_patients)
    studies = StudyStreams(seed, replications, scenario.cohort.max_patients)
    fast = simulate_pathway(drawn, u, layout, studies=studies)
    return fast, simulate_processes(drawn, u, layout, seed, replications), u, layout


def assert_same_histories(fast, simpy):
    """Every field of every patient's history: times to 1e-9 days (inf where neither happened), labels exactly."""
    for name in TIMES:
        np.testing.assert_allclose(getattr(simpy, name), getattr(fast, name), rtol=0, atol=1e-9, err_msg=name)
    for name in LABELS:
        np.testing.assert_array_equal(getattr(simpy, name), getattr(fast, name), err_msg=name)
    for name in ("lost", "non_response", "discharge"):
        assert (getattr(simpy, name) is None) == (getattr(fast, name) is None), name
        if getattr(fast, name) is not None:
            np.testing.assert_allclose(getattr(simpy, name), getattr(fast, name), rtol=0, atol=1e-9, err_msg=name)
    assert (simpy.stage_labels, simpy.cause_labels) == (fast.stage_labels, fast.cause_labels)
    assert len(simpy.flares) == len(fast.flares)  # flare episodes, drawn on their own streams after the pathway
    for k, (theirs, ours) in enumerate(zip(simpy.flares, fast.flares)):
        for name in ("onset", "controlled", "next_onset"):
            np.testing.assert_allclose(getattr(theirs, name), getattr(ours, name), rtol=0, atol=1e-9,
                                       err_msg=f"flare {k + 1} {name}")
    assert simpy.queues.keys() == fast.queues.keys()
    for resource, queue in fast.queues.items():
        for name in ("arrival", "start", "hold"):
            np.testing.assert_allclose(getattr(simpy.queues[resource], name), getattr(queue, name), rtol=0,
                                       atol=1e-9, equal_nan=True, err_msg=f"{resource} {name}")


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.stem)
def test_both_engines_give_every_shipped_scenario_the_same_patient_histories(path):
    scenario = load_scenario(path)
    fast, simpy, _, _ = both_engines(scenario, 11, range(40))
    assert_same_histories(fast, simpy)
    assert np.isfinite(fast.death).any()  # the comparison is not of empty histories
    assert np.isfinite(fast.reinfusion).any() == scenario.has_transplant
    for queue in fast.queues.values():
        assert np.nanmax(queue.wait) > 0  # patients waited for beds: the queue was exercised


@pytest.mark.parametrize("overrides", [
    EVERY_RULE,
    ["resources.isolation_bed.capacity=1", 'resources.isolation_bed.open_days=["mon", "wed", "fri"]',
     "waiting.max_wait_days=30"],
    [*EVERY_RULE, "followup.non_response_probability=0.3"],
], ids=["every_rule", "one_bed_max_wait", "non_response"])
def test_both_engines_agree_with_every_pathway_rule(overrides):
    scenario = load_scenario(SCENARIOS / "centre_capacity.toml", overrides)
    fast, simpy, _, _ = both_engines(scenario, 5, range(30))
    assert_same_histories(fast, simpy)
    waiting = fast.stage_labels.index("waiting for isolation_bed")
    assert (fast.withdrawal_stage == waiting).any() and (fast.death_stage == waiting).any()
    if "stages.apheresis.failure_probability=0.1" in overrides:  # failed collections too
        assert (fast.withdrawal_stage == fast.stage_labels.index("apheresis")).any()


def test_both_engines_agree_with_parameters_drawn_per_study():
    scenario = load_scenario(SCENARIOS / "burt2006.toml", ["simulation.parameter_uncertainty=true",
                                                            "stages.mobilisation.death_probability_icc=0.1"])
    fast, simpy, _, _ = both_engines(scenario, 3, range(40))
    assert_same_histories(fast, simpy)


def test_run_gives_the_same_numbers_with_either_engine_and_any_number_of_workers():
    scenario = load_scenario(SCENARIOS / "centre_capacity.toml", EVERY_RULE)
    fast = run(scenario, replications=8)
    one = run(scenario, replications=8, options=RunOptions(workers=1, engine="simpy"))
    two = run(scenario, replications=8, options=RunOptions(workers=2, chunk_size=3, engine="simpy"))
    for name, values in fast.values.items():
        np.testing.assert_allclose(one.values[name], values, rtol=0, atol=1e-9, equal_nan=True, err_msg=name)
        np.testing.assert_array_equal(two.values[name], one.values[name], err_msg=name)


def test_remobilisation_delays_exactly_the_failed_collections_and_drops_exactly_the_second_failures():
    """With unlimited beds, the example is Burt 2006 except that a patient whose first collection fails (its uniform
    below 0.1) is collected again 28 days later: every later event of their history moves by exactly 28 days (not
    loss to follow-up, counted from enrolment); those whose own stream's first number is below 0.3 leave the pathway
    then, and die off it at the time their off-pathway uniform gives."""
    unlimited = ["resources.isolation_bed.capacity=unlimited"]
    seed, replications = 4, range(60)
    # the example has no [population] (background deaths, drawn from the age on leaving, would not move by 28 days)
    # and no [economics] (so no flare episodes either)
    base = load_scenario(SCENARIOS / "burt2006.toml", unlimited).model_copy(update={"population": None,
                                                                                    "economics": None})
    example = load_scenario(EXAMPLE, unlimited)
    layout = StreamLayout.for_scenario(example)  # base's events and the collection's failure
    assert set(StreamLayout.for_scenario(base).rows) == set(layout.rows) - {"apheresis.failure"}
    u = uniforms(seed, replications, layout, base.cohort.max_patients)
    fast = simulate_pathway(base, u, layout)
    custom = simulate_processes(example, u, layout, seed, replications)

    mobilisation = fast.stage_labels.index("mobilisation")
    collected = ~((fast.death_stage == mobilisation) & np.isfinite(fast.death))
    failed = collected & (u[layout.rows["apheresis.failure"]] < 0.1)
    second = np.array([[replication_generator(seed, r, (PATIENT_STREAM, slot)).random() < 0.3
                        for slot in range(u.shape[2])] for r in replications])
    again, leave = failed & ~second, failed & second
    assert again.sum() > 100 and leave.sum() > 30 and (~failed).sum() > 2000

    for name in TIMES[1:]:
        expected = np.where(again, getattr(fast, name) + 28.0, getattr(fast, name))
        np.testing.assert_allclose(getattr(custom, name)[~leave], expected[~leave], rtol=0, atol=1e-9, err_msg=name)
    np.testing.assert_array_equal(custom.lost, fast.lost)  # loss to follow-up counts from enrolment: no delay moves it
    for name in LABELS:
        np.testing.assert_array_equal(getattr(custom, name)[~leave], getattr(fast, name)[~leave], err_msg=name)

    collection_ends = fast.enrolment + sum(base.stages[s].duration.ppf(u[layout.rows[f"{s}.duration"]])
                                           for s in ("mobilisation", "apheresis"))
    np.testing.assert_allclose(custom.withdrawal[leave], collection_ends[leave] + 28.0, rtol=0, atol=1e-9)
    assert (custom.withdrawal_stage[leave] == fast.stage_labels.index("apheresis")).all()
    assert np.isinf(custom.reinfusion[leave]).all()
    off_death = custom.withdrawal + example.off_pathway.death.ppf(u[layout.rows["off_pathway.death"]])
    np.testing.assert_allclose(custom.death[leave], off_death[leave], rtol=0, atol=1e-9)


def test_the_fast_engine_refuses_a_stage_with_its_own_process(capsys):
    example = load_scenario(EXAMPLE)
    with pytest.raises(UserError, match="stages.apheresis.process .*--engine simpy"):
        run(example, replications=2)
    with pytest.raises(ValueError, match=r"RunOptions.engine: must be one of 'fast', 'simpy' \(got 'slow'\)"):
        RunOptions(engine="slow")  # type: ignore[arg-type]  # refused when the options are made
    assert main(["run", str(EXAMPLE), "--replications", "2", "--quiet"]) == 2
    assert "--engine simpy" in capsys.readouterr().err


def test_the_example_runs_from_the_command_line(in_tmp_cwd, capsys):
    assert main(["run", str(EXAMPLE), "--engine", "simpy", "--allow-code", "--replications", "20", "--workers", "1",
                 "--quiet", "--outcomes", "transplanted,deaths_before_reinfusion"]) == 0
    assert "transplanted" in capsys.readouterr().out


@pytest.mark.parametrize(
    "process, files, message, when",
    [
        ("missing.py:f", {}, "no such file", "load"),
        ("no_such_package.module:f", {}, 'should be "file.py:function"', "load"),
        ("stage.py", {}, 'should be "file.py:function"', "load"),
        (
            "stage.py:g",
            {"stage.py": "def f(patient, env):\n    yield env.timeout(1)\n"},
            "has no function 'g'; its functions: f",
            "run",
        ),
        (
            "stage.py:f",
            {"stage.py": "def f(patient, env):\n    return 1\n"},
            "must be a SimPy generator function",
            "run",
        ),
        (
            "stage.py:f",
            {"stage.py": "raise ValueError('no lab values')\n"},
            "importing .* failed: ValueError: no lab values",
            "run",
        ),
    ],
)
def test_a_process_that_cannot_be_had_is_refused_naming_the_field(tmp_path, capsys, process, files, message, when):
    """A bad name or a missing file is refused when the scenario loads; what only importing the file can show
    (no such function, not a generator, an error while importing) when a run that allows code starts."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(EXAMPLE.read_text().replace("remobilisation.py:collect_or_remobilise", process))
    if when == "load":
        with pytest.raises(UserError, match=f"scenario.toml: stages.apheresis.process: .*{message}"):
            load_scenario(scenario)
    else:
        with pytest.raises(UserError, match=rf"\(example\): stages.apheresis.process: .*{message}"):
            run(load_scenario(scenario), replications=2, options=RunOptions(engine="simpy", allow_code=True))
    assert main(["run", str(scenario), "--engine", "simpy", "--allow-code", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "stages.apheresis.process" in err and "Traceback" not in err


def test_the_example_cites_evidence_sections_that_exist():
    headings = re.findall(r"^#{1,6} (.+)$", (ROOT / "docs" / "evidence.md").read_text(), re.MULTILINE)
    anchors = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}
    cited = set()
    for path in (SCENARIOS / "examples").iterdir():
        cited |= set(re.findall(r"docs/evidence\.md#([\w-]+)", path.read_text()))
    assert "re-mobilisation-example" in cited and cited <= anchors


LAB_RULE = '''
def measure(patient, env):
    yield from patient.standard_stage(env)
    patient.values["lab"] = patient.rng.random()


def rest(patient, env):
    if patient.values["lab"] < 0.2:  # a bad lab value: dies a day into the rest, of a cause of the modeller's
        yield env.timeout(1.0)
        patient.die(env, cause="lab-driven")
        return
    yield from patient.standard_stage(env)
'''


def test_values_carry_from_stage_to_stage_and_a_process_may_die_of_its_own_cause(tmp_path):
    """A lab value drawn at mobilisation decides, at rest, who dies one day in: exactly those whose own
    stream's first number is below 0.2, among those alive at rest; everyone else keeps the fast history."""
    (tmp_path / "lab.py").write_text(LAB_RULE)
    text = (SCENARIOS / "burt2006.toml").read_text()
    text = text.replace("[stages.mobilisation]\n", '[stages.mobilisation]\nprocess = "lab.py:measure"\n')
    text = text.replace("[stages.rest]\n", '[stages.rest]\nprocess = "lab.py:rest"\n')
    (tmp_path / "lab.toml").write_text(text)
    unlimited = ["resources.isolation_bed.capacity=unlimited"]
    custom_scenario = load_scenario(tmp_path / "lab.toml", unlimited)
    base = load_scenario(SCENARIOS / "burt2006.toml", unlimited)
    seed, replications = 8, range(20)
    layout = StreamLayout.for_scenario(base)
    u = uniforms(seed, replications, layout, base.cohort.max_patients)
    fast = simulate_pathway(base, u, layout, studies=StudyStreams(seed, replications, base.cohort.max_patients))
    custom = simulate_processes(custom_scenario, u, layout, seed, replications)

    mobilisation = fast.stage_labels.index("mobilisation")
    at_rest = ~((fast.death_stage == mobilisation) & np.isfinite(fast.death))
    lab = np.array([[replication_generator(seed, r, (PATIENT_STREAM, slot)).random()
                     for slot in range(u.shape[2])] for r in replications])
    dies = at_rest & (lab < 0.2)
    assert 100 < dies.sum() < (~dies).sum()
    rest_starts = fast.enrolment + sum(base.stages[s].duration.ppf(u[layout.rows[f"{s}.duration"]])
                                       for s in ("mobilisation", "apheresis"))
    np.testing.assert_allclose(custom.death[dies], rest_starts[dies] + 1.0, rtol=0, atol=1e-9)
    assert (custom.death_stage[dies] == fast.stage_labels.index("rest")).all()
    assert set(custom.cause_labels[i] for i in custom.death_cause[dies]) == {"lab-driven"}
    assert np.isinf(custom.reinfusion[dies]).all()
    for name in TIMES:
        np.testing.assert_allclose(getattr(custom, name)[~dies], getattr(fast, name)[~dies], rtol=0, atol=1e-9)
