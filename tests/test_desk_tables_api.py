"""Editing a stored school through the JSON API: PATCH/PUT with If-Match, every edit a new school
version validated like an upload, refused deletes, plans out of date, history, the workbook round trip."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk_support import TINY, client_for, plan_school, upload

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client_for(tmp_path_factory.mktemp("desk-tables")) as c:
        yield c


def _school(c: TestClient) -> int:
    r = upload(c)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _get(c: TestClient, school: int, **params: Any) -> dict[str, Any]:
    r = c.get(f"/api/schools/{school}", params=params)
    assert r.status_code == 200, r.text
    got: dict[str, Any] = r.json()
    return got


def _patch(c: TestClient, school: int, body: Any, version: Any, **kw: Any) -> Any:
    headers = {} if version is None else {"If-Match": str(version)}
    return c.patch(f"/api/schools/{school}", json=body, headers=headers, **kw)


def _gate(c: TestClient, school: int, lanes: int, version: int) -> Any:
    entrances = _get(c, school)["scenario"]["entrances"]
    entrances[0]["lanes"] = lanes
    return _patch(c, school, {"entrances": entrances}, version)


def test_an_edit_is_a_new_school_version_and_the_old_one_is_kept(client: TestClient) -> None:
    school = _school(client)
    before = _get(client, school)
    assert (before["version"], before["latest_version"]) == (1, 1)
    lanes = before["scenario"]["entrances"][0]["lanes"]
    r = _gate(client, school, lanes + 1, 1)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    assert r.json()["scenario"]["entrances"][0]["lanes"] == lanes + 1
    assert client.get(f"/api/schools/{school}").headers["etag"] == '"2"'
    old = _get(client, school, version=1)
    assert old["scenario"]["entrances"][0]["lanes"] == lanes and old["latest_version"] == 2
    history = client.get(f"/api/schools/{school}/versions").json()
    assert [v["version"] for v in history] == [2, 1]
    gate = before["scenario"]["entrances"][0]["id"]
    assert history[0]["changes"] == [
        {"part": "entrances", "item": gate, "field": "lanes", "old": lanes, "new": lanes + 1}
    ]
    assert history[1]["changes"] == []


def test_a_patch_merges_objects_and_null_restores_the_default(client: TestClient) -> None:
    school = _school(client)
    r = _patch(client, school, {"policy": {"target_utilisation": 0.7, "keep_home_rooms": False}}, 1)
    assert r.status_code == 200, r.text
    policy = r.json()["scenario"]["policy"]
    assert policy["target_utilisation"] == 0.7 and policy["keep_home_rooms"] is False
    assert policy["arrival_order"] == _get(client, school, version=1)["scenario"]["policy"]["arrival_order"]
    r = _patch(client, school, {"policy": {"keep_home_rooms": None}}, 2)
    assert r.status_code == 200, r.text
    assert "keep_home_rooms" not in r.json()["scenario"]["policy"]  # back to the default (stored sparse)


def test_if_match_is_required_and_a_stale_version_is_refused_with_the_latest(client: TestClient) -> None:
    school = _school(client)
    assert _gate(client, school, 3, None).status_code == 428
    assert _patch(client, school, {}, "abc").status_code == 428
    assert _gate(client, school, 3, 1).status_code == 200
    r = _gate(client, school, 4, 1)  # a second tab still showing version 1
    assert r.status_code == 409
    body = r.json()
    assert body["latest"]["version"] == 2 and body["latest"]["scenario"]["entrances"][0]["lanes"] == 3
    assert "version 2" in body["detail"]
    zh = client.patch(
        f"/api/schools/{school}",
        json={"entrances": body["latest"]["scenario"]["entrances"]},
        headers={"If-Match": "1", "Accept-Language": "zh"},
    )
    assert zh.status_code == 409 and "第 2 版" in zh.json()["detail"]
    assert _get(client, school)["version"] == 2


@pytest.mark.parametrize(
    ("part", "field", "value"),
    [
        ("entrances", "lanes", 0),
        ("classes", "students", 500),
        ("classes", "grade", "seven"),
        ("rooms", "kind", "gym"),
    ],
)
def test_a_bad_value_is_refused_with_the_loader_s_issue_and_nothing_is_saved(
    client: TestClient, part: str, field: str, value: Any
) -> None:
    school = _school(client)
    items = _get(client, school)["scenario"][part]
    items[0][field] = value
    r = _patch(client, school, {part: items}, 1)
    assert r.status_code == 422, r.text
    issues = r.json()["issues"]
    assert any(i["field"] == f"{part}[0].{field}" and i["value"] == str(value) for i in issues), issues
    assert _get(client, school)["version"] == 1
    assert len(client.get(f"/api/schools/{school}/versions").json()) == 1


def test_a_policy_out_of_range_is_refused_in_chinese_too(client: TestClient) -> None:
    school = _school(client)
    r = _patch(client, school, {"policy": {"target_utilisation": 1.5}}, 1, params={"lang": "zh"})
    assert r.status_code == 422
    (issue,) = r.json()["issues"]
    assert issue["field"] == "policy.target_utilisation" and issue["value"] == "1.5"
    assert re.search(r"[\u4e00-\u9fff]", issue["expected"]), issue


def test_deleting_a_home_room_is_refused_naming_the_class(client: TestClient) -> None:
    school = _school(client)
    sc = _get(client, school)["scenario"]
    home = sc["classes"][0]["home_room"]
    rooms = [r for r in sc["rooms"] if r["id"] != home]
    for lang, word in (("en", "home room of class"), ("zh", "本班教室")):
        r = _patch(client, school, {"rooms": rooms}, 1, params={"lang": lang})
        assert r.status_code == 422, r.text
        (issue,) = r.json()["issues"]
        assert (
            issue["value"] == home
            and word in issue["expected"]
            and sc["classes"][0]["id"] in issue["expected"]
        )
    # A room no class calls home can go.
    spare = next(r["id"] for r in sc["rooms"] if r["id"] not in {c.get("home_room") for c in sc["classes"]})
    r = _patch(client, school, {"rooms": [r for r in sc["rooms"] if r["id"] != spare]}, 1)
    assert r.status_code == 200, r.text
    assert spare not in r.json()["rooms"]


def test_deleting_a_class_pinned_in_the_school_is_refused(client: TestClient) -> None:
    school = _school(client)
    sc = _get(client, school)["scenario"]
    cid = sc["classes"][-1]["id"]
    assert _patch(client, school, {"pins": [{"class_id": cid}]}, 1).status_code == 200
    r = _patch(client, school, {"classes": sc["classes"][:-1]}, 2)
    assert r.status_code == 422
    assert "pinned" in r.json()["issues"][0]["expected"] and cid in r.json()["issues"][0]["expected"]


def test_a_class_can_be_added_and_deleted(client: TestClient) -> None:
    school = _school(client)
    sc = _get(client, school)["scenario"]
    added = [*sc["classes"], {"id": "2-3", "grade": 2, "students": 18}]
    r = _patch(client, school, {"classes": added}, 1)
    assert r.status_code == 200, r.text
    assert r.json()["classes"] == len(sc["classes"]) + 1
    assert r.json()["students"] == _get(client, school, version=1)["students"] + 18
    r = _patch(client, school, {"classes": sc["classes"]}, 2)
    assert r.status_code == 200 and r.json()["classes"] == len(sc["classes"])
    changes = client.get(f"/api/schools/{school}/versions").json()[0]["changes"]
    assert changes == [{"part": "classes", "item": "2-3", "field": None, "old": added[-1], "new": None}]


def test_put_replaces_the_whole_scenario(client: TestClient) -> None:
    school = _school(client)
    sc = _get(client, school)["scenario"]
    sc["school"]["name"] = "Renamed School"
    r = client.put(f"/api/schools/{school}", json=sc, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "Renamed School" and r.json()["version"] == 2
    listed = {s["id"]: s for s in client.get("/api/schools").json()}
    assert (listed[school]["name"], listed[school]["version"]) == ("Renamed School", 2)
    del sc["entrances"]
    r = client.put(f"/api/schools/{school}", json=sc, headers={"If-Match": "2"})
    assert r.status_code == 422 and any("entrances" in i["field"] for i in r.json()["issues"])
    assert client.put(f"/api/schools/{school}", json=[1], headers={"If-Match": "2"}).status_code == 422
    assert client.put("/api/schools/999999", json=sc, headers={"If-Match": "1"}).status_code == 404


def test_plans_made_before_an_edit_are_out_of_date_and_a_plan_pin_blocks_deleting_its_class(
    client: TestClient,
) -> None:
    school = _school(client)
    job = plan_school(client, school)
    assert job["status"] == "done", job
    plan = job["result"]["plan"]
    assert _get(client, school)["plans"][0]["out_of_date"] is False
    assert _gate(client, school, 3, 1).status_code == 200
    (line,) = _get(client, school)["plans"]
    assert line["out_of_date"] is True and line["school_version"] == 1
    got = client.get(f"/api/plans/{plan}").json()
    assert (got["school_version"], got["school_latest_version"]) == (1, 2)
    assert client.get("/api/schools").json()[0]["latest_plan"]["out_of_date"] is True
    # A re-plan is made for the school as it is now.
    job = plan_school(client, school, previous=plan)
    assert job["status"] == "done", job
    assert _get(client, school)["plans"][0]["out_of_date"] is False
    # A class pinned on the plan cannot be deleted.
    version = client.get(f"/api/plans/{plan}").json()["version"]
    cid = client.get(f"/api/plans/{plan}").json()["classes"][0]["class_id"]
    r = client.patch(
        f"/api/plans/{plan}/classes/{cid}", json={"pinned": True}, headers={"If-Match": str(version)}
    )
    assert r.status_code == 200, r.text
    classes = [c for c in _get(client, school)["scenario"]["classes"] if c["id"] != cid]
    r = _patch(client, school, {"classes": classes}, 2)
    assert r.status_code == 422
    assert f"#{plan}" in r.json()["issues"][0]["expected"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_downloaded_workbook_of_an_edited_school_uploads_as_the_same_school(
    client: TestClient, lang: str
) -> None:
    school = _school(client)
    sc = _get(client, school)["scenario"]
    sc["classes"][1]["students"] += 3
    sc["classes"][1]["name"] = "实验班"
    r = _patch(
        client,
        school,
        {"classes": sc["classes"], "policy": {"target_utilisation": 0.8, "keep_home_rooms": False}},
        1,
    )
    assert r.status_code == 200, r.text
    wb = client.get(f"/api/schools/{school}/workbook.xlsx", params={"lang": lang})
    assert wb.status_code == 200 and wb.headers["content-type"] == XLSX
    again = client.post("/api/schools", files={"file": ("edited.xlsx", wb.content, XLSX)})
    assert again.status_code == 201, again.text
    assert _get(client, again.json()["id"])["scenario"] == r.json()["scenario"]
    first = client.get(f"/api/schools/{school}/workbook.xlsx", params={"version": 1})
    back = client.post("/api/schools", files={"file": ("v1.xlsx", first.content, XLSX)})
    assert _get(client, back.json()["id"])["scenario"] == _get(client, school, version=1)["scenario"]


def test_unknown_school_or_version(client: TestClient) -> None:
    school = _school(client)
    assert client.get(f"/api/schools/{school}", params={"version": 9}).status_code == 404
    assert client.get("/api/schools/999999/versions").status_code == 404
    assert _patch(client, 999999, {}, 1).status_code == 404


def test_the_edit_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"patch", "put", "get"} <= set(paths["/api/schools/{school_id}"])
    assert "get" in paths["/api/schools/{school_id}/versions"]


def test_a_database_of_schema_0002_is_upgraded_keeping_its_schools_as_version_1(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from reopen_sim.desk.service import scenario_json
    from reopen_sim.desk.store import make_engine, migrations_dir
    from reopen_sim.scenario.load import load_scenario

    engine = make_engine(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
    engine.dispose()
    con = sqlite3.connect(tmp_path / "desk.sqlite3")
    con.execute(
        "insert into schools (id, name, scenario_json, source_name, source_bytes, created_at)"
        " values (1, 'Old School', ?, 'old.yaml', x'00', '2026-01-01 00:00:00')",
        (scenario_json(load_scenario(TINY)),),
    )
    con.execute("insert into plans (id, school_id, created_at) values (1, 1, '2026-01-01 00:00:00')")
    con.execute(
        "insert into plan_versions (id, plan_id, version, status, author, created_at, changes, rows, pins, meta)"
        " values (1, 1, 1, 'draft', '', '2026-01-01 00:00:00', '[]', '[]', '[]', '{}')"
    )
    con.commit()
    con.close()
    with client_for(tmp_path) as c:
        got = _get(c, 1)
        assert (got["name"], got["version"]) == ("Old School", 1)
        assert got["plans"][0]["out_of_date"] is False
        assert [v["version"] for v in c.get("/api/schools/1/versions").json()] == [1]
        assert _gate(c, 1, 3, 1).status_code == 200
        assert _get(c, 1)["plans"][0]["out_of_date"] is True
