"""`hsct-sim report FOLDER`: rebuild report.html of an existing run folder from its files (and the index)."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.errors import UserError
from simulator.simulation.runfolder import OUTPUTS


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report", help="rebuild report.html (and a sweep's explorer.html) of a run folder from its files",
        description="Rebuild FOLDER/report.html (one self-contained page: question, tables, figures with "
                    "captions, warnings, scenario and provenance) from the folder's manifest.json, CSVs and "
                    "PNGs, a sweep's explorer.html from its explorer.json too, and outputs/index.html if the folder is "
                    "in outputs/.",
    )
    parser.add_argument("folder", type=Path, help="a run folder, e.g. outputs/run-burt_2006_northwestern-...")
    parser.set_defaults(handler=command_report)


def command_report(args: argparse.Namespace) -> int:
    # imported here, not at the top: `hsct-sim --help` and a mistyped flag must not wait for numpy and pandas
    from simulator.report import explorer
    from simulator.report import html as report

    if not (args.folder / "manifest.json").is_file():
        raise UserError(f"{args.folder}: not a run folder (no manifest.json); give a folder an hsct-sim command wrote")
    try:
        # a sweep's explorer first: report.html links it when it is there
        page = explorer.build(args.folder) if (args.folder / explorer.DATA_FILE).is_file() else None
        path = report.build(args.folder)
    except (KeyError, ValueError, TypeError, IndexError, OSError) as error:  # a folder not as hsct-sim wrote it
        raise UserError(f"{args.folder}: not a run folder hsct-sim can read ({type(error).__name__}: {error}); give "
                        "a folder an hsct-sim command wrote") from None
    report.update_index(args.folder, OUTPUTS)
    print(f"Report: {path}")
    if page is not None:
        print(f"Explorer: {page}")
    return 0
