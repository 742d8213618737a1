"""A run folder's manifest read back once, typed: what every command records, the scenarios read with the schema,
and the entries a command's page needs checked to be there with their JSON types."""

from __future__ import annotations

import dataclasses
import json

import pytest

from simulator.cli import main
from simulator.report.manifest import ManifestError, read_manifest
from simulator.report.pages import PAGES
from simulator.scenario.schema import Scenario

from helpers import SCENARIOS


@pytest.fixture
def run_folder(in_tmp_cwd):
    assert main(["run", str(SCENARIOS / "burt2006.toml"), "--replications", "20", "--seed", "5", "--workers", "1",
                 "--quiet", "--output", "a-run"]) == 0
    return in_tmp_cwd / "a-run"


def test_a_run_folders_manifest_reads_typed(run_folder):
    manifest = read_manifest(run_folder, {"replications": int})
    assert manifest.command[:2] == ("hsct-sim", "run") and manifest.seed == 5 and manifest.replications == 20
    (scenario,) = manifest.scenarios.values()
    assert isinstance(scenario, Scenario) and list(manifest.scenarios) == [scenario.metadata.name]
    assert manifest.figures and all(isinstance(name, str) for name in manifest.figures)
    with pytest.raises(dataclasses.FrozenInstanceError):
        manifest.seed = 6  # type: ignore[misc]


@pytest.mark.parametrize("value, says", [(None, "no `reached`"), (1, "`reached` is 1, not true or false"),
                                         ("yes", "`reached` is 'yes', not true or false")])
def test_an_entry_a_page_needs_is_checked_once_with_its_type(run_folder, value, says):
    raw = json.loads((run_folder / "manifest.json").read_text())
    if value is not None:
        raw["reached"] = value
    (run_folder / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(ManifestError, match=says):
        read_manifest(run_folder, {"reached": bool})


def test_every_page_names_the_entries_it_reads_with_json_types():
    json_types = {dict, list, str, int, float, bool}
    for page in PAGES:
        for key, kind in page.entries.items():
            assert set(kind if isinstance(kind, tuple) else (kind,)) <= json_types, (page.command, key)
