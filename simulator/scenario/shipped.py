"""The scenarios shipped with hsct-sim and the data they name (the life table).

Their one source is `scenarios/` at the top of the repository, the folder the README's commands name.
pyproject.toml installs that folder into the package as `simulator/shipped/` (package data), so a wheel,
which has no repository around it, carries them: `shipped_folder()` finds the installed copy through
importlib.resources, else (a clone, installed editable or not at all) the repository's folder.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

CLONE = Path(__file__).resolve().parents[2] / "scenarios"
INSTALLED = "shipped"  # the package-data folder inside `simulator` (pyproject.toml, [tool.setuptools.package-dir])


def shipped_folder() -> Path:
    """The folder of the shipped scenarios: the installed package data, or a clone's scenarios/."""
    installed = resources.files("simulator") / INSTALLED
    if installed.is_dir():
        return Path(str(installed))
    return CLONE


def shipped_scenarios() -> dict[str, Path]:
    """Every shipped scenario file by its name as `hsct-sim scenarios` lists it: the file's stem, with its
    sub-folder for the examples (`burt2006`, `examples/remobilisation`). Other TOML files shipped beside them
    (compare's structural alternatives) have no [metadata] table and are not scenarios."""
    folder = shipped_folder()
    files = sorted(folder.glob("*.toml")) + sorted(folder.glob("*/*.toml"))
    return {path.relative_to(folder).with_suffix("").as_posix(): path for path in files if _is_scenario(path)}


def _is_scenario(path: Path) -> bool:
    """Whether a shipped TOML file is a scenario (it has a [metadata] table)."""
    return isinstance(tomllib.loads(path.read_text(encoding="utf-8")).get("metadata"), dict)
