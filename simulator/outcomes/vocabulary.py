"""Words and colours for figures and tables a clinician reads: what an outcome or a swept parameter
means, which outcomes are the key ones, one colour per compared scenario, and the command line
as the user typed it. Outcomes in words are in the catalogue (scenario/catalogue.py)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from simulator.scenario.schema import Cohort, Scenario

# Colour-blind-safe (Okabe-Ito order after the package's own blue); scenario i always gets colour i.
SCENARIO_COLOURS = ("#1f5f9e", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
# The one red: published figures and calibration targets, failed checks, wrong-sign trials, capacity, warnings.
REFERENCE_COLOUR = "#c0392b"
SUBTITLE_WIDTH = 105  # characters that fit on one line of a figure's title

CAPACITY_PATHS = ("resources.", "cohort.referrals", "waiting.")
# Key outcomes when a swept path concerns capacity (families of catalogue.py)
CAPACITY_KEY_FAMILIES = ("wait_mean", "wait_p90", "utilisation", "deaths_waiting_per_100", "transplants_per_year")


def timeline(cohort: Cohort) -> str:
    """"accrual 7.8 y, data cut-off 8.3 y after accrual opened": the cut-off is counted from when accrual
    opened, not from the first enrolment (which comes later). Open referrals name their window in their
    label, so for them only the cut-off."""
    cutoff = f"data cut-off {cohort.cutoff_years:g} y after accrual opened"
    return cutoff if cohort.referrals is not None else f"accrual {cohort.accrual_years:g} y, {cutoff}"


def study_design(cohort: Cohort) -> str:
    """Who a study enrols and when it is analysed, e.g. "50 patients, accrual 7.8 y, data cut-off 8.3 y after
    accrual opened"."""
    return f"{cohort.label}, {timeline(cohort)}"


def subtitle(replications: int, cohorts: Sequence[Cohort], per: str = "", note: str = "", swept: bool = False) -> str:
    """The lines under every figure's title: how many simulated studies (`per` scenario or grid point) of which
    design, then `note` (e.g. the seed). Designs that differ are listed in order (one per compared scenario), or
    for a sweep given as a range."""
    studies = f"{replications:,} simulated studies{per}"
    designs = [study_design(c) for c in cohorts]
    if len(set(designs)) > 1 and not swept:
        return f"{studies}{f' ({note})' if note else ''}, per study:\n" + "\n".join(designs)

    def swept_range(texts: list[str]) -> str:
        return texts[0] if len(set(texts)) == 1 else f"{texts[0]} to {texts[-1]} (as swept)"

    who, when = swept_range([c.label for c in cohorts]), swept_range([timeline(c) for c in cohorts])
    return packed([f"{studies} of {who}", when, *([note] if note else [])])


