"""Timetable files: ``timetable.csv`` (the contract in shared/DESIGN.md) and ``timetable.xlsx``.

The CSV keeps the contract's English columns (plus a ``name`` column, the class as the school
writes it) and starts with a UTF-8 byte-order mark so Excel on a Chinese Windows machine reads it as
UTF-8. The workbook is for people, in the report's language: a sheet by class, a duty roster of
every gate, by room, by canteen sitting (left out when meals are delivered), then one duty sheet per
gate and one sheet per grade. Times are Excel times (``hh:mm``), counts are numbers, yes/no are
words; headers are bold, frozen, filtered and repeated on every printed A4 page. A gate, room or
sitting nobody uses still gets its row (0 students), never an error.

User text (school, gate, room and class names) is written as text, never as a formula
(:mod:`reopen_sim.report.cells`). Both files are written whole or not at all: each goes to a
temporary file beside its target and both are renamed into place only once both are complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.naming import class_name, grade_name
from reopen_sim.plan import TIMETABLE_COLUMNS, ClassAssignment, Plan
from reopen_sim.report.cells import csv_escape, freeze_xlsx, text_cell
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario

# A cell is one of: text (user data or words), int/float (counts), Minutes (a time of day), None.
Row = list[Any]


@dataclass(frozen=True)
class Minutes:
    """A time of day in minutes since midnight, written as an Excel time ``hh:mm``."""

    value: int


def display_name(scenario: Scenario, class_id: str, lang: str) -> str:
    """The class as schools write it (``初一（3）班``; ``naming.class_name``), its id if unknown."""
    cls = next((c for c in scenario.classes if c.id == class_id), None)
    return class_name(cls, lang) if cls is not None else class_id


def class_order(a: ClassAssignment) -> tuple[int, int, str]:
    """Classes sorted as a school lists them: by grade, then class number (``7-10`` after ``7-9``)."""
    m = re.search(r"(\d+)$", a.class_id)
    return (a.grade, int(m.group(1)) if m else 0, a.class_id)


# --------------------------------------------------------------------------------------------
# Sheet contents (header keys + rows)
# --------------------------------------------------------------------------------------------

CLASS_COLUMNS = (
    "class_id",
    "name",
    "grade",
    "students",
    "boarding",
    "arrival_start",
    "arrival_end",
    "gate",
    "gate_name",
    "rooms",
    "canteen_sitting",
    "dismissal",
)


def class_rows(plan: Plan, scenario: Scenario, t: Catalogue, grade: int | None = None) -> list[Row]:
    """One row per class (of ``grade``, or all), in class order: the contract fields, typed."""
    gates = {e.id: e for e in scenario.entrances}
    rows: list[Row] = []
    for a in sorted(plan.assignments, key=class_order):
        if grade is not None and a.grade != grade:
            continue
        e = gates.get(a.gate)
        rows.append(
            [
                a.class_id,
                display_name(scenario, a.class_id, t.lang),
                grade_name(a.grade, t.lang),
                a.students,
                t("value.yes") if a.boarding else t("value.no"),
                Minutes(a.arrival_start_min),
                Minutes(a.arrival_end_min),
                a.gate,
                (e.name or e.id) if e is not None else a.gate,
                ";".join(a.rooms),
                a.canteen_sitting,
                Minutes(a.dismissal_min),
            ]
        )
    return rows


GATE_COLUMNS = (
    "gate",
    "gate_name",
    "arrival_start",
    "arrival_end",
    "classes",
    "students",
    "window_capacity",
    "lanes",
    "staff",
)


def gate_rows(plan: Plan, scenario: Scenario, t: Catalogue, gate: str | None = None) -> list[Row]:
    """Duty roster: per gate (or only ``gate``), one row per arrival window used, with its classes,
    students, the window's capacity and the lanes and screening staff to open.

    Capacity and lanes are ``derived(scenario)``'s (what the optimizer used). Staff:
    ``open_lanes × staff_per_lane`` (``capacity.open_lanes``; DOMAIN: at least 2 staff per
    entrance). A gate nobody uses gets one row with no window and 0 students.
    """
    pol = scenario.policy
    caps = derived(scenario)
    by: dict[tuple[str, int, int], list[ClassAssignment]] = defaultdict(list)
    for a in plan.assignments:
        by[a.gate, a.arrival_start_min, a.arrival_end_min].append(a)
    known = [e.id for e in scenario.entrances]
    ids = known + sorted({a.gate for a in plan.assignments} - set(known))
    rows: list[Row] = []
    for g in ids if gate is None else [gate]:
        e = scenario.entrance_by_id(g) if g in known else None
        lanes = caps.gate(g).lanes if e is not None else 0
        capacity = caps.gate(g).window if e is not None else 0
        name = (e.name or g) if e is not None else g
        windows = sorted((s, f) for gg, s, f in by if gg == g)
        staff = lanes * pol.staff_per_lane
        if not windows:
            rows.append([g, name, None, None, t("xlsx.nobody"), 0, capacity, lanes, staff])
        for s, f in windows:
            group = sorted(by[g, s, f], key=class_order)
            names = t("xlsx.list_sep").join(display_name(scenario, a.class_id, t.lang) for a in group)
            start, end = Minutes(s), Minutes(f)
            students = sum(a.students for a in group)
            rows.append([g, name, start, end, names, students, capacity, lanes, staff])
    return rows


ROOM_COLUMNS = ("building", "floor", "room", "kind", "class_id", "name", "students", "seats")


def room_rows(plan: Plan, scenario: Scenario, t: Catalogue) -> list[Row]:
    """Every room by building and floor: the class seated there (filled in the listed order, each
    room to its distanced capacity), or nobody."""
    caps = derived(scenario).room_seats
    seated: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for a in sorted(plan.assignments, key=class_order):
        shares = cap.split_over_rooms(a.students, [caps.get(r, 0) for r in a.rooms])
        for r, n in zip(a.rooms, shares, strict=True):
            seated[r].append((a.class_id, n))
    rows: list[Row] = []
    for room in sorted(scenario.rooms, key=lambda r: (r.building, r.floor, r.id)):
        kind = t(f"xlsx.kind.{room.kind}")
        for cid, n in seated.get(room.id) or [("", 0)]:
            name = display_name(scenario, cid, t.lang) if cid else t("xlsx.nobody")
            rows.append([room.building, room.floor, room.id, kind, cid, name, n, caps[room.id]])
    return rows


SITTING_COLUMNS = ("sitting", "start", "end", "classes", "students", "seats")


def sitting_rows(plan: Plan, scenario: Scenario, t: Catalogue) -> list[Row]:
    """One row per canteen sitting (up to the last one used): times, classes, students, seats."""
    canteen = scenario.canteen
    seats = derived(scenario).canteen_seats
    by: dict[int, list[ClassAssignment]] = defaultdict(list)
    for a in plan.assignments:
        if a.canteen_sitting is not None:
            by[a.canteen_sitting].append(a)
    rows: list[Row] = []
    for s in range(1, max(by, default=0) + 1):
        start = cap.sitting_start_min(canteen, s)
        group = sorted(by.get(s, []), key=class_order)
        names = t("xlsx.list_sep").join(display_name(scenario, a.class_id, t.lang) for a in group)
        rows.append(
            [
                s,
                Minutes(start),
                Minutes(start + canteen.sitting_min),
                names or t("xlsx.nobody"),
                sum(a.students for a in group),
                seats,
            ]
        )
    return rows


# --------------------------------------------------------------------------------------------
# Writing a sheet
# --------------------------------------------------------------------------------------------


def text_width(text: str) -> int:
    """Columns a text takes on screen: CJK (East Asian wide/full-width) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell_text(v: Any) -> str:
    return "00:00" if isinstance(v, Minutes) else "" if v is None else str(v)


