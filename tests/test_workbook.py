"""The school workbook: template -> filled in as a user would -> validate and plan; YAML -> workbook ->
the same Scenario and timetable; errors naming sheet, row and header; notes, drop-downs, typed cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pydantic import BaseModel

import reopen_sim as rs
from reopen_sim.errors import InputError
from reopen_sim.i18n import load_catalogue
from reopen_sim.scenario import schema as S
from reopen_sim.scenario.workbook import write_workbook
from reopen_sim.scenario.workbook_layout import CHOICES, PARTS, Part

ROOT = Path(__file__).resolve().parents[1]
SCHOOLS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.startswith("district"))
SHEETS = {lang: {p.name: p.title(lang) for p in PARTS} for lang in ("zh", "en")}


def cli(*args: str, lang: str = "en", cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``reopen-sim ARGS`` in a subprocess under the locale of ``lang``."""
    locale = "zh_CN.UTF-8" if lang == "zh" else "en_US.UTF-8"
    env = {"COLUMNS": "120", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "LANG": locale}
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def header_index(ws: Any) -> dict[str, int]:
    """Column number of each field key, read from the bilingual header row."""
    out = {}
    for cell in ws[1]:
        for part in PARTS:
            for col in part.columns:
                if " ".join(str(cell.value).split()) in (col.header("zh"), col.header("en")):
                    out[col.key] = cell.column
    return out


def first_empty_row(ws: Any) -> int:
    return next(r for r in range(2, ws.max_row + 2) if all(c.value is None for c in ws[r]))


def full_school() -> S.Scenario:
    """The tiny school with every optional field set: campus, pins, groups, every kind of distribution."""
    import yaml

    data = yaml.safe_load((ROOT / "scenarios/tiny-school.yaml").read_text(encoding="utf-8"))
    data["policy"].update(
        room_distancing={"desk_spacing_m": 0.5, "min_area_per_student_m2": 1.5},
        arrival_order=[[2], [1]],
        arrival_behaviour={
            "spread": "triangular",
            "early_share": 0.1,
            "early_max_min": 3,
            "late_share": 0,
            "late_max_min": 2,
        },
        fever={
            "threshold_c": 37.5,
            "recheck_time_s": {"dist": "exponential", "mean": 90},
            "parent_pickup_min": {"dist": "empirical", "samples": [20, 35.5, 41.123456789]},
        },
        keep_home_rooms=False,
    )
    data["classes"][0].update(boarding=True, name="一年级（1）班")
    gate = data["entrances"][0]
    gate.update(node="gate-node", open_to="all", screening_method="face_recognition_gate")
    gate["service_time_s"] = {"dist": "deterministic", "value": 2.5}
    data["entrances"].append({"id": "=side", "name": "+侧门", "lanes": 1, "staff": 1, "open_to": "all"})
    data["rooms"][0].update(length_m=9, width_m=7, volume_m3=180, air_changes_per_h=2.5)
    data["rooms"][1]["desk_grid"].update(desk_width_m=0.7, desk_depth_m=0.5, row_pitch_m=1.3, col_pitch_m=1.4)
    data["campus"] = {
        "edges": [{"a": "gate-node", "b": "Main", "m": 35}, {"a": "Main", "b": "Gym", "m": 12.5}]
    }
    data["canteen"] = {
        "mode": "sittings",
        "tables": 10,
        "seats_per_table": 6,
        "sides": 1,
        "seating_rule": "one_side",
        "serving_lanes": 3,
        "serving_time_s": {"dist": "lognormal", "mean": 12, "sd": 4},
        "first_sitting_at": "11:30",
        "sitting_min": 20,
        "cleaning_min": 10,
        "max_sittings": 5,
        "area_m2": 300,
    }
    data["pins"] = [
        {
            "class_id": "1-1",
            "gate": "gate",
            "window_at": "08:20",
            "rooms": ["R101", "LAB1"],
            "canteen_sitting": 2,
            "dismissal_at": "16:05",
        },
        {"class_id": "2-2", "rooms": ["R202"]},
    ]
    data["groups"] = [{"id": "bus-1", "kind": "bus", "classes": ["1-1", "1-2"]}]
    return rs.scenario_from_dict(data)


