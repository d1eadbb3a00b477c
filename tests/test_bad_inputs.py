"""Every bad scenario, roster or timetable is a clear error (exit 2), never a traceback.

Each case builds the files a user could bring, runs ``reopen-sim`` in-process and asserts: exit 2;
the message names the file and the place (field, line or row) and quotes the value and what was
expected; no traceback; and in Chinese, no untranslated English sentence.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bad_input_support import (
    english_runs,
    roster_school,
    run_main,
    shared_strings_bomb_xlsx,
    tiny,
    write_yaml,
    xml_bomb_xlsx,
)

# A case: files made in a temporary folder -> (command arguments, texts the English message must hold).
Case = Callable[[Path], tuple[list[str], list[str]]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


def _validate(path: Path, *must: str, named: str | None = None) -> tuple[list[str], list[str]]:
    """``validate PATH``; the message must name ``named`` (default: the scenario file) and ``must``."""
    return ["validate", str(path)], [named or path.name, *must]


def _school(tmp: Path, **changes: Any) -> Path:
    data = tiny()
    for dotted, value in changes.items():
        node = data
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        if value is _DELETE:
            del node[keys[-1]]
        else:
            node[int(keys[-1]) if keys[-1].isdigit() else keys[-1]] = value
    return write_yaml(tmp / "school.yaml", data)


_DELETE = object()

# ---------------------------------------------------------------- YAML scenarios


@case
def yaml_missing(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(tmp / "absent.yaml", "an existing scenario file")


@case
def yaml_folder(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "dir.yaml").mkdir()
    return _validate(tmp / "dir.yaml", "not a folder")


@case
def yaml_empty(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "e.yaml").write_bytes(b"")
    return _validate(tmp / "e.yaml", "a YAML mapping")


@case
def yaml_syntax(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "s.yaml").write_text("school: {name: x\nday: [\n", encoding="utf-8")
    return _validate(tmp / "s.yaml", "line ", "valid YAML")


@case
def yaml_top_list(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "l.yaml").write_text("- a\n- b\n", encoding="utf-8")
    return _validate(tmp / "l.yaml", "a YAML mapping")


@case
def yaml_gbk(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "g.yaml").write_bytes("school: {name: 第一中学}\n".encode("gbk"))
    return _validate(tmp / "g.yaml", "UTF-8")


@case
def yaml_too_large(tmp: Path) -> tuple[list[str], list[str]]:
    with open(tmp / "big.yaml", "wb") as f:
        f.truncate(25 * 1024 * 1024)
    return _validate(tmp / "big.yaml", "at most 20 MB")


@case
def yaml_name_too_long(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(tmp / ("x" * 300 + ".yaml"), "a readable scenario file")


@case
def yaml_deep_nesting(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "d.yaml").write_text("school: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    return _validate(tmp / "d.yaml")


@case
def unknown_key(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, colour="red"), "colour", "no such field")


@case
def loader_field_in_file(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, notices=["hello"]), "notices", "no such field")


@case
def missing_school(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, school=_DELETE), "school", "required")


@case
def lanes_text(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, entrances__0__lanes="two"), "entrances[0].lanes", "'two'", "a whole number")


@case
def lanes_zero(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, entrances__0__lanes=0), "entrances[0].lanes", "'0'", ">= 1")


@case
def students_500(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, classes__0__students=500), "classes[0].students", "'500'", "<= 120")


@case
def latest_before_earliest(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, day__latest_arrival_at="07:30"), "day", "07:30", "07:50")


@case
def bad_time(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, day__first_class_at="8.30"), "day.first_class_at", "'8.30'", "HH:MM")


@case
def span_not_windows(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, day__latest_arrival_at="08:05"), "day", "07:50–08:05", "window_min")


@case
def screening_unknown(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(
        _school(tmp, entrances__0__screening_method="laser"), "screening_method", "'laser'", "one of"
    )


@case
def dist_unknown(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(
        _school(tmp, entrances__0__service_time_s={"dist": "normal", "mean": 3}), "service_time_s", "dist"
    )


@case
def pin_unknown_class(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, pins=[{"class_id": "9-9", "gate": "gate"}]), "pins[0].class_id", "'9-9'")


@case
def duplicate_class(tmp: Path) -> tuple[list[str], list[str]]:
    data = tiny()
    data["classes"][1]["id"] = "1-1"
    return _validate(write_yaml(tmp / "school.yaml", data), "classes[1].id", "'1-1'", "unique")


@case
def gate_throughput_binds(tmp: Path) -> tuple[list[str], list[str]]:
    path = _school(tmp, entrances__0__lanes=1, entrances__0__staff=1, entrances__0__queue_length_m=500)
    return _validate(path, "day.latest_arrival_at", "screen at most")


@case
def gate_queue_binds(tmp: Path) -> tuple[list[str], list[str]]:
    # 1 m of marked queue a lane: 2 places hold 22 a window where screening could take 34.
    path = _school(tmp, entrances__0__queue_length_m=1)
    return _validate(path, "day.latest_arrival_at", "queue space binds", "2 marked places")


@case
def bool_text(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(
        _school(tmp, policy__allow_split_classes="perhaps"), "allow_split_classes", "true or false"
    )


@case
def canteen_no_tables(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(
        _school(tmp, canteen={"mode": "sittings", "tables": 0}), "canteen", "canteen.tables of at least 1"
    )


@case
def grade_twice_in_order(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, policy__arrival_order=[[1], [1, 2]]), "arrival_order", "each grade")


# ---------------------------------------------------------------- rosters


def _roster_csv(tmp: Path, text: str, encoding: str = "utf-8", name: str = "roster.csv") -> Path:
    (tmp / name).write_bytes(text.encode(encoding))
    return roster_school(tmp, name)


@case
def roster_missing(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(roster_school(tmp, "absent.csv"), "roster", "an existing roster file")


@case
def roster_not_text_path(tmp: Path) -> tuple[list[str], list[str]]:
    data = tiny()
    data["roster"] = ["a.csv"]
    data.pop("classes")
    return _validate(write_yaml(tmp / "school.yaml", data), "roster", "a path to")


@case
def roster_and_classes(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_school(tmp, roster="r.csv"), "roster", "not both")


@case
def roster_folder(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.csv").mkdir()
    return _validate(roster_school(tmp, "roster.csv"), "roster.csv", "not a folder", named="roster.csv")


@case
def roster_suffix(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.docx").write_bytes(b"x")
    return _validate(
        roster_school(tmp, "roster.docx"),
        "roster.docx",
        "'.docx'",
        ".csv, .xlsx or .xls",
        named="roster.docx",
    )


@case
def roster_gbk_bad_grade(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "年级,班级,人数\n初一,1班,45\n十三年级,2班,44\n", "gbk")
    return _validate(
        path, "roster.csv", "line 3, column 年级", "'十三年级'", "a grade 1-12", named="roster.csv"
    )


@case
def roster_gb18030_bad_students(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "XX学校班级人数统计表\n年级,班级,学生数\n初一,1班,四十五\n", "gb18030")
    return _validate(
        path, "line 3, column 学生数", "'四十五'", "a whole number of students", named="roster.csv"
    )


@case
def roster_utf16_bad_boarding(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "年级\t班级\t人数\t住宿\n初一\t1班\t45\t也许\n", "utf-16")
    return _validate(path, "line 2, column 住宿", "'也许'", "yes or no", named="roster.csv")


@case
def roster_no_header(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(_roster_csv(tmp, "a,b,c\n1,2,3\n"), "roster.csv", "a header row", named="roster.csv")


@case
def roster_missing_students_column(tmp: Path) -> tuple[list[str], list[str]]:
    return _validate(
        _roster_csv(tmp, "年级,班级,班主任\n初一,1班,王老师\n"), "line 1", "人数/students", named="roster.csv"
    )


@case
def roster_bad_class(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "年级,班级,人数\n初一,实验,45\n")
    return _validate(path, "line 2, column 班级", "'实验'", "a class number", named="roster.csv")


@case
def roster_class_grade_conflict(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "年级,班级,人数\n8,初一（3）班,45\n")
    return _validate(path, "line 2, column 班级", "'初一（3）班'", "grade 8", named="roster.csv")


@case
def roster_duplicate_row(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "年级,班级,人数\n初一,1班,45\n初一,2班,45\n初一,(1)班,40\n")
    return _validate(path, "roster.csv: line 4, column 班级", "'7-1'", "also on line 2", named="roster.csv")


@case
def roster_students_too_many(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "grade,class,students\n7,1,45\n7,2,450\n")
    return _validate(path, "roster.csv: line 3, column students", "'450'", "<= 120", named="roster.csv")


@case
def roster_undecodable(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.csv").write_bytes(b"grade,class,students\n7,\xff\xfe\xff\x80\x81\xfe,45\n" * 3)
    return _validate(roster_school(tmp, "roster.csv"), "roster.csv", named="roster.csv")


@case
def roster_too_many_rows(tmp: Path) -> tuple[list[str], list[str]]:
    path = _roster_csv(tmp, "grade,class,students\n" + "7,1,45\n" * 10_001)
    return _validate(path, "roster.csv", "at most 10000 rows", named="roster.csv")


@case
def xlsx_csv_renamed(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.xlsx").write_text("年级,班级,人数\n初一,1班,45\n", encoding="utf-8")
    return _validate(roster_school(tmp, "roster.xlsx"), "roster.xlsx", "name it .csv", named="roster.xlsx")


@case
def xlsx_zero_bytes(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.xlsx").write_bytes(b"")
    return _validate(roster_school(tmp, "roster.xlsx"), "roster.xlsx", "empty", named="roster.xlsx")


@case
def xlsx_xml_bomb(tmp: Path) -> tuple[list[str], list[str]]:
    xml_bomb_xlsx(tmp / "roster.xlsx")
    return _validate(roster_school(tmp, "roster.xlsx"), "roster.xlsx", "XML entity", named="roster.xlsx")


@case
def xlsx_shared_strings_bomb(tmp: Path) -> tuple[list[str], list[str]]:
    shared_strings_bomb_xlsx(tmp / "roster.xlsx")
    return _validate(roster_school(tmp, "roster.xlsx"), "roster.xlsx", "XML entity", named="roster.xlsx")


@case
def xlsx_zip_bomb(tmp: Path) -> tuple[list[str], list[str]]:
    wb = openpyxl.Workbook()
    wb.active.append(["年级", "班级", "人数"])
    wb.save(tmp / "roster.xlsx")
    with zipfile.ZipFile(tmp / "roster.xlsx", "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/padding.bin", b"\0" * (11 * 1024 * 1024))  # a few kB packed
    return _validate(
        roster_school(tmp, "roster.xlsx"), "roster.xlsx", "at most 10 MB unpacked", named="roster.xlsx"
    )


@case
def xlsx_broken_zip(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.xlsx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    return _validate(roster_school(tmp, "roster.xlsx"), "roster.xlsx", "workbook", named="roster.xlsx")


@case
def xlsx_bad_cell(tmp: Path) -> tuple[list[str], list[str]]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["XX学校班级人数统计表"])
    ws.append(["年级", "班级", "人数"])
    ws.append(["初一", "1班", 45])
    ws.append(["初一", "2班", "约40"])
    wb.save(tmp / "roster.xlsx")
    return _validate(
        roster_school(tmp, "roster.xlsx"), "roster.xlsx: row 4, column 人数", "'约40'", named="roster.xlsx"
    )


@case
def xlsx_formula_without_value(tmp: Path) -> tuple[list[str], list[str]]:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年级", "班级", "男生", "女生", "人数"])
    ws.append(["初一", "1班", 20, 22, "=C2+D2"])
    wb.save(tmp / "roster.xlsx")
    return _validate(
        roster_school(tmp, "roster.xlsx"),
        "row 2, column 人数",
        "'=C2+D2'",
        "save it again",
        named="roster.xlsx",
    )


@case
def xls_garbage(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "roster.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)
    return _validate(roster_school(tmp, "roster.xls"), "roster.xls", "workbook", named="roster.xls")


@case
def xls_is_xlsx(tmp: Path) -> tuple[list[str], list[str]]:
    wb = openpyxl.Workbook()
    wb.active.append(["年级", "班级", "人数"])
    wb.save(tmp / "roster.xls")
    return _validate(roster_school(tmp, "roster.xls"), "roster.xls", "name it .xlsx", named="roster.xls")


# ---------------------------------------------------------------- timetables (reopen-sim check)


def _timetable(tmp: Path, edit: Callable[[str], str] | None = None, encoding: str = "utf-8") -> Path:
    from reopen_sim.plan import ClassAssignment, Plan

    rows = [
        ClassAssignment("2-1", 2, 21, False, 470, 480, "gate", ("R201",), None, 965),
        ClassAssignment("1-1", 1, 20, False, 480, 490, "gate", ("R101",), None, 960),
    ]
    text = Plan(tuple(rows)).to_csv_text()
    (tmp / "timetable.csv").write_bytes((edit(text) if edit else text).encode(encoding))
    return tmp / "timetable.csv"


def _check(tmp: Path, timetable: Path, *must: str) -> tuple[list[str], list[str]]:
    from bad_input_support import TINY

    return ["check", str(TINY), str(timetable)], [timetable.name, *must]


@case
def tt_missing(tmp: Path) -> tuple[list[str], list[str]]:
    return _check(tmp, tmp / "timetable.csv", "TIMETABLE", "an existing file")


@case
def tt_folder(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "timetable.csv").mkdir()
    return _check(tmp, tmp / "timetable.csv", "not a folder")


@case
def tt_empty(tmp: Path) -> tuple[list[str], list[str]]:
    (tmp / "timetable.csv").write_bytes(b"")
    return _check(tmp, tmp / "timetable.csv", "header", "a header row")


@case
def tt_missing_column(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace(",gate,", ",door,", 1))
    return _check(tmp, path, "header", "columns class_id")


@case
def tt_bad_time(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace("07:50,08:00", "7h50,08:00"))
    return _check(tmp, path, "line 2, column arrival_start", "'7h50'", "HH:MM")


@case
def tt_gbk_bad_students(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace("2-1,2,21,no", "2-1,2,二十一,否"), "gbk")
    return _check(tmp, path, "line 2, column students", "'二十一'")


@case
def tt_utf16_bad_boarding(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace("2-1,2,21,no", "2-1,2,21,也许"), "utf-16")
    return _check(tmp, path, "line 2, column boarding", "'也许'", "yes or no")


@case
def tt_no_rooms(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace(",R201,", ",,"))
    return _check(tmp, path, "line 2, column rooms")


@case
def tt_bad_sitting(tmp: Path) -> tuple[list[str], list[str]]:
    path = _timetable(tmp, lambda t: t.replace("R201,,", "R201,first,"))
    return _check(tmp, path, "line 2, column canteen_sitting", "'first'")


@case
def tt_too_large(tmp: Path) -> tuple[list[str], list[str]]:
    with open(tmp / "timetable.csv", "wb") as f:
        f.truncate(21 * 1024 * 1024)
    return _check(tmp, tmp / "timetable.csv", "at most 20 MB")


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 45


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_a_clear_error(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args, must = CASES[name](tmp_path)
    code, err = run_main(monkeypatch, capsys, "en", *args)
    assert code == 2, err
    assert "Traceback" not in err
    for text in must:
        assert text in err, (text, err)
    code_zh, err_zh = run_main(monkeypatch, capsys, "zh", *args)
    assert code_zh == 2
    assert "Traceback" not in err_zh
    assert "问题" in err_zh
    assert english_runs(err_zh) == [], err_zh


def test_the_english_check_finds_an_english_sentence() -> None:
    assert english_runs("x.yaml: 第 3 行：应为 a whole number of students") == ["a whole number of students"]
    assert english_runs("x.yaml：应为整数（“File name too long”）；a/b/c d e") == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_issue_has_a_catalogue_entry_that_says_the_same(name: str, tmp_path: Path) -> None:
    """The English sentence of each issue is its en catalogue entry filled in, and zh has the key."""
    from reopen_sim.errors import InputError
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.plan import read_timetable
    from reopen_sim.scenario.load import load_scenario

    args, _must = CASES[name](tmp_path)
    with pytest.raises(InputError) as info:
        if args[0] == "validate":
            load_scenario(args[1])
        else:
            read_timetable(args[2], load_scenario(args[1]))
    en, zh = load_catalogue("en"), load_catalogue("zh")
    for issue in info.value.issues:
        assert issue.key is not None, issue
        assert en(f"expected.{issue.key}", **issue.fields) == issue.expected
        assert zh(f"expected.{issue.key}", **issue.fields)
        if issue.path_key is not None:
            assert en(f"where.{issue.path_key}", **issue.path_fields) == issue.path
