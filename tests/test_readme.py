"""The examples of the README and docs/ agree with the tool, up to Monte Carlo noise.

The cheap examples (`hsct-sim run scenarios/burt2006.toml` in the README, `hsct-sim validate` in
docs/validate.md) are re-run exactly as
`make docs` runs them (scripts/readme_examples.py, through the venv's `hsct-sim`). Rows are matched by their
label (outcome name, or case and quantity), never by position or by byte equality, so columns may be added
to the tables. Each estimate must lie within 4 Monte Carlo SE (of the difference between the README's
estimate and the fresh one) plus the rounding of the printed digits; the run's "95% of studies" bounds within
4 SE of a percentile, estimated from the fresh run's replications.csv. When this fails after a change that
moves the numbers on purpose, run `make docs` and commit the documents.
"""

from __future__ import annotations

import doctest
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario
from simulator.outcomes.vocabulary import table_outcomes

from helpers import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import readme_examples  # noqa: E402

CHEAP = ("run-burt", "validate")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|nan)"
PAIR = re.compile(rf"(?<![\w.])({NUMBER}) ± ({NUMBER})(?![\w.])")
INTERVAL = re.compile(rf"\[({NUMBER}), ({NUMBER})\]")
PLAIN_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$|^\d+/\d+$")


@dataclass
class Row:
    estimate: str
    se: str
    reference: list[str]          # plain numbers between the label and the estimate (exact or published values)
    interval: tuple[str, str] | None


def rows(text: str) -> dict[str, Row]:
    """Table rows that carry `estimate ± SE`, by label: the words before the estimate, numbers left out."""
    found: dict[str, Row] = {}
    for line in text.splitlines():
        pair = PAIR.search(line)
        if not pair:
            continue
        words = line[: pair.start()].split()
        label = " ".join(w for w in words if not PLAIN_NUMBER.match(w))
        reference = [w for w in words if re.fullmatch(r"[-+]?\d+\.\d+", w)]
        interval = INTERVAL.search(line, pair.end())
        assert label and label not in found, f"row label {label!r} is empty or repeated in:\n{text}"
        found[label] = Row(pair.group(1), pair.group(2), reference, interval.groups() if interval else None)
    return found


def unit(printed: str) -> float:
    """Half a unit in the last printed digit: the rounding a printed number carries."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0 ** -decimals


def close(readme: str, fresh: str, sd: float) -> bool:
    """Within 4 sd plus both numbers' rounding (nan only matches nan)."""
    a, b = float(readme), float(fresh)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= 4 * sd + unit(readme) + unit(fresh)


def percentile_se(values: np.ndarray, q: float) -> float:
    """Monte Carlo SE of an empirical percentile, from the order statistics around it (distribution-free)."""
    v = np.sort(values[np.isfinite(values)])
    n = len(v)
    k, m = q * n, 1.96 * math.sqrt(n * q * (1 - q))
    low, high = v[max(int(math.floor(k - m)), 0)], v[min(int(math.ceil(k + m)), n - 1)]
    return (high - low) / (2 * 1.96)


def disagreements(readme_text: str, fresh_text: str, studies: pd.DataFrame | None = None) -> list[str]:
    """Where the README's output and a fresh run disagree beyond Monte Carlo noise."""
    shown, fresh = rows(readme_text), rows(fresh_text)
    problems = []
    if set(shown) != set(fresh):
        problems.append(f"rows only in the README: {sorted(set(shown) - set(fresh))}; "
                        f"only in the tool's output: {sorted(set(fresh) - set(shown))}")
    for label in sorted(set(shown) & set(fresh)):
        a, b = shown[label], fresh[label]
        sd = math.hypot(float(a.se), float(b.se))  # two estimates of the same mean, each with its MC SE
        if not close(a.estimate, b.estimate, 0.0 if math.isnan(sd) else sd):
            problems.append(f"{label}: README {a.estimate} ± {a.se}, tool {b.estimate} ± {b.se}")
        if len(a.reference) != len(b.reference) or not all(
                close(x, y, 0.0) for x, y in zip(a.reference, b.reference)):
            problems.append(f"{label}: exact or published values differ: README {a.reference}, tool {b.reference}")
        if studies is not None and a.interval and b.interval and label in studies:
            for q, x, y in zip((0.025, 0.975), a.interval, b.interval):
                sd_q = math.sqrt(2) * percentile_se(studies[label].to_numpy(float), q)
                if not close(x, y, sd_q):
                    problems.append(f"{label}: {100 * q:g}th percentile README {x}, tool {y} (SE {sd_q:.2g})")
    return problems


