"""Every command's report.html and outputs/index.html as a reader sees them, rendered by headless Chromium at a
desktop width of 1,400 px: nothing wider than the page, no empty table, every figure captioned for what it
shows, every number the terminal printed on the page; and the index names every run, with a link, its settings
and a headline. Each kind of scenario is covered: a transplant, a pathway without one, costs, uncertainty."""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.report.html_parts import CAPTIONS

from helpers import SCENARIOS, headless_chromium

BURT, EBMT, CARE = (str(SCENARIOS / f"{name}.toml") for name in ("burt2006", "ebmt2004", "standard_care"))
SMALL = ["--replications", "20", "--workers", "1", "--quiet"]
COMMANDS = {
    "run": ["run", BURT, "--set", "cohort.size=40"],
    "run-uncertainty": ["run", BURT, "--uncertainty"],
    "run-no-transplant": ["run", CARE],
    "sweep": ["sweep", BURT, "--param", "stages.isolation.death_probability=0,0.1", "--param", "cohort.size=30,50"],
    "compare-costs": ["compare", BURT, CARE, "--uncertainty"],
    "compare-three": ["compare", BURT, CARE, EBMT],
    "power": ["power", BURT, EBMT, "--sizes", "20,40"],
    "calibrate": ["calibrate", BURT, "--free", "followup.relapse.rate_per_year=0.05:0.3"],
    "validate-closed-forms": ["validate", "--suite", "closed-forms", "--workers", "1", "--quiet"],
    "validate-scenarios": ["validate", "--suite", "scenarios", BURT],
}
NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?%?")
WIDTH = 1400


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One small run of each command in a fresh outputs/ (default folder names, so the index lists them), and
    what each printed on the terminal."""
    root = tmp_path_factory.mktemp("browser")
    printed = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name, argv in COMMANDS.items():
            argv = [*argv, *([] if name == "validate-closed-forms" else SMALL)]
            patch.setattr(sys, "argv", ["hsct-sim", *argv])
            before = set(Path("outputs").glob("*")) if Path("outputs").exists() else set()
            with contextlib.redirect_stdout(io.StringIO()) as out:
                assert main(argv) in (0, 1)  # validate and calibrate exit 1 when a check or target fails
            (folder,) = set(Path("outputs").glob("*-*")) - before
            printed[folder.name] = out.getvalue()
    return root / "outputs", printed


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a selenium driver
    """Headless Debian chromium at a desktop's width, or a skip saying what is missing."""
    driver = headless_chromium()
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False})
    yield driver
    driver.quit()


def test_every_report_shows_what_the_terminal_printed(outputs: tuple[Path, dict[str, str]], browser) -> None:
    """Fails on a page wider than 1,400 px, a table with a header only, a figure without its own caption, or a
    number printed on the terminal that the page does not show."""
    folders, printed = outputs
    for name, terminal in printed.items():
        browser.get((folders / name / "report.html").as_uri())
        assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH, name
        wraps = browser.execute_script("return Array.from(document.querySelectorAll('th')).map(h => "
                                       "getComputedStyle(h).overflowWrap + ' ' + getComputedStyle(h).wordBreak)")
        assert set(wraps) == {"normal normal"}, name  # a header wraps between words, never inside one
        rows = browser.execute_script("return Array.from(document.querySelectorAll('table')).map(t => t.rows.length)")
        assert rows and min(rows) >= 2, (name, rows)  # a header and at least one row
        captions = browser.execute_script(
            "return Array.from(document.querySelectorAll('figure')).map(f => f.querySelector('figcaption').innerText)")
        assert len(captions) == len(list((folders / name).glob("*.png"))) > 0, name
        patterns = [pattern for pattern, _ in CAPTIONS]
        for caption, png in zip(captions, browser.execute_script(
                "return Array.from(document.querySelectorAll('figure img')).map(i => i.alt)")):
            assert any(re.fullmatch(p, png.removesuffix(".png")) for p in patterns), (name, png)
            assert "Figure written by the run" not in caption
        text = browser.execute_script("return document.body.innerText")
        lines = [line for line in terminal.splitlines() if not line.startswith("Run folder:")]
        missing = [n for n in NUMBER.findall("\n".join(lines)) if n not in text]
        assert not missing, (name, missing[:10])


def test_a_priced_comparison_shows_its_cost_effectiveness_in_tables(outputs: tuple[Path, dict[str, str]]) -> None:
    """burt2006 against standard care with --uncertainty: the results table was empty (header only), with no
    ICER, INMB, probability cost-effective or EVPI."""
    folders, printed = outputs
    (name,) = [n for n, text in printed.items() if n.startswith("compare-") and "Probabilistic" in text]
    page = (folders / name / "report.html").read_text(encoding="utf-8")
    tables = page.split("<h2>Tables</h2>")[1].split("<h2>Figures</h2>")[0]  # the tables, not the printed text
    assert "Overall survival at 5 y after enrolment (os_5y_itt)" in tables and "ICER (EUR per QALY)" in tables
    assert "INMB ± MC SE" in tables and re.search("B (not )?cost-effective", tables) and "2011 prices" in tables
    assert "probability cost-effective" in page and "EVPI" in page
    for figure in ("ce_plane.png", "ceac.png", "evpi.png", "costs_breakdown.png"):
        assert f"<strong>{figure}.</strong> " in page


def test_index_names_every_run_with_its_settings(outputs: tuple[Path, dict[str, str]], browser) -> None:
    folders, printed = outputs
    index = folders / "index.html"
    assert index.stat().st_mode & 0o777 == 0o666 & ~_umask()  # as every other file the run wrote
    browser.get(index.as_uri())
    assert browser.execute_script("return document.documentElement.scrollWidth") <= WIDTH
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('table tr')).slice(1).map(r => Array.from(r.cells).map("
        "c => c.innerText))")
    links = browser.execute_script("return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    reports = [link for link in links if link.endswith("/report.html")]  # a sweep also links its explorer
    assert sorted(reports) == sorted(f"{name}/report.html" for name in printed)
    assert len(cells) == len(printed)
    for _date, command, scenario, _changed, headline, _link in cells:
        assert command in ("run", "sweep", "compare", "power", "calibrate", "validate") and scenario and headline
        assert "unreadable" not in headline
    assert {changed for *_, changed, _, _ in cells} >= {"cohort.size=40", "--uncertainty", ""}


def test_report_rebuilds_a_closed_forms_validation(outputs: tuple[Path, dict[str, str]]) -> None:
    folders, printed = outputs
    (folder,) = [folders / name for name in printed if name.startswith("validate-suite")]
    page = folder / "report.html"
    before = page.read_bytes()
    page.unlink()
    assert main(["report", str(folder)]) == 0
    assert page.read_bytes() == before


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
