"""Drawing a run's figures: fixed margins keep every label inside the figure, and drawing half of them in a
forked process writes the same files as drawing them all here, while this process writes the tables."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator import load_scenario, run
from simulator.report import drawing, forked
from simulator.report.plots import occupancy_band, survival_band, trm_distribution, wait_distribution
from simulator.simulation.execution import local_cores

from helpers import ROOT, SCENARIOS


@pytest.fixture(scope="module", params=sorted(SCENARIOS.glob("*.toml")), ids=lambda path: path.stem)
def result(request):
    return run(load_scenario(request.param), replications=20)


def _sticks_out(figure: Figure) -> bool:
    """Whether anything drawn with the axes (title, axis and tick labels, legend) lies (partly) outside the
    figure: what tight_layout would have moved in."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    boxes = [ax.get_tightbbox(renderer) for ax in figure.axes]
    return any(box.x0 < 0 or box.y0 < 0 or box.x1 > figure.bbox.width or box.y1 > figure.bbox.height
               for box in boxes)


def _fixed_margin_figures(result) -> list[Figure]:
    """Survival (from reinfusion, or from enrolment without a transplant) and TRM, as the run draws them; the
    occupancy and (uncrowded) waits of each limited resource."""
    if not result.scenario.has_transplant:
        figures = [survival_band(result, "os_itt"), survival_band(result, "efs_itt")]
    else:
        figures = [survival_band(result, "os"), survival_band(result, "dfs"), trm_distribution(result)]
    return figures + [draw(result, resource) for resource in result.occupancy
                      for draw in (occupancy_band, wait_distribution)]


@pytest.mark.parametrize("capacity", [1, 2, 3, 150])
def test_fixed_margins_fit_the_capacity_figures_of_few_and_many_beds(capacity) -> None:
    """Occupancy ticks from 0.0-1.4 to 0-200 and shares from 5.0% to 100%; waits from none to crowded (those are
    laid out by tight_layout); a scenario name long enough to wrap the title."""
    name = "A centre planning the isolation beds of a regional transplant programme"
    scenario = load_scenario(SCENARIOS / "burt2006.toml").with_values(
        {"resources.isolation_bed.capacity": capacity, "metadata.name": name})
    result = run(scenario, replications=50)
    for draw in (occupancy_band, wait_distribution):
        assert not _sticks_out(draw(result, "isolation_bed"))


def test_fixed_margins_keep_every_label_inside_the_figure(result) -> None:
    for figure in _fixed_margin_figures(result):
        assert not _sticks_out(figure)


def test_the_check_catches_a_label_outside_the_figure(result) -> None:
    figure = _fixed_margin_figures(result)[-1]
    figure.subplots_adjust(left=0.01)  # the y tick labels and label now lie left of the figure
    assert _sticks_out(figure)


def test_drawing_in_forked_processes_writes_the_same_files(result, tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir(), there.mkdir()
    drawing.draw(result.figure_files(), here, processes=1)
    drawing.draw(result.figure_files(), there, processes=2)
    names = sorted(path.name for path in here.glob("*.png"))
    assert names == sorted(result.figure_files()) == sorted(path.name for path in there.glob("*.png"))
    data = sorted(path.name for path in (here / "figure_data").iterdir())
    assert data == [name.replace(".png", ".csv") for name in names]
    names += [f"figure_data/{name}" for name in data]
    assert all((here / name).read_bytes() == (there / name).read_bytes() for name in names)


def _broken() -> Figure:
    raise ValueError("no data")


@pytest.mark.skipif(local_cores() < 2, reason="figures are drawn in a second process only on 2+ cores")
def test_a_figure_that_fails_in_the_second_process_fails_the_run(tmp_path: Path) -> None:
    makers = {"first.png": lambda: Figure(figsize=(2, 2)), "second.png": _broken}
    with pytest.raises(RuntimeError, match="drawing second.png in a forked process failed"):
        drawing.draw(makers, tmp_path, processes=2)
    assert (tmp_path / "first.png").is_file()


def _small() -> Figure:
    return Figure(figsize=(2, 2))


def _slow() -> Figure:
    time.sleep(60)
    return _small()


def test_the_forked_figures_are_drawn_while_the_block_writes_the_tables(tmp_path: Path) -> None:
    """Result.save loads pandas and writes its tables inside `drawing`, so on two processes forked children draw
    every figure while the block runs (this process draws none)."""
    with drawing.drawing({"first.png": _small, "second.png": _small}, tmp_path, processes=2):
        drawn = [tmp_path / "figure_data" / f"{name}.csv" for name in ("first", "second")]  # written after the PNGs
        deadline = time.monotonic() + 30
        while not all(path.is_file() for path in drawn) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert all(path.is_file() for path in drawn)
        assert (tmp_path / "first.png").is_file() and (tmp_path / "second.png").is_file()


def test_on_one_process_the_figures_are_drawn_after_the_block(tmp_path: Path) -> None:
    with drawing.drawing({"first.png": _small}, tmp_path, processes=1):
        time.sleep(0.2)
        assert not (tmp_path / "first.png").exists()
    assert (tmp_path / "first.png").is_file()


def test_a_run_draws_its_figures_without_loading_pandas() -> None:
    """What lets `save` fork the figures' children before pandas loads (a second of CPU on two cores otherwise
    spent before the first figure): the run and its figures need numpy and matplotlib only; the summary loads
    pandas."""
    code = ("import sys\n"
            "from simulator import load_scenario, run\n"
            "result = run(load_scenario('scenarios/burt2006.toml'), replications=20)\n"
            "result.figures()\n"
            "print('pandas' in sys.modules)\n"
            "result.summary\n"
            "print('pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_an_error_in_the_block_stops_the_forked_figures(tmp_path: Path) -> None:
    began = time.monotonic()
    with pytest.raises(OSError, match="disk full"), \
            drawing.drawing({"first.png": _small, "second.png": _slow}, tmp_path, processes=2):
        raise OSError("disk full")
    assert time.monotonic() - began < 30  # the sleeping child was killed, not waited for
    assert not (tmp_path / "second.png").exists()


def test_a_free_process_takes_the_next_figure_while_a_slow_one_is_drawn(tmp_path: Path) -> None:
    """Figures differ in cost: the child not held by a slow figure draws all the others (fixed shares left it
    waiting while its sibling drew half of them after the slow one)."""
    release = tmp_path / "release"

    def slow() -> None:
        deadline = time.monotonic() + 30
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        (tmp_path / "0").touch()

    def quick(number: int) -> Callable[[], None]:
        return lambda: (tmp_path / str(number)).touch()

    jobs = [slow] + [quick(number) for number in range(1, 5)]
    with forked.started(jobs, 2, lambda numbers: f"jobs {numbers}", busy=True):
        deadline = time.monotonic() + 30
        while not all((tmp_path / str(n)).exists() for n in range(1, 5)) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert all((tmp_path / str(n)).exists() for n in range(1, 5)) and not (tmp_path / "0").exists()
        release.touch()
    assert (tmp_path / "0").exists()
