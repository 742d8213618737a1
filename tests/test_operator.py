"""What an operator running hsct-sim unattended on a shared server expects: runs that never collide, paths
checked before simulating, clean signals and pipes, distinct exit codes, the umask respected, bounded workers
and a scheduler address that fails fast. Subprocesses run the real console script."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.questions.run import run as run_question  # `hsct-sim run` calls its run() when it runs
from simulator.simulation import execution, stopping

from helpers import SCENARIOS

BURT = str(SCENARIOS / "burt2006.toml")
HSCT_SIM = str(Path(sys.executable).with_name("hsct-sim"))
TINY_RUN = ["run", BURT, "--replications", "2", "--workers", "1", "--quiet"]
LONG_RUN = ["run", BURT, "--replications", "400000", "--workers", "2", "--quiet"]


def as_at_a_terminal() -> None:
    """Ctrl-C reaches a command typed at a terminal; a job started in the background of a script (as CI may
    start this suite) inherits SIGINT ignored, and Python then rightly keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], cwd: Path, **options) -> subprocess.Popen:
    return subprocess.Popen([HSCT_SIM, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=as_at_a_terminal, **options)


def wait_for_partial(outputs: Path, process: subprocess.Popen, timeout: float = 30) -> Path:
    """The hidden folder a run writes into, once it exists (the run has started simulating)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partial = next(outputs.glob(".*.partial-*"), None)
        if partial is not None:
            return partial
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no partial folder appeared")


def one_line(text: str) -> str:
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1, text
    return text.strip()


def test_concurrent_runs_with_the_default_folder_each_get_their_own(in_tmp_cwd):
    processes = [start(TINY_RUN, in_tmp_cwd) for _ in range(4)]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
    folders = sorted((in_tmp_cwd / "outputs").glob("*/"))  # outputs/ also holds index.html and its lock
    assert len(folders) == 4 and not any(f.name.startswith(".") for f in folders), folders
    for folder in folders:
        assert (folder / "summary.csv").is_file() and (folder / "manifest.json").is_file(), folder


def test_concurrent_runs_with_the_same_output_one_wins_the_others_exit_2(in_tmp_cwd):
    processes = [start([*TINY_RUN, "--output", "same"], in_tmp_cwd) for _ in range(4)]
    results = [(p, p.communicate(timeout=60)[1]) for p in processes]
    assert sorted(p.returncode for p, _ in results) == [0, 2, 2, 2], results
    for process, err in results:
        if process.returncode == 2:
            assert "already exists" in one_line(err)
    assert (in_tmp_cwd / "same" / "summary.csv").is_file()
    assert sorted(p.name for p in in_tmp_cwd.iterdir()) == ["outputs", "same"]


def test_an_existing_output_is_refused_before_simulating(in_tmp_cwd, capsys, monkeypatch):
    monkeypatch.setattr(run_question, "run", lambda *a, **k: pytest.fail("simulated despite a bad --output"))
    (in_tmp_cwd / "taken").mkdir()
    assert main([*TINY_RUN, "--output", "taken"]) == 2
    assert "already exists" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize("where", ["dangling", "dangling/run", "file/run", "/proc/hsct-sim-test", "x" * 300])
def test_an_unwritable_output_is_refused_before_simulating(in_tmp_cwd, capsys, monkeypatch, where):
    monkeypatch.setattr(run_question, "run", lambda *a, **k: pytest.fail("simulated despite a bad --output"))
    (in_tmp_cwd / "dangling").symlink_to(in_tmp_cwd / "missing")
    (in_tmp_cwd / "file").write_text("a regular file\n")
    assert main([*TINY_RUN, "--output", where]) == 2
    assert f"--output {where[:40]}" in one_line(capsys.readouterr().err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o077, 0o700)])
def test_run_folders_respect_the_umask(in_tmp_cwd, umask, mode):
    previous = os.umask(umask)
    try:
        assert main([*TINY_RUN, "--output", "run"]) == 0
    finally:
        os.umask(previous)
    assert (in_tmp_cwd / "run").stat().st_mode & 0o777 == mode


def test_sigterm_mid_run_cleans_up_and_exits_143(in_tmp_cwd):
    process = start(LONG_RUN, in_tmp_cwd)
    wait_for_partial(in_tmp_cwd / "outputs", process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 143
    assert "terminated" in one_line(err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_after_kill_9_workers_stay_quiet_and_the_next_run_removes_the_leftovers(in_tmp_cwd, capsys):
    process = start(LONG_RUN, in_tmp_cwd)
    partial = wait_for_partial(in_tmp_cwd / "outputs", process)
    process.kill()
    _, err = process.communicate(timeout=20)  # returns once the workers, which share stderr, are gone too
    assert err == ""
    assert main(TINY_RUN) == 0
    assert "removed" in capsys.readouterr().err
    assert not partial.exists()
    (folder,) = (in_tmp_cwd / "outputs").glob("*/")  # the killed run's reservation went with its partial folder
    assert (folder / "summary.csv").is_file()


def test_ctrl_c_during_start_up_is_one_line_and_exit_130(in_tmp_cwd):
    process = start(TINY_RUN, in_tmp_cwd)
    time.sleep(0.4)  # inside the imports, which take about a second
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "interrupted" in one_line(err)


def _import_interrupted(*args, **kwargs):
    """What Ctrl-C during a C extension's initialisation raises (matplotlib's ft2font, loaded after simulating)."""
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as interrupt:
        raise ImportError("initialization failed") from interrupt


def test_ctrl_c_inside_an_extensions_import_is_an_interruption_not_a_bug(in_tmp_cwd, capsys, monkeypatch):
    monkeypatch.setattr(run_question, "run", _import_interrupted)
    assert main(TINY_RUN) == 130
    assert "interrupted" in one_line(capsys.readouterr().err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_the_program_exits_130_at_once_after_an_interrupted_extension_import(in_tmp_cwd):
    """The console script skips Python's finalisation there: it aborts (SIGABRT, exit -6) on the half-initialised
    extension; an ImportError with no interruption behind it stays a bug (exit 70)."""
    for cause, code in (("KeyboardInterrupt", 130), ("RuntimeError", 70)):
        script = (
            "import sys\n"
            "import simulator.questions.run.run as run_question\n"
            "def interrupted(*args, **kwargs):\n"
            f"    raise ImportError('initialization failed') from {cause}()\n"
            "run_question.run = interrupted\n"
            f"sys.argv = ['hsct-sim', *{TINY_RUN!r}]\n"
            "from simulator.cli import command_line\n"
            "sys.exit(command_line())\n"
        )
        done = subprocess.run([sys.executable, "-c", script], cwd=in_tmp_cwd, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == code, done.stderr
        assert ("interrupted" in one_line(done.stderr)) == (code == 130)


@pytest.mark.parametrize("args", [TINY_RUN, ["validate", BURT, "--suite", "scenarios", "--replications", "2",
                                             "--workers", "1", "--quiet"]])
def test_a_closed_stdout_exits_quietly_like_coreutils(in_tmp_cwd, args):
    process = start(args, in_tmp_cwd)
    process.stdout.close()  # as `| head -0` would: every write to stdout now fails with EPIPE
    with process.stderr:
        err = process.stderr.read()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_an_internal_error_is_exit_70_with_the_traceback_saved(in_tmp_cwd, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(run_question, "run", broken)
    assert main(TINY_RUN) == 70
    line = one_line(capsys.readouterr().err)
    assert "RuntimeError: a bug" in line
    saved = Path(line.rsplit(" ", 1)[-1].rstrip(")."))
    assert saved.is_file() and "Traceback" in saved.read_text() and "a bug" in saved.read_text()
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


def test_workers_are_capped_at_the_cores(in_tmp_cwd, capsys, monkeypatch):
    sizes = []
    pool = execution._on_pool
    monkeypatch.setattr(execution, "_on_pool", lambda task, chunks, workers: sizes.append(workers) or pool(
        task, chunks, workers))
    assert main(["run", BURT, "--replications", "40", "--chunk-size", "2", "--quiet", "--workers", "10000"]) == 0
    assert sizes == [execution.local_cores()] or (sizes == [] and execution.local_cores() == 1)
    assert f"--workers 10000: using the {execution.local_cores()}" in capsys.readouterr().err


def _server(stop: threading.Event, banner: bytes = b"") -> int:
    """A plain TCP server on 127.0.0.1: it sends `banner` first (as SSH does), then answers a request as HTTP
    does (a dashboard sends nothing first); it ends with `stop`."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)

    def serve() -> None:
        with server:
            while not stop.is_set():
                try:
                    connection, _ = server.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.settimeout(5)
                    try:
                        connection.sendall(banner)
                        connection.recv(4096)
                        connection.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
                    except OSError:
                        pass

    threading.Thread(target=serve, daemon=True).start()
    return server.getsockname()[1]


