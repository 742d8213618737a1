"""`hsct-sim voi`: the files and summary of a value-of-information run, and its refusals (exit 2, nothing
written)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_economics_psa import TOML

from helpers import refused, run_cli

# B's utility is the uncertain one (A's is known), so B against A is cost-effective in about half the draws at
# 20,000 per QALY: 0.1 QALY a year more for 2,000 a year more, the utility gain uncertain by 0.1.
B_UTILITY = TOML.replace("se = 0.05 }}\ncost_per_year", "se = 0.1 }}\ncost_per_year")


@pytest.fixture
def two_options(in_tmp_cwd: Path) -> tuple[str, str]:
    Path("a.toml").write_text(TOML.format(name="A", utility=0.6, cost=1000).replace("{ mean = 0.6, se = 0.05 }", "0.6"))
    Path("b.toml").write_text(B_UTILITY.format(name="B", utility=0.7, cost=3000))
    return "a.toml", "b.toml"


def test_voi_writes_evppi_evsi_and_enbs(two_options: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "voi", *two_options, "--replications", 660, "--sizes", "10,40", "--wtp", 20000,
                           "--population", 100, "--decision-years", 5, "--trial-cost", "20000,500", "--quiet",
                           "--output", "out", "--workers", 1)
    assert code == 0
    for name in (
        "evppi.csv",
        "evppi.png",
        "evsi.csv",
        "enbs.png",
        "psa.csv",
        "power.csv",
        "manifest.json",
        "report.html",
    ):
        assert Path("out", name).exists(), name
    evppi = pd.read_csv("out/evppi.csv")
    at = evppi[evppi.wtp == 20000].set_index("parameters")
    utility = "economics.states.remission.utility"  # B's alone: A's is a plain number
    assert at.loc[utility, "evppi"] > 4 * at.loc[utility, "evppi_se"]  # the utilities decide, and it shows
    # a group is worth at least its member, up to the two metamodels' errors
    assert at.loc["all parameters", "evppi"] >= at.loc[utility, "evppi"] - 2 * at.loc[utility, "evppi_se"]
    evsi = pd.read_csv("out/evsi.csv")
    assert list(evsi.patients_per_arm) == [10, 40]
    np.testing.assert_allclose(evsi.enbs, evsi.population_evsi - evsi.trial_cost)
    assert "population: 100 patients a year for 5 years" in out and "ENBS-optimal size" in out and "80% power" in out


def test_too_few_draws_are_refused_with_the_number_needed(two_options: tuple[str, str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, err = refused(capsys, "voi", *two_options, "--replications", 50, "--quiet", "--output", "out")
    assert code == 2 and "needs at least 80 parameter draws, this run has 50" in err
    assert not Path("out").exists()


@pytest.mark.parametrize(("flags", "message"), [
    (["--trial-cost", "1000,10"], "also needs --population"),
    (["--trial-cost", "a,b", "--population", "10", "--sizes", "10"], "give FIXED,PER_PATIENT"),
    (["--group", "g=nothing"], "no parameter 'nothing' is drawn"),
    (["--population", "-3"], "--population -3"),
])
def test_bad_value_of_information_flags(two_options: tuple[str, str], capsys: pytest.CaptureFixture[str],
                                        flags: list[str], message: str) -> None:
    code, err = refused(capsys, "voi", *two_options, "--replications", 100, "--quiet", "--output", "out", *flags)
    assert code == 2 and message in err, err
    assert not Path("out").exists()


def test_the_tutorial_shows_a_generated_run_and_its_figures() -> None:
    """docs/value_of_information.md's example was run by scripts/readme_examples.py, not typed."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "value_of_information.md").read_text()
    assert "Value of information: A: Burt 2006" in text and "ENBS-optimal size" in text
    for figure in ("voi_evppi.png", "voi_enbs.png"):
        assert (root / "docs" / figure).is_file()
