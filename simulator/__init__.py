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

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import ArgumentError, UserError, in_python_terms
from .version import __version__

if TYPE_CHECKING:  # what mypy and editors see; at run time each name loads on first use (__getattr__)
    from .questions.calibration.calibration import calibrate
    from .questions.calibration.problem import FreeParameter, Target
    from .questions.calibration.result import CalibrationResult
    from .questions.compare.compare import compare
    from .questions.compare.result import CompareResult
    from .questions.power.power import estimate_power
    from .questions.power.result import PowerResult
    from .questions.run.run import run
    from .questions.sweep.result import SweepResult
    from .questions.sweep.sweep import sweep
    from .questions.validation.result import ValidationReport
    from .questions.validation.validation import validate
    from .questions.voi.result import VoiResult
    from .questions.voi.voi import value_of_information
    from .scenario.loading import load_scenario
    from .scenario.schema import Scenario
    from .simulation.options import RunOptions
    from .simulation.results import RunResult

# loaded on first use, so that `hsct-sim` starts handling Ctrl-C before numpy and pandas load (about a second)
_LAZY = {
    "run": ".questions.run.run", "Scenario": ".scenario.schema", "load_scenario": ".scenario.loading",
    "sweep": ".questions.sweep.sweep", "compare": ".questions.compare.compare",
    "estimate_power": ".questions.power.power", "calibrate": ".questions.calibration.calibration",
    "FreeParameter": ".questions.calibration.problem", "Target": ".questions.calibration.problem",
    "validate": ".questions.validation.validation", "RunOptions": ".simulation.options",
    "RunResult": ".simulation.results", "SweepResult": ".questions.sweep.result",
    "CompareResult": ".questions.compare.result", "PowerResult": ".questions.power.result",
    "CalibrationResult": ".questions.calibration.result", "ValidationReport": ".questions.validation.result",
    "value_of_information": ".questions.voi.voi", "VoiResult": ".questions.voi.result",
}
# the functions whose mistakes are reported in Python's terms (ArgumentError, a ValueError naming arguments)
_FUNCTIONS = ("calibrate", "compare", "estimate_power", "load_scenario", "run", "sweep", "validate")

__all__ = [
    # questions
    "run", "sweep", "compare", "estimate_power", "value_of_information", "calibrate", "validate",
    # what they take
    "load_scenario", "Scenario", "RunOptions", "Target", "FreeParameter",
    # what they return
    "RunResult", "SweepResult", "CompareResult", "PowerResult", "VoiResult", "CalibrationResult", "ValidationReport",
    # a bad scenario, argument or value
    "UserError", "ArgumentError",
    "__version__",
]


def _in_python_terms(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function`, its UserErrors raised as ArgumentErrors that name its arguments, not the command line's flags."""

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ArgumentError:
            raise
        except UserError as error:
            raise in_python_terms(error) from None

    return checked


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    if name in _FUNCTIONS:
        value = _in_python_terms(value)
    globals()[name] = value  # loaded once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
