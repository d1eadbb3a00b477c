"""Rosters as schools keep them load with the right classes and counts.

Each roster is built the way a school's file looks: a merged title row, Chinese headers, grades and
classes written 初一/一年级/高一 and （1）班/1班/一班, a 合计 row, hidden and blank rows, formulas,
and CSVs saved by Excel on Chinese Windows (GBK), as "Unicode text" (UTF-16, tab separated) or
as UTF-8 with a BOM; and an old .xls.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt

from bad_input_support import roster_school
from reopen_sim.scenario.load import load_scenario

TITLE = "XX学校2020年春季学期班级人数统计表"


def classes_of(path: Path) -> list[tuple[str, int, int, bool]]:
    sc = load_scenario(path)
    return [(c.id, c.grade, c.students, c.boarding) for c in sc.classes]


def notices_of(path: Path) -> list[str]:
    return [n.key or "" for n in load_scenario(path).notices]


def _school_workbook(path: Path) -> None:
    """Title merged over the header, serial numbers, 住宿/走读, a teacher column, a hidden and a blank
    row, and a 合计 row with =SUM (openpyxl stores no result for it: a total row is skipped anyway)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "班级人数"
    ws.append([TITLE])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "年级", "班级", "班主任", "人数（人）", "住宿/走读"])
    rows = [
        (1, "初一", "（1）班", "王老师", 45, "走读"),
        (2, "初一", "（2）班", "李老师", 44, "住宿"),
        (3, "初二", "(1)班", "张老师", 46, "走读"),
        (4, "初三", "1班", "刘老师", 43, "是"),
    ]
    for r in rows:
        ws.append(list(r))
    ws.append([])  # a blank row between classes and the total
    ws.append(["", "合计", "", "", "=SUM(E3:E6)", ""])
    ws.row_dimensions[5].hidden = True  # 初二(1)班 hidden from view, still a class
    wb.save(path)


def test_school_workbook_with_title_total_and_hidden_row(tmp_path: Path) -> None:
    _school_workbook(tmp_path / "roster.xlsx")
    school = roster_school(tmp_path, "roster.xlsx")
    assert classes_of(school) == [
        ("7-1", 7, 45, False),
        ("7-2", 7, 44, True),
        ("8-1", 8, 46, False),
        ("9-1", 9, 43, True),
    ]
    sc = load_scenario(school)
    got = [(n.key, n.path) for n in sc.notices]
    assert ("hidden_row", "row 5") in got
    assert ("total_row", "row 8") in got
    assert all(n.file == str(tmp_path / "roster.xlsx") for n in sc.notices)


