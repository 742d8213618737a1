"""Run folders read and cleaned up truthfully: `report` on a folder that is not one hsct-sim wrote is a user error
naming what is wrong (it was an internal error); a closed-form validation folder is one `report` can read; a
stale partial folder that cannot be removed is not reported as removed; forked report writers die with the run;
outputs/index.html follows the umask as the run folders do."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.questions.validation import validation as validation_question
from simulator.questions.validation.closed_forms import exponential_survival
from simulator.simulation import runfolder

from helpers import ROOT, SCENARIOS


@pytest.mark.parametrize("manifest, says", [
    ("[1, 2]", "holds a list"),
    ('"a run"', "holds a str"),
    ('{"command": ["hsct-sim", "run"], "scenario": {}}', "no hsct-sim version recorded"),
    ('{"version": "0.9", "scenario": null, "command": ["hsct-sim", "run"], "replications": 10}',
     "a scenario is not a table"),
    ('{"version": "0.9", "command": 5, "scenario": {}}', "`command` is 5, not a list"),
    ('{"version": "0.9", "command": ["hsct-sim", "run"], "replications": 10}', "names no scenario"),
    ('{"version": "0.9", "command": ["hsct-sim", "run"], "replications": "ten"}',
     "`replications` is 'ten', not a whole number"),
    ("{not json", "not readable as JSON"),
])
def test_report_on_a_malformed_folder_is_a_user_error(tmp_path, capsys, manifest, says):
    (tmp_path / "manifest.json").write_text(manifest)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and says in err and "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "report.html").exists()


def _a_sweep_folder(folder: Path) -> dict:
    assert main(["sweep", str(SCENARIOS / "burt2006.toml"), "--replications", "20", "--quiet", "--workers", "1",
                 "--param", "stages.isolation.death_probability=0,0.1", "--output", str(folder)]) == 0
    return json.loads((folder / "manifest.json").read_text())


@pytest.mark.parametrize("change, says", [
    (lambda m: m.pop("points"), "no `points`, which this report needs"),  # an older version's sweep folder
    (lambda m: m["scenario"]["stages"]["isolation"].update(death_probability=2), "does not read with this version"),
])
def test_report_on_an_older_versions_folder_says_which_entry_it_cannot_read(in_tmp_cwd, capsys, change, says):
    """What this version's page needs and an older manifest lacks (or a scenario the schema now refuses) is named
    once, with the version that wrote it: exit 2, no traceback, the report left as it was."""
    folder = in_tmp_cwd / "sweep"
    manifest = _a_sweep_folder(folder)
    manifest["version"] = "0.0.9"
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = (folder / "report.html").read_bytes()
    capsys.readouterr()
    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert says in err and "written by hsct-sim 0.0.9" in err and "Traceback" not in err, err
    assert (folder / "report.html").read_bytes() == before


def test_a_closed_form_validation_folder_can_be_reported(in_tmp_cwd, capsys, monkeypatch):
    monkeypatch.setattr(validation_question, "closed_form_cases", lambda: [exponential_survival()])
    assert main(["validate", "--suite", "closed-forms", "--quiet", "--output", "suite"]) in (0, 1)
    assert "report.html not written" not in capsys.readouterr().err
    assert "exact closed-form answers" in (in_tmp_cwd / "suite" / "report.html").read_text()
    assert main(["report", "suite"]) == 0, capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root removes any file: the failure cannot be made")
def test_a_stale_partial_that_cannot_be_removed_is_not_said_removed(tmp_path, capsys):
    partial = tmp_path / f".run-x-20260101T000000Z.partial-{runfolder.HOST}-999999999-abcdef"
    (partial / "inner").mkdir(parents=True)
    (partial / "inner" / "table.csv").write_text("x")
    (partial / "inner").chmod(stat.S_IRUSR | stat.S_IXUSR)  # its file cannot be deleted
    try:
        runfolder.remove_stale_partials(tmp_path)
        err = capsys.readouterr().err
        assert "could not remove" in err and "remove it by hand" in err and "note: removed" not in err
    finally:
        (partial / "inner").chmod(stat.S_IRWXU)
    runfolder.remove_stale_partials(tmp_path)
    assert "note: removed" in capsys.readouterr().err and not partial.exists()


def test_a_removal_failure_is_said(tmp_path, monkeypatch, capsys):
    """The same as root would see it, the failure made by the file system's answer rather than by permissions."""
    partial = tmp_path / f".run-x-20260101T000000Z.partial-{runfolder.HOST}-999999999-abcdef"
    partial.mkdir()

    def refuse(path: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(runfolder.shutil, "rmtree", refuse)
    runfolder.remove_stale_partials(tmp_path)
    err = capsys.readouterr().err
    assert "could not remove" in err and "Permission denied" in err and "note: removed" not in err


WRITERS = r"""
import os, sys, time
from simulator.report import forked

def job():
    os.write(1, f"{os.getpid()}\n".encode())  # one write: the two processes share the pipe
    time.sleep(60)

forked.share([job, job], 2, lambda numbers: "sleeping")
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # a zombie is dead, waiting for whoever adopted it to reap it


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_forked_writers_die_with_a_killed_run():
    parent = subprocess.Popen([sys.executable, "-c", WRITERS], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    pids = {int(parent.stdout.readline()), int(parent.stdout.readline())}
    (child,) = pids - {parent.pid}
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = not _gone(child)
    if alive:
        os.kill(child, signal.SIGKILL)
    assert not alive, "the forked writer outlived its killed parent"


def test_the_index_follows_the_umask(in_tmp_cwd):
    old = os.umask(0o022)
    try:
        assert main(["run", str(SCENARIOS / "burt2006.toml"), "--replications", "4", "--workers", "1", "--quiet"]) == 0
    finally:
        os.umask(old)
    (folder,) = (in_tmp_cwd / "outputs").glob("run-*")
    assert stat.S_IMODE((in_tmp_cwd / "outputs" / "index.html").stat().st_mode) == 0o644
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert json.loads((folder / "manifest.json").read_text())["replications"] == 4
