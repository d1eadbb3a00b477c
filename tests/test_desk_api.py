"""The desk's JSON API through an in-process client (fastapi.testclient over httpx): every endpoint,
the version conflict, restart, and the plan/simulate jobs on the tiny school; each on SQLite and on
PostgreSQL (tests/pg_support.py)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from desk_support import TINY, client_for, plan_school, upload, wait_job
from pg_support import DATABASES, database_url
from reopen_sim import __version__
from reopen_sim.desk.api.plans import ClassEdit
from reopen_sim.desk.service import EDITABLE_FIELDS
from reopen_sim.optimizer.check import check_plan
from reopen_sim.plan import PLANNED_COLUMNS, TIMETABLE_COLUMNS, plan_from_rows, read_timetable
from reopen_sim.scenario.load import load_scenario


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("desk")


@pytest.fixture(scope="module", params=DATABASES)
def client(request: pytest.FixtureRequest, data_dir: Path) -> Iterator[TestClient]:
    """One desk for the module's tests, on each database in turn."""
    folder = data_dir / request.param
    folder.mkdir()
    with client_for(folder, db_url=database_url(request.param, request, folder)) as c:
        yield c


@pytest.fixture(scope="module")
def planned(client: TestClient) -> dict[str, Any]:
    """The tiny school uploaded and planned once for the module: {school, plan, job}."""
    school = upload(client).json()["id"]
    job = plan_school(client, school)
    assert job["status"] == "done", job
    return {"school": school, "plan": job["result"]["plan"], "job": job}


