"""The project stands alone and its documents describe it as it is: no file points outside the repository,
every docs/evidence.md section a scenario cites exists, the derivations there give the scenarios' values, and
outputs/README.md names every kind of run folder."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from simulator import commands, load_scenario
from simulator.cli import main
from simulator.simulation import runfolder

from helpers import ROOT, SCENARIOS

BURT, EBMT = str(SCENARIOS / "burt2006.toml"), str(SCENARIOS / "ebmt2004.toml")
STANDARD_CARE = str(SCENARIOS / "standard_care.toml")
EVIDENCE = ROOT / "docs" / "evidence.md"
# Written in pieces so that this file does not match itself.
OUTSIDE = ("../" + "shared", "DESIGN" + ".md", "EVIDENCE" + ".md")


def _tracked_files() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in listing.decode().split("\0") if name]


def test_no_tracked_file_points_outside_the_repository():
    offending = []
    for name in _tracked_files():
        path = ROOT / name
        if not path.is_file():  # deleted in the working tree but not yet in git
            continue
        data = path.read_bytes()
        if b"\0" in data:  # binary, e.g. a figure
            continue
        text = data.decode("utf-8", errors="replace")
        offending += [f"{name}: {needle}" for needle in OUTSIDE if needle in text]
    assert offending == []


def _anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub) gives a heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _evidence_anchors() -> set[str]:
    headings = re.findall(r"^#{1,6} (.+)$", EVIDENCE.read_text(), re.MULTILINE)
    return {_anchor(h) for h in headings}


def test_anchor_matches_github():
    assert _anchor("EBMT 2004 derivations") == "ebmt-2004-derivations"
    assert _anchor("Burt 2006 (Northwestern)") == "burt-2006-northwestern"


def test_every_cited_evidence_section_exists():
    cited = {}
    for path in [*sorted(SCENARIOS.glob("*.toml")), ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for anchor in re.findall(r"(?<![\w/])(?:docs/)?evidence\.md#([\w-]+)", path.read_text()):
            cited.setdefault(anchor, path.name)
        if path == EVIDENCE:
            for anchor in re.findall(r"\]\(#([\w-]+)\)", path.read_text()):
                cited.setdefault(anchor, path.name)
    scenario_citations = [a for a, where in cited.items() if where.endswith(".toml")]
    assert len(scenario_citations) >= 5  # the scenarios do point to their evidence
    missing = {anchor: where for anchor, where in cited.items() if anchor not in _evidence_anchors()}
    assert missing == {}


def test_every_shipped_scenario_cites_its_evidence():
    for path in sorted(SCENARIOS.glob("*.toml")):
        assert "docs/evidence.md#" in path.read_text(), path.name


def test_evidence_arithmetic_gives_the_scenario_values():
    """The Python snippet of docs/evidence.md, run as printed, gives the values the scenario files use."""
    (snippet,) = re.findall(r"```python\n(.*?)```", EVIDENCE.read_text(), re.DOTALL)
    derived: dict = {}
    exec(compile(snippet, "docs/evidence.md", "exec"), derived)  # noqa: S102 - our own document
    burt, ebmt = load_scenario(BURT), load_scenario(EBMT)
    centre = load_scenario(SCENARIOS / "centre_capacity.toml")
    for scenario in (burt, centre):
        assert scenario.followup.death_before_relapse.rate_per_year == derived["d1"]
    assert round(derived["r"], 4) == centre.followup.relapse.rate_per_year
    assert round(derived["d2"], 4) == centre.followup.death_after_relapse.rate_per_year
    # burt2006 is fitted to the studies that can report 5-year figures, with background mortality: close to the
    # closed form (which has neither), not equal
    assert burt.followup.relapse.rate_per_year == pytest.approx(derived["r"], rel=0.07)
    assert burt.followup.death_after_relapse.rate_per_year == pytest.approx(derived["d2"], rel=0.07)
    assert round(derived["waiting"], 2) == centre.waiting.death.rate_per_year
    for scenario in (burt, ebmt):  # written as its evidence: one death over 50 patients' rest
        assert scenario.waiting.death.rate_per_year.evidence() == {
            "events": 1,
            "person_years": derived["waiting_person_years"],
        }
    assert burt.followup.relapse.rate_per_year.evidence() == {
        "events": 6,
        "person_years": derived["relapse_person_years"],
    }
    assert burt.followup.death_after_relapse.rate_per_year.evidence() == {
        "events": 2,
        "person_years": derived["prior_person_years"],
    }
    assert ebmt.stages["isolation"].death_probability.evidence() == {"events": 7, "n": 53}
    assert ebmt.followup.death_after_relapse.rate_per_year.evidence() == {
        "events": 5,
        "person_years": derived["ebmt_person_years"],
    }
    assert ebmt.followup.relapse.rate_per_year.evidence() == {
        "events": 10,
        "person_years": derived["ebmt_relapse_person_years"],
    }
    assert ebmt.followup.relapse.rate_per_year == pytest.approx(derived["ebmt_relapse"], rel=0.02)  # fitted: close
    assert burt.stages["isolation"].death_probability == derived["p"]  # written as { events = 0, n = 48 }
    assert centre.stages["isolation"].death_probability == round(derived["p"], 5)
    care = load_scenario(SCENARIOS / "standard_care.toml")
    for rate in (care.followup.death_before_relapse.rate_per_year, burt.off_pathway.death.rate_per_year):
        assert rate == pytest.approx(derived["death"])  # Faurschou's excess over the life table: 32 / 1470
    assert round(derived["flare_person_years"], 1) == care.followup.relapse.rate_per_year.person_years
    assert care.followup.relapse.rate_per_year.events == 18

# The cheapest valid command line of each command: each stops at its run folder's name, before simulating.
COMMAND_LINES = {
    "run": ["run", BURT],
    "sweep": ["sweep", BURT, "--param", "stages.isolation.death_probability=0,0.1"],
    "compare": ["compare", BURT, EBMT],
    "power": ["power", BURT, EBMT, "--sizes", "20"],
    "calibrate": ["calibrate", BURT, "--free", "followup.relapse.rate_per_year=0.05:0.3"],
    "validate": ["validate"],
    "voi": ["voi", BURT, STANDARD_CARE],
}


class _Named(BaseException):  # not an Exception, which main() reports as an internal error
    """Raised in place of naming the run folder, carrying the folder's command prefix."""


