"""The public API of shared/DESIGN.md: every name resolves, and importing subpackages never hides one."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import reopen_sim as rs

FUNCTIONS = (
    "load_scenario",
    "optimize",
    "check_plan",
    "simulate",
    "baseline_plan",
    "compare",
    "write_report",
)


def test_every_exported_name_resolves() -> None:
    for name in rs.__all__:
        assert getattr(rs, name) is not None, name


def test_functions_stay_functions_after_importing_their_packages() -> None:
    for mod in ("reopen_sim.optimizer.solve", "reopen_sim.simulation.run", "reopen_sim.report.write"):
        importlib.import_module(mod)
    for name in FUNCTIONS:
        assert inspect.isfunction(getattr(rs, name)), name


def test_import_is_light() -> None:
    # "Nothing else runs at import": importing the package loads neither OR-Tools nor SimPy.
    code = "import sys, reopen_sim; print(any(m.startswith(('ortools', 'simpy', 'matplotlib')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_type_checkers_see_every_export() -> None:
    """The ``TYPE_CHECKING`` block imports every name of ``_EXPORTS`` from its module, so type checkers
    and IDEs see ``rs.optimize``, ``rs.simulate``... with their real signatures."""
    import ast
    import inspect

    import reopen_sim

    tree = ast.parse(inspect.getsource(reopen_sim))
    seen: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                seen.update({a.name: imp.module for a in imp.names})
    assert seen == reopen_sim._EXPORTS
