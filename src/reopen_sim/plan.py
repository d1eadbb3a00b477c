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
from reopen_sim.report.cells import csv_unescape
from reopen_sim.scenario.schema import Scenario, format_hhmm, parse_hhmm

TIMETABLE_COLUMNS: tuple[str, ...] = (
    "class_id",
    "grade",
    "students",
    "boarding",
    "arrival_start",
    "arrival_end",
    "gate",
    "rooms",
    "canteen_sitting",
    "dismissal_time",
)


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

    def to_frame(self) -> Any:
        """The timetable as a pandas DataFrame (contract columns)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=list(TIMETABLE_COLUMNS))


_TRUE = {"yes", "y", "true", "1", "boarding", "boarder", "是"}
_FALSE = {"no", "n", "false", "0", "day", "", "否"}


def parse_bool(text: str) -> bool:
    """Read yes/no, true/false, 1/0, boarding/day (and 是/否)."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError("expected yes or no")


def plan_from_rows(
    rows: Iterable[Mapping[str, Any]],
    file: str = "<timetable>",
    scenario: Scenario | None = None,
) -> Plan:
    """Build a plan from timetable rows, collecting every malformed cell as an :class:`InputIssue`.

    Row numbers in errors are spreadsheet line numbers (the header is line 1). When a scenario is
    given, unknown class ids, missing classes and duplicates are reported too; rule checks (capacity,
    order, …) are the checker's job, not the reader's.
    """
    issues: list[InputIssue] = []
    out: list[ClassAssignment] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(rows, start=2):
        # csv_unescape: a value we wrote as '=x (so a spreadsheet shows it as text) reads back as =x.
        row = {str(k).strip(): csv_unescape("" if v is None else str(v).strip()) for k, v in raw.items() if k}
        missing = [c for c in TIMETABLE_COLUMNS if c not in row]
        if missing:
            issues.append(
                InputIssue(
                    file, f"line {i}", ",".join(missing), "all columns " + ", ".join(TIMETABLE_COLUMNS)
                )
            )
            continue
        bad = len(issues)

        def cell(col: str, conv: Any, expected: str, row: dict[str, str] = row, line: int = i) -> Any:
            try:
                return conv(row[col])
            except (ValueError, TypeError):
                issues.append(InputIssue(file, f"line {line}, column {col}", row[col], expected))
                return None

        cid = row["class_id"]
        if not cid:
            issues.append(InputIssue(file, f"line {i}, column class_id", "", "a class id"))
        grade = cell("grade", int, "a whole number (grade)")
        students = cell("students", int, "a whole number of students")
        boarding = cell("boarding", parse_bool, "yes or no")
        a0 = cell("arrival_start", parse_hhmm, "a time HH:MM")
        a1 = cell("arrival_end", parse_hhmm, "a time HH:MM")
        gate = row["gate"]
        if not gate:
            issues.append(InputIssue(file, f"line {i}, column gate", "", "an entrance id"))
        rooms = tuple(r.strip() for r in row["rooms"].split(";") if r.strip())
        if not rooms:
            issues.append(
                InputIssue(file, f"line {i}, column rooms", row["rooms"], "one or more room ids joined by ;")
            )
        sitting = None
        if row["canteen_sitting"]:
            sitting = cell("canteen_sitting", int, "a sitting number 1, 2, … or empty")
        dismissal = cell("dismissal_time", parse_hhmm, "a time HH:MM")
        if cid in seen:
            issues.append(
                InputIssue(
                    file, f"line {i}, column class_id", cid, f"each class once (also on line {seen[cid]})"
                )
            )
        seen.setdefault(cid, i)
        if len(issues) == bad:
            out.append(
                ClassAssignment(cid, grade, students, boarding, a0, a1, gate, rooms, sitting, dismissal)
            )
    if scenario is not None:
        known = {c.id for c in scenario.classes}
        for cid, line in seen.items():
            if cid and cid not in known:
                issues.append(
                    InputIssue(file, f"line {line}, column class_id", cid, "a class of the scenario")
                )
        for c in scenario.classes:
            if c.id not in seen:
                issues.append(InputIssue(file, "rows", c.id, "a row for every class of the scenario"))
    if issues:
        raise InputError(issues)
    return Plan(tuple(out), meta={"source": file})


def read_timetable(path: str | Path, scenario: Scenario | None = None) -> Plan:
    """Read ``timetable.csv`` (UTF-8, with or without BOM, as Excel saves it)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([InputIssue(str(p), "", "", "an existing timetable CSV file")]) from None
    except UnicodeDecodeError:
        raise InputError([InputIssue(str(p), "", "", "a UTF-8 encoded CSV file")]) from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise InputError(
            [InputIssue(str(p), "header", "", "a header row with " + ", ".join(TIMETABLE_COLUMNS))]
        )
    missing = [c for c in TIMETABLE_COLUMNS if c not in [f.strip() for f in reader.fieldnames]]
    if missing:
        raise InputError(
            [
                InputIssue(
                    str(p), "header", ",".join(reader.fieldnames), "columns " + ", ".join(TIMETABLE_COLUMNS)
                )
            ]
        )
    return plan_from_rows(reader, file=str(p), scenario=scenario)
