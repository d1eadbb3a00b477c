"""Every notebook in notebooks/ is stored without outputs, imports only the package (and the standard
library), and runs top to bottom with nbclient in a fresh kernel: every cell ending in a ``.plot()``
shows a PNG, every cell ending in a plan, result or comparison shows an HTML table, and the
notebooks of this package's quick start and what-if sweep end by stating a conclusion in words."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# The district notebook (02) states its answer on the district's side; its pictures are checked here too.
CONCLUDING = {"01_quickstart.ipynb", "01_quickstart.zh.ipynb", "03_what_if.ipynb"}
SHOWN_OBJECTS = {"plan", "cmp", "res"}  # names the notebooks give a Plan, Comparison, SimulationResult


def test_there_are_notebooks() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert CONCLUDING <= names


def _last_expression(source: str) -> ast.expr | None:
    body = ast.parse(source).body
    return body[-1].value if body and isinstance(body[-1], ast.Expr) else None


def _is_plot(node: ast.expr | None) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return (isinstance(f, ast.Attribute) and f.attr == "plot") or (
        isinstance(f, ast.Name) and f.id.endswith("_plot")
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "clear outputs before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_imports_only_the_package(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top == "reopen_sim" or top in sys.stdlib_module_names, name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_runs(path: Path, tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    for cell in code:
        shown = {
            k for o in cell.outputs if o.output_type in ("execute_result", "display_data") for k in o.data
        }
        last = _last_expression(cell.source)
        if _is_plot(last):
            assert "image/png" in shown, cell.source
        if isinstance(last, ast.Name) and last.id in SHOWN_OBJECTS:
            assert "text/html" in shown, cell.source
    if path.name in CONCLUDING:
        said = "".join(o.get("text", "") for o in code[-1].outputs if o.output_type == "stream")
        assert len(said.strip()) >= 40, "the last cell states the conclusion in words"
