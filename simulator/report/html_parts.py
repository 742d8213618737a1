"""Pieces of report.html: captions, which file marks each command's folder, HTML tables and figures."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.outcomes.vocabulary import share_words
from simulator.scenario.catalogue import Outcome, description

PRINTED = "summary.txt"  # the table the terminal printed, word for word (Result.save writes it)
BAND = "the shaded band holds 95% of simulated studies (2.5-97.5 percentiles)"
GREY = (" A line turns dashed where not every study still follows a patient: from there it is over the studies "
        "that do. A grey area, if any, is where fewer than 95% of them do; curves are not drawn where fewer than "
        "half do.")
CAPTIONS = [  # (file name pattern, how to read the figure), in the order figures are shown
    (r"evppi", "Expected value of partial perfect information (EVPPI) per patient against the willingness to pay: "
               "what learning each parameter or group exactly would be worth before deciding, by a regression "
               "metamodel of the draws; black, EVPI from the draws themselves (which keeps each draw's patient-level "
               "noise). Bands: 95% (Monte Carlo and metamodel error)."),
    (r"enbs", "Left: expected value of sample information (EVSI) per patient of the randomised trial simulated at each "
              "size, with the EVPPI of all parameters it cannot exceed (dashed). Right: expected net benefit of "
              "sampling, population EVSI less the trial's cost; the star marks the best size simulated, the dotted "
              "line the size for 80% power. Bars: 95%."),
    (r"km_os_itt", f"Overall survival from enrolment, by intention to treat (every enrolled patient, transplanted "
                   f"or not). The line is the mean over simulated studies, {BAND}." + GREY),
    (r"km_efs_itt", f"Event-free survival from enrolment (alive, on the pathway, without relapse, flare or "
                    f"non-response), by intention to treat. The line is the mean over simulated studies, "
                    f"{BAND}." + GREY),
    (r"km_os", f"Overall survival each simulated study would report (Kaplan-Meier). The line is the mean of the "
               f"studies' curves (the table's estimate at each landmark), {BAND}; a diamond is the published "
               "figure. A diamond inside the band is a result these studies could plausibly have reported." + GREY),
    (r"km_dfs", f"Disease-free survival (alive without relapse). The line is the mean over simulated studies, {BAND}; "
                "a diamond is the published figure." + GREY),
    (r"relapse_cif", f"Cumulative incidence of relapse, with death as a competing risk, one colour per scenario. "
                     f"Each line is the mean over the scenario's simulated studies; {BAND}. Where bands overlap, "
                     "single studies of the two protocols could report the same relapse rate." + GREY),
    (r"trm", "Treatment-related mortality a study would report: each bar (or stem, one colour per scenario) is "
             "the share of simulated studies reporting that number of deaths as a percentage of patients enrolled "
             "(with open referrals, whose cohort size varies, a range of 2.5 percentage points). The dashed black "
             "line is the simulated mean, a solid red (or dashed coloured) line the published figure."),
    (r"tornado", "One-way sensitivity: each parameter given with its evidence set to the ends of its 95% interval, "
                 "the others at their point estimates. Both bars of a row start at the base case's incremental net "
                 "monetary benefit (solid line); where a bar crosses the dashed line at 0 the decision flips."),
    (r"outcomes", "Key outcomes per scenario: the dot is the mean over simulated studies, the line spans 95% of "
                  "studies, and an open diamond (in the scenario's colour) is the published value."),
    (r"occupancy_(.+)", "Units of {0} in use at each weekly snapshot, unsmoothed. Above: the mean over simulated "
                        "studies and the band holding 95% of them; the red dashed line is the capacity and the "
                        "dotted vertical line the end of accrual. Below: the share of studies in which every unit "
                        "is taken at that moment, when the next patient would wait; its average over accrual is in "
                        "the legend."),
    (r"waits_(.+)", "How long patients waited for {0}, all simulated studies pooled: each bar is the share of "
                    "patients who obtained one after that wait (a part day counts as a day)."),
    (r"sweep_(.+)", "{0} against the first swept parameter, one line per value of the others: the line is the mean "
                    "over simulated studies with bars of +/-1.96 Monte Carlo SE, the shaded band holds 95% of "
                    "studies; the red dashed line is the published value and the dotted vertical line the value "
                    "in the scenario file. Every point uses the same random numbers, so differences between "
                    "points are due to the parameter, not to chance."),
    (r"heatmap_(.+)", "{0} over the two swept parameters: each cell is the mean over simulated studies (its "
                      "Monte Carlo SE is in the title); the colour scale is on the right."),
    (r"power", "Power (share of simulated trials with p below alpha in favour of the better arm) against patients "
               "per arm: dots with 95% Monte Carlo bars, the line interpolates between simulated sizes; grey "
               "dashed and dotted lines mark 80% and 90% power; red crosses are trials significant in favour of "
               "the worse arm (type S error)."),
    (r"hazard_ratio", "Hazard ratio (B vs A, log scale) each simulated trial would observe, per trial size: the "
                      "shape is the distribution over trials, the dot the median trial and the bar 95% of trials. "
                      "The solid line at 1 is no difference; below it B is better."),
    (r"trm_difference", "Difference in treatment-related mortality (B minus A, percentage points) each simulated "
                        "trial would observe, per trial size: the shape is the distribution over trials, the dot the "
                        "median trial and the bar 95% of trials; the line at 0 is no difference."),
    (r"fit", "Left: each target outcome at the fitted values: the band holds 95% of simulated studies, the dot with "
             "bars is the simulated mean +/-2 Monte Carlo SE and the open diamond the target; a target inside the "
             "bars is reached. Right: the objective (sum of squared standardised residuals) at each evaluation of "
             "the search, by phase; lower is a closer fit."),
    (r"costs_breakdown", "Mean discounted cost per patient of each scenario, split into its parts (grey shades: "
                         "one per part, the same in every bar); the label at the end of a bar is its total."),
    (r"ce_plane", "Cost-effectiveness plane: each dot is one parameter draw (one simulated study) of a scenario's "
                  "incremental QALYs (x) and costs (y) against A; the diamond is the mean. Below a dashed line a "
                  "scenario is cost-effective at that willingness to pay per QALY."),
    (r"ceac", "Cost-effectiveness acceptability curves: at each willingness to pay per QALY (x), the share of "
              "parameter draws in which each scenario has the highest net monetary benefit; dotted lines mark "
              "the thresholds asked for."),
    (r"evpi", "Expected value of perfect information per patient at each willingness to pay per QALY: what "
              "resolving every parameter's uncertainty would be worth (mean of the best option per draw minus "
              "the best mean); a peak is where the decision is least certain."),
    (r"validation", "Closed-form panel: each dot is a simulated quantity's z-score against its exact value; "
                    "the shaded band is the pass range |z| <= 4. Scenario panel: the band holds 95% of simulated "
                    "studies, the dot is their mean and the open diamond the published figure; a red cross marks a "
                    "published figure that fails."),
]


def preformatted(text: str) -> str:
    """A result's terminal table as notebook HTML (`_repr_html_`): the same text, in a fixed-width block."""
    return f'<pre style="font-size:0.85em;line-height:1.3">{escape(text)}</pre>'


