"""hsct-sim: discrete-event Monte Carlo simulation of autologous haematopoietic stem-cell transplantation
for severe refractory lupus, reporting what studies of a given size would find.

Notebook use::

    from simulator import load_scenario, run
    result = run(load_scenario("scenarios/burt2006.toml"))
    result.summary            # outcome, estimate, mc_se, lower, upper
    result.plot_survival("os")
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from .errors import UserError  # noqa: E402

# loaded on first use, so that `hsct-sim` starts handling Ctrl-C before numpy and pandas load (about a second)
_LAZY = {
    "run": ".simulation.runner", "Scenario": ".scenario.schema", "load_scenario": ".scenario.loading",
    "sweep": ".questions.sweep.sweep", "compare": ".questions.compare.compare",
    "estimate_power": ".questions.power.power", "calibrate": ".questions.calibration.calibration",
    "FreeParameter": ".questions.calibration.problem", "Target": ".questions.calibration.problem",
    "validate": ".questions.validation.result",
}

__all__ = ["FreeParameter", "Scenario", "Target", "UserError", "calibrate", "compare", "estimate_power",
           "load_scenario", "run", "sweep", "validate", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
