"""Writing the school workbook: a template with a worked example, or an existing scenario exported.

Every value is written typed: numbers as numbers, times of day as Excel times (``hh:mm``), yes/no
as 是/否 (or yes/no) from a drop-down, closed choices from drop-downs, and user text always as text
(a name starting with ``=`` never becomes a formula). Every column header (every row label of a
form sheet) carries a note: meaning, unit, default, source.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.scenario.build import scenario_from_dict
from reopen_sim.scenario.schema import Scenario, format_hhmm
from reopen_sim.scenario.workbook_layout import (
    CHOICES,
    FORM_HEADERS,
    NO,
    PARTS,
    YES,
    Column,
    Part,
    default_of,
    field_info,
    limits,
)
from reopen_sim.scenario.workbook_read import range_error

# Rows below the data that get the drop-down lists (for rows the user adds).
SPARE_ROWS = 1000
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_NOTE_FONT = Font(color="595959", size=9)


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: Chinese characters take two."""
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def choice_label(choices: str, code: Any, lang: str) -> Any:
    """A choice as the workbook shows it: the Chinese label in a Chinese workbook, else the code."""
    if choices == "sides":
        return int(code)
    return CHOICES[choices][str(code)] if lang == "zh" else str(code)


def dig(data: Any, dotted: str) -> Any:
    """The value at ``dotted`` (``policy.service_level.max_held``) in nested mappings, or None."""
    for name in dotted.split("."):
        if not isinstance(data, Mapping) or name not in data:
            return None
        data = data[name]
    return data


def _exact(x: float) -> str:
    """A number as text that reads back to the same float (22 for 22.0, else the shortest repr)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _dist_cells(d: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
    """A distribution's four cells: number, kind, sd, samples."""
    if not d:
        return {}
    kind = d["dist"]
    return {
        "dist": d.get("value") if kind == "deterministic" else d.get("mean"),
        "dist_kind": choice_label("dist", kind, lang),
        "dist_sd": d.get("sd"),
        "dist_samples": ", ".join(_exact(x) for x in d["samples"]) if "samples" in d else None,
    }


def cell_value(col: Column, item: Mapping[str, Any], lang: str) -> Any:
    """The typed cell for ``col`` of one item (a dict as ``model_dump(mode="json")`` gives it)."""
    if col.kind.startswith("dist"):
        base = col.key.rsplit(".", 1)[0] if col.kind != "dist" else col.key
        return _dist_cells(dig(item, base), lang).get(col.kind)
    v = dig(item, col.key)
    if v is None:
        return None
    if col.kind == "bool":
        return YES[lang] if v else NO[lang]
    if col.kind == "time":
        h, m = (int(x) for x in str(v).split(":"))
        return dt.time(h, m)
    if col.kind == "choice":
        return choice_label(col.choices, v, lang)
    if col.kind == "ids":
        return ", ".join(v)
    if col.kind == "grade_groups":
        return "; ".join(",".join(str(g) for g in group) for group in v)
    return v


def put(ws: Worksheet, row: int, column: int, value: Any, kind: str = "text") -> Cell:
    """Write a value typed: text stays text (never a formula), times as hh:mm, numbers as numbers."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # "=SUM(1)" or "+86..." is a name, not a formula
    if kind == "time":
        cell.number_format = "hh:mm"
    elif kind in ("id", "text", "ids", "grade_groups", "dist_samples"):
        cell.number_format = "@"
    return cell


def _default_cell(col: Column, value: Any, lang: str) -> Any:
    """A field's default as its cell would show it."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, Enum):
        value = value.value
    if col.kind == "time" and isinstance(value, int):
        value = format_hhmm(value)
    shown = cell_value(Column("x", col.zh, col.kind, col.choices), {"x": value}, lang)
    if isinstance(shown, float):
        return f"{shown:g}"
    return shown.strftime("%H:%M") if isinstance(shown, dt.time) else shown


def _format_default(part: Part, col: Column, lang: str, cat: Catalogue) -> str:
    """The note's line on the default: the default's value, required, or blank (none)."""
    info = field_info(part, col)
    if col.kind in ("dist_kind", "dist_sd", "dist_samples"):
        return ""
    if col.kind == "dist":
        d = _dist_cells(default_of(info).model_dump(mode="json"), lang)
        text = f"{d['dist_kind']} {d['dist']:g}" + (
            f" ± {d['dist_sd']:g}" if d["dist_sd"] is not None else ""
        )
        return cat("workbook.default", value=text)
    if part.name in ("walks", "campus") or (info is not None and info.is_required()):
        return cat("workbook.required")
    v = default_of(info)
    if v is None or v == () or v == {}:
        return cat("workbook.default_blank")
    return cat("workbook.default", value=_default_cell(col, v, lang))


