"""The package's shape: no import cycles, layers that import one way, modules of a readable size.

Imports are read from the source with ``ast``, function-local ones included; imports under
``if TYPE_CHECKING:`` are for annotations only and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "screenpilot"
MAX_LINES = 400

LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "imaging": {"errors"},
    "tools": {"errors", "imaging"},
    "formatting": set(),
    "agent": {"errors", "imaging", "tools", "version", "formatting"},
    "environments": {"errors", "imaging", "tools", "agent"},
    "policies": {"errors", "imaging", "tools", "agent"},
    "sim": {"errors", "imaging", "tools", "agent", "environments"},
    "evaluation": {
        "errors",
        "imaging",
        "tools",
        "agent",
        "environments",
        "policies",
        "sim",
        "version",
        "formatting",
    },
    "flows": {"errors", "imaging", "tools", "agent", "environments", "policies", "formatting"},
    "registry": {"errors", "environments", "policies", "agent", "sim", "evaluation"},
    "cli": {
        "errors",
        "imaging",
        "tools",
        "agent",
        "environments",
        "policies",
        "sim",
        "evaluation",
        "flows",
        "registry",
        "version",
        "formatting",
    },
}
"""Each top-level part of ``screenpilot`` and the parts it may import (``version`` is the
package's ``__version__``)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports_of(path: Path) -> set[str]:
    """Every screenpilot module ``path`` imports at run time."""
    found: set[str] = set()
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_block(child):
                assert isinstance(child, ast.If)
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(
                        [*package.split(".")[: len(package.split(".")) - child.level + 1], base]
                    ).strip(".")
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    modules = {module_name(p) for p in SRC.rglob("*.py")}
    return {target for target in found if target in modules and target != name}


MODULES = {module_name(path): path for path in sorted(SRC.rglob("*.py"))}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "version"


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the list of modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := walk(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := walk(node)):
            return cycle
    return None


def _without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Importing ``a.b`` runs ``a/__init__``; a package's own ``__init__`` re-exporting its
    modules is not a cycle, so edges into an ancestor package are dropped."""
    return {
        name: {t for t in targets if not name.startswith(f"{t}.")}
        for name, targets in graph.items()
    }


def test_the_walker_sees_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    assert find_cycle(_without_packages(GRAPH)) is None


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "screenpilot"))
def test_layers_import_one_way(module: str) -> None:
    allowed = LAYERS[_part(module)] | {_part(module)}
    wrong = sorted(t for t in GRAPH[module] if _part(t) not in allowed)
    assert not wrong, f"{module} may not import {wrong}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_readable(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module} has {lines} lines"


def test_function_local_imports_count_and_type_checking_ones_do_not() -> None:
    fake = SRC / "sim" / "__layout_probe__.py"
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from screenpilot.sim.phone import SimPhone\n"
        "def f():\n    from screenpilot.sim import env\n"
    )
    fake.write_text(source, encoding="utf-8")
    try:
        assert imports_of(fake) == {"screenpilot.sim", "screenpilot.sim.env"}
    finally:
        fake.unlink()
