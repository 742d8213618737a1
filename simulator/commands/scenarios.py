"""`hsct-sim scenarios [copy NAME FILE]`: list the scenarios shipped with hsct-sim, or copy one to edit it.

They are installed with the package (scenario/shipped.py), so a user of a wheel, who has no repository,
starts from them as a user of a clone starts from scenarios/.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

from simulator.errors import UserError, shown
from simulator.scenario.shipped import shipped_folder, shipped_scenarios


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "scenarios", help="list the shipped scenarios, or copy one to edit it",
        description="Without arguments: list the scenarios shipped with hsct-sim (name, title, file). "
                    "`hsct-sim scenarios copy NAME FILE` writes the scenario NAME, comments and all, to FILE (a "
                    "new file), with the Python file of a stage's own process beside it; the shipped data it "
                    "names (the life table) is found from anywhere.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    copy = actions.add_parser("copy", help="copy a shipped scenario to a new file",
                              description="Copy the shipped scenario NAME to the new file FILE.")
    copy.add_argument("name", metavar="NAME", help="a shipped scenario, as listed, e.g. burt2006")
    copy.add_argument("file", type=Path, metavar="FILE", help="the new scenario file, e.g. my_centre.toml")
    parser.set_defaults(handler=command_scenarios)


def command_scenarios(args: argparse.Namespace) -> int:
    if args.action == "copy":
        for written in copy_scenario(args.name, args.file):
            print(f"Wrote {written}")
        print(f"Run it with: hsct-sim run {args.file}")
        return 0
    scenarios = shipped_scenarios()
    width = max(map(len, scenarios)) + 2
    print(f"Shipped scenarios ({shipped_folder()}):")
    for name, path in scenarios.items():
        print(f"  {name:<{width}}{_title(path)}")
    print("\nCopy one to edit it: hsct-sim scenarios copy NAME FILE (e.g. hsct-sim scenarios copy burt2006 my.toml)")
    return 0


def _title(path: Path) -> str:
    """The scenario's metadata.name."""
    metadata = tomllib.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return str(metadata.get("name", ""))


def copy_scenario(name: str, destination: Path) -> list[Path]:
    """Copy the shipped scenario `name` to `destination`, and the Python files its stages' own processes name
    (relative to it) beside it; nothing is overwritten and nothing is written if any target exists."""
    scenarios = shipped_scenarios()
    if name.removesuffix(".toml") not in scenarios:
        raise UserError(f"scenarios copy {shown(name)}: no shipped scenario of that name; shipped: "
                        f"{', '.join(scenarios)}")
    source = scenarios[name.removesuffix(".toml")]
    if destination.suffix != ".toml":
        raise UserError(f"scenarios copy {name} {destination}: give the new file a .toml name, e.g. my.toml")
    copies = {source: destination}
    for process in _process_files(source):
        copies[source.parent / process] = destination.parent / process
    for target in copies.values():
        if target.exists() or target.is_symlink():
            raise UserError(f"{target}: already exists; choose a new file name (a copy never overwrites)")
    if not destination.parent.is_dir():
        raise UserError(f"{destination.parent}: no such folder; create it first, or copy into an existing one")
    for origin, target in copies.items():
        try:
            with target.open("xb") as file:  # exclusive: a file created meanwhile is not overwritten
                file.write(origin.read_bytes())
        except OSError as error:
            raise UserError(f"{target}: cannot write the copy: {error.strerror}") from None
    return list(copies.values())


def _process_files(scenario: Path) -> list[str]:
    """The Python files, relative to the scenario's folder, that its stages' `process = "file.py:function"` name."""
    stages = tomllib.loads(scenario.read_text(encoding="utf-8")).get("stages", {})
    files = {str(stage.get("process", "")).rpartition(":")[0] for stage in stages.values()}
    return sorted(f for f in files if f.endswith(".py") and not Path(f).is_absolute())
