"""Imports flow one way: autograd <- nn <- viz <- CLI (the package viz/cli/).

Every .py file of the packages is parsed with `ast` (nothing is imported or
run), and every `import` and `from ... import` in it, anywhere in the file and
with relative imports resolved, is held against the rules:

- autograd imports only the standard library and itself (never nn or viz),
  but for its one optional fast path, the numpy batch back end of `jit`
  (autograd/jit_numpy.py), which `import autograd` never loads
  (tests/test_jit_numpy.py checks that in a fresh interpreter);
- nn imports only the standard library, autograd and itself (never viz), but
  for the numpy back end of its compiled training step (nn/compiled_numpy.py,
  which nn/compiled.py imports inside `backend="numpy"` only; `import nn`
  loads no numpy either);
- viz imports neither the examples, benchmarks nor tests, and only the CLI
  itself (viz/cli/ and viz/__main__.py) may import the CLI (nothing under it does).
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STANDARD_LIBRARY = frozenset(sys.stdlib_module_names)
# module -> the third-party package it may import, lazily
OPTIONAL_FAST_PATHS = {"autograd.jit_numpy": {"numpy"}, "nn.compiled_numpy": {"numpy"}}
CLI = "viz.cli"
CLI_MODULES = {CLI, "viz.__main__"}  # `python -m viz` is the CLI too


def module_name(path):
    """`autograd/value.py` -> ("autograd.value", False); `autograd/__init__.py` -> ("autograd", True)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def imported_modules(source, name, is_package):
    """Absolute names of what `source` (module `name`) imports.

    `from a import b` gives "a" and "a.b", since b may be a submodule.
    """
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".") if package else []
                if node.level - 1 >= len(parts):
                    raise ImportError(f"{name}: relative import beyond the top-level package")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def top(module):
    return module.partition(".")[0]


def wrong_way_imports(name, imports):
    """The imports of module `name` that break the layering rules, sorted."""
    package = top(name)
    if package == "autograd":
        allowed = STANDARD_LIBRARY | {"autograd"} | OPTIONAL_FAST_PATHS.get(name, set())
        return sorted(m for m in imports if top(m) not in allowed)
    if package == "nn":
        allowed = STANDARD_LIBRARY | {"autograd", "nn"} | OPTIONAL_FAST_PATHS.get(name, set())
        return sorted(m for m in imports if top(m) not in allowed)
    if package == "viz":
        forbidden = {"examples", "benchmarks", "tests"}
        wrong = {m for m in imports if top(m) in forbidden}
        if name not in CLI_MODULES and not name.startswith(CLI + "."):
            wrong |= {m for m in imports if m == CLI or m.startswith(CLI + ".")}
        return sorted(wrong)
    raise ValueError(f"not a package of ours: {name}")


def package_files():
    files = []
    for package in ("autograd", "nn", "viz"):
        files.extend(sorted((ROOT / package).rglob("*.py")))
    return files


@pytest.mark.parametrize("path", package_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_imports_flow_one_way(path):
    name, is_package = module_name(path)
    imports = imported_modules(path.read_text(encoding="utf-8"), name, is_package)
    assert not wrong_way_imports(name, imports), f"{path.relative_to(ROOT)} imports {wrong_way_imports(name, imports)}"


def test_the_engine_files_are_all_seen():
    names = {module_name(path)[0] for path in package_files()}
    assert {"autograd", "autograd.value", "autograd.graph", "nn", "viz"} <= names


# The checker itself, on sources written to break the rules.
SOURCE = """
import os, json.decoder
from . import graph
from .value import Value
from .. import sibling
import numpy as np

def late():
    from viz import cli
"""


def test_the_walker_resolves_every_kind_of_import():
    imports = imported_modules(SOURCE, "autograd.sub.module", is_package=False)
    assert imports == {
        "os",
        "json.decoder",
        "autograd.sub",
        "autograd.sub.graph",
        "autograd.sub.value",
        "autograd.sub.value.Value",
        "autograd",
        "autograd.sibling",
        "numpy",
        "viz",
        "viz.cli",
    }
    assert imported_modules("from . import value", "autograd", is_package=True) == {"autograd", "autograd.value"}
    with pytest.raises(ImportError):
        imported_modules("from .. import x", "autograd.value", is_package=False)


def test_the_rules_flag_wrong_way_arrows():
    assert wrong_way_imports("autograd.value", {"math", "autograd.graph"}) == []
    assert wrong_way_imports("autograd.value", {"nn", "viz.render", "numpy", "math"}) == ["nn", "numpy", "viz.render"]
    assert wrong_way_imports("nn.module", {"autograd", "json", "nn.layers"}) == []
    assert wrong_way_imports("nn", {"viz", "graphviz"}) == ["graphviz", "viz"]
    assert wrong_way_imports("viz.cli", {"viz.cli", "rich", "nn", "autograd"}) == []
    assert wrong_way_imports("viz.cli.train", {"viz.cli.common", "viz.plots"}) == []
    assert wrong_way_imports("viz.plots", {"viz.cli.common", "viz.client"}) == ["viz.cli.common"]
    assert wrong_way_imports("viz.render", {"viz.cli", "examples.tour"}) == ["examples.tour", "viz.cli"]
