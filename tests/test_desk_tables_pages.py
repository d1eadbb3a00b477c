"""The school's editable tables through an in-process client: every column of the workbook layout
shown in zh and en, a cell saved as a new school version, a bad value refused next to its cell with
nothing saved, a stale tab shown the latest version, rows added and deleted (refused when referred
to), the rules form, user text escaped."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk_support import client_for, plan_school, upload
from reopen_sim.desk.pages_school import FORMS, OPTIONAL_FORMS, TABLES
from reopen_sim.i18n import load_catalogue
from reopen_sim.naming import class_name
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.workbook_layout import CLASSES, ENTRANCES
from reopen_sim.scenario.workbook_write import note_text

CJK = re.compile(r"[\u4e00-\u9fff]")
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_for(tmp_path_factory.mktemp("desk-tables-pages")) as client:
        yield client


def _school(c: TestClient) -> int:
    return int(upload(c).json()["id"])


def _post(c: TestClient, url: str, data: dict[str, str], lang: str = "en") -> str:
    r = c.post(url, data=data, headers={"accept-language": lang})
    assert r.status_code == 200, r.text[:500]
    return r.text


def _cell(
    c: TestClient, school: int, part: str, key: str, value: str, version: int, row: Any = 0, lang: str = "en"
) -> str:
    data = {"key": key, "row": "" if row is None else str(row), "value": value, "version": str(version)}
    return _post(c, f"/schools/{school}/tables/{part}/cell", data, lang)


def _scenario(c: TestClient, school: int) -> dict[str, Any]:
    got: dict[str, Any] = c.get(f"/api/schools/{school}").json()
    return got


def _issues(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r'class="cell-issue"[^>]*>([^<]*)<', page)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tables_show_every_column_of_the_workbook_layout(c: TestClient, lang: str) -> None:
    school = _school(c)
    page = c.get(f"/schools/{school}/tables", headers={"accept-language": lang}).text
    for part in (*FORMS, *TABLES):
        for col in part.columns:
            if col.key == OPTIONAL_FORMS.get(part.name, ("",))[0]:
                continue  # the tiny school has no canteen: its cells add one, without the mode
            assert html.escape(col.header(lang)) in page, (part.name, col.key)
    sc = _scenario(c, school)["scenario"]
    for cls in sc["classes"]:
        assert f'data-id="{cls["id"]}"' in page
    assert page.count('id="cell-classes-') == len(sc["classes"]) * len(CLASSES.columns)
    # The notes of the workbook are the columns' hover texts, in the page's language.
    title = re.search(r'<th title="([^"]*)">[^<]*lanes', page)
    lanes = ENTRANCES.column("lanes")
    assert title is not None
    assert html.unescape(title.group(1)) == note_text(ENTRANCES, lanes, lang, load_catalogue(lang))
    first = scenario_from_dict(sc, file="stored").classes[0]
    assert f'<td class="derived">{class_name(first, lang)}</td>' in page  # as schools write it


def test_a_cell_is_saved_as_a_new_version(c: TestClient) -> None:
    school = _school(c)
    lanes = _scenario(c, school)["scenario"]["entrances"][0]["lanes"]
    page = _cell(c, school, "entrances", "lanes", str(lanes + 1), 1)
    assert 'id="school-version" name="version" value="2"' in page
    assert "Saved as version 2" in page
    assert _scenario(c, school)["scenario"]["entrances"][0]["lanes"] == lanes + 1
    page = _cell(c, school, "classes", "students", "33", 2, row=1, lang="zh")
    assert "已保存为第 3 版" in page
    assert _scenario(c, school)["scenario"]["classes"][1]["students"] == 33


@pytest.mark.parametrize("value", ["abc", "0", "121"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_bad_value_is_refused_next_to_its_cell_and_nothing_is_saved(
    c: TestClient, value: str, lang: str
) -> None:
    school = _school(c)
    page = _cell(c, school, "classes", "students", value, 1, row=2, lang=lang)
    (issue,) = _issues(page)
    assert value in issue and "students" in issue
    expected = issue.split("应为")[-1] if lang == "zh" else issue.split("expected")[-1]
    assert (CJK.search(expected) is not None) == (lang == "zh"), issue
    cell = re.search(r'<input id="cell-classes-2-students"[^>]*>', page)
    assert cell is not None and 'aria-invalid="true"' in cell.group(0) and f'value="{value}"' in cell.group(0)
    assert _scenario(c, school)["version"] == 1


def test_a_value_the_loader_refuses_is_shown_next_to_its_cell(c: TestClient) -> None:
    """A cell the reader accepts but the scenario refuses (an unknown home room): the loader's issue."""
    school = _school(c)
    page = _cell(c, school, "classes", "home_room", "NOWHERE", 1, row=0)
    issues = _issues(page)
    assert issues and "NOWHERE" in issues[0], issues
    assert _scenario(c, school)["version"] == 1


