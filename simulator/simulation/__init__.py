"""The machinery every question shares: simulating scenarios in chunks (runner: `run_all`, `iterate_runs`), the
worker pool or dask cluster (execution), memory estimates, a run's result (results: RunResult, what every
question's runs are) and what every result offers (result_base), run folders, and how a run stops on Ctrl-C or
SIGTERM (stopping)."""
