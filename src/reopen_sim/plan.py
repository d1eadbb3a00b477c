"""A plan: for every class, its arrival window, gate, room(s), canteen sitting and dismissal time.

``timetable.csv`` is a contract (shared/DESIGN.md): administrators edit it by hand and ``check`` and
``simulate`` read it back. One row per class with the columns in :data:`TIMETABLE_COLUMNS`; times
``HH:MM``; several rooms joined by ``;`` (students fill the rooms in the listed order, each to its
distanced capacity); ``canteen_sitting`` is 1-based and empty when meals are delivered. Extra
columns are allowed and ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.parse import csv_unescape, parse_bool
from reopen_sim.scenario.files import MAX_TABLE_ROWS, decode_text, read_bytes
from reopen_sim.scenario.schema import Scenario, format_hhmm, parse_hhmm

__all__ = ["TIMETABLE_COLUMNS", "ClassAssignment", "Plan", "parse_bool", "plan_from_rows", "read_timetable"]

# The timetable's columns: the class as the scenario has it, then what the plan decides for it.
CLASS_COLUMNS: tuple[str, ...] = ("class_id", "grade", "students", "boarding")
PLANNED_COLUMNS: tuple[str, ...] = (
    "arrival_start",
    "arrival_end",
    "gate",
    "rooms",
    "canteen_sitting",
    "dismissal_time",
)
TIMETABLE_COLUMNS: tuple[str, ...] = CLASS_COLUMNS + PLANNED_COLUMNS


@dataclass(frozen=True)
class ClassAssignment:
    """What one class does: times in minutes since midnight."""

    class_id: str
    grade: int
    students: int
    boarding: bool
    arrival_start_min: int
    arrival_end_min: int
    gate: str
    rooms: tuple[str, ...]
    canteen_sitting: int | None
    dismissal_min: int

    def to_row(self) -> dict[str, str]:
        return {
            "class_id": self.class_id,
            "grade": str(self.grade),
            "students": str(self.students),
            "boarding": "yes" if self.boarding else "no",
            "arrival_start": format_hhmm(self.arrival_start_min),
            "arrival_end": format_hhmm(self.arrival_end_min),
            "gate": self.gate,
            "rooms": ";".join(self.rooms),
            "canteen_sitting": "" if self.canteen_sitting is None else str(self.canteen_sitting),
            "dismissal_time": format_hhmm(self.dismissal_min),
        }


@dataclass(frozen=True)
class Plan:
    """A whole timetable, one assignment per class, plus how it was made (``meta``)."""

    assignments: tuple[ClassAssignment, ...]
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def by_class(self) -> dict[str, ClassAssignment]:
        return {a.class_id: a for a in self.assignments}

    def __getitem__(self, class_id: str) -> ClassAssignment:
        return self.by_class()[class_id]

    def __len__(self) -> int:
        return len(self.assignments)

    def rows(self) -> list[dict[str, str]]:
        """Timetable rows in contract order (sorted by arrival, gate, class)."""
        ordered = sorted(self.assignments, key=lambda a: (a.arrival_start_min, a.gate, a.class_id))
        return [a.to_row() for a in ordered]

    def to_csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(TIMETABLE_COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerows(self.rows())
        return buf.getvalue()

    def to_frame(self, text: bool = False) -> Any:
        """The timetable as a pandas DataFrame: the contract columns, one row per class in
        timetable order, with real dtypes (docs/api.md): class_id and rooms (``;``-joined) strings,
        grade and gate categoricals, students int64, boarding bool, arrival_start, arrival_end and
        dismissal_time Timedelta since midnight, canteen_sitting Int64 (missing when delivered).
        ``text=True`` gives the cells exactly as ``timetable.csv`` writes them."""
        import pandas as pd

        rows = self.rows()
        frame = pd.DataFrame(rows, columns=list(TIMETABLE_COLUMNS))
        if text:
            return frame
        by_id = self.by_class()
        ordered = [by_id[r["class_id"]] for r in rows]
        gates = list(dict.fromkeys(sorted(a.gate for a in ordered)))

        from reopen_sim.plotting import clock

        return pd.DataFrame(
            {
                "class_id": pd.Series([a.class_id for a in ordered], dtype="string"),
                "grade": pd.Categorical(
                    [a.grade for a in ordered], categories=sorted({a.grade for a in ordered}), ordered=True
                ),
                "students": pd.Series([a.students for a in ordered], dtype="int64"),
                "boarding": pd.Series([a.boarding for a in ordered], dtype="bool"),
                "arrival_start": clock([a.arrival_start_min for a in ordered]),
                "arrival_end": clock([a.arrival_end_min for a in ordered]),
                "gate": pd.Categorical([a.gate for a in ordered], categories=gates),
                "rooms": pd.Series([";".join(a.rooms) for a in ordered], dtype="string"),
                "canteen_sitting": pd.Series([a.canteen_sitting for a in ordered], dtype="Int64"),
                "dismissal_time": clock([a.dismissal_min for a in ordered]),
            }
        )

    def plot(self, scenario: Scenario | None = None, lang: str = "en", ax: Any = None) -> Any:
        """Gantt chart of the arrival windows by gate (a matplotlib Figure; draws on ``ax`` if given).

        Classes are written as schools write them (``lang="zh"``: 初一（3）班); with ``scenario``
        the gates keep the scenario's order and classes their own names."""
        from reopen_sim.plotting import plan_gantt

        return plan_gantt(self, scenario, lang, ax)

    def _repr_html_(self) -> str:
        """Per gate: classes, students, first and last window (escaped; not the whole timetable)."""
        from reopen_sim.plotting import html_table

        rows = []
        for gate in sorted({a.gate for a in self.assignments}):
            at = [a for a in self.assignments if a.gate == gate]
            rows.append(
                {
                    "gate": gate,
                    "classes": len(at),
                    "students": sum(a.students for a in at),
                    "first window": format_hhmm(min(a.arrival_start_min for a in at)),
                    "last window": format_hhmm(max(a.arrival_start_min for a in at)),
                }
            )
        n = sum(a.students for a in self.assignments)
        notes = [f"solver status: {self.meta['status']}"] if "status" in self.meta else []
        notes.append("plan.to_frame() gives the timetable; plan.plot() the windows by gate.")
        return html_table(
            rows,
            ["gate", "classes", "students", "first window", "last window"],
            f"Plan: {len(self)} classes, {n} students",
            notes,
        )


