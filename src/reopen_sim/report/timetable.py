"""Timetable files: ``timetable.csv`` (the contract in shared/DESIGN.md) and ``timetable.xlsx``.

The workbook has a sheet by class (the contract columns), by gate as a duty roster (gate, window,
classes, students, staff), by room and by canteen sitting. Both files are written whole or not at
all: each goes to a temporary file beside its target and both are renamed into place only once
both are complete.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path

import pandas as pd

from reopen_sim.plan import TIMETABLE_COLUMNS, Plan
from reopen_sim.report.cells import freeze_xlsx
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario, format_hhmm


def gate_roster(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """Duty roster: one row per gate and window used, with its classes, students and screening staff.

    Staff: ``open_lanes × staff_per_lane`` screeners (``capacity.open_lanes``; DOMAIN: at least 2 staff
    per entrance), the entrance's listed staff otherwise.
    """
    pol = scenario.policy
    known = {e.id: e for e in scenario.entrances}
    groups: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    students: dict[tuple[str, int, int], int] = defaultdict(int)
    for a in plan.assignments:
        key = (a.gate, a.arrival_start_min, a.arrival_end_min)
        groups[key].append(a.class_id)
        students[key] += a.students
    rows = []
    for (g, start, end), cids in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        e = known.get(g)
        lanes = cap.open_lanes(e, pol.staff_per_lane) if e is not None else 0
        capacity = cap.gate_window_capacity(e, pol, scenario.day.window_min) if e is not None else 0
        rows.append(
            {
                "gate": g,
                "gate_name": (e.name or g) if e is not None else g,
                "window": f"{format_hhmm(start)}–{format_hhmm(end)}",
                "classes": ", ".join(sorted(cids)),
                "students": students[g, start, end],
                "capacity": capacity,
                "lanes": lanes,
                "staff": lanes * pol.staff_per_lane if e is not None else 0,
                "entrance_staff": e.staff if e is not None else 0,
            }
        )
    return pd.DataFrame(rows)


def room_sheet(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """One row per room in use: class, students seated there (filled in order), distanced capacity."""
    caps = cap.room_capacities(scenario)
    rows = []
    for a in sorted(plan.assignments, key=lambda a: a.class_id):
        shares = cap.split_over_rooms(a.students, [caps.get(r, 0) for r in a.rooms])
        for r, n in zip(a.rooms, shares, strict=True):
            room = next((x for x in scenario.rooms if x.id == r), None)
            rows.append(
                {
                    "room": r,
                    "building": room.building if room else "",
                    "floor": room.floor if room else "",
                    "kind": room.kind if room else "",
                    "class_id": a.class_id,
                    "students": n,
                    "capacity": caps.get(r, 0),
                }
            )
    return pd.DataFrame(
        rows, columns=["room", "building", "floor", "kind", "class_id", "students", "capacity"]
    ).sort_values(["building", "floor", "room"], kind="stable")


def canteen_sheet(plan: Plan, scenario: Scenario) -> pd.DataFrame:
    """One row per canteen sitting: start, end, classes, students and distanced seats."""
    cols = ["sitting", "start", "end", "classes", "students", "seats"]
    if scenario.canteen.mode != "sittings":
        return pd.DataFrame(columns=cols)
    seats = cap.canteen_capacity(scenario.canteen)
    by: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for a in plan.assignments:
        if a.canteen_sitting is not None:
            by[a.canteen_sitting].append((a.class_id, a.students))
    rows = []
    for s, members in sorted(by.items()):
        start = cap.sitting_start_min(scenario.canteen, s)
        rows.append(
            {
                "sitting": s,
                "start": format_hhmm(start),
                "end": format_hhmm(start + scenario.canteen.sitting_min),
                "classes": ", ".join(sorted(c for c, _ in members)),
                "students": sum(n for _, n in members),
                "seats": seats,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def _tmp_beside(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent)
    os.close(fd)
    return Path(name)


def write_timetable(plan: Plan, scenario: Scenario, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``out_dir/timetable.csv`` and ``out_dir/timetable.xlsx``, whole or not at all."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = out / "timetable.csv", out / "timetable.xlsx"
    tmp_csv, tmp_xlsx = _tmp_beside(csv_path), _tmp_beside(xlsx_path)
    try:
        tmp_csv.write_text(plan.to_csv_text(), encoding="utf-8")
        classes = pd.DataFrame(plan.rows(), columns=list(TIMETABLE_COLUMNS))
        with pd.ExcelWriter(tmp_xlsx, engine="openpyxl") as xw:
            classes.to_excel(xw, sheet_name="by class", index=False)
            gate_roster(plan, scenario).to_excel(xw, sheet_name="by gate", index=False)
            room_sheet(plan, scenario).to_excel(xw, sheet_name="by room", index=False)
            canteen_sheet(plan, scenario).to_excel(xw, sheet_name="by canteen sitting", index=False)
            for ws in xw.book.worksheets:
                for col in ws.columns:
                    width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
                    ws.column_dimensions[col[0].column_letter].width = min(60, max(8, width + 2))
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
