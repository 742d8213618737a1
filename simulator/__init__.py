"""hsct-sim: discrete-event Monte Carlo simulation of autologous haematopoietic stem-cell transplantation
for severe refractory lupus, reporting what studies of a given size would find.

Notebook use::

    from simulator import load_scenario, run
    result = run(load_scenario("scenarios/burt2006.toml"))
    result.summary            # outcome, estimate, mc_se, lower, upper
    result.plot_survival("os")

Every function takes `options=RunOptions(workers=..., scheduler=..., chunk_size=..., progress=...)` to say
where the studies run; the numbers do not depend on it. A scenario whose stages name their own Python file runs
only with `RunOptions(engine="simpy", allow_code=True)`: loading it never runs that code.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .errors import UserError

try:
    __version__ = version("hsct-sim")  # one home: pyproject.toml
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

# loaded on first use, so that `hsct-sim` starts handling Ctrl-C before numpy and pandas load (about a second)
_LAZY = {
    "run": ".simulation.runner", "Scenario": ".scenario.schema", "load_scenario": ".scenario.loading",
    "sweep": ".questions.sweep.sweep", "compare": ".questions.compare.compare",
    "estimate_power": ".questions.power.power", "calibrate": ".questions.calibration.calibration",
    "FreeParameter": ".questions.calibration.problem", "Target": ".questions.calibration.problem",
    "validate": ".questions.validation.result", "RunOptions": ".simulation.options",
    "RunResult": ".simulation.results", "SweepResult": ".questions.sweep.sweep",
    "CompareResult": ".questions.compare.compare", "PowerResult": ".questions.power.result",
    "CalibrationResult": ".questions.calibration.result", "ValidationReport": ".questions.validation.result",
}

__all__ = ["CalibrationResult", "CompareResult", "FreeParameter", "PowerResult", "RunOptions", "RunResult", "Scenario",
           "SweepResult", "Target", "UserError", "ValidationReport", "calibrate", "compare", "estimate_power",
           "load_scenario", "run", "sweep", "validate", "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
