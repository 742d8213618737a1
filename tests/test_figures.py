"""Figures read honestly at the edges: subtitles, reference lines, bins and ticks that say what they show."""

import numpy as np
import pytest

from simulator import load_scenario, run
from simulator.engine.histories import QueueRecord
from simulator.outcomes.capacity import WAIT_DAYS_COUNTED, wait_histogram
from simulator.questions.compare.compare import compare
from simulator.questions.power.power import estimate_power
from simulator.questions.sweep.sweep import sweep
from simulator.report.plots import wait_bars

from helpers import SCENARIOS, texts_outside

BURT = SCENARIOS / "burt2006.toml"
CENTRE = SCENARIOS / "centre_capacity.toml"
BURT_DESIGN = "50 patients, accrual 7.8 y, data cut-off 8.3 y after accrual opened"


@pytest.fixture(scope="module")
def burt():
    return run(load_scenario(BURT), replications=40)


@pytest.fixture(scope="module")
def centre():
    return run(load_scenario(CENTRE), replications=40)


def test_every_figure_dates_the_data_cut_off_from_when_accrual_opened(burt, centre):
    """Patients enrol over the accrual period, so 'after first enrolment' misdates the cut-off."""
    assert f"40 simulated studies of {BURT_DESIGN}" in burt.plot_trm().axes[0].get_title()
    referrals = "40 simulated studies of 12 referrals a year for 5 years, data cut-off 6 y after accrual opened"
    assert referrals in centre.plot_occupancy("isolation_bed").axes[0].get_title()
    swept = sweep(BURT, ["stages.isolation.death_probability=0,0.1"], replications=10).plot_outcome("trm")
    assert f"10 simulated studies at each point of {BURT_DESIGN}" in swept.axes[0].get_title()
    compared = compare([load_scenario(BURT), load_scenario(SCENARIOS / "ebmt2004.toml")], replications=10)
    title = compared.plot_trm().axes[0].get_title()
    assert BURT_DESIGN in title and "53 patients" in title and "after accrual opened" in title
    power = estimate_power(load_scenario(BURT), load_scenario(BURT), [10], "trm", replications=10)
    assert "accrual 7.8 y, data cut-off 8.3 y after accrual opened" in "\n".join(power.design_lines())
    for figure in (burt.plot_survival("os"), swept, compared.plot_outcomes(), power.plot_power()):
        assert "first enrolment" not in figure.axes[0].get_title() + (
            figure._suptitle.get_text() if figure._suptitle else ""
        )


def test_trm_bars_sit_on_the_values_a_study_can_report_and_both_reference_lines_show(burt, centre):
    """A study of 50 reports k/50; open referrals vary the denominator, so bars are ranges of 2.5 points (whole
    percents would saw-tooth). Both axes in percent. The simulated mean and the published value are often
    equal: both must stay visible and named."""
    ax = burt.plot_trm().axes[0]
    centres = sorted(bar.get_x() + bar.get_width() / 2 for bar in ax.patches)
    deaths = [round(c * 50) for c in centres]
    assert centres == pytest.approx([k / 50 for k in deaths]) and deaths[0] == 0
    assert ax.xaxis.get_major_formatter()(0.04, 0) == "4%" and ax.yaxis.get_major_formatter()(0.3, 0) == "30%"
    assert "% of enrolled" in ax.get_xlabel()
    mean, published = ax.get_lines()
    assert mean.get_label().startswith("Simulated mean") and published.get_label().startswith("Published: 2.0%")
    assert mean.get_linestyle() != published.get_linestyle() and mean.get_color() != published.get_color()
    assert mean.get_zorder() > published.get_zorder() and published.get_linewidth() > mean.get_linewidth()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == [mean.get_label(), published.get_label()]
    open_ax = centre.plot_trm().axes[0]
    centres = sorted(bar.get_x() + bar.get_width() / 2 for bar in open_ax.patches)
    assert centres == pytest.approx([0.0125 + 0.025 * k for k in range(len(centres))])
    trm = centre.values["trm"]
    heights = [bar.get_height() for bar in sorted(open_ax.patches, key=lambda bar: bar.get_x())]
    assert heights[0] == pytest.approx(np.mean(trm < 0.025)) and sum(heights) == pytest.approx(1)