@pytest.fixture(scope="module")
def readme_examples_by_name():
    return {name: example for name, (_, example) in readme_examples.all_examples().items()}


@pytest.fixture(scope="module")
def fresh(readme_examples_by_name, tmp_path_factory):
    """Each cheap example re-run as `make docs` runs it: (printed output as shown, run folder)."""
    outputs = {}
    for name in CHEAP:
        folder = tmp_path_factory.mktemp(name) / "run"
        outputs[name] = (readme_examples.run(readme_examples_by_name[name], folder), folder)
    return outputs


def test_documents_mark_their_examples():
    found = readme_examples.all_examples()
    names = set(found)
    assert set(CHEAP) <= names
    assert {
        "run-probability",
        "sweep-burt",
        "compare",
        "sweep-capacity",
        "power",
        "run-uncertainty",
        "calibrate",
    } <= names
    assert found["calibrate"][1].slow and not any(found[n][1].slow for n in CHEAP)
    for document, example in found.values():
        for _, figure in example.figures + example.screenshots:  # copied from the root, shown from the document
            shown_as = (
                Path(figure).relative_to(document.parent.relative_to(ROOT)) if document.parent != ROOT else figure
            )
            assert (ROOT / figure).is_file() and f"]({shown_as})" in document.read_text(), figure


def test_every_tutorial_is_in_docs_and_the_readme_stays_short():
    """The README is what a clinician reads first; each question's tutorial is a page of docs/ it links to."""
    readme = readme_examples.README.read_text()
    assert len(readme.splitlines()) <= 300
    for page in readme_examples.DOCS.glob("*.md"):
        assert f"](docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"


def test_run_table_agrees_with_the_tool(readme_examples_by_name, fresh):
    output, folder = fresh["run-burt"]
    shown = readme_examples_by_name["run-burt"].output
    burt = load_scenario(ROOT / "scenarios" / "burt2006.toml")
    assert [label.split()[0] for label in rows(shown)] == table_outcomes(burt)  # the whole default table
    studies = pd.read_csv(folder / "replications.csv")
    assert disagreements(shown, output, studies) == []


def test_validate_output_agrees_with_the_tool(readme_examples_by_name, fresh):
    output, _ = fresh["validate"]
    shown = readme_examples_by_name["validate"].output
    assert disagreements(shown, output) == []
    summary = re.compile(r"^\d+ of \d+ checks passed\.$", re.MULTILINE)
    assert summary.findall(shown) == summary.findall(output) != []


def test_comparer_catches_a_moved_number_and_a_missing_row(fresh):
    """The comparison is not vacuous: an estimate moved by 10 MC SE, a bound moved far, or a dropped row fail."""
    output, folder = fresh["run-burt"]
    studies = pd.read_csv(folder / "replications.csv")
    line = next(line for line in output.splitlines() if line.startswith("os_5y "))
    estimate, se = PAIR.search(line).groups()
    moved = line.replace(f"{estimate} ± {se}", f"{float(estimate) + 10 * float(se):.3f} ± {se}")
    assert any(p.startswith("os_5y:") for p in disagreements(output.replace(line, moved), output, studies))
    low = INTERVAL.search(line).group(1)
    wider = line.replace(f"[{low},", f"[{float(low) - 0.1:.3f},")
    assert any("2.5th percentile" in p for p in disagreements(output.replace(line, wider), output, studies))
    assert any("only in the tool" in p for p in disagreements(output.replace(line + "\n", ""), output, studies))
    assert disagreements(output, output, studies) == []


def test_rows_are_read_by_label_whatever_the_columns():
    """A column added to the table (e.g. how many studies could evaluate an outcome) changes no row's label."""
    before = "outcome  estimate ± MC SE  95% of studies  published\nos_5y  0.839 ± 0.0015  [0.696, 0.952]  0.840\n"
    after = ("outcome  evaluable  estimate ± MC SE  95% of studies  published\n"
             "os_5y  100%  0.839 ± 0.0015  [0.696, 0.952]  0.840\n")
    assert rows(before).keys() == rows(after).keys() == {"os_5y"}
    assert rows(after)["os_5y"].interval == ("0.696", "0.952")
    assert disagreements(before, after) == []
    with_studies = "os_5y  1998/2000  0.839 ± 0.0015  [0.696, 0.952]  0.840\n"
    assert disagreements(before, with_studies) == []