def same_school(a: S.Scenario, b: S.Scenario) -> bool:
    """Equal apart from where each came from (path, hash and format)."""
    where = {"source_path": None, "source_sha256": None, "source_format": "yaml"}
    return a.model_copy(update=where) == b.model_copy(update=where)


# --------------------------------------------------------------------------------------------
# Template -> fill in -> plan
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_filled_in_then_planned(tmp_path: Path, lang: str) -> None:
    book = tmp_path / ("学校.xlsx" if lang == "zh" else "school.xlsx")
    res = cli("template", "-o", str(book), "--lang", lang, lang=lang)
    assert res.returncode == 0, res.stderr
    example = rs.load_scenario(book)

    # As an administrator would: one more lane at the first gate, one more class.
    wb = openpyxl.load_workbook(book)
    gates = wb[SHEETS[lang]["entrances"]]
    gcols = header_index(gates)
    gates.cell(row=2, column=gcols["lanes"]).value = example.entrances[0].lanes + 1
    classes = wb[SHEETS[lang]["classes"]]
    ccols = header_index(classes)
    row = first_empty_row(classes)
    new = {"id": "2-3", "grade": 2, "students": 28, "boarding": "否" if lang == "zh" else "no"}
    for key, value in new.items():
        classes.cell(row=row, column=ccols[key]).value = value
    wb.save(book)

    sc = rs.load_scenario(book)
    assert sc.entrances[0].lanes == example.entrances[0].lanes + 1
    assert sc.class_by_id("2-3").students == 28 and not sc.class_by_id("2-3").boarding
    assert len(sc.classes) == len(example.classes) + 1

    assert cli("validate", str(book), lang=lang).returncode == 0
    out = tmp_path / "plan"
    res = cli("plan", str(book), "-o", str(out), "--time-limit", "5", lang=lang)
    assert res.returncode == 0, res.stderr
    rows = list(csv.DictReader(io.StringIO((out / "timetable.csv").read_text(encoding="utf-8-sig"))))
    assert {r["class_id"] for r in rows} == {c.id for c in sc.classes}
    res = cli("check", str(book), str(out / "timetable.csv"), lang=lang)
    assert res.returncode == 0, res.stdout + res.stderr


def test_worked_example_validates_and_differs_by_language_only_in_names(tmp_path: Path) -> None:
    zh = rs.load_scenario(write_workbook(tmp_path / "zh.xlsx", lang="zh"))
    en = rs.load_scenario(write_workbook(tmp_path / "en.xlsx", lang="en"))
    assert zh.school.name != en.school.name
    assert [c.model_dump() for c in zh.classes] == [c.model_dump() for c in en.classes]
    # Every sheet of the template holds at least one example row, except the optional campus paths.
    wb = openpyxl.load_workbook(tmp_path / "zh.xlsx")
    for part in PARTS:
        if part.name != "campus":
            assert wb[part.title("zh")].max_row >= 2, part.name


def test_template_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    book = tmp_path / "学校.xlsx"
    book.write_bytes(b"keep me")
    res = cli("template", "-o", str(book), "--lang", "zh", lang="zh")
    assert res.returncode == 2
    assert "--force" in res.stderr and "Traceback" not in res.stderr
    assert book.read_bytes() == b"keep me"
    res = cli("template", "-o", str(book), "--lang", "zh", "--force", lang="zh")
    assert res.returncode == 0, res.stderr
    assert rs.load_scenario(book).school.name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["学校.xlsx"]  # no temporary file left
    (tmp_path / "folder.xlsx").mkdir()
    res = cli("template", "-o", str(tmp_path / "folder.xlsx"), "--force", "--lang", "zh", lang="zh")
    assert res.returncode == 2 and "文件而不是文件夹" in res.stderr


