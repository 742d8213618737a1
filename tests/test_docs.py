"""The documents describe the tool as it is: outputs/README.md names every kind of run folder."""

from __future__ import annotations

import pytest

from simulator import commands
from simulator.cli import main

from helpers import ROOT, SCENARIOS

BURT, EBMT = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")

# The cheapest valid command line of each command: each stops at its run folder's name, before simulating.
COMMAND_LINES = {
    "run": ["run", BURT],
    "sweep": ["sweep", BURT, "--param", "stages.isolation.death_probability=0,0.1"],
    "compare": ["compare", BURT, EBMT],
    "power": ["power", BURT, EBMT, "--sizes", "20"],
    "calibrate": ["calibrate", BURT, "--free", "followup.relapse.rate_per_year=0.05:0.3"],
    "validate": ["validate"],
}


class _Named(Exception):
    """Raised in place of naming the run folder, carrying the folder's command prefix."""


def _folder_prefix(monkeypatch, name: str) -> str:
    def default_folder(command: str, scenario_name: str):
        raise _Named(command)

    monkeypatch.setattr(getattr(commands, name), "default_folder", default_folder)
    with pytest.raises(_Named) as named:
        main(COMMAND_LINES[name] + ["--quiet"])
    return named.value.args[0]


def test_every_command_is_listed_here():
    assert set(COMMAND_LINES) == {module.__name__.rsplit(".", 1)[-1] for module in commands.COMMANDS}


@pytest.mark.parametrize("name", sorted(COMMAND_LINES))
def test_outputs_readme_documents_every_run_folder(monkeypatch, name):
    prefix = _folder_prefix(monkeypatch, name)
    documented = (ROOT / "outputs" / "README.md").read_text()
    assert f"`{prefix}-<" in documented, f"outputs/README.md does not describe the {prefix}-<...>/ folders of hsct-sim {name}"
