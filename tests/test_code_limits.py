"""Limits that keep the code livable (issue: structure): short functions, imports that flow one way.

Both read the source with ``ast``; nothing is imported or run.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "reopen_sim"
MAX_FUNCTION_LINES = 100

# Call-time imports that point back up the layers on purpose, each for a method of a public object
# (the notebook API: ``sc.with_gate_closed(...)``, ``plan.plot()``...). They run only when called and
# are listed here one by one, so a new back edge fails the test until someone decides it is one.
ALLOWED_BACK_EDGES: dict[tuple[str, str], str] = {
    ("reopen_sim.scenario.schema", "reopen_sim.scenario.whatif"): "Scenario.with_* validate like a file",
    ("reopen_sim.plan", "reopen_sim.plotting"): "Plan.plot() and its HTML summary",
    ("reopen_sim.simulation.result", "reopen_sim.plotting"): "SimulationResult.plot() and its summary",
    ("reopen_sim.experiment", "reopen_sim.plotting"): "Comparison.plot() and its summary",
}


def _modules(src: Path = SRC) -> dict[str, ast.Module]:
    out = {}
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return out


def long_functions(src: Path = SRC) -> list[str]:
    """Every function or method longer than MAX_FUNCTION_LINES lines (decorators and docstring included)."""
    found = []
    for name, tree in _modules(src).items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                n = (node.end_lineno or node.lineno) - start + 1
                if n > MAX_FUNCTION_LINES:
                    found.append(f"{name}.{node.name}: {n} lines")
    return found


def _type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def import_graph(src: Path = SRC) -> nx.DiGraph:
    """Module -> module it imports, from every import statement (inside functions too), except
    imports under ``if TYPE_CHECKING:``. Importing ``a.b.c`` counts as importing the module ``a.b.c``
    (or its package when ``c`` is a name defined in ``a.b``)."""
    modules = _modules(src)
    g = nx.DiGraph()
    g.add_nodes_from(modules)

    def target(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for name, tree in modules.items():
        skip: set[int] = set()
        for node in ast.walk(tree):
            if _type_checking_block(node):
                skip.update(id(n) for n in ast.walk(node))
        package = (
            name if (src.parent / Path(*name.split("."), "__init__.py")).exists() else name.rpartition(".")[0]
        )
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            found: list[str] = []
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                found = [f"{base}.{a.name}" for a in node.names] or [base]
            for imported in found:
                t = target(imported)
                if t and t != name:
                    g.add_edge(name, t)
    return g


def import_cycles(src: Path = SRC, allowed: Mapping[tuple[str, str], str] | None = None) -> list[list[str]]:
    """Cycles between modules, leaving out a package's edge to its own submodules (``__init__``
    re-exports), the lazy public API in ``reopen_sim/__init__.py`` and the ``allowed`` back edges."""
    g = import_graph(src)
    for a, b in list(g.edges):
        if b.startswith(a + ".") or (a, b) in (allowed or {}):
            g.remove_edge(a, b)
    return [c for c in nx.simple_cycles(g) if src.name not in c]


def test_no_function_is_longer_than_the_limit() -> None:
    assert long_functions() == []


def test_imports_flow_one_way() -> None:
    g = import_graph()
    stale = [edge for edge in ALLOWED_BACK_EDGES if not g.has_edge(*edge)]
    assert stale == [], f"allowed back edges that no longer exist: {stale}"
    cycles = import_cycles(allowed=ALLOWED_BACK_EDGES)
    assert cycles == [], "\n".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """Both checks find what they look for in a made-up package: a long function, a hidden cycle."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    (pkg / "sub" / "a.py").write_text(f"from pkg.sub import b\n\ndef f():\n{body}\n")
    (pkg / "sub" / "b.py").write_text("def g():\n    from .a import f\n    return f\n")
    (pkg / "sub" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.a import f\n"
    )
    assert long_functions(pkg) == [f"pkg.sub.a.f: {MAX_FUNCTION_LINES + 1} lines"]
    assert sorted(map(sorted, import_cycles(pkg))) == [["pkg.sub.a", "pkg.sub.b"]]