def test_template_is_deterministic(tmp_path: Path) -> None:
    sc = rs.load_scenario(ROOT / "scenarios/tiny-school.yaml")
    a = write_workbook(tmp_path / "a.xlsx", sc, lang="zh")
    b = write_workbook(tmp_path / "b.xlsx", rs.load_scenario(ROOT / "scenarios/tiny-school.yaml"), lang="zh")
    assert a.read_bytes() == b.read_bytes()


# --------------------------------------------------------------------------------------------
# YAML -> workbook -> the same school and timetable
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.name)
def test_bundled_school_round_trips_through_a_workbook(tmp_path: Path, path: Path) -> None:
    sc = rs.load_scenario(path)
    book = tmp_path / "school.xlsx"
    res = cli("template", "-o", str(book), "--from", str(path), "--lang", "zh")
    assert res.returncode == 0, res.stderr
    back = rs.load_scenario(book)
    assert same_school(back, sc)
    assert back.source_path == str(book)
    a = rs.optimize(sc, time_limit_s=3, seed=0)
    b = rs.optimize(back, time_limit_s=3, seed=0)
    assert a.rows() == b.rows()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_field_survives_the_round_trip(tmp_path: Path, lang: str) -> None:
    """A school that sets every optional field (campus, pins, empirical times, desk spacing ...)."""
    sc = full_school()
    back = rs.load_scenario(write_workbook(tmp_path / "s.xlsx", sc, lang=lang))
    assert same_school(back, sc)


