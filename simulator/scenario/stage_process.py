"""A stage run by the modeller's own Python function (`process = "..."` in a stage, SimPy engine only).

The function is a SimPy generator `function(patient, env)` (see `simulator.engine.processes.Patient`), named
either `"package.module:function"` (importable from the Python path) or `"file.py:function"`, a file
relative to the scenario. Scenario loading resolves the file and imports the function, so a bad name is
refused up front with a message naming the field, not half-way through a run.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import inspect
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

from simulator.errors import UserError, shown
from simulator.scenario.schema import Scenario

StageProcess = Callable[[Any, Any], Generator[Any, Any, None]]
FORMS = '"package.module:function" or "file.py:function" (a file relative to the scenario)'


def with_resolved_processes(scenario: Scenario, folder: Path, source: str) -> Scenario:
    """The scenario with each stage's `process` file made absolute (relative to `folder`, the scenario's own),
    after checking that every named function imports."""
    stages = dict(scenario.stages)
    for name, stage in scenario.stages.items():
        if stage.process is None:
            continue
        target, _, function = stage.process.rpartition(":")
        if target.endswith(".py"):
            target = str((folder / target).resolve())
        spec = f"{target}:{function}"
        stage_process(spec, f"{source}: stages.{name}.process")
        stages[name] = stage.model_copy(update={"process": spec})
    return scenario.model_copy(update={"stages": stages})


def uses_processes(scenario: Scenario) -> list[str]:
    """The stages run by a modeller's function (which only the SimPy engine can run)."""
    return [name for name, stage in scenario.stages.items() if stage.process is not None]


def refuse_processes(scenario: Scenario) -> None:
    """The fast engine's refusal of stages run by the modeller's own function, pointing to the SimPy engine."""
    custom = uses_processes(scenario)
    if custom:
        raise UserError(f"{scenario.metadata.name}: stages.{custom[0]}.process runs the modeller's own SimPy "
                        "process, which only the per-patient engine runs: add `--engine simpy` to the command "
                        '(RunOptions(engine="simpy") in Python)')


@functools.lru_cache(maxsize=64)
def stage_process(spec: str, where: str = "process") -> StageProcess:
    """The generator function named by `spec`; a `UserError` starting with `where` if it cannot be had."""
    target, colon, name = spec.rpartition(":")
    if not colon or not target or not name.isidentifier():
        raise UserError(f"{where}: {shown(spec)} should be {FORMS}")
    module = _module_file(target, where) if target.endswith(".py") else _module(target, where)
    function = getattr(module, name, None)
    if function is None:
        defined = sorted(k for k, v in vars(module).items() if inspect.isfunction(v) and not k.startswith("_"))
        raise UserError(f"{where}: {target} has no function {name!r}; its functions: {', '.join(defined) or 'none'}")
    if not inspect.isgeneratorfunction(function):
        raise UserError(f"{where}: {name} must be a SimPy generator function of (patient, env), one that yields "
                        "events such as env.timeout(days); it has no `yield`")
    return function  # type: ignore[no-any-return]


def _module(target: str, where: str) -> Any:
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as error:
        raise UserError(f"{where}: cannot import {target!r} ({error}); give {FORMS}") from None
    except Exception as error:  # the modeller's module failed while importing
        raise UserError(f"{where}: importing {target} failed: {type(error).__name__}: {error}") from None


def _module_file(target: str, where: str) -> Any:
    path = Path(target)
    if not path.is_file():
        raise UserError(f"{where}: no such file {str(path)!r}; give {FORMS}")
    name = "hsct_sim_stage_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]  # one module per file
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UserError(f"{where}: {str(path)!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # the modeller's file failed while importing
        raise UserError(f"{where}: importing {path} failed: {type(error).__name__}: {error}") from None
    return module