def _cell_issue(file: str, line: int, col: str, value: str, expected: str, key: str) -> InputIssue:
    return InputIssue(
        file,
        f"line {line}, column {col}",
        value,
        expected,
        key=key,
        path_key="line_column",
        path_fields={"n": line, "column": col},
    )


_CELLS: tuple[tuple[str, Any, str, str], ...] = (
    ("grade", int, "a whole number (grade)", "tt_grade"),
    ("students", int, "a whole number of students", "roster_students"),
    ("boarding", parse_bool, "yes or no", "yes_no"),
    ("arrival_start", parse_hhmm, "a time HH:MM", "tt_time"),
    ("arrival_end", parse_hhmm, "a time HH:MM", "tt_time"),
    ("dismissal_time", parse_hhmm, "a time HH:MM", "tt_time"),
)


def _row_assignment(
    row: dict[str, str], line: int, file: str, issues: list[InputIssue]
) -> ClassAssignment | None:
    """One timetable row -> an assignment, or None with every malformed cell added to ``issues``."""
    bad = len(issues)
    got: dict[str, Any] = {}
    cid = row["class_id"]
    if not cid:
        issues.append(_cell_issue(file, line, "class_id", "", "a class id", "tt_class_id"))
    for col, conv, expected, key in _CELLS:
        try:
            got[col] = conv(row[col])
        except (ValueError, TypeError):
            issues.append(_cell_issue(file, line, col, row[col], expected, key))
    gate = row["gate"]
    if not gate:
        issues.append(_cell_issue(file, line, "gate", "", "an entrance id", "tt_gate"))
    rooms = tuple(r.strip() for r in row["rooms"].split(";") if r.strip())
    if not rooms:
        issues.append(
            _cell_issue(file, line, "rooms", row["rooms"], "one or more room ids joined by ;", "tt_rooms")
        )
    sitting = None
    if row["canteen_sitting"]:
        try:
            sitting = int(row["canteen_sitting"])
        except ValueError:
            issues.append(
                _cell_issue(
                    file,
                    line,
                    "canteen_sitting",
                    row["canteen_sitting"],
                    "a sitting number 1, 2, … or empty",
                    "tt_sitting",
                )
            )
    if len(issues) > bad:
        return None
    return ClassAssignment(
        cid,
        got["grade"],
        got["students"],
        got["boarding"],
        got["arrival_start"],
        got["arrival_end"],
        gate,
        rooms,
        sitting,
        got["dismissal_time"],
    )


