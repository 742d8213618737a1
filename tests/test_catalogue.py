"""The outcome catalogue (scenario/catalogue.py): every outcome a scenario yields is defined there once, the
engine computes exactly those, readers see them through it, and no code decodes an outcome name."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import simulator
from simulator import load_scenario, run
from simulator.outcomes.conditions import parse_condition
from simulator.scenario.catalogue import LANDMARKED, PER_RESOURCE

from helpers import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.toml"))
PACKAGE = Path(simulator.__file__).parent
# Variants whose catalogues differ from the shipped ones: other landmarks and window, a resource made unlimited.
VARIANTS = [("burt2006.toml", ["simulation.landmarks_years=[0.5, 2.5, 5, 10]", "simulation.horizon_years=10",
                               "outcomes.trm_window_days=30"]),
            ("centre_capacity.toml", ["resources.isolation_bed.capacity='unlimited'"])]


def scenarios():
    return [load_scenario(path) for path in SHIPPED] + [load_scenario(SCENARIOS / f, s) for f, s in VARIANTS]


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.short_name + str(len(s.catalogue)))
def test_the_engine_computes_exactly_the_catalogued_outcomes(scenario):
    """Adding an outcome means a catalogue entry and its computation: a name made in one place and not the
    other fails here."""
    result = run(scenario, replications=4, seed=1)
    assert set(result.values) == set(scenario.catalogue)
    assert scenario.outcome_names == list(scenario.catalogue)


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda s: s.short_name + str(len(s.catalogue)))
def test_every_outcome_has_words_for_every_reader(scenario):
    landmarks = scenario.simulation.landmarks_years
    for name, outcome in scenario.catalogue.items():
        assert outcome.name == name
        for text in (outcome.label, outcome.title, outcome.short_label, outcome.description):
            assert text and "{" not in text, (name, text)
        assert name in outcome.description  # tables show the name the CSVs and flags use
        assert outcome.words != name, name  # axes say what it is in words
        assert (outcome.landmark is None) == (outcome.family not in LANDMARKED), name
        assert outcome.landmark is None or outcome.landmark in landmarks
        assert (outcome.resource is None) == (outcome.family not in PER_RESOURCE), name
    assert len({(o.family, o.landmark, o.resource) for o in scenario.catalogue.values()}) == len(scenario.catalogue)


def test_what_readers_see_of_some_outcomes():
    """The words tables and figures used before the catalogue, spot-checked (check_identical compares them all)."""
    catalogue = load_scenario(SCENARIOS / "centre_capacity.toml").catalogue
    os5 = catalogue["os_5y"]
    assert os5.label == "Overall survival 5 years after reinfusion (probability)"
    assert os5.title == "Overall survival 5 years after reinfusion"
    assert os5.description == "Overall survival at 5 y after reinfusion (os_5y)"
    assert (os5.short_label, os5.landmark, os5.higher_is_better) == ("5-year OS", 5.0, True)
    itt = catalogue["os_5y_itt"]
    assert itt.short_label == "5-year OS (ITT)" and "after enrolment (intention to treat)" in itt.label
    assert catalogue["trm"].short_label == "TRM" and catalogue["trm"].higher_is_better is False
    wait = catalogue["wait_isolation_bed_mean_days"]
    assert (wait.label, wait.title, wait.kind) == ("Mean wait for isolation bed (days)",) * 2 + ("days",)
    assert (wait.resource, wait.is_proportion, wait.zero_without_queue) == ("isolation_bed", False, True)
    utilisation = catalogue["utilisation_isolation_bed"]
    assert utilisation.is_proportion and not utilisation.zero_without_queue
    assert not catalogue["deaths_waiting_per_100"].is_proportion
    assert not catalogue["transplants_per_year"].is_proportion


def test_thresholds_follow_the_kind_of_outcome():
    """A proportion refuses a threshold above 1; a wait in days takes one."""
    catalogue = load_scenario(SCENARIOS / "centre_capacity.toml").catalogue
    assert parse_condition("wait_isolation_bed_mean_days>30", catalogue).threshold == 30
    with pytest.raises(simulator.UserError, match="is a proportion between 0 and 1.*did you mean 30%"):
        parse_condition("waited_isolation_bed>30", catalogue)
    with pytest.raises(simulator.UserError, match="unknown outcome 'os_7y'; outcomes: os_1y, os_3y"):
        parse_condition("os_7y<0.5", catalogue)


def test_tables_describe_every_outcome_from_the_catalogue():
    scenario = load_scenario(SCENARIOS / "centre_capacity.toml")
    page = run(scenario, replications=4, seed=1)._repr_html_()
    for outcome in scenario.catalogue.values():
        assert f"<td>{outcome.description}</td>" in page, outcome.name


def outcome_regexes(source: str, names: list[str]) -> list[str]:
    """Regex literals in `source` (passed straight to a `re` function) that match a whole outcome name but not
    any word (as identifier or host-name patterns do): those that pick outcomes out by their names."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
            and (text := regex_text(node.args[0])) is not None
        ):
            pattern = re.compile(text)
            if not any(pattern.fullmatch(word) for word in ("isolation_bed", "scenario", "x")):
                found += [f"{text} matches {name}" for name in names if pattern.fullmatch(name)]
    return found


def regex_text(node: ast.expr) -> str | None:
    """A literal pattern as written; in an f-string, each {...} stands for any word (e.g. rf"^{curve}_..")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else r"\w+" for v in node.values)
    return None


def test_no_regex_decodes_an_outcome_name():
    names = sorted({name for s in scenarios() for name in s.catalogue})
    before = ('re.compile(r"^(os|dfs|relapse|nrm)_(\\d+(?:\\.\\d+)?)y(_itt)?$")\nre.match(r"^waited_(\\w+)$", x)\n'
              're.compile(rf"^{curve}_(\\d+(?:\\.\\d+)?)y$")')
    assert len(outcome_regexes(before, names)) > 3  # the test sees the regexes the catalogue replaced
    assert any("{" not in hit and hit.startswith(r"^\w+_") for hit in outcome_regexes(before, names))
    found = {path.name: hits for path in PACKAGE.rglob("*.py") if (hits := outcome_regexes(path.read_text(), names))}
    assert found == {}
