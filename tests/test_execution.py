"""Where replications run does not change the numbers: 1 or 2 workers, any chunk size, a dask cluster."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulator.cli import main
from simulator.questions.calibration.calibration import calibrate
from simulator.questions.calibration.problem import FreeParameter, Target
from simulator.simulation import execution
from simulator.simulation.execution import kept_pool, map_chunks
from simulator.simulation.options import RunOptions

from helpers import ROOT, SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")
ARGS = ["run", BURT, "--replications", "120", "--seed", "9", "--quiet"]


def summary_bytes(folder):
    return (folder / "summary.csv").read_bytes()


def test_summary_is_byte_identical_across_workers_chunks_and_dask(in_tmp_cwd):
    distributed = pytest.importorskip("distributed")
    assert main(ARGS + ["--workers", "1", "--output", "one"]) == 0
    assert main(ARGS + ["--workers", "2", "--chunk-size", "25", "--output", "two"]) == 0
    assert main(ARGS + ["--workers", "1", "--chunk-size", "7", "--output", "chunks"]) == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://",
                                  dashboard_address=None) as cluster:
        assert main(ARGS + ["--scheduler", cluster.scheduler_address, "--chunk-size", "30", "--output", "dask"]) == 0
    reference = summary_bytes(in_tmp_cwd / "one")
    for other in ("two", "chunks", "dask"):
        assert summary_bytes(in_tmp_cwd / other) == reference, other


def test_scheduler_without_dask_is_a_clear_error(in_tmp_cwd, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if dask were not installed
    assert main(ARGS + ["--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "pip install 'hsct-sim[cluster]'" in capsys.readouterr().err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_unreachable_scheduler_is_a_clear_error(in_tmp_cwd, capsys):
    pytest.importorskip("distributed")
    assert main(ARGS + ["--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach a dask scheduler" in capsys.readouterr().err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def wait_for_workers(pid: int, count: int, timeout: float = 60) -> None:
    """Return once the process has `count` child processes (its worker pool), polling Linux's /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.monotonic() + timeout
    while len(children.read_text().split()) < count:
        assert time.monotonic() < deadline, "the run never started its workers"
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker processes from Linux's /proc")
def test_ctrl_c_stops_workers_promptly_and_writes_nothing(in_tmp_cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", BURT, "--replications", "400000", "--workers", "2", "--quiet"],
        cwd=in_tmp_cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal (see test_operator)
    )
    wait_for_workers(process.pid, 2)  # the run is simulating: its pool has started
    process.send_signal(signal.SIGINT)
    began = time.monotonic()
    _, err = process.communicate(timeout=20)
    assert time.monotonic() - began < 5
    assert process.returncode == 130
    assert err.strip() == "hsct-sim: interrupted; no run folder was written"
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads worker processes from Linux's /proc")
def test_a_worker_the_system_kills_stops_the_run_with_one_line_and_writes_nothing(in_tmp_cwd):
    """What the kernel's out-of-memory killer does to a worker: multiprocessing.Pool waited forever for the chunk
    it held (the run hung); now the run stops at once, says why and exits 71."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "run", BURT, "--replications", "400000", "--workers", "2", "--quiet"],
        cwd=in_tmp_cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_workers(process.pid, 2)
    worker = int(Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()[0])
    os.kill(worker, signal.SIGKILL)
    try:
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 71
    assert len(err.strip().splitlines()) == 1 and "a worker process was killed by SIGKILL" in err
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


KILLED = """
import contextlib, multiprocessing, os, signal, time
from simulator.errors import MachineFault
from simulator.simulation.execution import kept_pool, map_chunks
from simulator.simulation.options import RunOptions


def killed_on_two(x):  # chunk 2 kills its worker, as the out-of-memory killer would
    time.sleep(0.05)
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return x


for kept in [False] * 10 + [True] * 5:  # terminating a Pool whose dead worker held its queue's lock hung 1 in 5
    began = time.monotonic()
    try:
        with kept_pool() if kept else contextlib.nullcontext():
            list(map_chunks(killed_on_two, [0, 1, 2, 3], RunOptions(workers=2)))
    except MachineFault as fault:
        assert "killed by SIGKILL" in str(fault), fault
    else:
        raise AssertionError("the map finished without the killed chunk")
    assert time.monotonic() - began < 10
    assert multiprocessing.active_children() == []  # the other worker was stopped too
import tempfile
from simulator.simulation import pool

start, flag = pool._start_worker, os.path.join(tempfile.mkdtemp(), "killed")


