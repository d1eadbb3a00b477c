"""The files ``run`` writes: byte-identical for the same inputs and seed, user text never a formula,
and a timetable workbook and CSV that Excel opens right."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from cli_support import run_cli
from reopen_sim.report.cells import FORMULA_START

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``run`` twice on the bundled junior middle school, same seed, into two folders (zh)."""
    base = tmp_path_factory.mktemp("twice")
    outs = []
    for name in ("a", "b"):
        out = base / name
        res = run_cli(
            "run",
            "scenarios/junior-middle.yaml",
            "-o",
            str(out),
            "-n",
            "2",
            "--time-limit",
            "10",
            "--lang",
            "zh",
        )
        assert res.returncode == 0, res.stderr
        outs.append(out)
    return outs[0], outs[1]


def test_same_inputs_and_seed_give_identical_files(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) == files
    # 7 documents, timings.json, SVG and PNG of each figure (no canteen figure: meals are delivered).
    assert len(files) == 8 + 2 * 4
    differ = [str(f) for f in files if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differ == ["timings.json"]


def test_timings_are_kept_apart(two_runs: tuple[Path, Path]) -> None:
    a, _ = two_runs
    clock = json.loads((a / "timings.json").read_text(encoding="utf-8"))
    assert clock["optimize_s"] >= 0 and clock["simulate_s"] > 0
    assert clock["plans"]["optimized"]["wall_time_s"] > 0
    record = (a / "run.json").read_text(encoding="utf-8")
    assert "wall_time_s" not in record and "solver_time_s" not in record
    assert "wall_time_s" not in (a / "report.html").read_text(encoding="utf-8")


def test_workbook_has_no_save_time(two_runs: tuple[Path, Path]) -> None:
    a, _ = two_runs
    with zipfile.ZipFile(a / "timetable.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core


# --------------------------------------------------------------------------------------------
# Files from others are data, never code
# --------------------------------------------------------------------------------------------


def hostile_school(prefix: str, tmp_path: Path) -> Path:
    """The tiny school with every user-text field starting with ``prefix`` (school, gate id and
    name, building, room ids, class names), a canteen with sittings, and ``<script>`` in names."""
    raw = yaml.safe_load((ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8"))
    bad = prefix + 'HYPERLINK("http://x","click")'
    raw["school"]["name"] = bad + "<script>alert(1)</script>"
    building = prefix + "Main"
    gate = raw["entrances"][0]
    gate.update(id=prefix + "G1", name=bad, walk_m={building: 40})
    for r in raw["rooms"]:
        r.update(id=prefix + r["id"], building=building)
    for c in raw["classes"]:
        c.update(building=building, home_room=prefix + c["home_room"], name=prefix + c["id"] + "<b>班</b>")
    raw["canteen"] = {"mode": "sittings", "tables": 20, "seats_per_table": 8, "max_sittings": 2}
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_user_text_is_never_a_formula(tmp_path: Path, prefix: str) -> None:
    import reopen_sim as rs

    path = hostile_school(prefix, tmp_path)
    out = tmp_path / "out"
    res = run_cli("run", str(path), "-o", str(out), "-n", "2", "--time-limit", "5", "--lang", "zh")
    assert res.returncode == 0, res.stderr
    workbooks = sorted(out.rglob("*.xlsx"))
    assert workbooks
    for book in workbooks:
        wb = load_workbook(book)
        seen = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
        assert [c.coordinate for c in seen if c.data_type == "f"] == [], book.name
        # The user's text is there, as typed.
        assert any(c.value == prefix + "G1" for c in seen)
    for table in sorted(out.rglob("*.csv")):
        with table.open(encoding="utf-8-sig", newline="") as f:
            cells = [v for row in csv.reader(f) for v in row]
        # A negative number is a number to a spreadsheet too; text must not start like a formula.
        assert not [v for v in cells if v.startswith(FORMULA_START) and not _is_number(v)], table.name
    # Escaped ids read back as they are in the scenario.
    sc = rs.load_scenario(path)
    plan = rs.read_timetable(out / "timetable.csv", sc)
    assert {a.gate for a in plan.assignments} == {prefix + "G1"}
    assert {r for a in plan.assignments for r in a.rooms} <= {r.id for r in sc.rooms}
    assert rs.check_plan(sc, plan) == []
    # HTML stays escaped in every page run writes.
    for page in sorted(out.glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html and "<b>" not in html, page.name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page.name


# --------------------------------------------------------------------------------------------
# Files Excel opens right
# --------------------------------------------------------------------------------------------


def test_timetable_csv_has_a_bom_and_the_contract(two_runs: tuple[Path, Path]) -> None:
    import reopen_sim as rs
    from reopen_sim.plan import TIMETABLE_COLUMNS

    a, _ = two_runs
    raw = (a / "timetable.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (a / "timetable.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[: len(TIMETABLE_COLUMNS)] == list(TIMETABLE_COLUMNS)
    sc = rs.load_scenario(ROOT / "scenarios" / "junior-middle.yaml")
    names = {c.id: rs_class_name(c) for c in sc.classes}
    assert {r["class_id"]: r["name"] for r in rows} == names
    assert rs.check_plan(sc, rs.read_timetable(a / "timetable.csv", sc)) == []


def rs_class_name(cls: object) -> str:
    from reopen_sim.naming import class_name

    return class_name(cls, "zh")  # type: ignore[arg-type]


def test_workbook_in_chinese_typed_and_printable(two_runs: tuple[Path, Path]) -> None:
    import datetime as dt

    import reopen_sim as rs
    from reopen_sim.naming import grade_name

    a, _ = two_runs
    sc = rs.load_scenario(ROOT / "scenarios" / "junior-middle.yaml")
    wb = load_workbook(a / "timetable.xlsx")
    gates = [f"值班 {e.name or e.id}" for e in sc.entrances]
    grades = [grade_name(g, "zh") for g in sorted({c.grade for c in sc.classes})]
    # Meals are delivered at this school: no canteen sheet.
    assert wb.sheetnames == ["按班级", "按入口(值班表)", "按教室", *gates, *grades]
    ws = wb["按班级"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["班级编号", "班级", "年级", "人数"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    assert ws.print_title_rows == "$1:$1" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(sc.classes)
    col = {h: i for i, h in enumerate(header)}
    assert [r[col["班级编号"]] for r in rows] == [
        c.id for c in sorted(sc.classes, key=lambda c: (c.grade, int(c.id.split("-")[1])))
    ]
    assert all(isinstance(r[col["人数"]], int) for r in rows)
    assert {r[col["住校"]] for r in rows} <= {"是", "否"}
    assert all(isinstance(r[col["到校开始"]], dt.time) for r in rows)
    assert ws.cell(row=2, column=col["到校开始"] + 1).number_format == "hh:mm"
    # Widths fit the longest text, CJK characters counting double.
    name_width = ws.column_dimensions["B"].width
    assert name_width >= 2 * max(len(r[col["班级"]]) for r in rows)
    # Each grade sheet lists that grade's classes; the gate sheets together hold every class.
    for g, title in zip(sorted({c.grade for c in sc.classes}), grades, strict=True):
        ids = [r[0] for r in wb[title].iter_rows(min_row=2, values_only=True)]
        assert sorted(ids) == sorted(c.id for c in sc.classes if c.grade == g)
    on_duty = sum(r[5] for title in gates for r in wb[title].iter_rows(min_row=2, values_only=True))
    assert on_duty == sum(c.students for c in sc.classes)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_canteen_sheet_when_there_are_sittings(tmp_path: Path, lang: str) -> None:
    import reopen_sim as rs
    from reopen_sim.report.timetable import write_timetable

    sc = rs.load_scenario(ROOT / "scenarios" / "high-school.yaml")
    assert sc.canteen.mode == "sittings"
    plan = rs.baseline_plan(sc)
    _, book = write_timetable(plan, sc, tmp_path, lang=lang)
    wb = load_workbook(book)
    title = "按就餐批次" if lang == "zh" else "by canteen sitting"
    assert title in wb.sheetnames
    rows = list(wb[title].iter_rows(min_row=2, values_only=True))
    assert sum(r[4] for r in rows) == sum(c.students for c in sc.classes)
