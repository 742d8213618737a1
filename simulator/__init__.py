"""hsct-sim: discrete-event Monte Carlo simulation of autologous haematopoietic stem-cell transplantation
for severe refractory lupus, reporting what studies of a given size would find.

Notebook use::

    from simulator import load_scenario, run
    result = run(load_scenario("scenarios/burt2006.toml"))
    result.summary            # outcome, estimate, mc_se, lower, upper
    result.plot_survival("os")
"""

__version__ = "0.1.0"

from .errors import UserError  # noqa: E402
from .runner import run  # noqa: E402
from .scenario import Scenario, load_scenario  # noqa: E402

__all__ = ["Scenario", "UserError", "load_scenario", "run", "__version__"]
