"""Words for outcome names and command lines, for tables and figures read without the code."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

_LANDMARK = re.compile(r"^(os|dfs|relapse|nrm)_(\d+(?:\.\d+)?)y(_itt)?$")
_WORDS = {
    "os": "Overall survival",
    "dfs": "Disease-free survival",
    "relapse": "Cumulative incidence of relapse",
    "nrm": "Non-relapse mortality",
}
_FIXED = {
    "trm": "Treatment-related mortality",
    "deaths_before_reinfusion": "Deaths before reinfusion",
    "transplanted": "Share transplanted",
}


def describe_outcome(name: str) -> str:
    """`os_5y` -> `Overall survival at 5 y after reinfusion (os_5y)`; unknown names are returned as they are."""
    match = _LANDMARK.match(name)
    if match:
        curve, years, itt = match.groups()
        since = "enrolment" if itt else "reinfusion"
        return f"{_WORDS[curve]} at {years} y after {since} ({name})"
    return f"{_FIXED[name]} ({name})" if name in _FIXED else name


def command_line(argv: list[str]) -> str:
    """The command as the user would type it: `hsct-sim ...` when run through the CLI."""
    if argv and Path(argv[0]).name in ("hsct-sim", "__main__.py"):
        argv = ["hsct-sim", *argv[1:]]
    return shlex.join(argv)