def test_health_says_ok_and_the_version(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": __version__}


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for p in (
        "/api/health",
        "/api/schools",
        "/api/schools/{school_id}",
        "/api/schools/{school_id}/workbook.xlsx",
        "/api/schools/{school_id}/plans",
        "/api/jobs/{job_id}",
        "/api/plans/{plan_id}",
        "/api/plans/{plan_id}/classes/{class_id}",
        "/api/plans/{plan_id}/simulate",
        "/api/plans/{plan_id}/analysis",
        "/api/plans/{plan_id}/timetable.csv",
        "/api/plans/{plan_id}/timetable.xlsx",
        "/api/plans/{plan_id}/publish",
    ):
        assert p in paths, p


def test_upload_returns_the_school_as_the_library_reads_it(client: TestClient) -> None:
    sc = load_scenario(TINY)
    r = upload(client)
    assert r.status_code == 201
    body = r.json()
    assert body["name"] == sc.school.name
    assert body["classes"] == len(sc.classes)
    assert body["students"] == sc.n_students
    got = client.get(f"/api/schools/{body['id']}").json()
    assert got["entrances"] == [e.id for e in sc.entrances]
    assert got["source_name"] == "tiny-school.yaml"
    assert body["id"] in [s["id"] for s in client.get("/api/schools").json()]


def test_unknown_ids_are_404_with_a_message(client: TestClient) -> None:
    for url in ("/api/schools/999999", "/api/plans/999999", "/api/jobs/nope", "/api/plans/999999/analysis"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert r.json()["detail"]


def test_plan_job_gives_a_plan_that_passes_the_checker(client: TestClient, planned: dict[str, Any]) -> None:
    assert planned["job"]["progress"] == 1.0
    plan = client.get(f"/api/plans/{planned['plan']}", params={"version": 1}).json()
    assert plan["school"] == planned["school"]
    assert plan["status"] in ("draft", "published")
    sc = load_scenario(TINY)
    assert check_plan(sc, plan_from_rows(plan["classes"])) == []
    assert plan["violations"] == []
    assert {r["class_id"] for r in plan["classes"]} == {c.id for c in sc.classes}


def _latest(client: TestClient, plan: int) -> dict[str, Any]:
    got: dict[str, Any] = client.get(f"/api/plans/{plan}").json()
    return got


def test_edit_makes_a_new_version_checked_at_once(client: TestClient, planned: dict[str, Any]) -> None:
    before = _latest(client, planned["plan"])
    cid = before["classes"][0]["class_id"]
    r = client.patch(
        f"/api/plans/{planned['plan']}/classes/{cid}",
        json={"gate": "no-such-gate", "author": "teacher"},
        headers={"If-Match": str(before["version"])},
    )
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["version"] == before["version"] + 1
    assert after["author"] == "teacher"
    assert {
        "class_id": cid,
        "field": "gate",
        "old": before["classes"][0]["gate"],
        "new": "no-such-gate",
    } in after["changes"]
    sc = load_scenario(TINY)
    expected = check_plan(sc, plan_from_rows(after["classes"]))
    assert [v["rule"] for v in after["violations"]] == [v.rule for v in expected]
    assert any(cid in v["classes"] for v in after["violations"])
    # The version edited is unchanged (versions are immutable).
    old = client.get(f"/api/plans/{planned['plan']}", params={"version": before["version"]}).json()
    assert old["classes"] == before["classes"]


def test_an_edit_may_change_every_column_the_plan_decides_and_no_other() -> None:
    # The editable fields are the timetable's planned columns (plan.PLANNED_COLUMNS), each one a
    # field of the PATCH body; the class's own columns come from the scenario.
    assert set(EDITABLE_FIELDS) == set(TIMETABLE_COLUMNS) - {"class_id", "grade", "students", "boarding"}
    assert set(PLANNED_COLUMNS) <= set(ClassEdit.model_fields)


def test_stale_edit_is_a_409_with_the_latest_state(client: TestClient, planned: dict[str, Any]) -> None:
    now = _latest(client, planned["plan"])
    cid = now["classes"][-1]["class_id"]
    first = client.patch(
        f"/api/plans/{planned['plan']}/classes/{cid}",
        json={"dismissal_time": "16:05"},
        headers={"If-Match": str(now["version"])},
    )
    assert first.status_code == 200
    second = client.patch(
        f"/api/plans/{planned['plan']}/classes/{cid}",
        json={"dismissal_time": "16:10"},
        headers={"If-Match": str(now["version"])},
    )
    assert second.status_code == 409
    body = second.json()
    assert body["latest"]["version"] == first.json()["version"]
    assert body["latest"]["classes"] == first.json()["classes"]
    assert str(now["version"]) in body["detail"]
    assert _latest(client, planned["plan"])["version"] == first.json()["version"]


def test_edit_without_version_or_with_a_bad_value_saves_nothing(
    client: TestClient, planned: dict[str, Any]
) -> None:
    now = _latest(client, planned["plan"])
    cid = now["classes"][0]["class_id"]
    url = f"/api/plans/{planned['plan']}/classes/{cid}"
    assert client.patch(url, json={"gate": "x"}).status_code == 428
    bad = client.patch(url, json={"arrival_start": "25:99"}, headers={"If-Match": str(now["version"])})
    assert bad.status_code == 422
    assert bad.json()["issues"][0]["value"] == "25:99"
    unknown = client.patch(
        f"/api/plans/{planned['plan']}/classes/nope",
        json={"gate": "x"},
        headers={"If-Match": str(now["version"])},
    )
    assert unknown.status_code == 404
    assert _latest(client, planned["plan"])["version"] == now["version"]


def test_timetable_downloads_read_back_to_the_same_plan(
    client: TestClient, planned: dict[str, Any], tmp_path: Path
) -> None:
    plan = client.get(f"/api/plans/{planned['plan']}", params={"version": 1}).json()
    csv = client.get(f"/api/plans/{planned['plan']}/timetable.csv", params={"version": 1})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    (tmp_path / "timetable.csv").write_bytes(csv.content)
    assert read_timetable(tmp_path / "timetable.csv").rows() == plan_from_rows(plan["classes"]).rows()
    xlsx = client.get(f"/api/plans/{planned['plan']}/timetable.xlsx", params={"version": 1})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert "by class" in book.sheetnames


def test_analysis_explains_every_class_with_a_sentence(client: TestClient, planned: dict[str, Any]) -> None:
    got = client.get(f"/api/plans/{planned['plan']}/analysis", params={"version": 1, "lang": "zh"}).json()
    plan = client.get(f"/api/plans/{planned['plan']}", params={"version": 1}).json()
    assert {c["class_id"] for c in got["classes"]} == {r["class_id"] for r in plan["classes"]}
    assert {t["term"] for t in got["terms"]} == set(plan["meta"]["terms"])
    for c in got["classes"]:
        kinds = {f["kind"] for f in c["facts"]}
        assert {"window", "gate_load", "walk"} <= kinds
        for f in c["facts"]:
            assert f["text"] and not any(w in f["text"] for w in ("students", "gate at", "arrives"))
        load = next(f for f in c["facts"] if f["kind"] == "gate_load")
        assert 0 < load["percent"] <= 100
        assert load["students"] <= load["capacity"]


def test_simulate_job_stores_a_summary_per_gate(client: TestClient, planned: dict[str, Any]) -> None:
    r = client.post(
        f"/api/plans/{planned['plan']}/simulate", params={"version": 1}, json={"replications": 3, "seed": 1}
    )
    assert r.status_code == 202
    job = wait_job(client, r.json()["job"])
    assert job["status"] == "done", job
    gates = {g["gate"] for g in job["result"]["gates"]}
    sc = load_scenario(TINY)
    assert {e.id for e in sc.entrances} <= gates
    for g in job["result"]["gates"]:
        assert g["replications"] == 3
    sims = client.get(f"/api/plans/{planned['plan']}/simulations", params={"version": 1}).json()
    assert sims[0]["id"] == job["result"]["simulation"]
    assert sims[0]["replications"] == 3


def test_publish_marks_the_version_and_makes_the_printable_set(
    client: TestClient, planned: dict[str, Any], tmp_path: Path
) -> None:
    from reopen_sim.report.publish import publish

    url = f"/api/plans/{planned['plan']}"
    assert client.get(f"{url}/report.html", params={"version": 1}).status_code == 404
    r = client.post(f"{url}/publish", json={"version": 1, "author": "head", "replications": 3, "lang": "zh"})
    assert r.status_code == 200
    assert r.json()["status"] == "published"
    assert r.json()["version"] == 1
    listed = client.get(f"/api/schools/{planned['school']}").json()["plans"]
    assert any(p["published_version"] == 1 for p in listed)
    job = wait_job(client, r.json()["job"])
    assert job["status"] == "done", job
    assert "report.html" in job["result"]["report"]
    page = client.get(f"{url}/report.html", params={"version": 1, "lang": "zh"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="zh' in page.text
    assert (
        client.get(f"{url}/report.html", params={"version": 1, "lang": "en"}).status_code == 404
    )  # not made
    printable = client.get(f"{url}/printable.zip", params={"version": 1, "lang": "zh"})
    names = zipfile.ZipFile(io.BytesIO(printable.content)).namelist()
    assert set(names) == {*job["result"]["printable"], "report.html"}
    # The set is what `reopen-sim publish` writes for this timetable, file for file.
    sc = load_scenario(TINY)
    plan = plan_from_rows(client.get(url, params={"version": 1}).json()["classes"])
    expected = publish(sc, plan, tmp_path / "cli", lang="zh", violations=check_plan(sc, plan))
    assert set(job["result"]["printable"]) == {
        p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()
    }
    got = zipfile.ZipFile(io.BytesIO(printable.content))
    assert got.read("gate_duty.html") == (expected / "gate_duty.html").read_bytes()


def test_replan_keeps_pinned_classes_and_extends_the_same_plan(client: TestClient) -> None:
    school = upload(client).json()["id"]
    first = plan_school(client, school)
    plan = first["result"]["plan"]
    now = _latest(client, plan)
    row = now["classes"][0]
    pinned = client.patch(
        f"/api/plans/{plan}/classes/{row['class_id']}",
        json={"pinned": True},
        headers={"If-Match": str(now["version"])},
    )
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["pins"] == [row["class_id"]]
    again = plan_school(client, school, previous=plan, seed=3, author="deputy head")
    assert again["status"] == "done", again
    assert again["result"]["plan"] == plan
    latest = _latest(client, plan)
    assert latest["author"] == "deputy head"
    assert latest["parent_version_id"] == pinned.json()["version_id"]
    assert latest["parent_version"] == pinned.json()["version"]
    assert latest["version"] == pinned.json()["version"] + 1
    kept = next(r for r in latest["classes"] if r["class_id"] == row["class_id"])
    assert (kept["gate"], kept["arrival_start"], kept["rooms"]) == (
        row["gate"],
        row["arrival_start"],
        row["rooms"],
    )


def test_restart_loses_nothing(db_url: str, tmp_path: Path) -> None:
    with client_for(tmp_path, db_url=db_url) as c:
        school = upload(c).json()["id"]
        job = plan_school(c, school)
        plan = job["result"]["plan"]
        v1 = _latest(c, plan)
        cid = v1["classes"][0]["class_id"]
        v2 = c.patch(f"/api/plans/{plan}/classes/{cid}", json={"gate": "x"}, headers={"If-Match": "1"}).json()
        schools = c.get("/api/schools").json()
    with client_for(tmp_path, db_url=db_url) as c:
        assert c.get("/api/schools").json() == schools
        assert c.get(f"/api/plans/{plan}", params={"version": 1}).json()["classes"] == v1["classes"]
        assert _latest(c, plan) == v2
        assert c.get(f"/api/jobs/{job['id']}").json()["result"] == job["result"]


def test_bundled_examples_can_be_stored_by_name_only(tmp_path: Path) -> None:
    from desk_support import ROOT

    with client_for(tmp_path, examples_dir=ROOT / "scenarios") as c:
        names = c.get("/api/examples").json()
        assert "junior-middle" in names and "tiny-school" in names
        r = c.post("/api/examples/junior-middle")
        assert r.status_code == 201
        sc = load_scenario(ROOT / "scenarios" / "junior-middle.yaml")
        assert r.json()["students"] == sc.n_students
        assert c.post("/api/examples/..%2F..%2Fetc%2Fpasswd").status_code == 404
        assert c.post("/api/examples/nope").status_code == 404


def test_workbook_download_uploads_back_to_the_same_school(client: TestClient) -> None:
    school = upload(client).json()
    for lang in ("zh", "en"):
        r = client.get(f"/api/schools/{school['id']}/workbook.xlsx", params={"lang": lang})
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
        back = client.post("/api/schools", files={"file": ("school.xlsx", r.content)})
        assert back.status_code == 201, back.text
        assert {k: back.json()[k] for k in ("name", "classes", "students")} == {
            k: school[k] for k in ("name", "classes", "students")
        }
        first = client.get(f"/api/schools/{school['id']}").json()["scenario"]
        again = client.get(f"/api/schools/{back.json()['id']}").json()["scenario"]
        assert again == first


def test_a_what_if_makes_a_new_school_validated_by_the_library(client: TestClient) -> None:
    from reopen_sim.district.load import SchoolSource, WhatIf, build_variant

    school = upload(client).json()
    spacing = {"name": "2 m apart", "overrides": {"policy": {"queue_spacing_m": 2.0}}}
    r = client.post(f"/api/schools/{school['id']}/variants", json=spacing)
    assert r.status_code == 201, r.text
    assert r.json()["parent"] == school["id"]
    got = client.get(f"/api/schools/{r.json()['id']}").json()
    assert got["scenario"]["policy"]["queue_spacing_m"] == 2.0
    assert got["what_if"]["name"] == "2 m apart"
    sc = load_scenario(TINY)
    expected = build_variant(SchoolSource("t", "t", ".", sc.model_dump(mode="json")), WhatIf(**spacing))
    assert got["scenario"]["policy"] == expected.model_dump(mode="json", exclude_defaults=True)["policy"]
    # Closing the only gate, or an invalid value, is refused with issues in the asked language.
    closed = client.post(
        f"/api/schools/{school['id']}/variants", json={"name": "shut", "close_gates": ["gate"]}
    )
    assert closed.status_code == 422
    bad = client.post(
        f"/api/schools/{school['id']}/variants",
        json={"name": "bad", "overrides": {"policy": {"queue_spacing_m": -1}}},
        params={"lang": "zh"},
    )
    assert bad.status_code == 422
    assert any("queue_spacing_m" in i["field"] for i in bad.json()["issues"])


def test_pinning_a_class_where_no_plan_can_keep_it_is_refused_and_the_plan_stays_readable(
    client: TestClient,
) -> None:
    school = upload(client).json()["id"]
    plan = plan_school(client, school)["result"]["plan"]
    now = _latest(client, plan)
    cid = now["classes"][0]["class_id"]
    url = f"/api/plans/{plan}/classes/{cid}"
    moved = client.patch(url, json={"gate": "no-such-gate"}, headers={"If-Match": str(now["version"])})
    assert moved.status_code == 200
    pinned = client.patch(url, json={"pinned": True}, headers={"If-Match": str(moved.json()["version"])})
    assert pinned.status_code == 422
    assert pinned.json()["issues"]
    after = client.get(f"/api/plans/{plan}")
    assert after.status_code == 200
    assert after.json()["version"] == moved.json()["version"]
    assert client.get(f"/api/plans/{plan}/analysis").status_code == 200


def test_two_versions_compared_with_paired_differences(client: TestClient) -> None:
    from reopen_sim.experiment import compare

    school = upload(client).json()["id"]
    plan = plan_school(client, school)["result"]["plan"]
    v1 = _latest(client, plan)
    late = v1["classes"][0]
    v2 = client.patch(
        f"/api/plans/{plan}/classes/{late['class_id']}",
        json={"gate": late["gate"]},
        headers={"If-Match": "1"},
    ).json()
    r = client.post(f"/api/plans/{plan}/compare", json={"versions": [1, v2["version"]], "replications": 3})
    assert r.status_code == 202
    job = wait_job(client, r.json()["job"])
    assert job["status"] == "done", job
    table = job["result"]["table"]
    sc = load_scenario(TINY)
    plans = {"v1": plan_from_rows(v1["classes"]), f"v{v2['version']}": plan_from_rows(v2["classes"])}
    expected = compare(sc, plans, replications=3, seed=1).table
    assert [(row["plan"], row["metric"]) for row in table] == list(
        zip(expected["plan"], expected["metric"], strict=True)
    )
    first = [row for row in table if row["plan"] == "v1"]
    assert all(row["diff_mean"] in (0, None) for row in first)  # the reference against itself
    assert client.post(f"/api/plans/{plan}/compare", json={"versions": [1]}).status_code == 422
