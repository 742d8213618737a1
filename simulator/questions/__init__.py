"""One sub-package per question the simulator answers: run, sweep, compare, power, calibration, validation, voi.
Each holds its entry point and computation (<name>.py), its result type (result.py, or run's RunResult, which
every question's runs share: simulation/results.py) and its figures; each result's report.html section is a page
in report/pages/."""
