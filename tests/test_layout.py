"""The package's shape: every module imports alone in a fresh interpreter, no module imports one that imports it
back (type-only and function-level imports included), and the public API names resolve."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

import simulator

PACKAGE = Path(simulator.__file__).parent
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every module of the package that `name` imports, anywhere in its text."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules else base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m in modules and m != name}


def import_cycles() -> list[list[str]]:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return cycles


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:3] if parts[1:2] == ["questions"] else parts[:2])


def test_no_import_cycles() -> None:
    assert import_cycles() == []


# The layers, lowest first: a module imports only modules of its own layer or of those before it. questions/ holds
# every question (run included: questions/run); the machinery they share is simulation/, below them.
LAYERS = (("simulator.errors", "simulator.version"), ("simulator.terminal",), ("simulator.scenario",),
          ("simulator.engine",), ("simulator.outcomes",), ("simulator.report",), ("simulator.simulation",),
          ("simulator.questions",), ("simulator.commands",), ("simulator.cli",), ("simulator.__main__", "simulator"))


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _layer(module: str) -> int:
    return next(number for number, layer in enumerate(LAYERS) if _top(module) in layer)


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(module, what it imports) for every import of a later layer than the module's own."""
    return sorted((name, other) for name, others in graph.items() for other in others if _layer(other) > _layer(name))


def test_each_layer_imports_only_itself_and_the_layers_before_it() -> None:
    modules = _modules()
    assert [name for name in modules if not any(_top(name) in layer for layer in LAYERS)] == []  # each in a layer
    assert upward_imports({name: _imports(name, path, modules) for name, path in modules.items()}) == []


def test_the_layer_check_catches_an_upward_import() -> None:
    """Not vacuous: the simulation machinery importing a question, or the engine a report, is reported."""
    graph = {"simulator.simulation.runner": {"simulator.questions.run.run", "simulator.engine.pathway"},
             "simulator.engine.pathway": {"simulator.report.plots"}, "simulator.questions.run.run": set()}
    assert upward_imports(graph) == [("simulator.engine.pathway", "simulator.report.plots"),
                                     ("simulator.simulation.runner", "simulator.questions.run.run")]


def test_no_sub_package_imports_one_that_imports_it_back() -> None:
    """scenario <- engine <- outcomes <- report <- simulation <- questions <- commands, never the other way."""
    modules = _modules()
    edges = {(_package(name), _package(other)) for name, path in modules.items()
             for other in _imports(name, path, modules) if _package(name) != _package(other)}
    both_ways = {tuple(sorted(edge)) for edge in edges if edge[::-1] in edges}
    assert both_ways == set()


# Imported by one interpreter before it forks a child per module: what every module needs, none of the package.
# `pydantic.main`, not `pydantic`: the top-level package loads its parts lazily, so each child paid for them again.
_PRELOAD = ("numpy", "pandas", "scipy.stats", "scipy.optimize", "matplotlib.pyplot", "simpy", "pydantic.main",
            "annotated_types", "tqdm", "tomlkit", "tomllib", "pyarrow", "multiprocessing")
_IMPORT_EACH_ALONE = """
import importlib, os, sys, traceback
for library in sys.argv[1].split(","):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
assert not any(name == "simulator" or name.startswith("simulator.") for name in sys.modules)
failed = []
for name in sys.argv[2:]:
    child = os.fork()
    if child == 0:  # a fresh copy with no module of the package loaded: import this one alone
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(child, 0)[1] != 0:
        failed.append(name)
print(" ".join(failed))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child per module")
def test_every_module_imports_alone() -> None:
    """Each module imported first, with no other module of the package loaded (an import cycle or a missing import
    fails here). One interpreter loads the libraries (the slow part, and not what is tested), then forks a child
    per module: 100 fresh interpreters took most of the suite's time."""
    names = [name for name in _modules() if not name.endswith("__main__")]  # __main__ runs the command line
    done = subprocess.run([sys.executable, "-c", _IMPORT_EACH_ALONE, ",".join(_PRELOAD), *names],
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.split() == [], done.stdout + done.stderr


def test_the_import_check_catches_a_module_that_fails_alone(tmp_path) -> None:
    """The forked check is not vacuous: a module that fails on import is reported, its siblings are not."""
    (tmp_path / "fine.py").write_text("import json\n")
    (tmp_path / "broken.py").write_text("import fine\nraise ImportError('needs something else first')\n")
    done = subprocess.run([sys.executable, "-c", _IMPORT_EACH_ALONE, "json", "fine", "broken"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.stdout.split() == ["broken"] and "needs something else first" in done.stderr


def test_no_module_is_too_long() -> None:
    long = {name: n for name, path in _modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_public_api_resolves_to_what_type_checkers_see() -> None:
    """Each public name loads from the module its TYPE_CHECKING import names (what mypy and editors see), and
    is that module's object (a function wrapped only to word its errors in Python's terms)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    typed = {alias.name: "." + node.module for block in ast.walk(tree) if isinstance(block, ast.If)
             and ast.unparse(block.test) == "TYPE_CHECKING" for node in block.body
             if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}
    assert set(typed) == set(simulator.__all__) - {"UserError", "ArgumentError", "__version__"}
    for name, module in typed.items():
        original = getattr(importlib.import_module(module, "simulator"), name)
        value = getattr(simulator, name)
        assert value is original or getattr(value, "__wrapped__", None) is original, name
