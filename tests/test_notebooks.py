"""Every notebook in notebooks/ is stored without outputs, imports only the package (and the standard
library), and runs top to bottom with nbclient in a fresh kernel: every cell ending in a ``.plot()``
shows a PNG, every cell ending in a plan, result or comparison shows an HTML table, and the
notebooks end by stating a conclusion in words: 02 the phased return that works for its example
district (or in words why none does, never "None"), 03 also a certified plan and its certificate.
Each notebook runs once here."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


CONCLUDING = {"01_quickstart.ipynb", "01_quickstart.zh.ipynb", "02_district.ipynb", "03_what_if.ipynb"}
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


def _said(cell: Any) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _district_answer(code: list[Any]) -> None:
    """02: the chosen phasing, every school with a plan on each of its days, or why none works."""
    text = _said(code[-1])
    assert text.startswith(("Chosen phasing: '", "No phasing works for every school.")), text
    assert "None" not in text
    if text.startswith("Chosen phasing"):
        assert "Every school of the district has a plan on every day" in text


def _certificate_shown(code: list[Any]) -> None:
    """03: the certified plan shows itself, its certificate is printed, and a conclusion follows."""
    (cell,) = [c for c in code if "certify=" in c.source]
    shown = {k for o in cell.outputs if o.output_type == "execute_result" for k in o.data}
    text = _said(cell)
    assert "text/html" in shown and "service level" in text and "holds" in text and "rounds:" in text
    (words,) = [c for c in code if "certificate_lines" in c.source]
    said = _said(words)
    assert "Conclusion: " in said and ("certified" in said or "no timetable" in said), said
    assert "None" not in said


ANSWERS: dict[str, Callable[[list[Any]], None]] = {
    "02_district.ipynb": _district_answer,
    "03_what_if.ipynb": _certificate_shown,
}


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
    if path.name in ANSWERS:
        ANSWERS[path.name](code)