def killed_as_it_starts(parent):  # the first worker dies in its initializer, while the pool starts
    try:
        os.close(os.open(flag, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return start(parent)
    os.kill(os.getpid(), signal.SIGKILL)


pool._start_worker = killed_as_it_starts
try:
    list(map_chunks(killed_on_two, [0, 1], RunOptions(workers=2)))
except MachineFault as fault:
    assert "killed by SIGKILL" in str(fault), fault
else:
    raise AssertionError("the map finished with a worker killed as the pool started")
assert multiprocessing.active_children() == []
print("stopped every time")
"""


def test_a_killed_worker_stops_every_map_at_once_on_a_pool_or_a_kept_pool():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", KILLED], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "stopped every time"


def _square_where(x: int) -> tuple[int, int]:
    """x squared and the process that computed it; slow enough that both workers take chunks."""
    time.sleep(0.05)
    return x * x, os.getpid()


def _mapped(chunks: list[int]) -> tuple[list[int], set[int]]:
    """The results in chunk order and the processes that computed them."""
    out = sorted(map_chunks(_square_where, chunks, RunOptions(workers=2)))
    return [value for _, (value, _) in out], {pid for _, (_, pid) in out}


WANTED = "hsct_wanted_afterwards"  # a module made for the test below


def _sees_wanted(_: int) -> bool:
    return WANTED in sys.modules


@pytest.mark.parametrize("workers", [1, 2])
def test_modules_wanted_afterwards_load_while_the_workers_compute(workers, tmp_path, monkeypatch):
    """Named modules are imported once the workers have their chunks (forked before: they never see it), so
    their import overlaps the simulation; in this process (1 worker) they are left to their first use."""
    (tmp_path / f"{WANTED}.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(execution, "_wanted_afterwards", [])
    monkeypatch.delitem(sys.modules, WANTED, raising=False)
    execution.load_while_workers_run(WANTED)
    seen = [loaded for _, loaded in map_chunks(_sees_wanted, [0, 1, 2], RunOptions(workers=workers))]
    assert seen == [False] * 3
    assert (WANTED in sys.modules) == (workers == 2)
    sys.modules.pop(WANTED, None)


def _nap(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@pytest.mark.parametrize("import_seconds, chunk_seconds, loaded", [(1.0, 0.0, False), (0.0, 1.0, True)])
def test_modules_still_wanted_when_the_last_chunk_arrives_are_left_to_their_first_use(
        import_seconds, chunk_seconds, loaded, tmp_path, monkeypatch):
    """A small run is simulated before its libraries have loaded: at the last chunk this process stops importing
    (a run's pandas then loads while its figures are drawn); a longer run has the time to load every one."""
    first = "hsct_wanted_first"
    (tmp_path / f"{first}.py").write_text(f"import time\ntime.sleep({import_seconds})\n")
    (tmp_path / f"{WANTED}.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(execution, "_wanted_afterwards", [])
    for name in (first, WANTED):
        monkeypatch.delitem(sys.modules, name, raising=False)
    execution.load_while_workers_run(first, WANTED)
    results = sorted(map_chunks(_nap, [chunk_seconds] * 3, RunOptions(workers=2)))
    assert results == [(0, chunk_seconds), (1, chunk_seconds), (2, chunk_seconds)]
    assert first in sys.modules and (WANTED in sys.modules) == loaded
    assert execution._wanted_afterwards == []  # not imported by a later map either
    for name in (first, WANTED):
        sys.modules.pop(name, None)


def test_a_kept_pool_runs_every_map_on_the_same_two_workers_and_stops_them_at_the_end():
    with kept_pool():
        first, first_workers = _mapped(list(range(8)))
        second, second_workers = _mapped(list(range(10, 16)))
    assert first == [x * x for x in range(8)] and second == [x * x for x in range(10, 16)]
    workers = first_workers | second_workers
    assert len(workers) == 2 and os.getpid() not in workers  # a pool per map would have given 4 processes
    for pid in workers:  # joined: gone, not left running or as zombies
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_map_ended_early_stops_the_kept_pool_and_the_next_map_starts_another(monkeypatch):
    started = []
    start = execution._start_pool
    monkeypatch.setattr(execution, "_start_pool", lambda workers: started.append(workers) or start(workers))
    with kept_pool():
        for _ in map_chunks(_square_where, list(range(8)), RunOptions(workers=2)):
            break  # the pool's workers may still hold this map's chunks: they must not reach the next map
        values, _ = _mapped(list(range(5)))
    assert values == [x * x for x in range(5)] and started == [2, 2]


def test_calibration_starts_its_workers_once_and_matches_one_process(monkeypatch):
    free = [FreeParameter("followup.relapse.rate_per_year", 0.05, 0.3)]
    targets = [Target("os_5y", 0.84)]
    alone = calibrate(BURT, targets, free, replications=60, seed=2006, options=RunOptions(workers=1, chunk_size=20))
    started = []
    start = execution._start_pool
    monkeypatch.setattr(execution, "_start_pool", lambda workers: started.append(workers) or start(workers))
    pooled = calibrate(BURT, targets, free, replications=60, seed=2006, options=RunOptions(workers=2, chunk_size=20))
    assert started == [2] and pooled.evaluations > 10
    pd.testing.assert_frame_equal(pooled.trace_table(), alone.trace_table())
    assert pooled.fitted == alone.fitted and pooled.mc_se == alone.mc_se
