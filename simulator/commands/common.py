"""Options and steps shared by the commands: scenario and run options, where results go, how runs execute."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from simulator.errors import shown
from simulator.scenario.bounds import MAX_COUNT, MAX_SEED
from simulator.simulation.execution import local_cores
from simulator.simulation.options import CHUNK_REPLICATIONS, ENGINES, SCHEDULER_TIMEOUT_SECONDS, RunOptions
from simulator.simulation.workers import IN_PROCESS_PATIENT_STAGES, default_workers


def whole_number(minimum: int, maximum: int = MAX_COUNT) -> Callable[[str], int]:
    """An argparse type: a whole number from `minimum` to `maximum`, with a message saying what is allowed."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {shown(text)}")
        return value

    return parse


positive_int = whole_number(1)
MAX_TIMEOUT_SECONDS = 3600.0


def seconds(text: str) -> float:
    """An argparse type: seconds above 0 and at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {shown(text)}") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be above 0 and at most {MAX_TIMEOUT_SECONDS:g} seconds, got {shown(text)}"
        )
    return value
seed_value = whole_number(0, MAX_SEED)
HOST = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]")


def scheduler_address(text: str) -> str:
    """An argparse type: tcp://HOST:PORT (or HOST:PORT), the one address form hsct-sim connects to."""
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "tcp", text
    if scheme == "tls":
        raise argparse.ArgumentTypeError(
            "tls:// needs a TLS security configuration (certificates and keys), which hsct-sim does not pass to "
            "dask; use tcp:// on a trusted network or through an SSH tunnel")
    if scheme == "ucx":
        raise argparse.ArgumentTypeError("ucx:// is not supported; use tcp://HOST:PORT")
    host, colon, port = rest.rpartition(":")
    if scheme != "tcp" or not colon or not HOST.fullmatch(host) or not (port.isascii() and port.isdigit()):
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786, got {text!r}")
    if not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"the port must lie between 1 and 65535, got {port}")
    return f"tcp://{rest}"


def add_probability_option(parser: argparse.ArgumentParser) -> None:
    """--probability EXPR: the share of simulated studies meeting a condition (run, sweep, compare)."""
    parser.add_argument("--probability", dest="probabilities", action="append", default=[], metavar="EXPR",
                        help='share of simulated studies meeting a condition, e.g. "trm>=0.13" or "os_5y<0.7" '
                             "(OUTCOME OP NUMBER, OP one of >=, <=, >, <; repeatable)")


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """--format: the per-study table (replications.csv) as CSV or Parquet (run, sweep, compare, power)."""
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="the one-row-per-study table: replications.csv (default) or replications.parquet, "
                             "written many times faster for runs of hundreds of thousands of studies")


def add_run_options(parser: argparse.ArgumentParser, several: str = "") -> None:
    """--replications, --seed, --set, --uncertainty, --output, --quiet: every command that simulates takes these.
    `several`: for commands of several scenarios, which of them --set changes and how to change one alone.

    `--uncertainty` is stored as the override `simulation.parameter_uncertainty=true`, so every command that
    loads its scenario with `args.overrides` honours it."""
    parser.add_argument("--replications", type=whole_number(2), metavar="N",
                        help="simulated studies, at least 2 (default: the scenario's simulation.replications)")
    parser.add_argument("--seed", type=seed_value, metavar="S", help="random seed (default: simulation.seed)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                        help="override a scenario value by its dotted path, e.g. "
                             "stages.isolation.death_probability=0.05 (repeatable"
                             + (f"; {several})" if several else ")"))
    parser.add_argument("--uncertainty", dest="overrides", action="append_const",
                        const="simulation.parameter_uncertainty=true",
                        help="draw parameters given with their evidence ({ events, n } or { events, person_years }) "
                             "from their posteriors, once per simulated study (probabilistic sensitivity analysis)")
    parser.add_argument("--output", type=Path, metavar="DIR",
                        help="run folder to create (default: outputs/<command>-<scenario>-<UTC time>/)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--figure-format", choices=("png", "svg", "pdf"), default="png",
                        help="also write every figure as SVG or PDF, e.g. for a paper (PNG always: report.html shows "
                             "it; figure_data/ holds every figure's data as CSV)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help=f"local processes; 1 runs in this process (default: in this process for runs under "
        f"{IN_PROCESS_PATIENT_STAGES:,} patient-stages, i.e. studies x patients x stages, "
        f"where starting workers costs more than it saves; else all {local_cores()} cores, this process "
        "loading the libraries that write the results meanwhile)",
    )
    parser.add_argument("--scheduler", type=scheduler_address, metavar="ADDRESS",
                        help="run on an existing dask.distributed cluster, e.g. tcp://10.0.0.5:8786 "
                             "(needs: pip install 'hsct-sim[cluster]')")
    parser.add_argument("--engine", choices=ENGINES, default="fast",
                        help="fast (default): vectorised, SimPy only where patients share a resource; simpy: one "
                             "SimPy process per patient, the same numbers, slower; needed by stages with `process`")
    parser.add_argument("--allow-code", action="store_true",
                        help="run the Python files a scenario's stages name (`process`, with --engine simpy): off by "
                             "default, so that opening or running a scenario from someone else runs no code of theirs")
    parser.add_argument("--scheduler-timeout", type=seconds, default=SCHEDULER_TIMEOUT_SECONDS, metavar="S",
                        help=f"seconds a --scheduler has to answer (default {SCHEDULER_TIMEOUT_SECONDS:g})")
    parser.add_argument("--chunk-size", type=positive_int, default=CHUNK_REPLICATIONS, metavar="N",
                        help=f"studies per task (default {CHUNK_REPLICATIONS}); results do not depend on it")


def writing_processes(args: argparse.Namespace) -> int:
    """Processes that write the run folder (figures, the per-study table; report.forked): --workers if given (so
    `--workers 1` is one process throughout), else every core, whatever the size of the run: drawing the figures
    takes longer than simulating a small run."""
    return min(args.workers, local_cores()) if args.workers is not None else local_cores()


def run_options(args: argparse.Namespace, work: int | None = None) -> RunOptions:
    """How to execute (progress bar, workers, cluster, engine), from --quiet, --workers, --scheduler,
    --chunk-size, --engine. `work`: the command's patient-stages (simulation.workers), which choose the workers
    when --workers is not given."""
    workers = default_workers(work) if args.workers is None else args.workers
    if args.scheduler is None and workers > local_cores():
        print(f"hsct-sim: note: --workers {workers}: using the {local_cores()} cores this process may use",
              file=sys.stderr)
        workers = local_cores()
    return RunOptions(workers=workers, scheduler=args.scheduler, chunk_size=args.chunk_size,
                      progress=not args.quiet and sys.stderr.isatty(), scheduler_timeout=args.scheduler_timeout,
                      engine=args.engine, allow_code=args.allow_code)