def test_layout_covers_every_field_of_the_schema() -> None:
    """Every leaf of the scenario schema has a column (distributions and walk_m as whole values)."""

    def leaves(model: type[BaseModel], prefix: str) -> set[str]:
        out = set()
        for name, info in model.model_fields.items():
            if info.exclude:
                continue
            ann = info.annotation
            sub = [
                a
                for a in (ann, *getattr(ann, "__args__", ()))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if sub and sub[0] not in (S.Exponential, S.LogNormal, S.Deterministic, S.Empirical):
                out |= leaves(sub[0], f"{prefix}{name}.")
            else:
                out.add(prefix + name)
        return out

    schema = leaves(S.Scenario, "")
    for name in ("classes", "entrances", "rooms", "pins", "groups"):  # lists of models
        schema.discard(name)
        model = S.Scenario.model_fields[name].annotation.__args__[0]  # type: ignore[union-attr]
        schema |= leaves(model, f"{name}.")
    schema.discard("campus")
    schema |= leaves(S.CampusEdge, "campus.edges.")

    def where(part: Part, key: str) -> str:
        if part.name == "walks":
            return "entrances.walk_m"
        root = part.root + "." if part.root else ""
        return root + key

    layout = {
        where(p, c.key)
        for p in PARTS
        for c in p.columns
        if c.kind not in ("dist_kind", "dist_sd", "dist_samples")
    }
    assert schema - layout == set()
    assert layout - schema == set()


# --------------------------------------------------------------------------------------------
# Errors name sheet, row and header
# --------------------------------------------------------------------------------------------


def broken(tmp_path: Path, lang: str) -> Path:
    book = write_workbook(tmp_path / f"bad-{lang}.xlsx", lang=lang)
    wb = openpyxl.load_workbook(book)
    gates = wb[SHEETS[lang]["entrances"]]
    gates.cell(row=3, column=header_index(gates)["lanes"]).value = "abc"
    classes = wb[SHEETS[lang]["classes"]]
    classes.cell(row=4, column=header_index(classes)["home_room"]).value = "ZZZ"
    wb.save(book)
    return book


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_errors_name_sheet_row_and_header(tmp_path: Path, lang: str) -> None:
    book = broken(tmp_path, lang)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    (issue,) = exc.value.issues  # the schema is not run past a bad cell: the home room comes next
    where = "入口，第 3 行，通道数 lanes" if lang == "zh" else "Entrances, row 3, lanes 通道数"
    assert issue.path == where and issue.value == "abc"
    assert issue.expected == "a whole number from 1 to 40"  # bounds of Entrance.lanes

    wb = openpyxl.load_workbook(book)
    gates = wb[SHEETS[lang]["entrances"]]
    gates.cell(row=3, column=header_index(gates)["lanes"]).value = 2
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    (issue,) = exc.value.issues  # a broken reference, found after the schema: mapped back to its cell
    where = "班级，第 4 行，本班教室 home_room" if lang == "zh" else "Classes, row 4, home_room 本班教室"
    assert issue.path == where and issue.value == "ZZZ"


def test_errors_in_chinese_have_no_english_sentence(tmp_path: Path) -> None:
    book = broken(tmp_path, "zh")
    res = cli("validate", str(book), lang="zh")
    assert res.returncode == 2
    assert "入口，第 3 行，通道数 lanes：填写的是 'abc'；应为1 到 40 之间的整数" in res.stderr
    assert "expected" not in res.stderr and "whole number" not in res.stderr
    res = cli("validate", str(book), lang="en")
    assert "got 'abc'; expected a whole number from 1 to 40" in res.stderr


def test_schema_errors_map_to_their_cell(tmp_path: Path) -> None:
    """An error the schema finds (a rule across fields) points at the row of the field it names."""
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    rooms = wb["教室"]
    rooms.cell(row=2, column=header_index(rooms)["desk_grid.cols"]).value = None  # rows without cols
    day = wb["学校与作息"]
    row = next(r for r in range(2, day.max_row + 1) if str(day.cell(r, 1).value).endswith("day.window_min"))
    day.cell(row=row, column=2).value = 7  # 07:40-08:20 is not a whole number of 7-minute windows
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    paths = {i.path for i in exc.value.issues}
    assert "教室，第 2 行，课桌列数 desk_grid.cols" in paths
    assert "学校与作息" in paths  # a rule of the whole day: the sheet


def test_unknown_column_is_an_error_but_note_columns_and_other_sheets_are_not(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    classes = wb["班级"]
    n = classes.max_column
    classes.cell(row=1, column=n + 1).value = "备注"
    classes.cell(row=2, column=n + 1).value = "班主任：王老师"
    wb.create_sheet("我的笔记")["A1"] = "随便写"
    wb.save(book)
    rs.load_scenario(book)

    classes.cell(row=1, column=n + 2).value = "班主任"
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    (issue,) = exc.value.issues
    assert issue.path == "班级，第 1 行，班主任" and issue.key == "workbook_unknown_column"


def test_missing_sheet_and_unreadable_file(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="en")
    wb = openpyxl.load_workbook(book)
    del wb["Rooms"]
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    assert any(i.path == "Rooms" and i.key == "workbook_sheet" for i in exc.value.issues)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(InputError) as exc:
        rs.load_scenario(fake)
    assert exc.value.issues[0].key == "workbook_not_xlsx"


# --------------------------------------------------------------------------------------------
# Cells as users type them
# --------------------------------------------------------------------------------------------


def test_cells_typed_as_users_type_them(tmp_path: Path) -> None:
    """Times as Excel times or text, yes/no in either language, choices as label or code."""
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    day = wb["学校与作息"]
    rows = {str(day.cell(r, 1).value).split()[-1]: r for r in range(2, day.max_row + 1)}
    assert isinstance(day.cell(rows["day.earliest_arrival_at"], 2).value, dt.time)
    day.cell(rows["day.earliest_arrival_at"], 2).value = "7:30"  # text, no leading zero
    day.cell(rows["day.latest_arrival_at"], 2).value = "08：20"  # full-width colon (Chinese IME)
    day.cell(rows["school.kind"], 2).value = "junior_middle"  # the code in a Chinese workbook
    rules = wb["防控规则"]
    rule_rows = {str(rules.cell(r, 1).value).split()[-1]: r for r in range(2, rules.max_row + 1)}
    rules.cell(rule_rows["target_utilisation"], 2).value = "80%"
    classes = wb["班级"]
    c = header_index(classes)
    classes.cell(row=2, column=c["boarding"]).value = "yes"
    classes.cell(row=3, column=c["boarding"]).value = True  # an Excel TRUE
    gates = wb["入口"]
    g = header_index(gates)
    gates.cell(row=2, column=g["service_time_s.dist"]).value = "实测样本"
    gates.cell(row=2, column=g["service_time_s"]).value = None
    gates.cell(row=2, column=g["service_time_s.sd"]).value = None
    gates.cell(row=2, column=g["service_time_s.samples"]).value = "22, 31，28、40"
    wb.save(book)
    sc = rs.load_scenario(book)
    assert S.format_hhmm(sc.day.earliest_arrival_at) == "07:30"
    assert S.format_hhmm(sc.day.latest_arrival_at) == "08:20"
    assert sc.school.kind == "junior_middle"
    assert sc.policy.target_utilisation == pytest.approx(0.8)
    assert sc.classes[0].boarding and sc.classes[1].boarding
    assert sc.entrances[0].service_time_s == S.Empirical(dist="empirical", samples=(22, 31, 28, 40))


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+86 10 1234", "-1 班", "@home"])
def test_user_text_is_never_written_as_a_formula(tmp_path: Path, text: str) -> None:
    sc = rs.load_scenario(ROOT / "scenarios/tiny-school.yaml")
    sc = sc.model_copy(update={"school": S.SchoolInfo(name=text, kind="primary")})
    book = write_workbook(tmp_path / "s.xlsx", sc, lang="en")
    ws = openpyxl.load_workbook(book)["School and day"]
    cell = ws.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == text
    assert rs.load_scenario(book).school.name == text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_column_has_a_note_and_every_choice_a_drop_down(tmp_path: Path, lang: str) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang=lang)
    wb = openpyxl.load_workbook(book)
    cat = load_catalogue(lang)
    for part in PARTS:
        ws = wb[part.title(lang)]
        rules = {}
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                rules[rng.min_col if part.table else rng.min_row] = dv
        for i, col in enumerate(part.columns):
            cell = ws.cell(row=1, column=i + 1) if part.table else ws.cell(row=i + 2, column=1)
            assert " ".join(str(cell.value).split()) == col.header(lang)
            generic = col.kind in ("dist_kind", "dist_sd", "dist_samples")
            meaning = cat(f"workbook.note.{col.kind if generic else part.name + '.' + col.key}")
            assert cell.comment is not None and cell.comment.text.startswith(meaning), (part.name, col.key)
            rule = rules.get(i + 1 if part.table else i + 2)
            if col.kind == "bool":
                assert rule.type == "list" and rule.formula1 == ('"是,否"' if lang == "zh" else '"yes,no"')
            elif col.kind in ("choice", "dist_kind"):
                options = CHOICES[col.choices]
                shown = options.values() if lang == "zh" else options.keys()
                assert rule.type == "list" and rule.formula1 == '"' + ",".join(shown) + '"', (
                    part.name,
                    col.key,
                )
            elif col.kind == "int":  # Excel refuses what the schema would: a whole number in its bounds
                assert rule.type == "whole" and rule.showErrorMessage, (part.name, col.key)
            elif col.kind in ("float", "dist", "dist_sd"):
                assert rule.type == "decimal", (part.name, col.key)
            else:
                assert rule is None, (part.name, col.key)
    lanes = wb[SHEETS[lang]["entrances"]].data_validations.dataValidation
    (rule,) = [dv for dv in lanes if dv.type == "whole" and dv.formula2 == "40"]  # Entrance.lanes: 1..40
    assert rule.formula1 == "1" and rule.error == cat("expected.workbook_int_range", lo=1, hi=40)
    assert wb.sheetnames[0] == cat("workbook.readme_title")


def test_id_columns_are_formatted_as_text(tmp_path: Path) -> None:
    """So that a class typed 7-2 on a new row stays '7-2' instead of becoming a date in Excel."""
    wb = openpyxl.load_workbook(write_workbook(tmp_path / "s.xlsx", lang="zh"))
    ws = wb["班级"]
    letter = openpyxl.utils.get_column_letter(header_index(ws)["id"])
    assert ws.column_dimensions[letter].number_format == "@"
    for ws in wb.worksheets[1:]:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                    assert cell.data_type == "n"


def test_walking_distances_errors_point_at_their_row(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    walks = wb["步行距离"]
    walks.cell(row=2, column=2).value = "Gym"  # no room is in a building called Gym
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    assert [(i.path, i.value) for i in exc.value.issues] == [("步行距离，第 2 行，教学楼 building", "Gym")]
    walks.cell(row=2, column=2).value = "A"
    walks.cell(row=3, column=1).value = "west"  # no such entrance
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    (issue,) = exc.value.issues
    assert issue.path == "步行距离，第 3 行，入口编号 entrance" and issue.key == "gate_ref_sheet"
    assert issue.render(load_catalogue("zh")).endswith("应为“入口”表中某个入口的编号（east, south）")
    assert str(issue).endswith("expected the id of an entrance on the 入口 sheet (east, south)")


def test_a_blank_canteen_sheet_means_meals_delivered(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    assert rs.load_scenario(book).canteen.mode == "sittings"  # the worked example has sittings
    wb = openpyxl.load_workbook(book)
    for row in wb["食堂"].iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].value = None
    wb.save(book)
    assert rs.load_scenario(book).canteen == S.Canteen(mode="delivered")


def test_every_workbook_issue_key_is_in_both_catalogues(tmp_path: Path) -> None:
    """The keys the reader and writer raise have a sentence in English and Chinese."""
    import re

    keys = set()
    for name in ("workbook_read.py", "workbook_write.py"):
        text = (ROOT / "src/reopen_sim/scenario" / name).read_text(encoding="utf-8")
        found = re.findall(r'"(workbook_[\w{}]+|one_of)"', text)
        keys |= {k.replace("{kind}", kind) for k in found for kind in ("int", "number")}
    assert {"workbook_int_range", "workbook_number_above", "one_of"} <= keys
    for lang in ("en", "zh"):
        cat = load_catalogue(lang)
        assert {k for k in keys if f"expected.{k}" not in cat.texts} == set(), lang


def test_a_bad_choice_is_named_in_the_users_language(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    gates = wb["入口"]
    gates.cell(row=2, column=header_index(gates)["open_to"]).value = "老师"
    wb.save(book)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    (issue,) = exc.value.issues
    assert issue.path == "入口，第 2 行，开放对象 open_to" and issue.value == "老师"
    zh = exc.value.render(load_catalogue("zh"))
    assert "应为以下之一：全体学生 (all), 住校生 (boarders), 走读生 (day)" in zh


def test_headers_in_either_language_or_the_field_name_alone(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="zh")
    wb = openpyxl.load_workbook(book)
    gates = wb["入口"]
    c = header_index(gates)
    gates.cell(row=1, column=c["lanes"]).value = "lanes"
    gates.cell(row=1, column=c["staff"]).value = "工作人员"
    gates.cell(row=1, column=c["queue_length_m"]).value = "queue_length_m 排队长度"
    gates.cell(row=2, column=c["staff"]).value = 3
    rules = wb["防控规则"]
    rules.cell(row=2, column=1).value = "queue_spacing_m"
    rules.cell(row=2, column=2).value = 1.5
    wb.save(book)
    sc = rs.load_scenario(book)
    assert sc.entrances[0].staff == 3 and sc.policy.queue_spacing_m == 1.5
    assert (
        sc.entrances[0].lanes
        == rs.load_scenario(write_workbook(tmp_path / "t.xlsx", lang="zh")).entrances[0].lanes
    )


def test_overrides_apply_to_a_workbook_like_to_a_yaml(tmp_path: Path) -> None:
    book = write_workbook(tmp_path / "s.xlsx", lang="en")
    sc = rs.load_scenario(book, overrides={"policy": {"queue_spacing_m": 1.5}})
    assert sc.policy.queue_spacing_m == 1.5
    assert sc.policy.arrival_order == rs.load_scenario(book).policy.arrival_order  # the rest kept
