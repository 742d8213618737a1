"""Each command's section of report.html, one module per command: a new command adds its page here and to
PAGES. A folder is read by the page whose marker file it holds (a calibrate folder also has summary.csv, so
the order matters)."""

from __future__ import annotations

from pathlib import Path

from simulator.report.folder_page import FolderPage
from simulator.report.pages.calibrate import CalibratePage
from simulator.report.pages.compare import ComparePage
from simulator.report.pages.power import PowerPage
from simulator.report.pages.run import RunPage
from simulator.report.pages.sweep import SweepPage
from simulator.report.pages.validate import ValidatePage
from simulator.report.pages.voi import VoiPage

PAGES: tuple[type[FolderPage], ...] = (ValidatePage, CalibratePage, VoiPage, PowerPage, ComparePage, SweepPage, RunPage)


def open_page(folder: Path) -> FolderPage:
    """The folder read back by its command's page (a folder with none of the markers is read as a run)."""
    page = next((p for p in PAGES if (folder / p.marker).is_file()), RunPage)
    return page(folder)
