"""report.html of every command and outputs/index.html: self-contained, rebuilt identically from the folder,
safe when runs finish together, and rendered by a real browser at a phone's width."""

from __future__ import annotations

import base64
import re
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import html5lib
import pandas as pd
import pytest

from simulator.cli import main
from simulator.report import html as report
from simulator.simulation.options import RunOptions

from helpers import SCENARIOS, headless_chromium

BURT, EBMT = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")
SMALL = ["--replications", "20", "--workers", "1", "--quiet"]
COMMANDS = {
    "run": ["run", BURT],
    "sweep": ["sweep", BURT, "--param", "stages.isolation.death_probability=0,0.1", "--param", "cohort.size=30,50"],
    "compare": ["compare", BURT, EBMT],
    "power": ["power", BURT, EBMT, "--sizes", "20,40"],
    "calibrate": ["calibrate", BURT, "--free", "followup.relapse.rate_per_year=0.05:0.3"],
    "validate": ["validate", "--suite", "scenarios", BURT],
}
NS = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small run of each command in a fresh outputs/, run as the CLI runs (sys.argv is the command line)."""
    root = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        for name, argv in COMMANDS.items():
            argv = [*argv, *SMALL, "--output", f"outputs/{name}"]
            patch.setattr(sys, "argv", ["hsct-sim", *argv])
            assert main(argv) in (0, 1)  # validate and calibrate exit 1 when a check or target fails
    return root / "outputs"


def parse(path: Path):  # noqa: ANN201 - an ElementTree element
    return html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=True)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_report_is_one_self_contained_file(outputs: Path, command: str) -> None:
    folder = outputs / command
    page = folder / "report.html"
    assert page.stat().st_size < 3_000_000
    tree = parse(page)
    images = tree.findall(f".//{NS}img")
    assert len(images) == len(list(folder.glob("*.png"))) > 0
    for image in images:
        assert image.get("src").startswith("data:image/png;base64,")
        assert base64.b64decode(image.get("src").split(",", 1)[1])[:4] == b"\x89PNG"
    assert not tree.findall(f".//{NS}script") and not tree.findall(f".//{NS}link")
    for element in tree.iter():
        for attribute in ("src", "href"):
            assert not (element.get(attribute) or "").startswith(("http://", "https://", "//"))
    style = "".join(s.text for s in tree.findall(f".//{NS}style"))
    assert "url(" not in style and "@import" not in style and "@media print" in style
    text = "".join(tree.itertext())
    question = "".join(tree.find(f".//{NS}p/{NS}strong").itertext())  # the report opens with its question
    assert question.endswith("?") and len(question.split()) >= 8, question
    assert "Figures" in text and "Provenance" in text and "seed" in text
    assert all(len(f.findall(f"{NS}figcaption")) == 1 for f in tree.findall(f".//{NS}figure"))
    assert "Figure written by the run." not in text  # every figure has a caption written for it


def test_report_shows_the_question_scenario_file_and_warnings(outputs: Path) -> None:
    text = "".join(parse(outputs / "run" / "report.html").itertext())
    assert "What would 20 studies of 50 patients with the Burt 2006 (Northwestern) protocol report?" in text
    assert "# Source for every calibrated value: Burt RK et al." in text  # the scenario file, comments kept
    assert "Overall survival at 5 y after reinfusion (os_5y)" in text and "0.840" in text  # published value
    compare = parse(outputs / "compare" / "report.html")
    boxes = ["".join(d.itertext()) for d in compare.iter(f"{NS}div") if d.get("class") == "warning"]
    assert any("dfs_5y" in box for box in boxes)  # EBMT's 5-year DFS: not every study follows a patient to 5 y


def test_report_shows_costs_in_whole_units_as_the_terminal_does(outputs: Path) -> None:
    """Costs (burt2006 prices them) as "62,320 ± 14 | [58,012, 65,692]", not to a thousandth of a dollar."""
    summary = pd.read_csv(outputs / "run" / "summary.csv").set_index("outcome")
    rows = {"".join(tr[0].itertext()): ["".join(td.itertext()) for td in tr[1:]]
            for tr in parse(outputs / "run" / "report.html").iter(f"{NS}tr") if len(tr) > 3}
    costs, qalys = summary.loc["costs"], summary.loc["qalys"]
    assert rows["Mean costs per patient, discounted (costs)"][:2] == [
        f"{costs.estimate:,.0f} ± {costs.mc_se:,.0f}", f"[{costs.lower:,.0f}, {costs.upper:,.0f}]"]
    assert rows["Mean QALYs per patient, discounted (qalys)"][0] == f"{qalys.estimate:.3f} ± {qalys.mc_se:.4f}"


def test_report_command_rebuilds_the_same_page(outputs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in COMMANDS:
        page = outputs / command / "report.html"
        before = page.read_bytes()
        page.unlink()
        assert main(["report", str(outputs / command)]) == 0
        assert page.read_bytes() == before


def test_report_of_a_folder_that_is_not_a_run_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_index_lists_every_run_folder(outputs: Path) -> None:
    text = "".join(parse(outputs / "index.html").itertext())
    assert all(command in text for command in COMMANDS)
    summary = pd.read_csv(outputs / "run" / "summary.csv").set_index("outcome")
    assert f"os_5y {summary.estimate['os_5y']:.3f}" in text  # headline outcomes, as the run reported them
    assert re.search(r"\d+ of \d+ checks passed", text)
    links = {a.get("href") for a in parse(outputs / "index.html").iter(f"{NS}a")}
    assert links == {f"{command}/report.html" for command in COMMANDS} | {"sweep/explorer.html"}


def test_index_survives_runs_finishing_together(outputs: Path, tmp_path: Path) -> None:
    """Eight runs complete at once: each rewrites the index, and the last one lists all eight."""
    fresh = tmp_path / "outputs"
    fresh.mkdir()

    def finish(number: int) -> None:  # as runfolder.write_run does: a hidden folder renamed when complete
        folder = shutil.copytree(outputs / "run", fresh / f".run-{number}.partial").rename(fresh / f"run-{number}")
        report.update_index(folder, fresh)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(finish, range(8)))
    links = {a.get("href") for a in parse(fresh / "index.html").iter(f"{NS}a")}
    assert links == {f"run-{n}/report.html" for n in range(8)}
    assert sorted(p.name for p in fresh.iterdir() if p.is_file()) == [".index.lock", ".index_rows.json", "index.html"]


def test_index_reads_only_the_folders_that_changed(outputs: Path, tmp_path: Path, monkeypatch) -> None:
    """Each run rewrites the index from its kept rows, reading only new or changed folders; the page is the one
    built from every folder."""
    fresh = tmp_path / "outputs"
    for command in COMMANDS:
        shutil.copytree(outputs / command, fresh / command)
    report.update_index(fresh / "run", fresh)
    built = (fresh / "index.html").read_text(encoding="utf-8")
    read = []
    index_row = report._index_row
    monkeypatch.setattr(report, "_index_row", lambda folder: read.append(folder.name) or index_row(folder))
    shutil.copytree(outputs / "run", fresh / "run-again")
    report.update_index(fresh / "run-again", fresh)
    assert read == ["run-again"]
    (fresh / "sweep" / "explorer.html").unlink()  # a folder changed: read again, its link gone
    report.update_index(fresh / "run", fresh)
    assert read == ["run-again", "sweep"]
    (fresh / ".index_rows.json").unlink()  # from scratch: the same page
    kept = (fresh / "index.html").read_text(encoding="utf-8")
    report.update_index(fresh / "run", fresh)
    assert (fresh / "index.html").read_text(encoding="utf-8") == kept
    assert "sweep/explorer.html" in built and "sweep/explorer.html" not in kept


def test_notebook_shows_the_summary_table() -> None:
    from simulator import load_scenario, run

    result = run(load_scenario(BURT), replications=5, options=RunOptions(workers=1))
    page = html5lib.parse(result._repr_html_(), namespaceHTMLElements=True)
    rows = page.findall(f".//{NS}tr")
    assert len(rows) == len(result.summary) + 1
    assert "Overall survival at 5 y after reinfusion (os_5y)" in "".join(page.itertext())


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a selenium driver
    """Headless Debian chromium at a phone's width (390 x 844 CSS pixels), or a skip saying what is missing."""
    driver = headless_chromium()
    yield driver
    driver.quit()


