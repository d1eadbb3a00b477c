"""Advice names a setting as the user's own file does: the workbook's sheet, field and value for a
school from a workbook (and the desk, whose tables follow the workbook layout), the YAML key for one
from YAML. Followed to the letter in the user's file, the advice makes the school plannable.

Chinese messages join the file and the place with the full-width colon.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from cli_support import in_process
from desk_support import client_for, plan_school
from reopen_sim.i18n import load_catalogue
from reopen_sim.scenario.workbook_layout import NO, PARTS, YES, normalise
from test_optimize_schools import gate, room, school

# A zh workbook's advice: 「sheet」表的「field」填“value”; an en one: the "sheet" sheet, "field": value.
ZH_ADVICE = re.compile(r"「([^」]+)」表的「([^」]+)」填“([^”]+)”")
EN_ADVICE = re.compile(r'the "([^"]+)" sheet, "([^"]+)": ([^)]+)\)')
YAML_KEYS = re.compile(r"\b(?:policy|day|canteen)\.[a-z_.]+")


def home_rooms_clash() -> dict[str, Any]:
    """7-1 (40) lives in R1 (30 seats), 7-2 (25) in R2 (45): kept in their rooms, 7-1 needs an
    overflow room that does not exist (the fixes: add a room, or let classes change rooms)."""
    data = school([("7-1", 7, 40), ("7-2", 7, 25)], rooms=[room("R1", 30), room("R2", 45)])
    data["classes"][0]["home_room"], data["classes"][1]["home_room"] = "R1", "R2"
    return data


def canteen_clash() -> dict[str, Any]:
    """60 distanced seats a sitting, 2 sittings, three classes of 40 (the fix: a third sitting)."""
    return school(
        [("7-1", 7, 40), ("7-2", 7, 40), ("7-3", 7, 40)],
        gates=[gate("A", lanes=4), gate("B", lanes=4)],
        canteen={"mode": "sittings", "tables": 15, "seats_per_table": 8, "max_sittings": 2},
    )


SCHOOLS = {"home_rooms": home_rooms_clash, "canteen": canteen_clash}


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def workbook_of(mp: pytest.MonkeyPatch, capsys: Any, source: Path, book: Path, lang: str) -> Path:
    """The school as its user keeps it: ``reopen-sim template --from`` (what the user fills in)."""
    ran = in_process(mp, capsys, "template", "--from", str(source), "-o", str(book), "--lang", lang)
    assert ran.returncode == 0, ran.stderr
    return book


def plan(mp: pytest.MonkeyPatch, capsys: Any, school_file: Path, lang: str) -> tuple[int, str]:
    out = school_file.parent / f"plan-{school_file.stem}"
    ran = in_process(
        mp, capsys, "plan", str(school_file), "-o", str(out), "--lang", lang, "--time-limit", "10"
    )
    return ran.returncode, ran.stdout + ran.stderr


def form_row(ws: Any, field: str) -> int:
    """The row of a form sheet whose label is ``field`` (in either of the label's languages)."""
    for r in range(2, ws.max_row + 1):
        label = str(ws.cell(r, 1).value or "")
        if normalise(field) in {normalise(w) for w in label.split()}:
            return r
    raise AssertionError(f"no field {field!r} on sheet {ws.title!r}")


def follow(book: Path, advice: tuple[str, str, str]) -> None:
    """Do what the advice says in the workbook, as the user would in Excel."""
    sheet, field, value = advice
    wb = openpyxl.load_workbook(book)
    assert sheet in wb.sheetnames, (sheet, wb.sheetnames)
    ws = wb[sheet]
    ws.cell(form_row(ws, field), 2).value = int(value) if value.isdigit() else value
    wb.save(book)


@pytest.mark.parametrize("name", sorted(SCHOOLS))
@pytest.mark.parametrize(("book_lang", "lang"), [("zh", "zh"), ("en", "en"), ("zh", "en"), ("en", "zh")])
def test_plan_on_a_workbook_advises_in_its_sheet_field_and_value(
    name: str, book_lang: str, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """In the message's language; the sheet and the value as the user's workbook has them (a Chinese
    workbook read in English still names 防控规则 and 否, what its drop-down offers)."""
    source = write_yaml(tmp_path / "s.yaml", SCHOOLS[name]())
    book = workbook_of(monkeypatch, capsys, source, tmp_path / "学校.xlsx", book_lang)
    code, text = plan(monkeypatch, capsys, book, lang)
    assert code == 1, text
    assert YAML_KEYS.findall(text) == [], text  # a workbook user never saw the YAML keys
    found = (ZH_ADVICE if lang == "zh" else EN_ADVICE).findall(text)
    assert found, text
    sheet, field, value = found[0]
    part = next(p for p in PARTS if p.title(book_lang) == sheet)
    col = next(c for c in part.columns if field == (c.zh if lang == "zh" else c.key))
    if col.kind == "bool":  # what the workbook's drop-down offers
        assert value in (YES[book_lang], NO[book_lang]), text
    follow(book, found[0])
    code, text = plan(monkeypatch, capsys, book, lang)
    assert code == 0, text


@pytest.mark.parametrize("name", sorted(SCHOOLS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_plan_on_yaml_advises_in_its_keys(
    name: str, lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = write_yaml(tmp_path / "s.yaml", SCHOOLS[name]())
    code, text = plan(monkeypatch, capsys, path, lang)
    assert code == 1, text
    assert ZH_ADVICE.findall(text) == [] and "sheet" not in text
    advice = re.findall(r"\(([a-z_]+)\.([a-z_]+): ([^)]+)\)", text.replace("（", "(").replace("）", ")"))
    assert advice, text
    part, key, value = advice[0]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault(part, {})[key] = yaml.safe_load(value)
    code, text = plan(monkeypatch, capsys, write_yaml(path, data), lang)
    assert code == 0, text


def too_big_class(split: bool) -> dict[str, Any]:
    """Class 7-1 (50) is larger than every room (45 at most); 3 rooms for 2 classes and a split."""
    return school(
        [("7-1", 7, 50), ("7-2", 7, 25)],
        rooms=[room("R1", 30), room("R2", 45), room("R3", 30)],
        policy={"allow_split_classes": split},
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_check_at_loading_advises_in_the_workbook_terms(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    book = workbook_of(
        monkeypatch,
        capsys,
        write_yaml(tmp_path / "s.yaml", too_big_class(True)),
        tmp_path / "学校.xlsx",
        lang,
    )
    rules = next(p for p in PARTS if p.name == "rules")
    wb = openpyxl.load_workbook(book)
    ws = wb[rules.title(lang)]
    ws.cell(form_row(ws, "allow_split_classes"), 2).value = "否" if lang == "zh" else "no"
    wb.save(book)
    ran = in_process(monkeypatch, capsys, "validate", str(book), "--lang", lang)
    text = ran.stdout + ran.stderr
    assert ran.returncode == 2, text
    assert YAML_KEYS.findall(text) == [], text
    if lang == "zh":  # the file and the place joined as Chinese text joins them
        assert f"{book}：" in text and f"{book}: " not in text
    found = (ZH_ADVICE if lang == "zh" else EN_ADVICE).findall(text)
    assert [(sheet, field) for sheet, field, _ in found] == [
        (rules.title(lang), rules.column("allow_split_classes").zh if lang == "zh" else "allow_split_classes")
    ], text
    follow(book, found[0])
    ran = in_process(monkeypatch, capsys, "validate", str(book), "--lang", lang)
    assert ran.returncode == 0, ran.stdout + ran.stderr


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_check_at_loading_on_yaml_names_the_key(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    path = write_yaml(tmp_path / "s.yaml", too_big_class(False))
    ran = in_process(monkeypatch, capsys, "validate", str(path), "--lang", lang)
    assert ran.returncode == 2
    assert "policy.allow_split_classes: true" in ran.stdout + ran.stderr


def test_the_queue_formula_names_the_workbook_columns() -> None:
    from reopen_sim.errors import InputError
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.scenario.load import scenario_from_dict

    # One lane, 3 m of marked queue (3 places): 39 a window against 51 screened, 85 students in one window.
    data = school([("7-1", 7, 40), ("7-2", 7, 45)], gates=[gate("A", lanes=1, queue_m=3)], n_windows=1)
    data["rooms"] = [room("R1", 45), room("R2", 45)]
    texts = {}
    for fmt in ("yaml", "workbook"):
        with pytest.raises(InputError) as info:
            scenario_from_dict(data, file="s", source_format=fmt)  # type: ignore[arg-type]
        texts[fmt] = {lang: info.value.render(load_catalogue(lang)) for lang in ("en", "zh")}
    assert "lanes × queue_length_m ÷ policy.queue_spacing_m" in texts["yaml"]["en"]
    assert "lanes × queue_length_m ÷ policy.queue_spacing_m" in texts["yaml"]["zh"]
    entrances, rules = (next(p for p in PARTS if p.name == n) for n in ("entrances", "rules"))
    lanes, length = entrances.column("lanes").zh, entrances.column("queue_length_m").zh
    assert f"「{lanes}」 × 「{length}」 ÷ 「{rules.column('queue_spacing_m').zh}」" in texts["workbook"]["zh"]
    assert '"lanes" × "queue_length_m" ÷ "queue_spacing_m"' in texts["workbook"]["en"]


def test_the_desk_plan_job_advises_in_the_tables_terms(tmp_path: Path) -> None:
    """The desk shows a school in tables laid out as the workbook: a failed plan's reasons name the
    sheet and field to change, even for a school uploaded as YAML."""
    rules = next(p for p in PARTS if p.name == "rules")
    with client_for(tmp_path) as c:
        text = yaml.safe_dump(home_rooms_clash(), allow_unicode=True)
        r = c.post("/api/schools", files={"file": ("homes.yaml", text.encode())})
        assert r.status_code in (200, 201), r.text
        job = plan_school(c, r.json()["id"])
        assert job["status"] == "failed", job
        for lang, pattern in (("en", EN_ADVICE), ("zh", ZH_ADVICE)):
            reasons = c.get(f"/api/jobs/{job['id']}", params={"lang": lang}).json()["result"]["reasons"]
            text = "\n".join(reasons)
            assert YAML_KEYS.findall(text) == [], text
            field = rules.column("keep_home_rooms").zh if lang == "zh" else "keep_home_rooms"
            assert (rules.title(lang), field, "否" if lang == "zh" else "no") in pattern.findall(text), text
            # The job's page: "Failed: …", "失败：…" (Chinese text joins with the full-width colon).
            page = c.get(f"/jobs/{job['id']}", params={"lang": lang}).text
            failed = load_catalogue(lang)("desk.ui.job.failed")
            assert failed + ("：" if lang == "zh" else ": ") in page, page


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("policy.keep_home_rooms", False),
        ("policy.max_grades_per_gate_window", 2),
        ("day.latest_arrival_at", "08:30"),
        ("policy.arrival_order", ((9,), (7, 8))),
        ("canteen.mode", "delivered"),
        ("canteen.tables", 40),
    ],
)
@pytest.mark.parametrize("book_lang", ["zh", "en"])
def test_the_value_advised_reads_back_as_the_value_meant(path: str, value: Any, book_lang: str) -> None:
    """What the advice tells the user to type, read as the workbook reads that cell, is the change."""
    from reopen_sim.scenario.setting_names import Setting, layout_of, workbook_format
    from reopen_sim.scenario.workbook_read import read_cell

    part, col = layout_of(path)
    for lang, pattern in (("zh", ZH_ADVICE), ("en", EN_ADVICE)):
        text = f"({Setting(path, value, workbook_format(book_lang)).render(load_catalogue(lang))})"
        [(sheet, _field, typed)] = pattern.findall(text.replace("（", "(").replace("）", ")"))
        assert sheet == part.title(book_lang)
        got = read_cell(part, col, typed)
        assert got == ([list(g) for g in value] if col.kind == "grade_groups" else value), text


def test_a_dropped_order_is_a_blank_cell_and_an_empty_yaml_list() -> None:
    from reopen_sim.scenario.setting_names import Setting

    rules = next(p for p in PARTS if p.name == "rules")
    zh, en = load_catalogue("zh"), load_catalogue("en")
    label = rules.column("arrival_order").zh
    assert (
        Setting("policy.arrival_order", (), "workbook_zh").render(zh) == f"「{rules.zh}」表的「{label}」留空"
    )
    assert (
        Setting("policy.arrival_order", (), "workbook_en").render(en).endswith('"arrival_order" left blank')
    )
    assert Setting("policy.arrival_order", ()).render(zh) == "policy.arrival_order: []"


def test_no_advice_text_spells_a_yaml_key() -> None:
    """Settings are fields of the sentences (named per file), never YAML keys written into them."""
    import json

    root = Path(__file__).resolve().parents[1] / "src/reopen_sim/locales"
    for lang in ("en", "zh"):
        texts = json.loads((root / lang / "explain.json").read_text(encoding="utf-8"))
        texts |= json.loads((root / lang / "errors.json").read_text(encoding="utf-8"))
        spelled = {k: v for k, v in texts.items() if YAML_KEYS.search(v)}
        assert spelled == {}, spelled
