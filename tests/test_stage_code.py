"""A scenario never runs code by being opened: a stage's own Python (`process`) runs only with --allow-code
(RunOptions(allow_code=True)), only from the scenario's folder unless the user names the file, under every
command. The hook below leaves a marker file the moment it is imported."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import RunOptions, load_scenario, run
from simulator.cli import main
from simulator.errors import UserError

from helpers import SCENARIOS

HOOK = '''
from pathlib import Path

Path(__file__).with_name("marker").write_text("imported")


def collect(patient, env):
    yield from patient.standard_stage(env)
'''
SMALL = ["--replications", "2", "--seed", "3", "--workers", "1", "--quiet", "--set", "cohort.size=6"]


@pytest.fixture
def hooked(tmp_path: Path) -> Path:
    """A scenario beside a hook file that marks its own import."""
    (tmp_path / "hook.py").write_text(HOOK)
    scenario = tmp_path / "hooked.toml"
    scenario.write_text((SCENARIOS / "examples" / "remobilisation.toml").read_text()
                        .replace("remobilisation.py:collect_or_remobilise", "hook.py:collect"))
    return scenario


COMMANDS = {
    "run": lambda s: ["run", s],
    "sweep": lambda s: ["sweep", s, "--param", "stages.apheresis.failure_probability=0.1,0.2"],
    "compare": lambda s: ["compare", s, str(SCENARIOS / "burt2006.toml")],
    "calibrate": lambda s: ["calibrate", s, "--target", "trm=0.02", "--free",
                            "stages.apheresis.failure_probability=0.05:0.2"],
    "validate": lambda s: ["validate", s, "--suite", "scenarios"],
    "power": lambda s: ["power", s, str(SCENARIOS / "burt2006.toml"), "--sizes", "6"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stage_hook_runs_only_when_allowed_under_every_command(command, hooked, in_tmp_cwd, capsys):
    args = COMMANDS[command](str(hooked)) + SMALL + (["--replications", "12"] if command == "calibrate" else [])
    marker = hooked.with_name("marker")
    for engine in ([], ["--engine", "simpy"]):
        assert main(args + engine) == 2
        err = capsys.readouterr().err
        assert "--allow-code" in err and "Traceback" not in err
        assert not marker.exists(), f"{command} {engine} imported the hook without --allow-code"
    assert not list((in_tmp_cwd / "outputs").iterdir())  # nothing written
    assert main(args + ["--engine", "simpy", "--allow-code"]) in (0, 1)  # 1: a target missed (calibrate, validate)
    assert marker.read_text() == "imported"


def test_loading_never_imports_and_the_api_needs_the_opt_in(hooked):
    scenario = load_scenario(hooked)
    assert scenario.stages["apheresis"].process == f"{hooked.with_name('hook.py').resolve()}:collect"
    assert not hooked.with_name("marker").exists()
    with pytest.raises(UserError, match=r"allow_code=True"):
        run(scenario, replications=2, options=RunOptions(engine="simpy"))
    assert not hooked.with_name("marker").exists()
    assert run(scenario, replications=2, options=RunOptions(engine="simpy", allow_code=True)).replications == 2
    assert hooked.with_name("marker").exists()


@pytest.mark.parametrize("process", ["../hook.py:collect", "/tmp/hook.py:collect", "inner/../../hook.py:collect"])
def test_code_outside_the_scenarios_folder_is_refused_unless_the_user_names_it(tmp_path, process):
    (tmp_path / "hook.py").write_text(HOOK)
    folder = tmp_path / "shared"
    (folder / "inner").mkdir(parents=True)
    scenario = folder / "hooked.toml"
    scenario.write_text((SCENARIOS / "examples" / "remobilisation.toml").read_text()
                        .replace("remobilisation.py:collect_or_remobilise", process))
    with pytest.raises(UserError, match=r"stages.apheresis.process: .* lies outside the scenario's folder .*"
                                        r"(--set|overrides) stages.apheresis.process=PATH.py:collect"):
        load_scenario(scenario)
    named = load_scenario(scenario, [f"stages.apheresis.process={tmp_path / 'hook.py'}:collect"])
    assert named.stages["apheresis"].process == f"{tmp_path / 'hook.py'}:collect"
    assert not (tmp_path / "marker").exists()


def test_a_symbolic_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "hook.py").write_text(HOOK)
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "link.py").symlink_to(tmp_path / "hook.py")
    scenario = folder / "hooked.toml"
    scenario.write_text((SCENARIOS / "examples" / "remobilisation.toml").read_text()
                        .replace("remobilisation.py:collect_or_remobilise", "link.py:collect"))
    with pytest.raises(UserError, match="lies outside the scenario's folder"):
        load_scenario(scenario)


@pytest.mark.parametrize("process", ["os:system", "this:f", "hook:collect"])
def test_an_installed_module_is_not_accepted_as_a_stage(hooked, process):
    hooked.write_text(hooked.read_text().replace("hook.py:collect", process))
    with pytest.raises(UserError, match=r'should be "file.py:function"'):
        load_scenario(hooked)