def below_the_axes(figure) -> bool:
    """Whether the legend is drawn entirely below the plotting area, where it hides no data."""
    figure.canvas.draw()  # a Figure without pyplot gets a non-interactive canvas that can lay out
    ax = figure.axes[0]
    return ax.get_legend().get_window_extent().y1 < ax.get_window_extent().y0


def test_occupancy_shows_the_full_periods_a_moving_average_hid(centre):
    """Unsmoothed weekly snapshots, and below the share of studies with every bed taken at each snapshot: what
    a bed planner needs. Before, a 3-month moving average peaked near 1.4 of 2 beds while 11% of patients
    waited."""
    figure = centre.plot_occupancy("isolation_bed")
    ax, share = figure.axes
    weekly = centre.occupancy["isolation_bed"]
    years = centre.occupancy_grid_days / 365.25
    (mean,) = [line for line in ax.get_lines() if line.get_label().startswith("Mean")]
    assert mean.get_xdata() == pytest.approx(years) and mean.get_ydata() == pytest.approx(weekly.mean(axis=0))
    (band,) = ax.collections
    assert band.get_paths()[0].vertices[:, 1].max() == 2  # the band reaches the capacity: the full periods show
    (full,) = [line for line in share.get_lines() if line.get_label().startswith("Every isolation bed taken")]
    assert full.get_ydata() == pytest.approx((weekly >= 2).mean(axis=0))
    during = (weekly[:, years <= 5] >= 2).mean()
    assert f"on average {during:.1%} of the time" in full.get_label() and during > 0.05


def test_survival_line_is_the_mean_the_table_reports_and_never_rises(burt):
    """The line was a pointwise median of the studies' curves: not a Kaplan-Meier curve, free to rise, and not
    the mean the table beside it reports."""
    estimates = burt.summary.set_index("outcome").estimate
    for curve in ("os", "dfs"):
        ax = burt.plot_survival(curve).axes[0]
        (line,) = [line for line in ax.get_lines() if line.get_label().startswith("Mean of the studies")]
        x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        for years in (1, 3):  # every study follows a patient there, so the solid line reaches it
            at = np.flatnonzero(np.isclose(x, years))[0]
            assert y[at] == pytest.approx(estimates[f"{curve}_{years}y"], abs=1e-6)
        assert np.all(np.diff(y[np.isfinite(y)]) <= 1e-12)


def test_compare_curves_shade_where_studies_stop_following_patients():
    compared = compare([load_scenario(BURT), load_scenario(SCENARIOS / "ebmt2004.toml")], replications=20)
    for curve in ("os", "relapse"):
        ax = compared.plot_survival(curve).axes[0]
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any(label.startswith("Under 95% of studies still follow a patient") for label in labels), curve


def test_cost_parts_do_not_wear_the_scenario_colours():
    from matplotlib.colors import to_hex

    from simulator.outcomes.vocabulary import SCENARIO_COLOURS

    compared = compare([load_scenario(BURT), load_scenario(SCENARIOS / "standard_care.toml")], replications=10)
    ax = compared.figures()["costs_breakdown.png"].axes[0]
    colours = {to_hex(bar.get_facecolor()) for bar in ax.patches}
    assert len(colours) >= 4 and not colours & set(SCENARIO_COLOURS)


def test_pooled_waits_are_counted_by_whole_days_in_bins_fixed_in_advance():
    """Chunks are summed, so every chunk must count on the same bins whatever its waits: no wait, then each
    started day (a wait of 0.5 or 1 day is day 1), then one open bin beyond the longest counted."""
    waits = np.array([[0.0, 0.5, 1.0, 1.01, np.nan], [7.0, 7.5, WAIT_DAYS_COUNTED + 1.0, 0.0, np.nan]])
    counts = wait_histogram(QueueRecord(arrival=np.zeros_like(waits), start=waits, hold=np.ones_like(waits)))
    assert counts.shape == (WAIT_DAYS_COUNTED + 2,) and counts.sum() == 8
    assert counts[:3].tolist() == [2, 2, 1] and counts[7] == 1 and counts[8] == 1 and counts[-1] == 1