def summary_table(
    summary: pd.DataFrame, targets: dict[str, float], catalogue: dict[str, Outcome], caption: str = ""
) -> str:
    """A summary (outcome, estimate, mc_se, lower, upper[, evaluable]) as an HTML table with published values,
    outcomes described from the scenario's `catalogue`, as the terminal shows it; also the notebook view of a
    result (`_repr_html_`)."""
    partial = "evaluable" in summary  # always shown, so that the table keeps its shape from run to run
    head = ["outcome", "estimate ± MC SE", "95% of studies", "published", *(["evaluable"] if partial else [])]
    rows = []
    for row in summary.to_dict("records"):
        target = targets.get(row["outcome"])
        money = is_money(row["outcome"], catalogue)
        cells = [description(row["outcome"], catalogue), estimate_cell(row["estimate"], row["mc_se"], money=money),
                 interval_cell(row["lower"], row["upper"], money=money), "" if target is None else f"{target:.3f}"]
        rows.append(cells + ([share_words(row["evaluable"]) if pd.notna(row["evaluable"]) else ""] if partial else []))
    return html_table(head, rows, caption)




def figure_files(folder: Path, drawn: list[str] = ()) -> list[Path]:  # type: ignore[assignment]
    """The folder's PNGs in the order the run drew them (`drawn`, most important first), the others in the
    order of CAPTIONS (unknown ones last)."""
    def rank(path: Path) -> tuple[int, int, str]:
        order = [i for i, (pattern, _) in enumerate(CAPTIONS) if re.fullmatch(pattern, path.stem)]
        return (drawn.index(path.name) if path.name in drawn else len(drawn), order[0] if order else len(CAPTIONS),
                path.name)

    return sorted(folder.glob("*.png"), key=rank)


