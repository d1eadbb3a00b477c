"""The timetable.csv contract: round trip, hand edits, and precise errors for malformed cells."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import cli_env
from reopen_sim.errors import InputError
from reopen_sim.plan import TIMETABLE_COLUMNS, ClassAssignment, Plan, read_timetable
from reopen_sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def tiny_plan() -> Plan:
    rows = [
        ClassAssignment("2-1", 2, 21, False, 470, 480, "gate", ("R201",), None, 965),
        ClassAssignment("2-2", 2, 26, False, 470, 480, "gate", ("R202", "LAB1"), None, 965),
        ClassAssignment("1-1", 1, 20, False, 480, 490, "gate", ("R101",), None, 960),
        ClassAssignment("1-2", 1, 22, False, 490, 500, "gate", ("R102",), None, 960),
    ]
    return Plan(tuple(rows))


def test_round_trip(tmp_path: Path) -> None:
    plan = tiny_plan()
    text = plan.to_csv_text()
    assert text.splitlines()[0] == ",".join(TIMETABLE_COLUMNS)
    assert "2-2,2,26,no,07:50,08:00,gate,R202;LAB1,,16:05" in text
    path = tmp_path / "timetable.csv"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(ROOT / "scenarios" / "tiny-school.yaml")
    back = read_timetable(path, scenario=sc)
    assert back == plan  # meta is not compared


def test_excel_saved_csv_with_bom_and_extra_columns(tmp_path: Path) -> None:
    text = tiny_plan().to_csv_text()
    lines = text.splitlines()
    lines[0] += ",teacher"
    lines[1:] = [line + ",Ms Wang" for line in lines[1:]]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert read_timetable(path) == tiny_plan()


def test_malformed_cells_are_all_reported(tmp_path: Path) -> None:
    text = tiny_plan().to_csv_text().replace("07:50,08:00,gate,R201", "7h50,08:00,gate,R201")
    text = text.replace("1-2,1,22,no", "1-2,1,twenty,maybe")
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_timetable(path)
    assert [str(i) for i in info.value.issues] == [
        f"{path}: line 2, column arrival_start: got '7h50'; expected a time HH:MM",
        f"{path}: line 5, column students: got 'twenty'; expected a whole number of students",
        f"{path}: line 5, column boarding: got 'maybe'; expected yes or no",
    ]


def test_unknown_missing_and_repeated_classes_are_read_and_left_to_the_checker(tmp_path: Path) -> None:
    from reopen_sim.optimizer.check import check_plan

    text = tiny_plan().to_csv_text().replace("1-2,1,22", "1-9,1,22")
    text += text.splitlines()[1] + "\n"  # the first class again
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    sc = load_scenario(ROOT / "scenarios" / "tiny-school.yaml")
    plan = read_timetable(path, scenario=sc)
    assert len(plan) == 5
    found = {(v.rule, v.class_ids) for v in check_plan(sc, plan) if v.rule == "classes"}
    assert {ids for _rule, ids in found} >= {("1-9",), ("1-2",), ("2-1",)}


def test_missing_header_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("class_id,grade\n1-1,1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_timetable(path)
    assert str(info.value.issues[0]).startswith(
        f"{path}: header: got 'class_id,grade'; expected columns class_id"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_timetable_saved_back_from_excel_in_any_encoding_is_read(tmp_path: Path, encoding: str) -> None:
    """A timetable with a Chinese extra column, saved by Excel/WPS on Chinese Windows, reads back the same."""
    lines = tiny_plan().to_csv_text().splitlines()
    lines[0] += ",班主任"
    lines[1:] = [line + ",王老师" for line in lines[1:]]
    if encoding == "utf-16":  # Excel's "Unicode text": tab separated
        lines = [line.replace(",", "\t") for line in lines]
    path = tmp_path / "t.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    assert read_timetable(path) == tiny_plan()


def test_the_timetable_reader_loads_no_report_module() -> None:
    """Reading a timetable (check, simulate, the desk) needs only the loader, not the report package."""
    code = "import sys, reopen_sim.plan; print(sorted(m for m in sys.modules if m.startswith('reopen_sim.report')))"
    got = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=cli_env()
    )
    assert got.stdout.strip() == "[]", got.stdout
