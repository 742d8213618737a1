"""Words and colours for figures and tables a clinician reads: what an outcome or a swept parameter
means, with its unit, which outcomes are the key ones, one colour per compared scenario, and the command line
as the user typed it. The one vocabulary of outcome names (labels.py and outcome_labels.py before issue 12)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from simulator.scenario.schema import Cohort, Scenario, landmark_label

# Colour-blind-safe (Okabe-Ito order after the package's own blue); scenario i always gets colour i.
SCENARIO_COLOURS = ("#1f5f9e", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
# The one red: published figures and calibration targets, failed checks, wrong-sign trials, capacity, warnings.
REFERENCE_COLOUR = "#c0392b"
SUBTITLE_WIDTH = 105  # characters that fit on one line of a figure's title

_FIXED = {
    "trm": "Treatment-related mortality (deaths / enrolled)",
    "deaths_before_reinfusion": "Deaths before reinfusion (deaths / enrolled)",
    "deaths": "Deaths of any cause by the data cut-off (deaths / enrolled)",
    "transplanted": "Patients reinfused (share of enrolled)",
    "transplants_per_year": "Transplants per year of referrals",
    "deaths_waiting_per_100": "Deaths while waiting (per 100 enrolled)",
    "withdrawals_waiting_per_100": "Withdrawals while waiting (per 100 enrolled)",
    "followup_mean_months": "Mean follow-up after reinfusion (months)",
    "followup_median_months": "Median follow-up after reinfusion, reverse Kaplan-Meier (months)",
}
_EARLY_TRM = re.compile(r"^trm_(\d+)d$")
_RESOURCE = {
    re.compile(r"^wait_(\w+)_mean_days$"): "Mean wait for {} (days)",
    re.compile(r"^wait_(\w+)_median_days$"): "Median wait for {} (days)",
    re.compile(r"^wait_(\w+)_p90_days$"): "90th percentile of the wait for {} (days)",
    re.compile(r"^waited_(\w+)$"): "Patients who waited for {} (share of those queueing)",
    re.compile(r"^utilisation_(\w+)$"): "Utilisation of {}s (share of capacity)",
    re.compile(r"^occupancy_(\w+)_mean$"): "Mean {}s in use",
}
CAPACITY_PATHS = ("resources.", "cohort.referrals", "waiting.")
_AT_LANDMARK = re.compile(r"^(os|dfs|efs|relapse|nrm)_(\d+(?:\.\d+)?)y(_itt)?$")
_CONDITION = re.compile(r"^P\((.+)\)$")


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
    line = f"{studies} of {who}, {when}"
    if len(line) > SUBTITLE_WIDTH:
        line = f"{studies} of {who},\n{when}"
    return line + (f",\n{note}" if note else "")


def colour(index: int) -> str:
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def outcome_label(outcome: str) -> str:
    """`os_5y` -> "Overall survival 5 years after reinfusion (probability)"."""
    if outcome in _FIXED:
        return _FIXED[outcome]
    if m := _CONDITION.match(outcome):
        return f"Share of studies reporting {m.group(1)}"
    for pattern, words in _RESOURCE.items():
        if m := pattern.match(outcome):
            return words.format(m.group(1).replace("_", " "))
    if m := _AT_LANDMARK.match(outcome):
        kind, years, itt = m.groups()
        after = "after enrolment (intention to treat)" if itt else "after reinfusion"
        what = {"os": "Overall survival", "dfs": "Disease-free survival", "relapse": "Cumulative incidence of relapse",
                "nrm": "Non-relapse mortality", "efs": "Event-free survival (no relapse or flare)"}
        return f"{what[kind]} {years} years {after} (probability)"
    if m := _EARLY_TRM.match(outcome):
        return f"Treatment-related deaths within {m.group(1)} days of reinfusion (deaths / reinfused)"
    return outcome


def short_outcome_label(outcome: str) -> str:
    """A compact label for crowded axes: `os_5y` -> "5-year OS"."""
    if m := _AT_LANDMARK.match(outcome):
        kind, years, itt = m.groups()
        name = {"os": "OS", "dfs": "DFS", "efs": "EFS", "relapse": "relapse (cum. incidence)", "nrm": "NRM"}[kind]
        return f"{years}-year {name}{' (ITT)' if itt else ''}"
    return {"trm": "TRM", "deaths_before_reinfusion": "Deaths before reinfusion", "transplanted": "Reinfused",
            "deaths": "Deaths by the cut-off"}.get(
        outcome, outcome
    )


def key_landmark(scenario: Scenario) -> float:
    """The landmark papers report: 5 years if the scenario has it, else its latest landmark."""
    landmarks = scenario.simulation.landmarks_years
    return 5.0 if 5.0 in landmarks else max(landmarks)


def key_outcomes(scenario: Scenario, swept: list[str] | tuple[str, ...] = ()) -> list[str]:
    """OS, DFS and relapse at the key landmark, TRM (without a transplant: OS and EFS from enrolment), and every
    outcome with a published target; when a swept path concerns capacity (resources, referrals, waiting), also
    waits, utilisation and deaths while waiting."""
    mark = landmark_label(key_landmark(scenario))
    key = {f"os_{mark}", f"dfs_{mark}", f"relapse_{mark}", "trm", *scenario.targets}
    if not scenario.has_transplant:
        key = {f"os_{mark}_itt", f"efs_{mark}_itt", *scenario.targets}
    if any(path.startswith(CAPACITY_PATHS) for path in swept):
        for resource in scenario.finite_resources:
            key |= {f"wait_{resource}_mean_days", f"wait_{resource}_p90_days", f"utilisation_{resource}"}
        key |= {"deaths_waiting_per_100", "transplants_per_year"}
    return [name for name in scenario.outcome_names if name in key]


def is_proportion(outcome: str) -> bool:
    """Whether the outcome lies between 0 and 1 (a probability or share), rather than days or counts."""
    return not re.search(r"(_days|_months|_per_100|_per_year|^occupancy_\w+_mean)$", outcome)


def outcome_words(outcome: str) -> str:
    """The outcome label without its unit, for titles."""
    return re.sub(r" \((probability|deaths / enrolled|share of enrolled)\)$", "", outcome_label(outcome))


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


# Outcome names in words for tables (describe_outcome) and the command as typed, for reports and manifests.
_DESCRIBED_WORDS = {
    "os": "Overall survival",
    "dfs": "Disease-free survival",
    "efs": "Event-free survival (alive without relapse or flare)",
    "relapse": "Cumulative incidence of relapse",
    "nrm": "Non-relapse mortality",
}
_DESCRIBED_FIXED = {
    "trm": "Treatment-related mortality",
    "deaths_before_reinfusion": "Deaths before reinfusion",
    "transplanted": "Share transplanted",
    "deaths": "Deaths of any cause by the cut-off",
    "followup_mean_months": "Mean follow-up after reinfusion, months",
    "followup_median_months": "Median follow-up after reinfusion (reverse Kaplan-Meier), months",
}


def describe_outcome(name: str) -> str:
    """`os_5y` -> `Overall survival at 5 y after reinfusion (os_5y)`; unknown names are returned as they are."""
    match = _AT_LANDMARK.match(name)
    if match:
        curve, years, itt = match.groups()
        since = "enrolment" if itt else "reinfusion"
        return f"{_DESCRIBED_WORDS[curve]} at {years} y after {since} ({name})"
    if early := _EARLY_TRM.match(name):
        return f"Treatment-related deaths within {early.group(1)} days of reinfusion ({name})"
    return f"{_DESCRIBED_FIXED[name]} ({name})" if name in _DESCRIBED_FIXED else name


def command_line(argv: list[str]) -> str:
    """The command as the user would type it: `hsct-sim ...` when run through the CLI."""
    if argv and Path(argv[0]).name in ("hsct-sim", "__main__.py"):
        argv = ["hsct-sim", *argv[1:]]
    return shlex.join(argv)
