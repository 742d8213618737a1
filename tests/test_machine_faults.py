"""The machine's faults are not bugs: a full disk or standard output, a file above `ulimit -f` and memory running
out exit with a code of their own (71), in one line naming the file and what to do, leaving nothing half-written;
and the up-front memory check honours the process's and the container's limits, not only the machine's."""

from __future__ import annotations

import errno
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import EXIT_CODES, main
from simulator.errors import MACHINE_FAULT_EXIT, UserError
from simulator.simulation import memory, memory_limits
from simulator.simulation.memory import Need, check_fits
from simulator.simulation.memory_limits import UNKNOWN, container_room, process_room

from helpers import ROOT, SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")
SMALL = ["--replications", "20", "--workers", "1", "--quiet"]


def hsct_sim(*args: str, cwd: Path, stdout: object = subprocess.PIPE, file_limit: int | None = None):
    def limited() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run([sys.executable, "-m", "simulator", *args], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, cwd=cwd, timeout=120, preexec_fn=limited, env={"PYTHONPATH": str(ROOT),
                                                                                     "PATH": "/usr/bin:/bin"})


def test_the_exit_code_is_documented():
    assert MACHINE_FAULT_EXIT == 71 and "71   the machine stopped the run" in EXIT_CODES
    assert "| 71 | the machine stopped the run" in (ROOT / "docs" / "large-runs.md").read_text()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_standard_output_on_a_full_device(tmp_path):
    (tmp_path / "outputs").mkdir()
    with open("/dev/full", "w") as full:
        done = hsct_sim("run", BURT, *SMALL, cwd=tmp_path, stdout=full)
    assert done.returncode == MACHINE_FAULT_EXIT, done.stderr
    assert "no space left on device while writing standard output" in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_file_above_the_size_limit(tmp_path):
    """`ulimit -f` of 64 KiB: the per-study table cannot be written; the run folder is removed."""
    (tmp_path / "outputs").mkdir()
    done = hsct_sim("run", BURT, "--replications", "2000", "--workers", "2", "--quiet", cwd=tmp_path,
                    file_limit=64 * 1024)
    assert done.returncode == MACHINE_FAULT_EXIT, done.stderr
    assert "file too large" in done.stderr and "--output DIR" in done.stderr
    assert "internal error" not in done.stderr
    assert [p.name for p in (tmp_path / "outputs").iterdir()] in ([], ["index.html"])


def test_a_full_disk_while_writing_the_run_folder_names_the_file(in_tmp_cwd, capsys, monkeypatch):
    from simulator.report import html

    def full(folder: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "report.html"))

    monkeypatch.setattr(html, "write", full)
    assert main(["run", BURT, *SMALL]) == MACHINE_FAULT_EXIT
    err = capsys.readouterr().err
    assert "no space left on device while writing report.html in the run folder outputs/run-" in err
    assert "free some space" in err and "internal error" not in err
    assert not [p for p in (in_tmp_cwd / "outputs").iterdir() if p.name != "index.html"]


def test_memory_running_out_is_the_machines_fault(in_tmp_cwd, capsys, monkeypatch):
    from simulator.simulation import runner

    def exhausted(*args: object, **kwargs: object) -> None:
        raise MemoryError

    monkeypatch.setattr(runner, "simulate_chunk", exhausted)
    assert main(["run", BURT, *SMALL]) == MACHINE_FAULT_EXIT
    err = capsys.readouterr().err
    assert "out of memory" in err and "internal error" not in err
    assert not list((in_tmp_cwd / "outputs").iterdir())


def test_the_memory_check_honours_the_process_limit(monkeypatch):
    """A 3 GB RLIMIT_AS used to accept a run needing 17.7 GiB; the refusal names the limit."""
    monkeypatch.setattr(memory_limits.resource, "getrlimit", lambda kind: (3 * 10**9, resource.RLIM_INFINITY))
    with pytest.raises(UserError, match=r"ulimit -v"):
        check_fits(Need(chunk=2**30, concurrent=2, kept=15 * 2**30), "run")
    check_fits(Need(chunk=2**20, concurrent=2, kept=2**20), "run")


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)


def test_container_limits_are_read_from_cgroup_v2_and_v1(tmp_path):
    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    write(proc / "self", {"cgroup": "0::/job/42\n"})
    write(cgroups / "job" / "42", {"memory.max": "3000000000\n", "memory.current": "1000000000\n"})
    assert container_room(proc, cgroups) == 2_000_000_000
    write(cgroups / "job" / "42", {"memory.max": "max\n"})
    assert container_room(proc, cgroups) == UNKNOWN

    write(proc / "self", {"cgroup": "4:memory:/docker/abc\n3:cpuset:/\n"})
    write(cgroups / "memory" / "docker" / "abc", {"memory.limit_in_bytes": "3221225472\n",
                                                  "memory.usage_in_bytes": "1073741824\n"})
    assert container_room(proc, cgroups) == 2 * 2**30
    write(cgroups / "memory" / "docker" / "abc", {"memory.limit_in_bytes": "9223372036854771712\n"})
    assert container_room(proc, cgroups) == UNKNOWN


def test_inside_a_container_its_own_cgroup_is_at_the_root(tmp_path):
    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    write(proc / "self", {"cgroup": "0::/\n"})
    write(cgroups, {"memory.max": "1000\n", "memory.current": "400\n"})
    assert container_room(proc, cgroups) == 600


def test_the_process_room_is_its_limit_less_its_address_space(tmp_path):
    write(tmp_path / "self", {"statm": "1000 10 0 0 0 0 0\n"})
    page = memory_limits.os.sysconf("SC_PAGE_SIZE")
    assert process_room(tmp_path, limit=5000 * page) == 4000 * page
    assert process_room(tmp_path, limit=resource.RLIM_INFINITY) == UNKNOWN
    assert memory.USABLE_SHARE < 1