def _folder_prefix(monkeypatch, name: str) -> str:
    def run_folder(output, command: str, scenario_name: str, command_line=(), table_format="csv", processes=1,
                   figure_format="png"):
        raise _Named(command)

    monkeypatch.setattr(runfolder, "run_folder", run_folder)  # the commands import it when they run
    with pytest.raises(_Named) as named:
        main(COMMAND_LINES[name] + ["--quiet"])
    return named.value.args[0]


def test_every_command_is_listed_here():
    writers = {module.__name__.rsplit(".", 1)[-1] for module in commands.COMMANDS} - {
        "report",
        "scenarios",
    }  # no folder
    assert set(COMMAND_LINES) == writers


@pytest.mark.parametrize("name", sorted(COMMAND_LINES))
def test_outputs_readme_documents_every_run_folder(monkeypatch, name):
    prefix = _folder_prefix(monkeypatch, name)
    documented = (ROOT / "outputs" / "README.md").read_text()
    assert f"`{prefix}-<" in documented, (
        f"outputs/README.md does not describe the {prefix}-<...>/ folders of hsct-sim {name}"
    )


def _reference_docs():
    sys.path.insert(0, str(ROOT / "scripts"))
    import reference_docs

    return reference_docs


def test_references_are_generated_from_the_schema_and_the_catalogue():
    """docs/scenario-files.md and docs/outcomes.md hold what scripts/reference_docs.py writes today: a field or
    an outcome added to the code without regenerating them fails here."""
    reference_docs = _reference_docs()
    for name, page in reference_docs.PAGES.items():
        text = page.read_text()
        assert f"<!-- generated: {name} -->" in text
        assert reference_docs.regenerated(text) == text, (
            f"{page.name} is out of date: run python scripts/reference_docs.py"
        )
    fields = reference_docs.scenario_fields()
    for table in ("metadata", "cohort", "stages.<name>", "followup", "outcomes", "economics", "population"):
        assert f"### `[{table}]`" in fields
    assert "| `trm_followup_days` | number | 0.0 | >= 0, <= 36525 |" in fields


def test_every_outcome_has_its_definition():
    """Each outcome of the generated table has a row in the hand-written definitions below it."""
    reference_docs = _reference_docs()
    text = reference_docs.PAGES["outcomes"].read_text()
    generated, _, definitions = text.partition("<!-- /generated -->")
    listed = re.findall(r"^\| `([^`]+)` \|", generated, re.MULTILINE)
    defined = {name for row in re.findall(r"^\|([^|]+)\|", definitions, re.MULTILINE)
               for name in re.findall(r"`([^`]+)`", row)}
    defined |= {f"{name}_undiscounted" for name in defined}  # "(and `_undiscounted`)"
    assert len(listed) > 30 and [name for name in listed if name not in defined] == []


def test_the_structural_verdict_in_words_matches_the_generated_table():
    """docs/economics.md says in words whether a shipped structural alternative flips the decision: the words
    must follow the table that `make docs` regenerates beneath them."""
    text = (ROOT / "docs" / "economics.md").read_text()
    start = text.index("<!-- example: economics_structural")
    output = text[start:text.index("<!-- /example -->", start)].split("```")[-2]
    assert "Structural alternatives" in output
    assert ("none is marked `FLIPS`" in text) == ("FLIPS" not in output)
