"""In a fresh Jupyter kernel, without pyplot: every .plot() shows a PNG and every object an HTML table."""

from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

CELLS = [
    "import reopen_sim as rs\n"
    f"sc = rs.load_scenario({str(ROOT / 'scenarios' / 'tiny-school.yaml')!r})\n"
    "plan = rs.baseline_plan(sc)\n"
    "cmp = rs.compare(sc, {'baseline': plan, 'later': plan}, replications=2, seed=1)",
    "plan.plot(sc)",
    "plan",
    "cmp.plot()",
    "cmp",
    "res = cmp.results['baseline']\nres.plot()",
    "res",
]
PLOTS = {1, 3, 5}
REPRS = {2, 4, 6}


def test_plots_and_reprs_show_in_a_fresh_kernel() -> None:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    kinds = [
        {k for o in cell.outputs if o.output_type in ("execute_result", "display_data") for k in o.data}
        for cell in nb.cells
    ]
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert errors == []
    for i in PLOTS:
        assert "image/png" in kinds[i], (CELLS[i], kinds[i])
    for i in REPRS:
        assert "text/html" in kinds[i], (CELLS[i], kinds[i])
