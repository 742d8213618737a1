"""Tiny scenarios built in code, so each test states the model it checks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine.queueing import Rules, Ward
from simulator.scenario.loading import scenario_from_dict
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

TINY: dict[str, Any] = {
    "metadata": {"name": "tiny"},
    "cohort": {"size": 100, "accrual_years": 0.0, "followup_after_accrual_years": 20.0},
    "simulation": {"replications": 400, "seed": 1, "horizon_years": 10.0, "landmarks_years": [1.0, 3.0, 5.0]},
    "stages": {"reinfusion": {"duration": {"dist": "fixed", "value": 0}}},
    "outcomes": {"trm_stages": ["reinfusion"]},
}


# for scenarios patients can leave
OFF_PATHWAY: dict[str, Any] = {"death": {"dist": "exponential", "rate_per_year": 0.2}}


def tiny(**tables: Any) -> Scenario:
    """The tiny scenario (one zero-length reinfusion stage, no censoring) with tables replaced/added."""
    raw = copy.deepcopy(TINY)
    for key, value in tables.items():
        raw[key] = value
    return scenario_from_dict(raw)



MC_SE_MULTIPLE = 4  # a correct simulator fails a test at this many Monte Carlo SE about once in 16,000


def assert_within_mc_se(per_study: np.ndarray, exact: float, what: str = "", se: float | None = None,
                        k: float = MC_SE_MULTIPLE, drop_missing: bool = False) -> None:
    """The mean of the per-study values lies within `k` Monte Carlo standard errors of the exact value; `se`
    replaces the SE estimated from their spread. A NaN fails, unless `drop_missing` (studies that cannot
    estimate the outcome, left out on purpose)."""
    values = np.asarray(per_study, dtype=float)
    if drop_missing:
        values = values[np.isfinite(values)]
    se = values.std(ddof=1) / np.sqrt(len(values)) if se is None else se
    assert abs(values.mean() - exact) <= k * se, f"{what}: {values.mean():.5g} vs exact {exact:.5g} (MC SE {se:.3g})"


def queue_starts(
    rules: Rules, arrival: np.ndarray, hold: np.ndarray, patience: np.ndarray, priority: np.ndarray | None = None
) -> np.ndarray:
    """The queueing engine alone: when each patient of one study starts holding the resource, or NaN if they left
    the queue."""
    start = np.full(len(arrival), np.nan)
    ward = Ward(rules, start, priority)
    ward.admit(np.argsort(arrival, kind="stable"), arrival, hold, patience)
    ward.run()
    return start


def run_cli(capsys: Any, *argv: Any) -> tuple[int, str, str]:
    """`hsct-sim ARGV` in this process: exit code (argparse's too), stdout and stderr."""
    from simulator.cli import main

    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit:  # argparse exits on a bad flag
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refused(capsys: Any, *argv: Any) -> tuple[int, str]:
    """`run_cli` for input that should be refused: exit code and stderr."""
    code, _, err = run_cli(capsys, *argv)
    return code, err


def headless_chromium():  # noqa: ANN201 - a selenium driver
    """Headless Debian chromium for the browser tests (its console log kept), or a skip saying what is missing."""
    import shutil

    import pytest

    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))


def texts_outside(figure) -> list[str]:  # type: ignore[no-untyped-def]
    """The visible texts of a drawn `figure` that run past one of its edges (cut off in the saved PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = FigureCanvasAgg(figure)  # as the PNG is drawn
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = figure.bbox.width, figure.bbox.height
    ticks = {id(label) for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)  # laid out by matplotlib, which
             for tick in axis.get_major_ticks() + axis.get_minor_ticks() for label in (tick.label1, tick.label2)}
    return [text.get_text() for text in figure.findobj(Text)  # draws only those within the axes' limits
            if id(text) not in ticks and text.get_visible() and text.get_text().strip()
            and not (-1 <= (box := text.get_window_extent(renderer)).x0 and box.x1 <= width + 1
                     and -1 <= box.y0 and box.y1 <= height + 1)]