def write_sheet(ws: Worksheet, headers: Sequence[str], rows: Sequence[Row]) -> None:
    """Header and rows, typed; bold frozen header with filters; widths that fit; A4 print setup
    (fit to one page wide, landscape when wide, header row repeated on every page)."""
    for j, h in enumerate(headers, start=1):
        c = text_cell(ws.cell(row=1, column=j), h)
        c.font = Font(bold=True)
        c.alignment = Alignment(vertical="center")
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            c = ws.cell(row=i, column=j)
            if isinstance(v, Minutes):
                c.value = dt.time(v.value // 60 % 24, v.value % 60)
                c.number_format = "hh:mm"
            elif isinstance(v, str):
                text_cell(c, v)
            else:
                c.value = v
    widths = []
    for j, h in enumerate(headers, start=1):
        w = max([text_width(h)] + [text_width(_cell_text(r[j - 1])) for r in rows])
        widths.append(min(60, max(6, w + 2)))
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = widths[-1]
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.print_title_rows = "1:1"
    ws.page_setup.paperSize = 9  # A4 (ECMA-376 paper size code)
    ws.page_setup.orientation = "landscape" if sum(widths) > 95 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no ``[]:*?/\\``, at most 31 characters (Excel's rules)."""
    base = _BAD_SHEET_CHARS.sub("_", wanted).strip("'") or "_"
    title, k = base[:31], 2
    while title.lower() in {x.lower() for x in taken}:
        suffix = f" ({k})"
        title, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(title)
    return title


def _headers(t: Catalogue, columns: Sequence[str]) -> list[str]:
    return [t(f"xlsx.col.{c}") for c in columns]


def timetable_workbook(plan: Plan, scenario: Scenario, lang: str = "en") -> Workbook:
    """The workbook (see the module docstring) in ``lang``."""
    t = load_catalogue(lang)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "reopen-sim"
    wb.properties.title = scenario.school.name
    taken: set[str] = set()
    sheets: list[tuple[str, Sequence[str], list[Row]]] = [
        (t("xlsx.sheet.by_class"), CLASS_COLUMNS, class_rows(plan, scenario, t)),
        (t("xlsx.sheet.by_gate"), GATE_COLUMNS, gate_rows(plan, scenario, t)),
        (t("xlsx.sheet.by_room"), ROOM_COLUMNS, room_rows(plan, scenario, t)),
    ]
    if scenario.canteen.mode == "sittings":
        sheets.append((t("xlsx.sheet.by_sitting"), SITTING_COLUMNS, sitting_rows(plan, scenario, t)))
    for e in scenario.entrances:
        sheets.append(
            (t("xlsx.sheet.gate", gate=e.name or e.id), GATE_COLUMNS, gate_rows(plan, scenario, t, e.id))
        )
    for g in sorted({a.grade for a in plan.assignments}):
        sheets.append((grade_name(g, lang), CLASS_COLUMNS, class_rows(plan, scenario, t, grade=g)))
    for title, columns, rows in sheets:
        write_sheet(wb.create_sheet(sheet_title(title, taken)), _headers(t, columns), rows)
    return wb


def timetable_csv_text(plan: Plan, scenario: Scenario, lang: str = "en") -> str:
    """The CSV contract (English columns, rows in contract order) plus a ``name`` column; values
    starting with a formula character are quoted for spreadsheets (``cells.csv_escape``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*TIMETABLE_COLUMNS, "name"])
    for row in plan.rows():
        values = [row[c] for c in TIMETABLE_COLUMNS] + [display_name(scenario, row["class_id"], lang)]
        w.writerow([csv_escape(v) for v in values])
    return buf.getvalue()


def _tmp_beside(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    os.close(fd)
    return Path(name)


def write_timetable(
    plan: Plan, scenario: Scenario, out_dir: str | Path, lang: str = "en"
) -> tuple[Path, Path]:
    """Write ``out_dir/timetable.csv`` (UTF-8 with BOM) and ``out_dir/timetable.xlsx`` (in ``lang``),
    whole or not at all, byte-identical for the same plan."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / "timetable.csv", out / "timetable.xlsx"
    tmp_csv, tmp_xlsx = _tmp_beside(csv_path), _tmp_beside(xlsx_path)
    try:
        tmp_csv.write_text(timetable_csv_text(plan, scenario, lang), encoding="utf-8-sig")
        timetable_workbook(plan, scenario, lang).save(tmp_xlsx)
        freeze_xlsx(tmp_xlsx)
        for tmp in (tmp_csv, tmp_xlsx):
            os.chmod(tmp, 0o644)
        os.replace(tmp_csv, csv_path)
        os.replace(tmp_xlsx, xlsx_path)
    except BaseException:
        for tmp in (tmp_csv, tmp_xlsx):
            tmp.unlink(missing_ok=True)
        raise
    return csv_path, xlsx_path
