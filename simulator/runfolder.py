"""Run folders under outputs/: written in a hidden temporary folder and renamed when complete, so an
error or Ctrl-C never leaves a half-written run behind."""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__, report
from .errors import UserError

OUTPUTS = Path("outputs")


def default_folder(command: str, name: str) -> Path:
    """outputs/<command>-<name>-<UTC timestamp>/, made unique if two runs start in the same second."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = OUTPUTS / f"{command}-{name}-{stamp}"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = OUTPUTS / f"{command}-{name}-{stamp}-{suffix}"
    return folder


def check_free(folder: Path) -> None:
    """Fail before any work if the destination is taken."""
    if folder.exists():
        raise UserError(f"--output {folder}: already exists; choose a new folder (runs are never overwritten)")


@contextmanager
def writing(folder: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `folder` to write into; rename it to `folder` only on success."""
    check_free(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        yield partial
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def provenance(command: list[str], wall_seconds: float) -> dict[str, Any]:
    """What every manifest records besides its results: version, command line, wall time, platform."""
    return {
        "version": __version__,
        "command": command,
        "wall_seconds": round(wall_seconds, 3),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """manifest.json: what was run and how, beside its results."""
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")


def write_run(folder: Path, save: Callable[[Path], None]) -> Path:
    with writing(folder) as partial:
        save(partial)
        report.write(partial)
    report.update_index(folder, OUTPUTS)
    return folder
