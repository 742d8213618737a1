"""Running a scenario: `run` (runner), the worker pool or dask cluster (execution), memory estimates, the result
(results), run folders, and how a run stops on Ctrl-C or SIGTERM (stopping)."""