@pytest.mark.parametrize("banner, says", [(b"", "no dask scheduler answered"),
                                          (b"SSH-2.0-OpenSSH_9.6\r\n", "not a dask scheduler")])
def test_a_scheduler_that_is_not_dask_fails_within_the_timeout(in_tmp_cwd, capsys, monkeypatch, banner, says):
    pytest.importorskip("distributed")
    stop = threading.Event()
    port = _server(stop, banner)
    began = time.monotonic()
    try:
        assert main([*TINY_RUN, "--scheduler", f"tcp://127.0.0.1:{port}", "--scheduler-timeout", "1"]) == 2
    finally:
        stop.set()
    assert time.monotonic() - began < 5
    assert says in one_line(capsys.readouterr().err)
    assert list((in_tmp_cwd / "outputs").iterdir()) == []


@pytest.mark.parametrize("address, says", [
    ("tls://10.0.0.5:8786", "TLS"), ("ucx://10.0.0.5:8786", "ucx"), ("http://10.0.0.5:8787", "tcp://HOST:PORT"),
    ("tcp://10.0.0.5", "tcp://HOST:PORT"), ("tcp://10.0.0.5:99999", "port"),
])
def test_scheduler_addresses_are_checked_before_connecting(in_tmp_cwd, capsys, address, says):
    with pytest.raises(SystemExit) as exit:
        main([*TINY_RUN, "--scheduler", address])
    assert exit.value.code == 2
    assert says in capsys.readouterr().err