def test_wait_bars_fit_the_observed_waits_and_say_which_days_each_holds():
    counts = np.zeros(WAIT_DAYS_COUNTED + 2, int)
    counts[[0, 1, 6, 9, 30]] = [970, 10, 5, 4, 1]
    labels, bars = wait_bars(counts)
    assert labels == ["no wait", "1-7 days", "8-14 days", "15-21 days", "22-28 days", "29-35 days"]
    assert bars.tolist() == [970, 15, 4, 0, 0, 1]
    counts[-1] = 2  # waits beyond the counted days get an explicit open bar
    labels, bars = wait_bars(counts)
    assert labels[-1] == f"over {WAIT_DAYS_COUNTED} days" and bars[-1] == 2 and len(labels) <= 14
    labels, bars = wait_bars(np.bincount([0, 0, 2, 3], minlength=WAIT_DAYS_COUNTED + 2))
    assert labels == ["no wait", "1 day", "2 days", "3 days"] and bars.tolist() == [2, 0, 1, 1]


def test_wait_figure_bars_are_ranges_up_to_the_longest_wait(centre):
    ax = centre.plot_waits("isolation_bed").axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "no wait" and all("<" not in label and "+" not in label for label in labels)
    assert len(ax.patches) == len(labels) and ax.patches[-1].get_height() > 0  # nothing empty after the longest


def test_a_whole_number_sweep_has_whole_number_ticks():
    ax = sweep(CENTRE, ["resources.isolation_bed.capacity=1,2,3"], replications=10).plot_outcome("trm").axes[0]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_series_that_coincide_stay_distinguishable_and_are_said_to_coincide():
    """With 20 or 30 beds nobody waits, so the two lines are the same: both must show, and the legend says so."""
    result = sweep(CENTRE, ["stages.isolation.death_probability=0,0.1", "resources.isolation_bed.capacity=1,20,30"],
                   replications=10)
    figure = result.plot_outcome("os_5y")
    ax = figure.axes[0]
    lines = [c.lines[0] for c in ax.containers if c.get_label().startswith("Isolation beds available")]
    assert len({line.get_marker() for line in lines}) == 3 and len({line.get_linestyle() for line in lines}) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Isolation beds available: 30 (same as 20: the lines coincide)" in labels
    assert not any("same as" in label for label in labels if label.startswith("Isolation beds available: 1"))
    assert below_the_axes(figure)


def test_one_parameter_sweep_legend_is_below_the_data():
    assert below_the_axes(
        sweep(BURT, ["stages.isolation.death_probability=0,0.1"], replications=10).plot_outcome("trm")
    )


def test_every_figure_comes_with_its_data_and_in_the_format_asked(tmp_path):
    """--figure-format svg writes each figure as SVG beside its PNG (report.html embeds the PNG), and
    figure_data/<figure>.csv holds what it draws: the survival line there is the table's estimate."""
    import pandas as pd

    from simulator.cli import main

    folder = tmp_path / "run"
    assert main(["run", str(BURT), "--replications", "10", "--workers", "1", "--quiet", "--figure-format", "svg",
                 "--output", str(folder)]) == 0
    figures = sorted(p.stem for p in folder.glob("*.png"))
    assert figures == sorted(p.stem for p in folder.glob("*.svg")) == sorted(
        p.stem for p in (folder / "figure_data").glob("*.csv"))
    assert (folder / "km_os.svg").read_text().lstrip().startswith("<?xml")
    data = pd.read_csv(folder / "figure_data" / "km_os.csv")
    assert set(data.kind) >= {"line", "band outline"}
    mean = data[data.series.str.startswith("Mean of the studies", na=False) & (data.kind == "line")]
    at_one_year = mean.loc[np.isclose(mean.x, 1.0), "y"].iloc[0]
    assert at_one_year == pytest.approx(pd.read_csv(folder / "summary.csv").set_index("outcome").estimate["os_1y"])
    bars = pd.read_csv(folder / "figure_data" / "trm.csv").query("kind == 'bar'")
    assert bars.y.sum() == pytest.approx(1)


def test_every_run_and_compare_figure_keeps_its_text_inside():
    """Standard care against transplant has the longest labels (event-free survival's events, two long names):
    no title, axis label or legend runs past an edge of the saved figure."""
    standard = load_scenario(str(SCENARIOS / "standard_care.toml"))
    transplant = load_scenario(str(SCENARIOS / "burt2006.toml"))
    drawn = {**run(standard, replications=40).figure_files(),
             **{f"compare {name}": draw for name, draw in compare([transplant, standard], replications=40)
                .figure_files().items()}}
    assert "km_efs_itt.png" in drawn and "compare km_efs_itt.png" in drawn
    outside = {name: texts_outside(draw()) for name, draw in drawn.items()}
    assert {name: texts for name, texts in outside.items() if texts} == {}