def _with_cached_values(path: Path, cached: dict[str, int]) -> None:
    """Store a result for formula cells, as Excel does on save (openpyxl writes ``<v />``)."""
    with zipfile.ZipFile(path) as zin:
        items = {n: zin.read(n) for n in zin.namelist()}
    sheet = items["xl/worksheets/sheet1.xml"].decode("utf-8")
    for ref, value in cached.items():
        sheet, n = re.subn(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v ?/>', rf"\g<1><v>{value}</v>", sheet)
        assert n == 1
    items["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in items.items():
            zout.writestr(name, data)


def test_formula_cells_give_the_value_excel_saved(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年级", "班级", "男生", "女生", "学生数"])
    ws.append(["七年级", "1班", 20, 22, "=C2+D2"])
    ws.append(["七年级", "2班", 21, 19, "=C3+D3"])
    wb.save(tmp_path / "roster.xlsx")
    _with_cached_values(tmp_path / "roster.xlsx", {"E2": 42, "E3": 40})
    assert classes_of(roster_school(tmp_path, "roster.xlsx")) == [
        ("7-1", 7, 42, False),
        ("7-2", 7, 40, False),
    ]


def test_gbk_csv_with_title_and_total(tmp_path: Path) -> None:
    text = (
        f"{TITLE},,,\n年级,班级,学生数,住宿\n一年级,1班,41,否\n一年级,2班,40,否\n二年级,一班,39,否\n"
        "六年级,（3）班,44,是\n小计,,164,\n"
    )
    (tmp_path / "roster.csv").write_bytes(text.encode("gbk"))
    school = roster_school(tmp_path, "roster.csv")
    assert classes_of(school) == [
        ("1-1", 1, 41, False),
        ("1-2", 1, 40, False),
        ("2-1", 2, 39, False),
        ("6-3", 6, 44, True),
    ]
    assert notices_of(school) == ["total_row"]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_high_school_csv_in_every_encoding_excel_saves(tmp_path: Path, encoding: str) -> None:
    sep = "\t" if encoding == "utf-16" else ","  # Excel's "Unicode text" is tab separated
    lines = [
        ["年级", "班级", "人数", "住宿"],
        ["高一", "高一（1）班", "50", "住宿"],
        ["高三", "（2）班", "48", "走读"],
    ]
    (tmp_path / "roster.csv").write_bytes("\n".join(sep.join(r) for r in lines).encode(encoding))
    assert classes_of(roster_school(tmp_path, "roster.csv")) == [
        ("10-1", 10, 50, True),
        ("12-2", 12, 48, False),
    ]


def test_grade_read_from_the_class_name_and_a_name_column(tmp_path: Path) -> None:
    text = "班级,人数,name\n初一（3）班,45,Experimental 3\n初二（1）班,44,\n"
    (tmp_path / "roster.csv").write_text(text, encoding="utf-8")
    sc = load_scenario(roster_school(tmp_path, "roster.csv"))
    assert [(c.id, c.grade, c.name) for c in sc.classes] == [("7-3", 7, "Experimental 3"), ("8-1", 8, None)]


def test_english_headers_and_plain_numbers_still_work(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text(
        "Grade,Class,Students,Boarding\n7,1,45,yes\n7,2,44,no\n", encoding="utf-8"
    )
    assert classes_of(roster_school(tmp_path, "roster.csv")) == [("7-1", 7, 45, True), ("7-2", 7, 44, False)]


def test_unknown_column_gives_a_notice(tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("年级,班级,人数,家长群\n初一,1班,45,群1\n", encoding="utf-8")
    school = roster_school(tmp_path, "roster.csv")
    assert classes_of(school) == [("7-1", 7, 45, False)]
    assert notices_of(school) == ["unused_column"]


def test_old_xls_workbook(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("班级")
    sheet.write_merge(0, 0, 0, 3, TITLE)
    for j, h in enumerate(["年级", "班级", "人数", "住宿"]):
        sheet.write(1, j, h)
    for i, row in enumerate([("初二", "（1）班", 46, "否"), ("初二", "（2）班", 45.0, "是")], start=2):
        for j, v in enumerate(row):
            sheet.write(i, j, v)
    sheet.write(4, 0, "合计")
    sheet.write(4, 2, xlwt.Formula("SUM(C3:C4)"))
    book.save(str(tmp_path / "roster.xls"))
    school = roster_school(tmp_path, "roster.xls")
    assert classes_of(school) == [("8-1", 8, 46, False), ("8-2", 8, 45, True)]
    assert notices_of(school) == ["total_row"]


def test_notices_read_in_chinese_and_english(tmp_path: Path) -> None:
    from bad_input_support import english_runs
    from reopen_sim.i18n import load_catalogue

    _school_workbook(tmp_path / "roster.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "roster.xlsx")
    wb.active["G2"] = "家长群"  # a column the loader does not use
    wb.active.append(["制表人：张老师"])  # a note under the table: no class, no count
    wb.save(tmp_path / "roster.xlsx")
    sc = load_scenario(roster_school(tmp_path, "roster.xlsx"))
    assert sorted(n.key or "" for n in sc.notices) == [
        "hidden_row",
        "no_class_row",
        "total_row",
        "unused_column",
    ]
    en, zh = load_catalogue("en"), load_catalogue("zh")
    for n in sc.notices:
        assert n.render(en) == str(n)
        assert english_runs(n.render(zh)) == [], n.render(zh)
        assert en(f"notice.{n.key}", **n.fields) == n.text