def test_readme_examples_script_shows_output_as_printed():
    printed = "table  \nrow 1  \n\nRun folder: outputs/run-x-20260101T000000Z\n"
    assert readme_examples.shown(printed) == "table\nrow 1\n"
    assert readme_examples.shown("a\nP(x) 1\nb\nc\nP(y) 2\n", keep=r"^P\(") == "...\nP(x) 1\n...\nP(y) 2\n"


def test_examples_are_parsed_from_their_markers(tmp_path):
    text = ("intro\n<!-- example: demo slow keep='^x' figure=a.png:docs/a.png -->\n```\nhsct-sim run a.toml \\\n"
            "    --seed 1\n```\n\n```\nold\n```\n<!-- /example -->\n")
    (example,) = readme_examples.examples(text)
    assert (example.name, example.command, example.output) == ("demo", "hsct-sim run a.toml --seed 1", "old\n")
    assert example.slow and example.keep == "^x" and example.figures == [("a.png", "docs/a.png")]


def test_links_and_figures_exist():
    """Every relative link and figure of the documents names a file that exists (and a heading, for an anchor)."""
    broken = []
    for document in readme_examples.documents():
        text = document.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            linked = (document.parent / path).resolve() if path else document
            if not linked.exists():
                broken.append(f"{document.name}: {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#{1,6} (.+)$", linked.read_text(), re.MULTILINE)
                if anchor not in {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}:
                    broken.append(f"{document.name}: {target} (no such heading)")
    assert broken == []
    assert Path(readme_examples.hsct_sim()).name == "hsct-sim"


def test_python_examples_run_as_doctests(monkeypatch, tmp_path):
    """docs/python.md runs as written (from the repository root: it names scenario files); its trial of two
    series warns, as it should, that both arms take scenario A's accrual and cut-off."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr("simulator.simulation.runfolder.OUTPUTS", tmp_path / "outputs")  # in case one saves
    with pytest.warns(UserWarning, match="both arms use scenario A's accrual"):
        outcome = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False, verbose=False,
                                   report=True, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert outcome.attempted >= 15 and outcome.failed == 0


def test_public_api_examples_run_as_doctests(monkeypatch):
    """Each public function's docstring example runs and shows what it says."""
    import simulator

    monkeypatch.chdir(ROOT)
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    objects = [getattr(simulator, name) for name in simulator.__all__ if name != "__version__"]
    tests = [t for obj in objects for t in finder.find(obj) if t.examples]
    for test in tests:
        runner.run(test)
    assert len(tests) >= 6 and runner.failures == 0


def _example(name: str) -> readme_examples.Example:
    return readme_examples.all_examples()[name][1]


def test_heterogeneity_prose_matches_its_numbers():
    """docs/heterogeneity.md: TRM and deaths stay within Monte Carlo noise, their 95% ranges widen, 5-year DFS
    rises, and more studies can report it."""
    before, after = rows(_example("run-homogeneous").output), rows(_example("run-heterogeneous").output)
    for outcome in ("trm", "deaths"):
        a, b = before[outcome], after[outcome]
        assert close(a.estimate, b.estimate, math.hypot(float(a.se), float(b.se))), outcome
        assert float(b.interval[1]) - float(b.interval[0]) > float(a.interval[1]) - float(a.interval[0]), outcome
    a, b = before["dfs_5y"], after["dfs_5y"]
    assert float(b.estimate) - float(a.estimate) > 4 * math.hypot(float(a.se), float(b.se))
    share = re.compile(r"^dfs_5y .* (\d+)%$", re.MULTILINE)
    assert int(share.search(_example("run-heterogeneous").output)[1]) > int(
        share.search(_example("run-homogeneous").output)[1])


def test_calibration_prose_matches_its_numbers():
    """docs/calibrate.md says one 50-patient study's 5-year OS and DFS identify neither free rate: both rows of the
    output say "not identified"; and the timing is the output's own, not typed in the prose."""
    output = _example("calibrate").output
    for path in ("followup.relapse.rate_per_year", "followup.death_after_relapse.rate_per_year"):
        assert re.search(rf"^{re.escape(path)} .* not identified$", output, re.MULTILINE), path
    text = readme_examples.DOCS.joinpath("calibrate.md").read_text()
    assert "identify\nneither rate" in text
    assert "about a minute" not in text and "pin the relapse rate down" not in text
