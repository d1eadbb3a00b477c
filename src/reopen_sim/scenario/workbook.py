"""The school workbook: a whole scenario in one Excel file, for administrators who live in Excel.

``write_workbook`` writes the template (with a worked example) or exports a scenario;
``load_workbook_scenario`` reads one back (``load_scenario`` calls it for ``.xlsx`` files). The
layout (sheets, columns, drop-down labels) is in :mod:`reopen_sim.scenario.workbook_layout`.
"""

from __future__ import annotations

from reopen_sim.scenario.workbook_read import load_workbook_scenario, read_workbook
from reopen_sim.scenario.workbook_write import example_scenario, write_workbook

WORKBOOK_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm")

__all__ = [
    "WORKBOOK_SUFFIXES",
    "example_scenario",
    "load_workbook_scenario",
    "read_workbook",
    "write_workbook",
]