def figure_html(path: Path, catalogue: dict[str, Outcome]) -> str:
    """An embedded figure with its file name and a caption that says how to read it, naming the outcome (from
    the `catalogue`) or resource the file is of."""
    caption = "Figure written by the run."
    for pattern, text in CAPTIONS:
        match = re.fullmatch(pattern, path.stem)
        if match:
            caption = text.format(*(description(g, catalogue).replace("_", " ") for g in match.groups()))
            break
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{escape(path.name)}">'
            f"<figcaption><strong>{escape(path.name)}.</strong> {escape(caption)}</figcaption></figure>")


def estimate_cell(estimate: float, se: float, sign: str = "", money: bool = False) -> str:
    """Estimate ± MC SE to 3 and 4 decimals; `money` in whole units of currency, as the terminal prints it."""
    if pd.isna(estimate):
        return "not evaluable"
    if money:
        return f"{estimate:{sign},.0f}" + ("" if pd.isna(se) else f" ± {se:,.0f}")
    return f"{estimate:{sign}.3f}" + ("" if pd.isna(se) else f" ± {se:.4f}")


def interval_cell(lower: float, upper: float, sign: str = "", money: bool = False) -> str:
    if pd.isna(lower):
        return ""
    return f"[{lower:{sign},.0f}, {upper:{sign},.0f}]" if money else f"[{lower:{sign}.3f}, {upper:{sign}.3f}]"


def is_money(outcome: str, catalogue: dict[str, Outcome]) -> bool:
    """Whether the outcome is a cost (printed in whole units of currency)."""
    return outcome in catalogue and catalogue[outcome].kind == "cost"


def html_table(head: list[str], rows: list[list[str]], caption: str = "") -> str:
    """An HTML table (text escaped) that scrolls sideways on a phone instead of widening the page."""
    cap = f"<p>{escape(caption)}</p>" if caption else ""
    # a header wraps between words, or after an underscore of an outcome's name, never inside a word
    header = "<tr>" + "".join(f"<th>{escape(h).replace('_', '_<wbr>')}</th>" for h in head) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'{cap}<div class="scroll"><table>{header}{body}</table></div>'


def number_cell(value: object) -> str:
    """A number of any size as a reader writes it: thousands separated, never in scientific notation."""
    if not isinstance(value, float):
        return str(value)
    if pd.isna(value):
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}" if abs(value) >= 0.01 or value == 0 else f"{value:.6f}"


def frame_table(table: pd.DataFrame, caption: str) -> str:
    """Any CSV of the folder, numbers to 4 significant digits."""
    rows = [[number_cell(v) for v in row] for row in table.itertuples(index=False)]
    return html_table([c.replace("_", " ") for c in table.columns], rows, caption)


def without_none(value: Any) -> Any:
    """The resolved scenario without unset values, which TOML cannot hold."""
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None and v != {}}
    if isinstance(value, list):  # e.g. [[published_series]]: tables in an array
        return [without_none(v) for v in value if v is not None]
    return value


def created(folder: Path) -> datetime:
    """When the run was written: its manifest's modification time."""
    return datetime.fromtimestamp((folder / "manifest.json").stat().st_mtime, timezone.utc)
