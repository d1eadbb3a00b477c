"""Reading the files users bring: size guards, text encodings, and tables from CSV, XLSX and XLS.

Every failure is an :class:`InputError` naming the file and what was expected, never a traceback:
a missing file, a folder, an unreadable path, an empty file, a file too large, a CSV renamed
``.xlsx``, a workbook that is no workbook, an XML bomb (openpyxl parses with defusedxml, which is a
dependency, so entity expansion is refused), a text file in an encoding that cannot be read.

Limits (documented in docs/scenario-format.md): files up to :data:`MAX_FILE_BYTES`, a workbook's
unpacked content up to :data:`MAX_UNPACKED_BYTES`, tables up to :data:`MAX_TABLE_ROWS` rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reopen_sim.errors import InputError, InputIssue

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Largest scenario, roster or timetable file read (20 MB: a school's roster is a few kB)."""
MAX_UNPACKED_BYTES = 10 * 1024 * 1024
"""Largest unpacked content of an .xlsx (a zip): guards against zip bombs and minutes of parsing
(openpyxl reads a 10,000-row roster, 4 MB unpacked, in about 5 s)."""
MAX_TABLE_ROWS = 10_000
"""Most rows read from a roster or timetable (a school has at most a few hundred classes)."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Encodings tried after UTF-8: what Excel and WPS save on Chinese Windows (CP936/GBK, a subset of
# GB18030) and UTF-16 ("Unicode text"). Restricted because charset-normalizer, left free, takes a
# short Chinese roster for Korean (cp949) or Big5.
_CANDIDATES = ["gb18030", "utf_16_le", "utf_16_be"]


def _issue(path: Path, expected: str, key: str, value: str = "", **fields: Any) -> InputError:
    return InputError([InputIssue(str(path), "", value, expected, key=key, fields=fields)])


FILE_KINDS: dict[str, str] = {
    "scenario": "scenario file",
    "roster": "roster file",
    "workbook": "workbook",
    "timetable": "timetable CSV file",
    "file": "file",
}
"""What a file is, in the messages (each kind has its keys ``expected.file_*.<kind>``)."""


def read_bytes(path: Path, kind: str = "file") -> bytes:
    """The bytes of a user's file, or an InputError saying why not (absent, folder, unreadable, too big).

    ``kind`` is one of :data:`FILE_KINDS`.
    """
    what = FILE_KINDS[kind]
    try:
        if path.is_dir():
            raise _issue(path, f"a {what}, not a folder", f"file_not_folder.{kind}")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            mb = MAX_FILE_BYTES // (1024 * 1024)
            got = f"{size / 1024 / 1024:.0f}"
            raise _issue(
                path,
                f"a file of at most {mb} MB (this one has {got} MB)",
                "file_too_large",
                limit_mb=mb,
                size_mb=got,
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise _issue(path, f"an existing {what}", f"file_exists.{kind}") from None
    except OSError as exc:  # permission denied, a name too long, an I/O error...
        reason = exc.strerror or type(exc).__name__
        raise _issue(path, f"a readable {what} ({reason})", f"file_readable.{kind}", reason=reason) from None


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding): BOM first, then UTF-8, then GB18030/UTF-16 as charset-normalizer detects them."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=_CANDIDATES).best()
    if best is not None:
        return str(best), best.encoding
    guess = charset_normalizer.from_bytes(data).best()
    enc = guess.encoding if guess is not None else "unknown"
    raise _issue(
        path,
        f"text in UTF-8, GBK/GB18030 or UTF-16 (this file looks like {enc}); save it again as "
        "'CSV UTF-8' in Excel",
        "text_encoding",
        encoding=enc,
    )


@dataclass(frozen=True)
class TableRow:
    """One row as the user sees it: its number (Excel row / CSV line), cell texts, hidden or not."""

    number: int
    cells: tuple[str, ...]
    hidden: bool = False
    # Cells holding a formula whose result the file does not store: column index -> formula.
    formulas: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    """A roster or timetable as read: rows with their numbers, and how to name a row to the user."""

    file: str
    rows: tuple[TableRow, ...]
    line_word: str  # "line" for CSV, "row" for spreadsheets
    encoding: str | None = None
    sheet: str | None = None


def cell_text(value: Any) -> str:
    """A cell as text: whole floats without ``.0`` (Excel stores every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_rows(path: Path, n: int) -> None:
    if n > MAX_TABLE_ROWS:
        raise _issue(
            path,
            f"at most {MAX_TABLE_ROWS} rows (this file has {n})",
            "too_many_rows",
            limit=MAX_TABLE_ROWS,
            n=n,
        )


def read_csv_table(path: Path) -> Table:
    """A CSV as Excel or WPS saves it: any of the encodings above, comma, semicolon or tab separated."""
    data = read_bytes(path, "roster")
    text, enc = decode_text(path, data)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    if "\t" not in sample and "," in sample:  # the sniffer can pick ';' or ' ' from cell text
        dialect = csv.excel
    try:
        raw = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise _issue(path, f"a readable CSV ({exc})", "csv_readable", reason=str(exc)) from None
    _check_rows(path, len(raw))
    # csv.reader counts records, not lines; a quoted cell with a line break is rare in a roster.
    rows = tuple(TableRow(i, tuple(c.strip() for c in r)) for i, r in enumerate(raw, start=1))
    return Table(str(path), rows, "line", encoding=enc)


def _not_a_workbook(path: Path, data: bytes, kind: str) -> InputError:
    if not data:
        return _issue(path, f"an {kind} workbook; this file is empty", "empty_workbook", kind=kind)
    head = data[:512]
    looks_text = all(b >= 9 for b in head.replace(b"\r", b"").replace(b"\n", b"")) or head.startswith(
        codecs.BOM_UTF8
    )
    if looks_text:
        return _issue(
            path,
            f"an {kind} workbook; this file is text (a CSV renamed?): name it .csv",
            "text_not_workbook",
            kind=kind,
        )
    return _issue(path, f"an {kind} workbook; this file is not one", "not_workbook", kind=kind)


def _check_zip(path: Path, data: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _not_a_workbook(path, data, "Excel (.xlsx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_workbook(path, data, "Excel (.xlsx)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        mb = MAX_UNPACKED_BYTES // (1024 * 1024)
        raise _issue(path, f"a workbook of at most {mb} MB unpacked", "workbook_too_large", limit_mb=mb)


def _unreadable(path: Path, exc: BaseException) -> InputError:
    reason = type(exc).__name__
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    if any("Entities" in n or "DTD" in n or "Forbidden" in n for n in names):
        return _issue(
            path,
            "a workbook without XML entity declarations (this one has some: refused as unsafe)",
            "workbook_entities",
        )
    return _issue(
        path,
        f"a workbook Excel can open ({reason}); open it in Excel or WPS and save it again",
        "workbook_readable",
        reason=reason,
    )


def _has_formulas(data: bytes) -> bool:
    """Whether any worksheet of an .xlsx (a zip, already checked) holds a formula element ``<f>``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return any(
            re.search(rb"<(?:\w+:)?f[ >/]", zf.read(name))
            for name in zf.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def read_xlsx_table(path: Path) -> Table:
    """The first worksheet of an .xlsx with the values Excel saved for formulas, and hidden rows."""
    import openpyxl

    data = read_bytes(path, "workbook")
    _check_zip(path, data)
    # Hand-written guard around a third-party parser of untrusted files: it raises many types
    # (KeyError, BadZipFile, defusedxml's EntitiesForbidden, ValueError...), each meaning "unreadable".
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        ws = next((w for w in wb.worksheets if w.sheet_state == "visible"), None) or wb.worksheets[0]
        # The formulas themselves only to name a formula whose result the file does not store.
        ws_f = openpyxl.load_workbook(io.BytesIO(data))[ws.title] if _has_formulas(data) else None
    except Exception as exc:
        raise _unreadable(path, exc) from None
    _check_rows(path, ws.max_row)
    rows: list[TableRow] = []
    span = {"min_row": 1, "max_row": ws.max_row, "min_col": 1, "max_col": ws.max_column, "values_only": True}
    formula_rows = ws_f.iter_rows(**span) if ws_f is not None else None
    for r_values in ws.iter_rows(**span):
        number = len(rows) + 1
        r_formulas = next(formula_rows, ()) if formula_rows is not None else ()
        formulas = {
            j: str(f)
            for j, (v, f) in enumerate(zip(r_values, r_formulas, strict=False))
            if v is None and isinstance(f, str) and f.startswith("=")
        }
        dim = ws.row_dimensions.get(number) if number in ws.row_dimensions else None
        hidden = bool(dim is not None and dim.hidden)
        rows.append(TableRow(number, tuple(cell_text(v) for v in r_values), hidden, formulas))
    return Table(str(path), tuple(rows), "row", sheet=ws.title)


def read_xls_table(path: Path) -> Table:
    """The first worksheet of an old Excel 97–2003 ``.xls`` (read with python-calamine)."""
    import python_calamine

    data = read_bytes(path, "workbook")
    if not data.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE2 signature every .xls starts with
        if data.startswith(b"PK"):
            raise _issue(path, "an .xls workbook; this file is an .xlsx: name it .xlsx", "xlsx_not_xls")
        raise _not_a_workbook(path, data, "Excel 97-2003 (.xls)")
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = wb.get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    _check_rows(path, len(values))
    rows = tuple(TableRow(i, tuple(cell_text(v) for v in r)) for i, r in enumerate(values, start=1))
    return Table(str(path), rows, "row", sheet=sheet.name)


TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")


def read_table(path: Path) -> Table:
    """A roster-like table from a .csv (.txt), .xlsx (.xlsm) or .xls file."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_csv_table(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_table(path)
    if suffix == ".xls":
        return read_xls_table(path)
    raise _issue(path, "a table ending .csv, .xlsx or .xls", "table_suffix", value=path.suffix or path.name)
