"""The school page's walking distances, canteen, pins, arrival groups and campus paths through an
in-process client: a cell saved as a new school version, a bad value refused next to its cell (zh
and en) with nothing saved, rows added and deleted, deletes refused naming what refers to the row,
a school without a canteen adding one, and the downloaded workbook loading as the edited school."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk_support import client_for, plan_school, upload
from reopen_sim.desk.pages_school import FORMS, TABLES
from reopen_sim.scenario.workbook_layout import CANTEEN, CLASSES, ENTRANCES, PARTS

CJK = re.compile(r"[\u4e00-\u9fff]")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def c(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_for(tmp_path_factory.mktemp("desk-tables-parts")) as client:
        yield client


class School:
    """One uploaded tiny school (one gate, no canteen, pins, groups or campus) and its version."""

    def __init__(self, c: TestClient) -> None:
        self.c = c
        self.id = int(upload(c).json()["id"])
        self.version = 1

    def post(self, part: str, action: str, data: dict[str, str], lang: str = "en") -> str:
        r = self.c.post(
            f"/schools/{self.id}/tables/{part}/{action}",
            data={**data, "version": str(self.version)},
            headers={"accept-language": lang},
        )
        assert r.status_code == 200, r.text[:500]
        if re.search(r'id="tables-message" class="ok"', r.text):
            self.version += 1
            assert f"{self.version}" in re.search(r'id="tables-message"[^>]*>([^<]*)', r.text).group(1)  # type: ignore[union-attr]
        return r.text

    def cell(self, part: str, key: str, value: str, row: int | None = 0, lang: str = "en") -> str:
        return self.post(
            part, "cell", {"key": key, "row": "" if row is None else str(row), "value": value}, lang
        )

    def add(self, part: str, lang: str = "en", **cells: str) -> str:
        return self.post(part, "add", {f"new.{k}": v for k, v in cells.items()}, lang)

    def delete(self, part: str, row: int | None = None, lang: str = "en") -> str:
        return self.post(part, "delete", {} if row is None else {"row": str(row)}, lang)

    def scenario(self) -> dict[str, Any]:
        got = self.c.get(f"/api/schools/{self.id}").json()
        assert got["version"] == self.version
        sc: dict[str, Any] = got["scenario"]
        return sc


def issues(page: str) -> list[str]:
    return [html.unescape(x) for x in re.findall(r'class="cell-issue"[^>]*>([^<]*)<', page)]


def saved(page: str) -> bool:
    return 'id="tables-message" class="ok"' in page


def _expected_in_lang(issue: str, lang: str) -> bool:
    expected = issue.split("应为")[-1] if lang == "zh" else issue.split("expected")[-1]
    return (CJK.search(expected) is not None) == (lang == "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_part_of_the_workbook_is_on_the_page_in_its_order(c: TestClient, lang: str) -> None:
    school = School(c)
    page = c.get(f"/schools/{school.id}/tables", headers={"accept-language": lang}).text
    assert re.findall(r'<details class="part" id="part-(\w+)"', page) == [p.name for p in PARTS]
    assert {p.name for p in (*FORMS, *TABLES)} == {p.name for p in PARTS}
    # The tiny school has one walk (gate -> Main, 40 m) and nothing else optional: each says so.
    walk = re.search(r'<input id="cell-walks-0-walk_m"[^>]*>', page)
    assert walk is not None and 'value="40"' in walk.group(0)
    for part in ("canteen", "pins", "groups", "campus"):
        note = re.search(rf'id="{part}-none"[^>]*>([^<]+)<', page)
        assert note is not None and (CJK.search(note.group(1)) is not None) == (lang == "zh"), part
    assert 'id="add-canteen"' in page and 'id="cell-canteen-tables"' not in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_walks_are_edited_in_their_gate_and_bad_rows_are_refused(c: TestClient, lang: str) -> None:
    school = School(c)
    assert saved(school.cell("walks", "walk_m", "55", lang=lang))
    assert school.scenario()["entrances"][0]["walk_m"] == {"Main": 55.0}
    for cells, where in (
        ({"entrance": "gate", "building": "Main", "walk_m": "-3"}, "walk_m"),  # out of range
        ({"entrance": "nowhere", "building": "Main", "walk_m": "30"}, "nowhere"),  # no such gate
        ({"entrance": "gate", "building": "Main", "walk_m": "30"}, "Main"),  # given twice
        ({"entrance": "gate", "building": "Annex", "walk_m": "30"}, "Annex"),  # no room there
        ({"entrance": "gate", "walk_m": "30"}, "building"),  # a required cell left blank
    ):
        (issue,) = issues(school.add("walks", lang=lang, **cells))
        assert where in issue and _expected_in_lang(issue, lang), issue
    assert school.scenario()["entrances"][0]["walk_m"] == {"Main": 55.0}
    assert saved(school.delete("walks", 0))
    assert "walk_m" not in school.scenario()["entrances"][0]
    assert saved(school.add("walks", entrance="gate", building="Main", walk_m="70"))
    assert school.scenario()["entrances"][0]["walk_m"] == {"Main": 70.0}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_school_without_a_canteen_adds_one_and_removing_it_is_refused_while_a_pin_names_a_sitting(
    c: TestClient, lang: str
) -> None:
    school = School(c)
    (issue,) = issues(school.add("canteen", lang=lang, tables=""))  # sittings need tables
    assert _expected_in_lang(issue, lang), issue
    assert "canteen" not in school.scenario()
    blank = {c.key: "" for c in CANTEEN.columns if c.key != "mode"}  # as the page sends them
    assert saved(school.add("canteen", lang=lang, **{**blank, "tables": "20", "first_sitting_at": "11:50"}))
    assert school.scenario()["canteen"] == {"tables": 20, "first_sitting_at": "11:50"}  # sittings
    page = c.get(f"/schools/{school.id}/tables").text
    assert 'id="cell-canteen-tables"' in page and 'id="delete-canteen"' in page
    assert saved(school.cell("canteen", "sitting_min", "30", row=None, lang=lang))
    (issue,) = issues(school.cell("canteen", "seats_per_table", "7", row=None, lang=lang))  # 2 sides
    assert "7" in issue and _expected_in_lang(issue, lang)
    assert "seats_per_table" not in school.scenario()["canteen"]  # nothing saved: the default 8
    assert saved(school.add("pins", class_id="1-1", canteen_sitting="2"))
    (issue,) = issues(school.delete("canteen", lang=lang))
    named = "1-1 班固定在第 2 批就餐" if lang == "zh" else "class 1-1 is pinned to sitting 2"
    assert named in issue and _expected_in_lang(issue, lang), issue
    assert ("送餐到班" if lang == "zh" else "delivered") in issue  # the value as its drop-down shows it
    assert "mode" not in school.scenario()["canteen"]
    assert saved(school.delete("pins", 0))
    assert saved(school.delete("canteen"))
    canteen = school.scenario()["canteen"]
    assert canteen["mode"] == "delivered" and canteen["tables"] == 20  # kept for later
    page = c.get(f"/schools/{school.id}/tables").text
    assert 'id="add-canteen"' in page and re.search(r'name="new.tables" value="20"', page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pins_are_added_edited_and_deleted_and_a_pinned_class_cannot_go(c: TestClient, lang: str) -> None:
    school = School(c)
    assert saved(school.add("pins", class_id="2-1", gate="gate", window_at="07:50", rooms="R201"))
    assert school.scenario()["pins"] == [
        {"class_id": "2-1", "gate": "gate", "window_at": "07:50", "rooms": ["R201"]}
    ]
    page = c.get(f"/schools/{school.id}/tables", headers={"accept-language": lang}).text
    assert re.search(r'<tr id="row-pins-0" data-id="2-1">', page)
    for key, value in (("gate", "nowhere"), ("window_at", "07:55"), ("class_id", "9-9")):
        (issue,) = issues(school.cell("pins", key, value, lang=lang))
        assert value in issue and _expected_in_lang(issue, lang), issue
    assert saved(school.cell("pins", "window_at", "08:00", lang=lang))
    classes = school.scenario()["classes"]
    row = next(i for i, x in enumerate(classes) if x["id"] == "2-1")
    (issue,) = issues(school.delete("classes", row, lang=lang))
    assert "2-1" in issue and _expected_in_lang(issue, lang)
    assert saved(school.delete("pins", 0))
    assert "pins" not in school.scenario()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_arrival_groups_and_a_grouped_class_cannot_go(c: TestClient, lang: str) -> None:
    school = School(c)
    (issue,) = issues(school.add("groups", lang=lang, id="bus-1", classes="1-1"))  # at least two
    assert "1-1" in issue and _expected_in_lang(issue, lang), issue
    (issue,) = issues(school.add("groups", lang=lang, id="bus-1", kind="校车", classes="1-1, 9-9"))
    assert "9-9" in issue and _expected_in_lang(issue, lang), issue
    assert saved(school.add("groups", lang=lang, id="bus-1", kind="校车", classes="1-1，1-2"))
    assert school.scenario()["groups"] == [{"id": "bus-1", "classes": ["1-1", "1-2"], "kind": "bus"}]
    classes = school.scenario()["classes"]
    row = next(i for i, x in enumerate(classes) if x["id"] == "1-2")
    (issue,) = issues(school.delete("classes", row, lang=lang))
    assert "1-2" in issue and "bus-1" in issue and _expected_in_lang(issue, lang), issue
    assert saved(school.cell("groups", "classes", "1-1, 2-1"))
    assert saved(school.delete("classes", row))  # no longer in the group
    assert saved(school.delete("groups", 0))
    assert "groups" not in school.scenario()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_campus_paths_and_a_path_a_gate_needs_cannot_go(c: TestClient, lang: str) -> None:
    school = School(c)
    (issue,) = issues(school.add("campus", lang=lang, a="G", b="Main", m="0"))
    assert _expected_in_lang(issue, lang), issue
    assert saved(school.add("campus", a="G", b="Main", m="30"))
    assert saved(school.add("campus", a="Main", b="Lab", m="12.5"))
    assert saved(school.cell("entrances", "node", "G"))
    (issue,) = issues(school.delete("campus", 0, lang=lang))
    named = "G 是入口 gate 的路径节点" if lang == "zh" else "G is the campus node of gate gate"
    assert named in issue and _expected_in_lang(issue, lang), issue
    assert saved(school.delete("campus", 1))  # Lab: no gate's node
    assert school.scenario()["campus"] == {"edges": [{"a": "G", "b": "Main", "m": 30.0}]}
    assert saved(school.cell("entrances", "node", ""))
    assert saved(school.delete("campus", 0))
    assert "campus" not in school.scenario()  # no path left: no campus


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_of_a_school_edited_in_every_part_loads_as_the_same_school(
    c: TestClient, lang: str
) -> None:
    school = School(c)
    assert saved(school.cell("walks", "walk_m", "45"))
    assert saved(school.add("canteen", tables="12", serving_lanes="3"))
    assert saved(school.add("pins", class_id="1-1", gate="gate", canteen_sitting="1"))
    assert saved(school.add("groups", id="sib", kind="siblings", classes="1-2, 2-2"))
    assert saved(school.add("campus", a="G", b="Main", m="25"))
    assert saved(school.cell("entrances", "node", "G"))
    edited = school.scenario()
    wb = c.get(f"/api/schools/{school.id}/workbook.xlsx", params={"lang": lang})
    assert wb.status_code == 200
    again = c.post("/api/schools", files={"file": ("edited.xlsx", wb.content, XLSX)})
    assert again.status_code == 201, again.text
    assert c.get(f"/api/schools/{again.json()['id']}").json()["scenario"] == edited


def test_removing_the_canteen_through_the_api_is_refused_naming_the_pin(c: TestClient) -> None:
    school = School(c)
    assert saved(school.add("canteen", tables="10"))
    assert saved(school.add("pins", class_id="2-2", canteen_sitting="3"))
    r = c.patch(
        f"/api/schools/{school.id}",
        json={"canteen": {"mode": "delivered"}},
        headers={"If-Match": str(school.version), "accept-language": "zh"},
    )
    assert r.status_code == 422, r.text
    (issue,) = r.json()["issues"]
    assert "2-2 班固定在第 3 批就餐" in issue["expected"]
    assert school.scenario()["canteen"] == {"tables": 10}


def _banner(page: str) -> str | None:
    m = re.search(r'<section class="edited-banner" id="school-edited".*?</section>', page, re.S)
    return None if m is None else html.unescape(m.group(0))


def test_the_plan_page_says_when_the_school_was_edited_after_the_plan_was_made(c: TestClient) -> None:
    school = School(c)
    job = plan_school(c, school.id)
    assert job["status"] == "done", job
    plan = job["result"]["plan"]
    assert _banner(c.get(f"/plans/{plan}").text) is None
    lanes = school.scenario()["entrances"][0]["lanes"]
    assert saved(school.cell("entrances", "lanes", str(lanes + 1)))
    assert saved(school.cell("classes", "name", "实验班", row=0))
    for lang, title in (
        ("en", "The school was edited after this plan was made"),
        ("zh", "本方案制定后，学校信息已修改"),
    ):
        banner = _banner(c.get(f"/plans/{plan}", headers={"accept-language": lang}).text)
        assert banner is not None and title in banner
        assert 'data-planned="1" data-latest="3"' in banner
        # What changed, in a few words: the columns as the tables head them.
        assert f"gate · {ENTRANCES.column('lanes').header(lang)}: {lanes} → {lanes + 1}" in banner
        assert (
            "班级" if lang == "zh" else "Classes"
        ) in banner and f"{CLASSES.column('name').header(lang)}: – → 实验班" in banner
        assert f'name="previous" value="{plan}"' in banner and 'id="replan-edited-button"' in banner
    # Re-planned with few changes for the edited school: up to date again.
    again = plan_school(c, school.id, previous=plan)
    assert again["status"] == "done", (again["error"], again["result"])
    assert _banner(c.get(f"/plans/{plan}").text) is None


def test_a_stored_change_is_named_by_its_column_as_the_tables_head_it() -> None:
    from reopen_sim.desk.pages_school import change_label
    from reopen_sim.scenario.workbook_layout import SCHOOL_DAY, WALKS

    assert change_label("day", "window_min", "zh") == SCHOOL_DAY.column("day.window_min").header("zh")
    assert change_label("entrances", "service_time_s.mean", "en") == "service_time_s 检测时间（均值）"
    assert change_label("entrances", "walk_m.Lab", "en") == f"{WALKS.column('walk_m').header('en')} (Lab)"
    assert change_label("policy", "fever.threshold_c", "zh") == "体温阈值 fever.threshold_c"
    assert change_label("pins", "nothing.known", "en") == "nothing.known"