class _Finalised:
    """An object whose finaliser receives a signal (or raises an error): Python runs the signal's handler inside the
    finaliser and swallows the exception it raises, as it may for a real Ctrl-C mid-import."""

    def __init__(self, signum: int | None) -> None:
        self.signum = signum

    def __del__(self) -> None:
        if self.signum is None:
            raise ValueError("a finaliser's own error")
        os.kill(os.getpid(), self.signum)
        time.sleep(0.01)  # the handler runs here, inside the finaliser


@pytest.mark.parametrize("signum, raised", [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, stopping.Stopped)])
def test_a_stop_swallowed_by_a_finaliser_is_raised_again_at_the_next_check(signum, raised, monkeypatch):
    """Ctrl-C, like SIGTERM, is remembered: a run whose interruption Python swallowed stops at its next check
    (after a chunk, before its folder is moved into place) instead of finishing as if nobody had asked, and
    without Python's "Exception ignored" report beside the one line that says so; a finaliser's other errors are
    still reported."""
    reported: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: reported.append(unraisable.exc_type))
    restore = stopping.handle()
    try:
        _Finalised(None)
        _Finalised(signum)  # dropped at once: its finaliser gets the signal and Python swallows the exception
        assert reported == [ValueError]
        with pytest.raises(raised):
            stopping.check()
    finally:
        restore()
    stopping.check()  # restored: nothing remembered
    _Finalised(None)
    assert reported == [ValueError, ValueError]
