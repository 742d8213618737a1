"""Data files a scenario names (a life table) are read like the scenario file itself: only a regular file (a
device or a pipe is never opened: /dev/zero grew memory without end, a pipe hung), at most 1 MiB, and an error
names the file and the rule without echoing its contents (a first line of /etc/passwd was shown)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

from helpers import ROOT, SCENARIOS

SHIPPED_TABLE = 'life_table = "data/us_ssa_period_life_table_2017.csv"'


def scenario_naming(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "named.toml"
    path.write_text((SCENARIOS / "burt2006.toml").read_text().replace(SHIPPED_TABLE, f'life_table = "{table}"'))
    return path


def hsct_sim(*args: str, limit_bytes: int | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line in a fresh process (under an address-space limit if given), as a user runs it."""
    import resource

    def limited() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, preexec_fn=limited)


def test_a_device_as_life_table_is_refused_without_reading_it(tmp_path):
    """/dev/zero under a 2 GiB limit: refused at once, where it used to be read until memory ran out."""
    done = hsct_sim("run", str(scenario_naming(tmp_path, "/dev/zero")), "--replications", "2", "--quiet",
                    "--output", str(tmp_path / "out"), limit_bytes=2 * 2**30)
    assert done.returncode == 2, done.stderr
    assert "population.life_table" in done.stderr and "not a regular file" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_as_life_table_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    done = hsct_sim("validate", str(scenario_naming(tmp_path, "pipe.csv")), "--suite", "scenarios", timeout=30)
    assert done.returncode == 2 and "not a regular file" in done.stderr


def test_a_life_table_above_the_size_cap_is_refused(tmp_path, capsys):
    rows = "".join(f"{age},0.01\n" for age in range(120))
    (tmp_path / "big.csv").write_text("age,qx\n" + rows + "#" * 2**20)
    assert main(["run", str(scenario_naming(tmp_path, "big.csv")), "--replications", "2", "--quiet"]) == 2
    assert "larger than 1 MiB" in capsys.readouterr().err


def test_a_file_that_is_not_a_life_table_is_not_echoed(tmp_path, capsys):
    secret = "root:x:0:0:root:/root:/bin/bash"
    (tmp_path / "passwd").write_text(f"{secret}\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
    assert main(["validate", str(scenario_naming(tmp_path, "passwd")), "--suite", "scenarios"]) == 2
    err = capsys.readouterr().err
    assert "needs an `age` column" in err and "passwd" in err
    assert "root" not in err.replace(str(tmp_path), "") and "bash" not in err
