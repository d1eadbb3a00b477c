"""Roster import from CSV and XLSX, with line-numbered errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from reopen_sim.errors import InputError
from reopen_sim.scenario.load import load_scenario


def write_scenario(tmp_path: Path, base: dict[str, Any], roster: str) -> Path:
    data = dict(base)
    data.pop("classes")
    data["roster"] = roster
    data["rooms"] = [
        {"id": f"R{i}", "building": "Main", "area_m2": 60, "desk_grid": {"rows": 6, "cols": 6}}
        for i in range(6)
    ]
    data["entrances"][0]["lanes"] = 6
    data["entrances"][0]["staff"] = 6
    path = tmp_path / "school.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_csv_roster(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text(
        "grade,class,students,boarding\n1,1,30,no\n1,2,31,yes\n2,1,29,no\n", encoding="utf-8"
    )
    sc = load_scenario(write_scenario(tmp_path, base, "roster.csv"))
    assert [(c.id, c.grade, c.students, c.boarding) for c in sc.classes] == [
        ("1-1", 1, 30, False),
        ("1-2", 1, 31, True),
        ("2-1", 2, 29, False),
    ]


def test_csv_roster_with_chinese_headers_and_bom(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text("年级,班级,人数,住宿\n1,1,30,否\n2,1,28,是\n", encoding="utf-8-sig")
    sc = load_scenario(write_scenario(tmp_path, base, "roster.csv"))
    assert [(c.id, c.boarding) for c in sc.classes] == [("1-1", False), ("2-1", True)]


def test_xlsx_roster(tmp_path: Path, base: dict[str, Any]) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Grade", "Class", "Students", "Boarding", "class_id"])
    ws.append([1, 1, 30, "no", "G1A"])
    ws.append([2, 1, 32.0, "yes", "G2A"])  # Excel stores numbers as floats
    wb.save(tmp_path / "roster.xlsx")
    sc = load_scenario(write_scenario(tmp_path, base, "roster.xlsx"))
    assert [(c.id, c.grade, c.students, c.boarding) for c in sc.classes] == [
        ("G1A", 1, 30, False),
        ("G2A", 2, 32, True),
    ]


def test_roster_cell_errors_name_the_line(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text(
        "grade,class,students,boarding\n1,1,thirty,no\n1,2,31,maybe\n2,1,200,no\n", encoding="utf-8"
    )
    path = write_scenario(tmp_path, base, "roster.csv")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    roster = tmp_path / "roster.csv"
    got = [str(i) for i in info.value.issues]
    assert got == [
        f"{roster}: line 2, column students: got 'thirty'; expected a whole number of students",
        f"{roster}: line 3, column boarding: got 'maybe'; expected yes or no",
    ]


def test_roster_schema_errors_point_to_the_roster_line(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text("grade,class,students\n1,1,30\n2,1,200\n", encoding="utf-8")
    path = write_scenario(tmp_path, base, "roster.csv")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert [str(i) for i in info.value.issues] == [
        f"{tmp_path / 'roster.csv'}: line 3, column students: got '200'; expected a number <= 120"
    ]


def test_duplicate_roster_row_is_blamed_on_the_roster_line(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text(
        "年级,班级,人数\n初一,1班,30\n初一,2班,31\n初一,（1）班,32\n", encoding="utf-8"
    )
    path = write_scenario(tmp_path, base, "roster.csv")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert [str(i) for i in info.value.issues] == [
        f"{tmp_path / 'roster.csv'}: line 4, column 班级: got '7-1'; expected each class once (also on line 2)"
    ]


def test_roster_missing_column_and_file(tmp_path: Path, base: dict[str, Any]) -> None:
    (tmp_path / "roster.csv").write_text("grade,klass,students\n1,1,30\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(write_scenario(tmp_path, base, "roster.csv"))
    got = [str(i) for i in info.value.issues]
    assert got == [
        f"{tmp_path / 'roster.csv'}: line 1: got 'grade,klass,students'; expected a column 班级/class"
    ]
    path = write_scenario(tmp_path, base, "absent.csv")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value.issues[0]) == (
        f"{path}: roster: got 'absent.csv'; expected an existing roster file (looked for {tmp_path / 'absent.csv'})"
    )