def plan_from_rows(
    rows: Iterable[Mapping[str, Any]],
    file: str = "<timetable>",
    scenario: Scenario | None = None,
) -> Plan:
    """Build a plan from timetable rows, collecting every malformed cell as an :class:`InputIssue`.

    Row numbers in errors are spreadsheet line numbers (the header is line 1). A class missing,
    repeated or unknown to the scenario is read as written: like every broken rule it is a finding
    of the checker (``check_plan``, exit 1), not an input error. ``scenario`` is accepted for
    compatibility and not used.
    """
    del scenario
    issues: list[InputIssue] = []
    out: list[ClassAssignment] = []
    for i, raw in enumerate(rows, start=2):
        # csv_unescape: a value we wrote as '=x (so a spreadsheet shows it as text) reads back as =x.
        row = {str(k).strip(): csv_unescape("" if v is None else str(v).strip()) for k, v in raw.items() if k}
        missing = [c for c in TIMETABLE_COLUMNS if c not in row]
        if missing:
            issues.append(
                InputIssue(
                    file,
                    f"line {i}",
                    ",".join(missing),
                    "all columns " + ", ".join(TIMETABLE_COLUMNS),
                    key="tt_columns",
                    fields={"columns": ", ".join(TIMETABLE_COLUMNS)},
                    path_key="line",
                    path_fields={"n": i},
                )
            )
            continue
        a = _row_assignment(row, i, file, issues)
        if a is not None:
            out.append(a)
    if issues:
        raise InputError(issues)
    return Plan(tuple(out), meta={"source": file})


def read_timetable(path: str | Path, scenario: Scenario | None = None) -> Plan:
    """Read ``timetable.csv`` as Excel saves it: UTF-8 with or without BOM, GBK/GB18030, UTF-16;
    comma, semicolon or tab separated. Missing or repeated classes are left to the checker."""
    p = Path(path)
    text, _enc = decode_text(p, read_bytes(p, "timetable"))
    sample = text[:4096]
    delimiter = (
        "\t"
        if "\t" in sample and "," not in sample
        else (";" if ";" in sample and "," not in sample else ",")
    )
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = ", ".join(TIMETABLE_COLUMNS)
    try:
        fieldnames = reader.fieldnames
        if fieldnames is None:
            raise InputError(
                [
                    InputIssue(
                        str(p),
                        "header",
                        "",
                        f"a header row with {columns}",
                        key="tt_header",
                        fields={"columns": columns},
                    )
                ]
            )
        missing = [c for c in TIMETABLE_COLUMNS if c not in [f.strip() for f in fieldnames]]
        if missing:
            raise InputError(
                [
                    InputIssue(
                        str(p),
                        "header",
                        ",".join(fieldnames),
                        f"columns {columns}",
                        key="tt_header_columns",
                        path_key="header",
                        fields={"columns": columns},
                    )
                ]
            )
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(
            [
                InputIssue(
                    str(p), "", "", f"a readable CSV ({exc})", key="csv_readable", fields={"reason": str(exc)}
                )
            ]
        ) from None
    if len(rows) > MAX_TABLE_ROWS:
        raise InputError(
            [
                InputIssue(
                    str(p),
                    "",
                    "",
                    f"at most {MAX_TABLE_ROWS} rows (this file has {len(rows)})",
                    key="too_many_rows",
                    fields={"limit": MAX_TABLE_ROWS, "n": len(rows)},
                )
            ]
        )
    return plan_from_rows(rows, file=str(p), scenario=scenario)
