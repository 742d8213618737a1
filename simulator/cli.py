"""`hsct-sim`: the command line. User errors give one line on stderr and exit code 2, never a traceback;
every other way a run can end has its own exit code (EXIT_CODES, shown by `hsct-sim --help`)."""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings

from simulator.errors import MACHINE_FAULT_EXIT, MachineFault, UserError, machine_fault
from simulator.simulation import stopping
from simulator.terminal import escaped_terminal
from simulator.version import __version__

EXIT_CODES = f"""exit codes:
  0    done
  1    a check or calibration target failed (validate, calibrate); the run folder is written
  2    bad input: scenario file, flag, --output or --scheduler (one line on stderr; nothing written)
  70   internal error (a bug): one line on stderr names the file holding the full traceback
  {MACHINE_FAULT_EXIT}   the machine stopped the run: disk full, file too large, out of memory (one line on stderr names
       the file and what to do); the run folder is kept only if it was complete (a full standard output)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM), 129 hung up (SIGHUP): nothing written
  141  standard output closed early (e.g. piped into head): the run folder is written"""

def build_parser() -> argparse.ArgumentParser:
    from simulator.commands import COMMANDS  # numpy, pandas, matplotlib: loaded here, where main() handles Ctrl-C

    parser = argparse.ArgumentParser(
        prog="hsct-sim",
        description="Monte Carlo simulation of autologous HSCT for refractory lupus: what studies would report.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hsct-sim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
    print(f"hsct-sim: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None, program: bool = False) -> int:
    """The command line: every warning shown once per place, as one `hsct-sim: warning:` line on stderr, whatever
    filters the calling process set (a test session that turns warnings into errors, a notebook); the caller's
    filters and display are restored afterwards. `program`: called as the hsct-sim program (command_line),
    which may exit at once where finishing the interpreter would abort."""
    restore = stopping.handle()
    try:
        with escaped_terminal(), warnings.catch_warnings():  # a scenario's text cannot drive the terminal
            warnings.simplefilter("default")  # Python's own defaults: each warning once per place, but
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)  # none of the libraries' notes to their developers
            warnings.showwarning = _show_warning
            return _main(argv, program)
    finally:
        restore()


def command_line() -> int:
    """The `hsct-sim` program (console script, `python -m simulator`): `main` on sys.argv, then a quick exit.
    Once the libraries' own exit handlers have run, the process leaves without the interpreter's finalisation,
    which would collect and free, one by one, the hundreds of thousands of objects pandas and matplotlib made
    (10-32% of the default run in benchmarks/shortcuts.py). Not in `main`, which tests and
    notebooks call in a process that goes on."""
    code: list[int] = []
    atexit.register(_leave_at_once, code)  # registered before any library's handler, so it runs after them all
    code.append(main(program=True))
    return code[0]


def _leave_at_once(code: list[int]) -> None:
    """The last exit handler: flush standard output and error, then end the process with main's exit code.
    Without one (main raised) or if flushing fails (output closed), Python's own finalisation goes on as usual."""
    if not code:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - reported by Python's own flush at exit, exactly as without this
        return
    os._exit(code[0])


def _main(argv: list[str] | None, program: bool) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
            args.command_line = ["hsct-sim", *(sys.argv[1:] if argv is None else argv)]  # for run manifests
            return args.handler(args)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not as "Exception ignored" at exit
    except UserError as error:
        print(f"hsct-sim: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("hsct-sim: interrupted; no run folder was written", file=sys.stderr)
        return 130
    except ImportError as error:
        if not _interrupted(error):
            return _crashed(error, argv)
        print("hsct-sim: interrupted; no run folder was written", file=sys.stderr)
        if program:  # Python's finalisation would abort (SIGABRT) on the half-initialised extension: exit now
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    except stopping.Stopped as stopped:
        print(f"hsct-sim: terminated ({signal.Signals(stopped.signum).name}); no run folder was written",
              file=sys.stderr)
        return 128 + stopped.signum
    except BrokenPipeError:
        return _stdout_closed()
    except MachineFault as fault:
        return _machine_fault(fault)
    except (OSError, MemoryError) as error:
        named = getattr(error, "filename", None)
        machine = machine_fault(error, f"writing {named}" if named else "running")
        return _machine_fault(machine) if machine is not None else _crashed(error, argv)
    except Exception as error:
        return _crashed(error, argv)


def _interrupted(error: BaseException) -> bool:
    """Ctrl-C during a C extension's initialisation (e.g. matplotlib's ft2font, loaded lazily after the
    simulation) surfaces as that import's ImportError ("initialization failed"), the KeyboardInterrupt its cause."""
    seen: BaseException | None = error
    for _ in range(8):  # a chain, not a loop: causes are few
        if seen is None:
            return False
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _machine_fault(fault: MachineFault) -> int:
    """The machine stopped the run (disk full, file too large, memory): one line, its own exit code. The run
    folder was removed as for any failed run (kept if complete: commands print only after writing it); standard
    output, if it is the full device, is not written again."""
    try:
        print(f"hsct-sim: error: {fault}", file=sys.stderr)
        sys.stdout.flush()
    except (OSError, MachineFault):
        _quiet_stdout()
    return fault.exit_code


def _stdout_closed() -> int:
    """Whoever read standard output stopped early (`hsct-sim run ... | head -1`). Exit quietly with 141, the
    status coreutils give (they die of SIGPIPE: 128 + 13), so a script with `set -o pipefail` sees the same
    as for `seq 9 | head -1`. The run folder is complete: commands print only after writing it."""
    _quiet_stdout()
    return 141


def _quiet_stdout() -> None:
    """Standard output to /dev/null: Python's own flush at exit must not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _crashed(error: Exception, argv: list[str] | None) -> int:
    """An unexpected error is a bug: save the traceback to a file (mode 0600) and say where, in one line."""
    text = f"hsct-sim {__version__}\ncommand: {argv if argv is not None else sys.argv}\n\n{traceback.format_exc()}"
    try:
        handle, name = tempfile.mkstemp(prefix=f"hsct-sim-crash-{time.strftime('%Y%m%dT%H%M%S')}-", suffix=".txt")
        with os.fdopen(handle, "w") as file:
            file.write(text)
        where = f"please report it with the full traceback, saved in {name}"
    except OSError as save_error:
        where = f"the traceback could not be saved ({save_error})"
    summary = " ".join(str(error).split())[:200]
    print(f"hsct-sim: internal error: {type(error).__name__}: {summary}; {where}", file=sys.stderr)
    return 70
