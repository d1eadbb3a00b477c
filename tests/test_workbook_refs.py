"""A reference to something that is not there (a room, a class, a gate, a path node, a repeated id),
found in a school workbook, names the sheet the user fills in (教室 / Rooms), not the YAML list
(``rooms``); the same mistake in a YAML file keeps naming the field."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

import reopen_sim as rs
from bad_input_support import english_runs
from reopen_sim.errors import InputError
from reopen_sim.i18n import load_catalogue
from reopen_sim.scenario.workbook import write_workbook
from test_workbook import SHEETS, full_school, header_index

# Field names a workbook user never sees as such (they would look for a sheet).
YAML_LISTS = (
    "in rooms",
    "rooms 中",
    "campus.edges",
    "in classes",
    "in entrances",
    "在 rooms",
    "在 entrances",
)


def _set(ws: openpyxl.worksheet.worksheet.Worksheet, row: int, key: str, value: object) -> None:
    ws.cell(row=row, column=header_index(ws)[key]).value = value


def broken_refs(path: Path, lang: str) -> Path:
    """The full school's workbook with one broken reference of each kind (rows as written)."""
    book = write_workbook(path, full_school(), lang=lang)
    wb = openpyxl.load_workbook(book)
    s = SHEETS[lang]
    _set(wb[s["classes"]], 2, "home_room", "NOPE")  # a home room that is not on the rooms sheet
    _set(wb[s["pins"]], 2, "rooms", "R101;NOPE")  # a pinned room likewise
    _set(wb[s["pins"]], 3, "gate", "NOPE")  # a pinned gate that is not on the entrances sheet
    _set(wb[s["groups"]], 2, "classes", "1-1;NOPE")  # a class not on the classes sheet
    _set(wb[s["entrances"]], 2, "node", "NOPE")  # a node that is not on the campus sheet
    rooms = wb[s["rooms"]]
    _set(rooms, 3, "id", rooms.cell(row=2, column=header_index(rooms)["id"]).value)  # an id twice
    wb.save(book)
    return book


@pytest.mark.parametrize("book_lang", ["zh", "en"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_references_in_a_workbook_name_the_sheet(tmp_path: Path, book_lang: str, lang: str) -> None:
    book = broken_refs(tmp_path / f"s-{book_lang}.xlsx", book_lang)
    with pytest.raises(InputError) as exc:
        rs.load_scenario(book)
    cat = load_catalogue(lang)
    lines = {i.value: i.render(cat) for i in exc.value.issues}
    s = SHEETS[book_lang]
    for line in lines.values():
        assert not any(y in line for y in YAML_LISTS), line
        if lang == "zh":
            assert english_runs(line.replace(str(tmp_path), "")) == [], line
    named = [i.render(cat) for i in exc.value.issues if i.value == "NOPE"]
    assert len(named) == 5, "\n".join(lines.values())
    sheets = {s["rooms"]: 2, s["entrances"]: 1, s["classes"]: 1, s["campus"]: 1}
    for sheet, n in sheets.items():
        quoted = f"“{sheet}”" if lang == "zh" else f"the {sheet} sheet"
        assert sum(quoted in line for line in named) == n, (sheet, named)
    dup = [line for v, line in lines.items() if v == "R101"]
    assert len(dup) == 1 and (f"“{s['rooms']}”" if lang == "zh" else f"the {s['rooms']} sheet") in dup[0]


def test_a_yaml_file_keeps_naming_the_field(tmp_path: Path) -> None:
    import yaml

    from bad_input_support import TINY

    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["classes"][0]["home_room"] = "NOPE"
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        rs.load_scenario(path)
    (issue,) = exc.value.issues
    assert issue.path == "classes[0].home_room"
    assert issue.render(load_catalogue("en")).endswith("expected the id of a room in rooms")
    assert issue.render(load_catalogue("zh")).endswith("rooms 中某个房间的编号")
