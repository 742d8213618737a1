"""Explorer benchmark: the issue's budgets for explorer.html, measured on one sweep folder.

    python benchmarks/explorer.py                 # simulates the 60-point, 2,000-study sweep (minutes)
    python benchmarks/explorer.py --folder DIR    # measures an existing sweep folder

Prints one `name: value` per line: the page's size, the time to open it in headless Chromium (navigation start
to the first complete drawing), the median and slowest redraw of a slider step (the page's own performance.now
around its update), and, when it simulates, the time explorer.json's data takes against the sweep's own.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRID = [
    "--param",
    "stages.isolation.death_probability=0:0.2:5",
    "--param",
    "resources.isolation_bed.capacity=1,2,3,unlimited",
    "--param",
    "followup.relapse.rate_per_year=0.1,0.132,0.2",
]


def simulate(folder: Path) -> None:
    """The sweep through the public API, so that the time explorer.json takes is measured apart from the rest."""
    from simulator import sweep
    from simulator.questions.sweep.explorer_data import explorer_data
    from simulator.simulation.options import RunOptions

    specs = [spec for spec in GRID if spec != "--param"]
    result = sweep(ROOT / "scenarios/burt2006.toml", specs, replications=2000, probabilities=["trm>=13%"],
                   options=RunOptions(workers=2, progress=False))
    print(f"sweep_seconds: {result.wall_seconds:.1f}")
    began = time.perf_counter()
    explorer_data(result)
    print(f"explorer_data_seconds: {time.perf_counter() - began:.2f}")
    folder.mkdir(parents=True)
    result.save(folder)


def rebuild_seconds(folder: Path) -> float:
    """Building the page from the folder's files, as `hsct-sim report` does."""
    from simulator.report import explorer

    began = time.perf_counter()
    explorer.build(folder)
    return time.perf_counter() - began


def browser_times(page: Path) -> tuple[float, list[float]]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        driver.set_window_size(1400, 900)
        driver.get(page.as_uri())
        opened = driver.execute_script("return performance.now()")  # after load: scripts ran, views drawn
        redraws = []
        for slider in driver.find_elements(By.CSS_SELECTOR, "input[data-param]"):
            for key in [Keys.END, Keys.HOME] + [Keys.ARROW_RIGHT] * 3:
                slider.send_keys(key)
                redraws.append(driver.execute_script("return window.explorerRedrawMs"))
        return opened, redraws
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, help="an existing sweep folder (default: simulate the 60-point sweep)")
    args = parser.parse_args()
    folder = args.folder
    if folder is None:
        folder = Path(tempfile.mkdtemp()) / "sweep"
        simulate(folder)
    page = folder / "explorer.html"
    print(f"explorer_html_mb: {page.stat().st_size / 1e6:.2f}")
    print(f"explorer_rebuild_seconds: {rebuild_seconds(folder):.2f}")
    opened, redraws = browser_times(page)
    print(f"open_ms: {opened:.0f}")
    print(f"redraw_median_ms: {statistics.median(redraws):.1f}")
    print(f"redraw_max_ms: {max(redraws):.1f}")


if __name__ == "__main__":
    main()