def note_text(part: Part, col: Column, lang: str, cat: Catalogue) -> str:
    """A column's note: meaning (with unit and source), default or 'required', the choices."""
    key = col.kind if col.kind in ("dist_kind", "dist_sd", "dist_samples") else f"{part.name}.{col.key}"
    lines = [cat(f"workbook.note.{key}")]
    default = _format_default(part, col, lang, cat)
    if default:
        lines.append(default)
    if col.kind in ("choice", "dist_kind"):
        labels = [str(choice_label(col.choices, c, lang)) for c in CHOICES[col.choices]]
        lines.append(cat("workbook.choices", choices=", ".join(labels)))
    if col.kind == "bool":
        lines.append(cat("workbook.choices", choices=f"{YES[lang]}, {NO[lang]}"))
    return "\n".join(lines)


def _comment(text: str) -> Comment:
    c = Comment(text, "reopen-sim")
    c.width = 320
    c.height = 40 + 18 * (text.count("\n") + 1 + len(text) // 45)
    return c


def _validation(ws: Worksheet, part: Part, col: Column, lang: str, cat: Catalogue, cells: str) -> None:
    """A drop-down list for a closed choice; a number range (from the schema) for a number column."""
    if col.kind in ("bool", "choice", "dist_kind"):
        if col.kind == "bool":
            labels = [YES[lang], NO[lang]]
        else:
            labels = [str(choice_label(col.choices, c, lang)) for c in CHOICES[col.choices]]
        dv = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
        dv.error = cat("expected.one_of", choices=", ".join(labels))
    elif col.kind in ("int", "float", "dist", "dist_sd") and col.choices == "":
        lo, hi, lo_strict, _ = limits(part, col)
        if lo is None:
            return
        bad = range_error(col.kind == "int", lo, hi, lo_strict)
        kind = "whole" if col.kind == "int" else "decimal"
        if hi is None:
            dv = DataValidation(
                type=kind, operator="greaterThanOrEqual", formula1=_exact(lo), allow_blank=True
            )
        else:
            dv = DataValidation(
                type=kind, operator="between", formula1=_exact(lo), formula2=_exact(hi), allow_blank=True
            )
        dv.error = cat(f"expected.{bad.key}", **bad.fields)
    else:
        return
    dv.errorTitle = col.header(lang)
    dv.showErrorMessage = True
    ws.add_data_validation(dv)
    dv.add(cells)


def _write_form(ws: Worksheet, part: Part, data: Mapping[str, Any], lang: str, cat: Catalogue) -> None:
    for j, text in enumerate(FORM_HEADERS[lang], start=1):
        head = put(ws, 1, j, text)
        head.font = Font(bold=True)
        head.fill = _HEAD_FILL
    obj = dig(data, part.root) if part.root else data
    for i, col in enumerate(part.columns, start=2):
        label = put(ws, i, 1, col.header(lang))
        label.comment = _comment(note_text(part, col, lang, cat))
        value = put(ws, i, 2, cell_value(col, obj or {}, lang), col.kind)
        value.alignment = Alignment(horizontal="left")
        note = put(ws, i, 3, note_text(part, col, lang, cat).replace("\n", " "))
        note.font = _NOTE_FONT
        _validation(ws, part, col, lang, cat, f"B{i}")
    ws.column_dimensions["A"].width = max(display_width(c.header(lang)) for c in part.columns) + 2
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 90
    ws.freeze_panes = "B2"


def table_rows(part: Part, data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A table sheet's rows from a scenario mapping (walks: one per entrance and building)."""
    if part.name == "walks":
        return [
            {"entrance": e["id"], "building": b, "walk_m": m}
            for e in data.get("entrances", [])
            for b, m in e.get("walk_m", {}).items()
        ]
    if part.name == "campus":
        return list((data.get("campus") or {}).get("edges", []))
    return list(data.get(part.root, []))


def _write_table(ws: Worksheet, part: Part, data: Mapping[str, Any], lang: str, cat: Catalogue) -> None:
    rows = table_rows(part, data)
    last = len(rows) + 1 + SPARE_ROWS
    for j, col in enumerate(part.columns, start=1):
        head = put(ws, 1, j, "\n".join(col.header(lang).split(" ", 1)))  # one language a line
        head.font = Font(bold=True)
        head.fill = _HEAD_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top", horizontal="center")
        head.comment = _comment(note_text(part, col, lang, cat))
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = max(
            10, max(display_width(w) for w in col.header(lang).split(" ", 1)) + 3
        )
        centred = col.kind not in ("text", "id", "ids", "dist_samples")
        for i, item in enumerate(rows, start=2):
            cell = put(ws, i, j, cell_value(col, item, lang), col.kind)
            if centred:
                cell.alignment = Alignment(horizontal="center")
        if col.kind in ("id", "text", "ids", "time", "dist_samples"):
            # The column's own format: what the user types below stays text (7-1 is not a date).
            ws.column_dimensions[letter].number_format = "hh:mm" if col.kind == "time" else "@"
        _validation(ws, part, col, lang, cat, f"{letter}2:{letter}{last}")
    ws.row_dimensions[1].height = 34
    ws.freeze_panes = "B2"


def build_workbook(data: Mapping[str, Any], lang: str) -> Workbook:
    """The workbook for a scenario given as ``Scenario.model_dump(mode="json")``."""
    cat = load_catalogue(lang)
    wb = Workbook()
    wb.properties.creator = "reopen-sim"
    wb.remove(wb.active)
    readme = wb.create_sheet(cat("workbook.readme_title"))
    for i, line in enumerate(cat("workbook.readme").split("\n"), start=1):
        put(readme, i, 1, line)
    readme.column_dimensions["A"].width = 110
    readme["A1"].font = Font(bold=True, size=13)
    for part in PARTS:
        ws = wb.create_sheet(part.title(lang))
        if part.table:
            _write_table(ws, part, data, lang, cat)
        else:
            _write_form(ws, part, data, lang, cat)
        _print_setup(ws)
    return wb


def _print_setup(ws: Worksheet) -> None:
    """A4 landscape, one page wide, the header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def example_data(lang: str) -> dict[str, Any]:
    """A small worked example school (4 classes, 2 gates, canteen sittings) that validates and plans."""
    zh = lang == "zh"
    classes = [
        {
            "id": f"{g}-{k}",
            "grade": g,
            "students": n,
            "boarding": False,
            "building": "A",
            "floor": g,
            "home_room": f"A{g}0{k}",
        }
        for g, k, n in ((1, 1, 30), (1, 2, 32), (2, 1, 31), (2, 2, 34))
    ]
    rooms = [
        {
            "id": f"A{g}0{k}",
            "building": "A",
            "floor": g,
            "kind": "classroom",
            "area_m2": 60,
            "desk_grid": {"rows": 6, "cols": 7},
        }
        for g in (1, 2)
        for k in (1, 2)
    ]
    rooms.append(
        {
            "id": "B101",
            "building": "B",
            "floor": 1,
            "kind": "lab",
            "area_m2": 80,
            "volume_m3": 240,
            "air_changes_per_h": 3,
        }
    )
    return {
        "school": {"name": "示例小学" if zh else "Example Primary School", "kind": "primary"},
        "day": {
            "earliest_arrival_at": "07:40",
            "latest_arrival_at": "08:20",
            "window_min": 10,
            "first_class_at": "08:30",
            "dismissal_start_at": "16:00",
            "dismissal_gap_min": 5,
            "dismissal_slots": 4,
        },
        "policy": {"arrival_order": [[2], [1]], "dismissal_order": [[1], [2]]},
        "classes": classes,
        "entrances": [
            {
                "id": "south",
                "name": "南门" if zh else "South gate",
                "lanes": 2,
                "staff": 2,
                "screening_method": "manual_thermometer",
                "service_time_s": {"dist": "lognormal", "mean": 30, "sd": 10},
                "queue_length_m": 20,
                "walk_m": {"A": 60, "B": 90},
            },
            {
                "id": "east",
                "name": "东门" if zh else "East gate",
                "lanes": 2,
                "staff": 2,
                "screening_method": "ear_thermometer",
                "service_time_s": {"dist": "deterministic", "value": 10},
                "queue_length_m": 15,
                "walk_m": {"A": 80, "B": 40},
            },
        ],
        "rooms": rooms,
        "canteen": {
            "mode": "sittings",
            "tables": 20,
            "seats_per_table": 8,
            "seating_rule": "skip_offset",
            "first_sitting_at": "11:40",
        },
        "pins": [{"class_id": "1-1", "gate": "south"}],
        "groups": [{"id": "siblings-1", "kind": "siblings", "classes": ["2-1", "2-2"]}],
    }


def example_scenario(lang: str) -> Scenario:

    return scenario_from_dict(example_data(lang), file="<example>")


_FIXED_STAMP = "2020-01-01T00:00:00Z"


def reproducible(xlsx: bytes) -> bytes:
    """The same workbook with fixed zip entry times and document dates, so that the same school gives
    byte-identical files (openpyxl stamps the current time and has no option against it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + _FIXED_STAMP.encode(), data
                )
            entry = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_workbook(
    path: str | Path, scenario: Scenario | None = None, lang: str = "zh", force: bool = False
) -> Path:
    """Write the school workbook to ``path`` (``scenario`` exported, else the worked example).

    Refuses an existing file unless ``force``; written to a temporary file beside it and renamed
    into place, so a failure leaves nothing half-written.
    """
    out = Path(path)
    if out.is_dir():
        raise InputError(
            [InputIssue(str(out), "-o", str(out), "a file, not a folder", key="workbook_folder")]
        )
    if out.exists() and not force:
        raise InputError(
            [
                InputIssue(
                    str(out),
                    "-o",
                    str(out),
                    "a file that does not exist yet (or --force to replace it)",
                    key="workbook_exists",
                )
            ]
        )
    if out.suffix.lower() != ".xlsx":
        raise InputError(
            [InputIssue(str(out), "-o", out.suffix, "a file name ending .xlsx", key="workbook_suffix")]
        )
    sc = scenario if scenario is not None else example_scenario(lang)
    wb = build_workbook(sc.model_dump(mode="json"), lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        buffer = io.BytesIO()
        wb.save(buffer)
        Path(tmp).write_bytes(reproducible(buffer.getvalue()))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