def packed(parts: list[str], width: int = SUBTITLE_WIDTH) -> str:
    """Parts joined by ", " on as few lines of at most `width` characters as they fit, never breaking a part."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += f", {part}"
        else:
            lines[-1] += ","
            lines.append(part)
    return "\n".join(lines)


def colour(index: int) -> str:
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def key_landmark(scenario: Scenario) -> float:
    """The landmark papers report: 5 years if the scenario has it, else its latest landmark."""
    landmarks = scenario.simulation.landmarks_years
    return 5.0 if 5.0 in landmarks else max(landmarks)


def key_outcomes(scenario: Scenario, swept: list[str] | tuple[str, ...] = ()) -> list[str]:
    """OS, DFS and relapse at the key landmark, TRM (without a transplant: OS and EFS from enrolment), and every
    outcome with a published target; when a swept path concerns capacity (resources, referrals, waiting), also
    waits, utilisation and deaths while waiting."""
    landmark, capacity = key_landmark(scenario), any(path.startswith(CAPACITY_PATHS) for path in swept)
    curves = ("os", "dfs", "relapse") if scenario.has_transplant else ("os_itt", "efs_itt")
    return [name for name, outcome in scenario.catalogue.items()
            if (outcome.family in curves and outcome.landmark == landmark)
            or name == "trm" or name in scenario.targets
            or (capacity and outcome.family in CAPACITY_KEY_FAMILIES)]


TABLE_FAMILIES = ("trm", "deaths_before_reinfusion", "non_response", "relapse_among_responders",
                  "followup_median_months", "costs", "qalys")
REFERRAL_TABLE_FAMILIES = ("waited", "wait_mean", "utilisation", "deaths_waiting_per_100")  # a centre's capacity


def table_outcomes(scenario: Scenario) -> list[str]:
    """The rows of the default terminal table, in the catalogue's order: the key outcomes (survival, DFS or EFS,
    relapse at the key landmark, TRM, published ones), deaths before reinfusion, follow-up, and with [economics]
    the headline costs and QALYs; with open referrals (a centre's capacity), the waits. `--outcomes all` shows
    every row; the CSVs always hold every outcome."""
    wanted = set(key_outcomes(scenario))
    families = TABLE_FAMILIES + REFERRAL_TABLE_FAMILIES * (scenario.cohort.referrals is not None)
    return [name for name, outcome in scenario.catalogue.items() if name in wanted or outcome.family in families]


def economics_words(scenario: Scenario) -> str:
    """How costs and QALYs are counted, e.g. "EUR, 2019 prices, discounted 3.5% a year (costs) and 3.5% (QALYs),
    horizon 7.5 years"; empty without [economics]."""
    economics = scenario.economics
    if economics is None:
        return ""
    over = "lifetime" if economics.horizon == "lifetime" else f"{scenario.simulation.horizon_years:g} years"
    return (f"{economics.currency}, {economics.price_year} prices, discounted {economics.discount_rate_costs:.1%} a "
            f"year (costs) and {economics.discount_rate_effects:.1%} (QALYs), horizon {over}")


def shared_key_outcomes(scenarios: Sequence[Scenario]) -> list[str]:
    """Every scenario's key and published outcomes that all of them report, in the first's order (a transplant
    against a pathway without one: the outcomes from enrolment)."""
    if not scenarios:
        return []
    common = set.intersection(*(set(s.catalogue) for s in scenarios))
    wanted = set().union(*(set(key_outcomes(s)) for s in scenarios))
    return [name for name in scenarios[0].catalogue if name in common and name in wanted]


def share_words(share: float) -> str:
    """A share of studies as a percentage that never reads 100% (or 0%) when it is not: 99.6% stays 99.6%."""
    text = f"{share:.0%}"
    if text in ("100%", "0%") and 0 < share < 1:
        text = f"{share:.1%}"
        if text in ("100.0%", "0.0%"):
            text = ">99.9%" if share > 0.5 else "<0.1%"
    return text


def parameter_label(path: str) -> str:
    """A swept path in words, with the path itself so it matches the command line."""
    words = parameter_words(path)
    return path if words == path else f"{words} ({path})"


def parameter_words(path: str) -> str:
    """A swept path in words: `stages.isolation.death_probability` -> "Isolation: death probability"."""
    keys = path.split(".")
    if len(keys) == 3 and keys[0] == "stages" and keys[2] in ("death_probability", "failure_probability"):
        return f"{keys[2].replace('_', ' ').capitalize()} in {keys[1].replace('_', ' ')}"
    if len(keys) == 3 and keys[0] == "resources" and keys[2] == "capacity":
        return f"{keys[1].replace('_', ' ').capitalize()}s available"
    if len(keys) >= 2 and keys[-1] in ("rate_per_year", "mean_days"):
        unit = "rate (per year)" if keys[-1] == "rate_per_year" else "mean time (days)"
        return f"{keys[-2].replace('_', ' ').capitalize()} {unit}"
    return {"cohort.size": "Patients per study", "cohort.accrual_years": "Accrual period (years)"}.get(path, path)


def command_line(argv: list[str]) -> str:
    """The command as the user would type it: `hsct-sim ...` when run through the CLI."""
    if argv and Path(argv[0]).name in ("hsct-sim", "__main__.py"):
        argv = ["hsct-sim", *argv[1:]]
    return shlex.join(argv)
