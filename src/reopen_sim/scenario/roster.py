"""Rosters as schools keep them: a CSV, XLSX or XLS table of classes, in Chinese or English.

What is accepted (docs/scenario-format.md, "Roster"):

- a title row (merged or not) or several above the header: the header is the first row, among the
  first :data:`HEADER_SEARCH_ROWS`, that names at least two of grade, class and students;
- headers in Chinese or English (:data:`ALIASES`); a bracketed unit is ignored (``人数（人）``);
  columns such as 班主任, 姓名 (the teacher's), 序号, 备注 are kept out of the scenario silently,
  any other unknown column gives a notice;
- grades ``7``, ``七年级``, ``初一``, ``高三``, ``Grade 7``; classes ``3``, ``3班``, ``（3）班``,
  ``三班``, ``初一（3）班`` (which also gives the grade when there is no grade column);
- total rows (``合计``, ``小计``, ``总计``) and rows with neither class nor student count are skipped
  with a notice; blank rows are skipped silently;
- hidden rows are read like any other, with a notice: hiding a row in Excel hides it from view, it
  does not take the class out of school (an =SUM of the column counts it too); delete the row to
  leave a class out;
- formulas: the value Excel saved with the file; a formula without a saved value is an error that
  says to open and save the file in Excel or WPS.

Notices are returned with the classes and end up in ``Scenario.notices``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reopen_sim.errors import InputError, InputIssue, Notice
from reopen_sim.parse import parse_bool, parse_class, parse_grade
from reopen_sim.scenario.files import Table, TableRow, read_table
from reopen_sim.scenario.issues import RowOrigin

ALIASES: dict[str, str] = {
    "grade": "grade",
    "年级": "grade",
    "class": "class",
    "班级": "class",
    "班": "class",
    "班别": "class",
    "班次": "class",
    "students": "students",
    "人数": "students",
    "学生数": "students",
    "学生人数": "students",
    "班级人数": "students",
    "boarding": "boarding",
    "住宿": "boarding",
    "寄宿": "boarding",
    "住宿/走读": "boarding",
    "走读/住宿": "boarding",
    "是否住宿": "boarding",
    "住校": "boarding",
    "class_id": "class_id",
    "name": "name",
    "班级名称": "name",
    "班名": "name",
    "building": "building",
    "教学楼": "building",
    "楼": "building",
    "floor": "floor",
    "楼层": "floor",
    "home_room": "home_room",
    "教室": "home_room",
}
# Columns schools keep that say nothing about arrival: read past without a notice.
EXTRAS = {
    "序号",
    "班主任",
    "姓名",
    "备注",
    "联系电话",
    "电话",
    "手机",
    "teacher",
    "class_teacher",
    "note",
    "notes",
    "no",
}
REQUIRED = ("class", "students")
HEADER_SEARCH_ROWS = 30
TOTAL_WORDS = ("合计", "小计", "总计", "共计", "总数", "total", "subtotal", "sum")


def _norm(header: str) -> str:
    """Header text compared: lower case, no spaces, no bracketed unit, no required-field star."""
    h = header.strip().lower().replace(" ", "").replace("\u3000", "").replace("*", "")
    return re.sub(r"[（(][^）)]*[)）]$", "", h)


@dataclass(frozen=True)
class RosterRead:
    """What a roster gave: class mappings, where each came from, issues and notices."""

    classes: list[dict[str, Any]]
    origins: list[RowOrigin]
    issues: list[InputIssue]
    notices: list[Notice]


def _find_header(table: Table) -> tuple[int, dict[int, str], dict[str, str]]:
    """(index of the header row, column index -> canonical name, canonical name -> header as written)."""
    for idx, row in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        cols: dict[int, str] = {}
        headers: dict[str, str] = {}
        for j, h in enumerate(row.cells):
            name = ALIASES.get(_norm(h))
            if name is not None and name not in headers:  # the first column of a name wins
                cols[j] = name
                headers[name] = h.strip()
        if len({"grade", "class", "students"} & set(headers)) >= 2:
            return idx, cols, headers
    raise InputError(
        [
            InputIssue(
                table.file,
                "",
                "",
                f"a header row naming the columns 年级/grade, 班级/class, 人数/students "
                f"(none in the first {HEADER_SEARCH_ROWS} rows)",
                key="roster_header",
                fields={"n": HEADER_SEARCH_ROWS},
            )
        ]
    )


def _notice(table: Table, row: TableRow, text: str, key: str, **fields: Any) -> Notice:
    return Notice(
        table.file,
        f"{table.line_word} {row.number}",
        text,
        key=key,
        fields=fields,
        path_key=table.line_word,
        path_fields={"n": row.number},
    )


def _header_notices(
    table: Table, header_idx: int, cols: dict[int, str]
) -> tuple[list[InputIssue], list[Notice]]:
    row = table.rows[header_idx]
    notices = []
    for j, h in enumerate(row.cells):
        if h.strip() and j not in cols and _norm(h) not in EXTRAS:
            notices.append(_notice(table, row, f"column '{h}' is not used", "unused_column", header=h))
    issues = []
    present = set(cols.values())
    for need in REQUIRED:
        if need not in present:
            names = {"class": "班级/class", "students": "人数/students"}[need]
            issues.append(
                InputIssue(
                    table.file,
                    f"{table.line_word} {row.number}",
                    ",".join(c for c in row.cells if c),
                    f"a column {names}",
                    key="roster_column",
                    fields={"column": names},
                    path_key=table.line_word,
                    path_fields={"n": row.number},
                )
            )
    return issues, notices


def _is_total(row: TableRow) -> str | None:
    for c in row.cells:
        t = _norm(c)
        if t and any(t.startswith(w) for w in TOTAL_WORDS):
            return c
    return None


def read_roster(path: Path) -> RosterRead:
    """Read a roster file into class mappings (validated later with the scenario)."""
    table = read_table(path)
    idx, cols, headers = _find_header(table)
    issues, notices = _header_notices(table, idx, cols)
    if issues:
        raise InputError(issues)
    classes: list[dict[str, Any]] = []
    origins: list[RowOrigin] = []
    for row in table.rows[idx + 1 :]:
        cells = {name: (row.cells[j] if j < len(row.cells) else "") for j, name in cols.items()}
        if not any(c.strip() for c in row.cells) and not row.formulas:
            continue
        total = _is_total(row)
        if total is not None:
            notices.append(_notice(table, row, f"total row skipped ({total})", "total_row", cell=total))
            continue
        formula_cols = {name for j, name in cols.items() if j in row.formulas}
        if not cells["class"] and not cells["students"] and not formula_cols:
            text = " ".join(c for c in row.cells if c)[:40]
            notices.append(
                _notice(
                    table, row, f"no class and no student count: not read ({text})", "no_class_row", cell=text
                )
            )
            continue
        if row.hidden:
            notices.append(
                _notice(
                    table,
                    row,
                    "hidden in the workbook, read all the same (delete the row to leave the class out)",
                    "hidden_row",
                )
            )
        origin = RowOrigin(table.file, row.number, table.line_word, headers)
        item = _row_class(row, cells, cols, origin, issues)
        if item is not None:
            classes.append(item)
            origins.append(origin)
    return RosterRead(classes, origins, issues, notices)


def _row_class(
    row: TableRow, cells: dict[str, str], cols: dict[int, str], origin: RowOrigin, issues: list[InputIssue]
) -> dict[str, Any] | None:
    """One roster row -> a class mapping, or None with its problems added to ``issues``."""
    bad = len(issues)
    formula_of = {name: row.formulas[j] for j, name in cols.items() if j in row.formulas}

    def fail(col: str, expected: str, key: str, **fields: Any) -> None:
        if col in formula_of and not cells[col]:
            f = formula_of[col]
            issues.append(
                origin.issue(
                    col,
                    f,
                    "a value: the cell holds a formula whose result the file does not store; "
                    "open the file in Excel or WPS and save it again",
                    "formula_no_value",
                )
            )
        else:
            issues.append(origin.issue(col, cells[col], expected, key, **fields))

    item: dict[str, Any] = {}
    grade: int | None = None
    if cells.get("grade", ""):
        try:
            grade = parse_grade(cells["grade"])
        except ValueError:
            fail("grade", "a grade 1-12 (7, 七年级, 初一, 高三)", "roster_grade")
    num: int | str | None = None
    try:
        in_class, num = parse_class(cells["class"])
        if in_class is not None and grade is not None and in_class != grade:
            fail(
                "class",
                f"a class of grade {grade}, as the grade column says (the class names grade {in_class})",
                "class_grade_mismatch",
                grade=grade,
                named=in_class,
            )
        grade = grade if grade is not None else in_class
    except ValueError:
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", cells["class"]):
            num = cells["class"]  # a class named with letters (7A): kept as the school wrote it
        else:
            fail("class", "a class number (3, 3班, （3）班, 三班, 初一（3）班)", "roster_class")
    if grade is None and len(issues) == bad:
        column = "grade" if "grade" in cells else "class"
        fail(column, "a grade 1-12 (7, 七年级, 初一, 高三)", "roster_grade")
    try:
        item["students"] = int(cells["students"])
    except ValueError:
        fail("students", "a whole number of students", "roster_students")
    if cells.get("boarding", ""):
        try:
            item["boarding"] = parse_bool(cells["boarding"])
        except ValueError:
            fail("boarding", "yes or no", "yes_no")
    if cells.get("floor", ""):
        try:
            item["floor"] = int(cells["floor"])
        except ValueError:
            fail("floor", "a whole number", "whole_number")
    for key in ("building", "home_room", "name"):
        if cells.get(key, ""):
            item[key] = cells[key]
    if len(issues) > bad:
        return None
    item["grade"] = grade
    item["id"] = cells.get("class_id") or f"{grade}-{num}"
    return item
