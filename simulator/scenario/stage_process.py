"""A stage run by the modeller's own Python function (`process = "file.py:function"` in a stage, SimPy engine only).

The function is a SimPy generator `function(patient, env)` (see `simulator.engine.processes.Patient`) in a
file beside the scenario. A scenario from a colleague or a paper's supplement must be safe to open, validate
and run, so its code never runs by being read: loading only finds the file (inside the scenario's own folder,
unless the user names it on the command line with --set); the file is imported only when a run is asked for
with `--allow-code` (`RunOptions(allow_code=True)` in Python), just before simulating.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import stat
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.errors import UserError, shown
from simulator.scenario.schema import Scenario

StageProcess = Callable[[Any, Any], Generator[Any, Any, None]]
FORM = '"file.py:function" (a Python file in the scenario\'s folder)'
OPT_IN = "--allow-code"
OPT_IN_PYTHON = "RunOptions(allow_code=True)"


def file_processes(raw: Any, overrides: Sequence[str] = ()) -> dict[str, str]:
    """Each stage's `process` as the scenario file writes it, by stage name, leaving out the stages whose process
    an override (--set stages.NAME.process=..., or the whole stage) names instead: the user's own choice."""
    stages = raw.get("stages") if isinstance(raw, dict) else None
    if not isinstance(stages, dict):
        return {}
    named = {override.partition("=")[0].strip() for override in overrides}
    return {name: stage["process"] for name, stage in stages.items()
            if isinstance(stage, dict) and isinstance(stage.get("process"), str)
            and not named & {"stages", f"stages.{name}", f"stages.{name}.process"}}


def with_resolved_processes(
    scenario: Scenario, folder: Path, source: str, from_file: Mapping[str, str] | None = None
) -> Scenario:
    """The scenario with each stage's `process` file made absolute (relative to `folder`, the scenario's own)
    and checked to be a regular file, without importing it. A file the scenario itself names (`from_file`: the
    stages whose process the file writes, file_processes; all of them if not given) must lie inside `folder`: one
    the user names with --set may lie anywhere."""
    stages = dict(scenario.stages)
    written = from_file if from_file is not None else {n: str(s.process) for n, s in scenario.stages.items()}
    for name, stage in scenario.stages.items():
        if stage.process is None:
            continue
        where = f"{source}: stages.{name}.process"
        target, function = split_spec(stage.process, where)
        path = (folder / target).resolve()
        if name in written and not path.is_relative_to(folder.resolve()):
            raise UserError(f"{where}: {shown(target)} lies outside the scenario's folder ({folder.resolve()}); a "
                            "scenario file may name code only beside it: move the file there, or name it yourself "
                            f"with --set stages.{name}.process=PATH.py:{function}")
        _check_file(path, where)
        stages[name] = stage.model_copy(update={"process": f"{path}:{function}"})
    return scenario.model_copy(update={"stages": stages})


def split_spec(spec: str, where: str) -> tuple[str, str]:
    """("file.py", "function") from "file.py:function"; a `UserError` starting with `where` for any other form
    (an installed module is not accepted: importing one runs code from outside the scenario's folder)."""
    target, colon, name = spec.rpartition(":")
    if not colon or not target.endswith(".py") or not name.isidentifier():
        raise UserError(f"{where}: {shown(spec)} should be {FORM}")
    return target, name


def _check_file(path: Path, where: str) -> None:
    """Refuse a missing file, a folder, a pipe or a device as a stage's code (never opened here)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        raise UserError(f"{where}: no such file {str(path)!r}; give {FORM}") from None
    if not stat.S_ISREG(mode):
        raise UserError(f"{where}: {str(path)!r} is not a regular file; give {FORM}")


def uses_processes(scenario: Scenario) -> list[str]:
    """The stages run by a modeller's function (which only the SimPy engine can run)."""
    return [name for name, stage in scenario.stages.items() if stage.process is not None]


def refuse_processes(scenario: Scenario, allow_code: bool = False) -> None:
    """The fast engine's refusal of stages run by the modeller's own function, saying how to run them."""
    custom = uses_processes(scenario)
    if custom:
        flags, python = ("--engine simpy", 'engine="simpy"') if allow_code else (
            f"--engine simpy {OPT_IN}", 'engine="simpy", allow_code=True')
        raise UserError(f"{scenario.metadata.name}: stages.{custom[0]}.process runs the modeller's own SimPy "
                        "process, which only the per-patient engine runs, and only when you allow the scenario's "
                        f"code: add `{flags}` to the command if you trust {_file(scenario, custom[0])} "
                        f"(RunOptions({python}) in Python)")


def allowed_processes(scenario: Scenario, allow_code: bool) -> None:
    """Refuse stages with their own process unless the user allowed code; when allowed, import each function
    now, so that a bad name is refused before any study is simulated."""
    custom = uses_processes(scenario)
    if custom and not allow_code:
        raise UserError(f"{scenario.metadata.name}: stages.{custom[0]}.process runs Python code from "
                        f"{_file(scenario, custom[0])}, which hsct-sim runs only when you allow it: add "
                        f"`{OPT_IN}` to the command if you trust that file ({OPT_IN_PYTHON} in Python)")
    for name in custom:
        stage_process(str(scenario.stages[name].process), f"{scenario.metadata.name}: stages.{name}.process")


def _file(scenario: Scenario, stage: str) -> str:
    return shown(str(scenario.stages[stage].process).rpartition(":")[0], 200)


@functools.lru_cache(maxsize=64)
def stage_process(spec: str, where: str = "process") -> StageProcess:
    """The generator function named by `spec`, importing its file (the user allowed code: see
    `allowed_processes`); a `UserError` starting with `where` if it cannot be had."""
    target, name = split_spec(spec, where)
    module = _module_file(target, where)
    function = getattr(module, name, None)
    if function is None:
        defined = sorted(k for k, v in vars(module).items() if inspect.isfunction(v) and not k.startswith("_"))
        raise UserError(f"{where}: {target} has no function {name!r}; its functions: {', '.join(defined) or 'none'}")
    if not inspect.isgeneratorfunction(function):
        raise UserError(f"{where}: {name} must be a SimPy generator function of (patient, env), one that yields "
                        "events such as env.timeout(days); it has no `yield`")
    return function  # type: ignore[no-any-return]


def _module_file(target: str, where: str) -> Any:
    path = Path(target)
    _check_file(path, where)
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