def test_a_stale_tab_gets_the_conflict_and_the_latest_version(c: TestClient) -> None:
    school = _school(c)
    _cell(c, school, "entrances", "lanes", "3", 1)
    page = _cell(c, school, "entrances", "lanes", "4", 1)
    assert "changed since you loaded it" in page
    assert 'value="2"' in re.search(r'<input type="hidden" id="school-version"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert _scenario(c, school)["scenario"]["entrances"][0]["lanes"] == 3


def test_rules_and_the_school_day_are_edited_and_a_blank_restores_the_default(c: TestClient) -> None:
    school = _school(c)
    assert "Saved as version 2" in _cell(c, school, "rules", "target_utilisation", "0.7", 1, row=None)
    assert "Saved as version 3" in _cell(c, school, "rules", "keep_home_rooms", "否", 2, row=None)
    assert "Saved as version 4" in _cell(c, school, "school_day", "day.window_min", "5", 3, row=None)
    sc = _scenario(c, school)["scenario"]
    assert sc["policy"]["target_utilisation"] == 0.7 and sc["policy"]["keep_home_rooms"] is False
    assert sc["day"]["window_min"] == 5
    assert "Saved as version 5" in _cell(c, school, "rules", "target_utilisation", "", 4, row=None)
    assert "target_utilisation" not in _scenario(c, school)["scenario"]["policy"]
    page = _cell(c, school, "rules", "target_utilisation", "1.5", 5, row=None, lang="zh")
    (issue,) = _issues(page)
    assert "1.5" in issue and CJK.search(issue.split("应为")[-1])


def test_screening_time_cells_rebuild_the_distribution(c: TestClient) -> None:
    school = _school(c)
    assert "Saved" in _cell(c, school, "entrances", "service_time_s.sd", "12", 1)
    stored = _scenario(c, school)["scenario"]["entrances"][0]["service_time_s"]
    assert stored == {"dist": "lognormal", "mean": 30.0, "sd": 12.0}
    # Another kind: the fields it does not take go (a deterministic time has no sd).
    assert "Saved" in _cell(c, school, "entrances", "service_time_s.dist", "deterministic", 2)
    stored = _scenario(c, school)["scenario"]["entrances"][0]["service_time_s"]
    assert stored == {"dist": "deterministic", "value": 30.0}
    assert "Saved" in _cell(c, school, "entrances", "service_time_s", "12", 3)
    stored = _scenario(c, school)["scenario"]["entrances"][0]["service_time_s"]
    assert stored == {"dist": "deterministic", "value": 12.0}


def test_rows_are_added_and_deleted_and_a_referred_row_is_refused(c: TestClient) -> None:
    school = _school(c)
    sc = _scenario(c, school)["scenario"]
    page = _post(
        c,
        f"/schools/{school}/tables/classes/add",
        {"new.id": "2-3", "new.grade": "2", "new.students": "19", "new.boarding": "yes", "version": "1"},
    )
    assert "Saved as version 2" in page and 'data-id="2-3"' in page
    added = _scenario(c, school)["scenario"]["classes"][-1]
    assert added == {"id": "2-3", "grade": 2, "students": 19, "boarding": True}
    page = _post(
        c, f"/schools/{school}/tables/classes/add", {"new.id": "2-4", "new.grade": "x", "version": "2"}
    )
    (issue,) = _issues(page)
    assert "x" in issue and "grade" in issue
    page = _post(c, f"/schools/{school}/tables/classes/add", {"version": "2"})
    assert _issues(page)  # an empty row: the id is required
    page = _post(
        c, f"/schools/{school}/tables/classes/delete", {"row": str(len(sc["classes"])), "version": "2"}
    )
    assert "Saved as version 3" in page and 'data-id="2-3"' not in page
    home = sc["classes"][0]["home_room"]
    row = next(i for i, r in enumerate(sc["rooms"]) if r["id"] == home)
    for lang, word in (("en", "home room of class"), ("zh", "本班教室")):
        page = _post(c, f"/schools/{school}/tables/rooms/delete", {"row": str(row), "version": "3"}, lang)
        (issue,) = _issues(page)
        assert home in issue and word in issue and sc["classes"][0]["id"] in issue
    assert _scenario(c, school)["version"] == 3


def test_the_school_page_marks_plans_made_for_an_earlier_version(c: TestClient) -> None:
    school = _school(c)
    job = plan_school(c, school)
    assert job["status"] == "done", job
    plan = job["result"]["plan"]
    assert "data-out-of-date" not in c.get(f"/schools/{school}").text
    assert f'data-out-of-date="{plan}"' not in c.get("/").text
    page = _cell(c, school, "entrances", "lanes", "3", 1)
    assert 'hx-swap-oob="true"' in page and "data-out-of-date" in page  # the plans list, updated
    assert "out of date" in c.get(f"/schools/{school}", headers={"accept-language": "en"}).text
    assert "已过期" in c.get(f"/schools/{school}", headers={"accept-language": "zh"}).text
    assert f'data-out-of-date="{plan}"' in c.get("/", headers={"accept-language": "en"}).text


def test_user_text_is_escaped(c: TestClient) -> None:
    school = _school(c)
    page = _cell(c, school, "classes", "name", EVIL, 1, row=0)
    assert "Saved" in page and EVIL not in page and html.escape(EVIL) in page
    page = _cell(c, school, "entrances", "name", EVIL, 2)
    assert EVIL not in page


def test_unknown_parts_rows_and_schools(c: TestClient) -> None:
    school = _school(c)
    assert c.post(f"/schools/{school}/tables/nope/cell", data={"key": "tables"}).status_code == 404
    assert c.post(f"/schools/{school}/tables/pins/cell", data={"key": "gate"}).status_code == 404  # no row
    assert (
        c.post(f"/schools/{school}/tables/classes/cell", data={"key": "nope", "row": "0"}).status_code == 404
    )
    assert c.post(f"/schools/{school}/tables/classes/cell", data={"key": "students"}).status_code == 404
    assert c.post(f"/schools/{school}/tables/rules/delete", data={"row": "0"}).status_code == 404
    assert c.get("/schools/999999/tables").status_code == 404


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_history_names_each_change_by_its_column(c: TestClient, lang: str) -> None:
    """Not the stored path (``entrances gate.lanes``): the part, the row, the column as the table
    heads it, old → new, in the page's language, as the plan page's banner says them."""
    school = _school(c)
    gate = _scenario(c, school)["scenario"]["entrances"][0]
    _cell(c, school, "entrances", "lanes", str(gate["lanes"] + 1), 1, lang=lang)
    page = c.get(f"/schools/{school}/tables", headers={"accept-language": lang}).text
    history = page[page.index('id="school-history"') :]
    lanes = html.escape(ENTRANCES.column("lanes").header(lang))
    assert f"{gate['id']} · {lanes}: {gate['lanes']} → {gate['lanes'] + 1}" in history
    assert f"{gate['id']}.lanes" not in history and "<code>entrances" not in history
