"""The Python API's arguments, checked as the command line checks its flags but answered in Python's terms:
a `TypeError` for a value of the wrong kind, a `ValueError` for one out of range, each naming the argument
and what it accepts (the command line's own messages name its flags)."""

from __future__ import annotations

import os
from pathlib import Path

from simulator.scenario.bounds import MAX_COUNT, MAX_SEED
from simulator.scenario.schema import Scenario

MIN_REPLICATIONS = 2  # a Monte Carlo standard error needs two studies (as --replications and the schema say)


def scenario_argument(scenario: object, name: str = "scenario") -> Scenario:
    """A `Scenario`, or the scenario file at a path (str or os.PathLike), read as `load_scenario` reads it."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        from simulator.scenario.loading import load_scenario

        return load_scenario(Path(scenario))
    raise TypeError(f"{name}: expected a Scenario (load_scenario) or the path of a scenario file, "
                    f"got {type(scenario).__name__}")


def whole_number(value: object, name: str, minimum: int, maximum: int = MAX_COUNT) -> int:
    """`value` if it is an int from `minimum` to `maximum` (True and 3.0 are not whole numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}: expected a whole number (int) from {minimum:,} to {maximum:,}, "
                        f"got {type(value).__name__} {value!r}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name}: must be from {minimum:,} to {maximum:,} (got {value:,})")
    return value


def replications_argument(replications: object, default: int) -> int:
    """The number of simulated studies: `default` (the scenario's) when None."""
    if replications is None:
        return default
    return whole_number(replications, "replications", MIN_REPLICATIONS)


def seed_argument(seed: object, default: int) -> int:
    """The seed: `default` (the scenario's) when None."""
    return default if seed is None else whole_number(seed, "seed", 0, MAX_SEED)
