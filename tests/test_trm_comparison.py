"""Issue 25, item 7: the README's probability tutorial (docs/probability.md) and docs/evidence.md state the TRM
comparison with the numbers scipy gives (scripts/trm_comparison.py), and agree: Burt's 1/50 as uncertain, Fisher's 1/50
vs 7/53, 0/48 vs 7/53."""

from __future__ import annotations

import importlib.util
import re

from helpers import ROOT

TUTORIAL, EVIDENCE = (ROOT / "docs" / "probability.md").read_text(), (ROOT / "docs" / "evidence.md").read_text()
README = (ROOT / "README.md").read_text()


def figures() -> dict[str, float]:
    spec = importlib.util.spec_from_file_location("trm_comparison", ROOT / "scripts" / "trm_comparison.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.figures()


def test_the_evidence_document_states_the_computed_figures():
    f = figures()
    assert f"from {f['burt_low']:.1%} to {f['burt_high']:.1%}" in EVIDENCE
    assert f"from {f['ebmt_low']:.1%} to {f['ebmt_high']:.1%}" in EVIDENCE
    assert f"about {f['tail_fixed'] * 1e5:.0f} in 100,000" in EVIDENCE
    assert f"allows (Jeffreys posterior), about {f['tail_uncertain']:.3f}" in EVIDENCE
    assert (
        f"two-sided p of {f['fisher']:.3f}" in EVIDENCE
        and f"7/53 (all 53 transplanted) gives {f['fisher_after_transplant']:.3f}" in EVIDENCE
    )
    assert f["fisher"] > 0.05 > f["fisher_after_transplant"]  # the words: "does not reach", "does"


def test_the_readme_shows_the_script_output_and_no_longer_calls_the_gap_more_than_chance():
    f = figures()
    assert f"two-sided p = {f['fisher']:.3f}" in TUTORIAL
    assert f"two-sided p = {f['fisher_after_transplant']:.3f}" in TUTORIAL
    for overstated in ("is not bad luck", "not one of definition"):
        assert overstated not in README and overstated not in TUTORIAL
    assert not re.search(r"Burt 2006 counts from transplant", EVIDENCE)