def test_reports_render_in_a_browser_at_phone_width(outputs: Path, browser, tmp_path_factory) -> None:
    """Every image decodes, the console stays clean, nothing is wider than the phone, and printed figures fit
    an A4 page. Screenshots (whole page at 390 px) are saved for a person to look at."""
    shots = tmp_path_factory.mktemp("screenshots")
    for page in [*(outputs / c / "report.html" for c in COMMANDS), outputs / "index.html"]:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
        browser.get(page.as_uri())
        name = page.parent.name if page.name == "report.html" else "index"
        widths = browser.execute_script("return Array.from(document.images).map(i => i.complete && i.naturalWidth)")
        assert all(widths), f"{name}: an image did not load"
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390, name
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": True})
        data = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"]
        (shots / f"{name}.png").write_bytes(base64.b64decode(data))
        # A4 less 14 mm margins is about 687 x 1016 CSS pixels: every figure must fit one page
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                {"width": 687, "height": 1016, "deviceScaleFactor": 1, "mobile": False})
        boxes = browser.execute_script("return Array.from(document.images).map(i => "
                                       "[i.getBoundingClientRect().width, i.getBoundingClientRect().height])")
        assert all(w <= 687 and h <= 1016 for w, h in boxes), (name, boxes)
    print(f"screenshots: {shots}")


def test_every_result_shows_its_table_in_a_notebook() -> None:
    """Notebooks call `_repr_html_`: each result type shows the table its command prints, escaped."""
    from simulator import compare, load_scenario, run
    from simulator.questions.sweep.grid import build_grid
    from simulator.questions.sweep.sweep import run_sweep
    burt, ebmt = load_scenario(SCENARIOS / "burt2006.toml"), load_scenario(SCENARIOS / "ebmt2004.toml")
    results = [run(burt, replications=20), compare([burt, ebmt], replications=20),
               run_sweep(build_grid(burt, ["stages.isolation.death_probability=0,0.1"]), replications=20)]
    for result in results:
        page = result._repr_html_()
        assert page.startswith("<") and "Burt 2006" in page
    assert "± " in results[1]._repr_html_() and "<pre" in results[2]._repr_html_()
