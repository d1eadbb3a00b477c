"""Spreadsheet cells and files written safely and reproducibly.

- **Text stays text.** A school's own words (school, gate, room and class names, notes) come from
  files others wrote. In a workbook they are written as string cells (``data_type = "s"``), never as
  formulas, whatever they start with. In a CSV a value starting with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is prefixed with a single quote (OWASP "CSV Injection"), and
  :func:`reopen_sim.parse.csv_unescape` removes exactly that quote when the file is read back, so ids round-trip.
- **Same inputs, same bytes.** openpyxl stamps the save time into ``docProps/core.xml`` and
  ``zipfile`` stamps it into every entry header; :func:`freeze_xlsx` rewrites both with
  :data:`FIXED_TIME` (the ZIP format's epoch, 1980-01-01 00:00).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reopen_sim.parse import FORMULA_START, csv_unescape

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

__all__ = ["FIXED_TIME", "FORMULA_START", "csv_escape", "csv_unescape", "freeze_xlsx", "text_cell"]

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_ISO = "1980-01-01T00:00:00Z"


def text_cell(cell: Cell, value: str) -> Cell:
    """Put ``value`` in ``cell`` as a string cell: ``=SUM(A1)`` stays those characters, not a formula.

    openpyxl treats any string starting with ``=`` as a formula; setting the type after the value
    makes it an inline string instead (Excel shows it as typed, and never evaluates it).
    """
    cell.value = value
    cell.data_type = "s"
    return cell


def csv_escape(value: Any) -> Any:
    """A CSV value that a spreadsheet will not run: text starting with a formula character gets a
    leading ``'`` (OWASP CSV-injection guidance); numbers and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def freeze_xlsx(path: Path) -> None:
    """Rewrite the workbook at ``path`` with fixed document dates and fixed ZIP entry times.

    Hand-written because neither openpyxl nor pandas has an option for it: entries keep their order,
    names, bytes (except the two dates in ``docProps/core.xml``) and compression.
    """
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    tmp = path.with_name(path.name + ".freeze")
    with zipfile.ZipFile(tmp, "w") as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + _FIXED_ISO.encode() + rb"\g<3>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)
    tmp.replace(path)
