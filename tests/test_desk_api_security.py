"""Who gets in and what is refused: token, host names, cross-site changes, size and type of uploads,
bad schools (issues in the asked language), unexpected errors without a traceback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from desk_support import BASE_URL, TINY, client_for, upload
from reopen_sim.desk.app import create_app
from reopen_sim.desk.settings import DeskSettings

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with client_for(tmp_path) as c:
        yield c


def test_a_server_beyond_loopback_needs_the_token(tmp_path: Path) -> None:
    settings = DeskSettings(data_dir=tmp_path, host="0.0.0.0", token="s3cret")
    with TestClient(create_app(settings), base_url="http://192.0.2.10:8765") as c:
        r = c.get("/api/health")
        assert r.status_code == 401
        assert "token" in r.json()["detail"].lower()
        assert c.get("/api/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert c.post("/api/schools", files={"file": ("a.yaml", b"x")}).status_code == 401


def test_opening_the_printed_address_sets_the_token_cookie(tmp_path: Path) -> None:
    settings = DeskSettings(data_dir=tmp_path, host="0.0.0.0", token="s3cret")
    with TestClient(create_app(settings), base_url="http://192.0.2.10:8765") as c:
        r = c.get("/?token=s3cret", follow_redirects=False)
        assert r.status_code == 303
        assert "token" not in r.headers["location"]
        assert c.get("/api/health").status_code == 200  # the cookie now travels with every request
        c.cookies.clear()
        assert c.get("/api/health").status_code == 401


def test_a_loopback_server_answers_only_to_loopback_names(tmp_path: Path) -> None:
    with TestClient(create_app(DeskSettings(data_dir=tmp_path)), base_url="http://evil.example:8765") as c:
        assert c.get("/api/health").status_code == 403
    with TestClient(create_app(DeskSettings(data_dir=tmp_path)), base_url="http://localhost:8765") as c:
        assert c.get("/api/health").status_code == 200


def test_cross_site_changes_are_refused(client: TestClient) -> None:
    school = upload(client).json()["id"]
    r = client.post(
        f"/api/schools/{school}/plans", json={"time_limit_s": 1}, headers={"Origin": "http://evil.example"}
    )
    assert r.status_code == 403
    assert "evil.example" in r.json()["detail"]
    r = client.post(
        f"/api/schools/{school}/plans", json={"time_limit_s": 1}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert r.status_code == 403
    # A form post (text/plain) cannot change anything either.
    r = client.post("/api/plans/1/publish", content=b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    same = upload(client, headers={"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201


def test_uploads_over_the_limit_are_413(tmp_path: Path) -> None:
    with client_for(tmp_path, max_upload_bytes=1000) as c:
        r = upload(c)
        assert TINY.stat().st_size > 1000
        assert r.status_code == 413
        assert "MB" in r.json()["detail"]


def test_other_file_types_are_415(client: TestClient) -> None:
    r = client.post("/api/schools", files={"file": ("school.exe", b"MZ", "application/octet-stream")})
    assert r.status_code == 415
    assert "school.exe" in r.json()["detail"]
    r = client.post("/api/schools", files={"file": ("../../etc/passwd", b"x: 1")})
    assert r.status_code == 415
    assert "/" not in r.json()["detail"].split("passwd")[0].split()[-1]


def test_invalid_yaml_is_422_naming_the_uploaded_file(client: TestClient) -> None:
    r = client.post("/api/schools", files={"file": ("bad.yaml", b"school: [unclosed\n")})
    assert r.status_code == 422
    issues = r.json()["issues"]
    assert issues and all(i["file"] == "bad.yaml" for i in issues)
    assert "YAML" in issues[0]["expected"]


def test_invalid_school_lists_every_issue_in_chinese_when_asked(client: TestClient) -> None:
    text = (
        TINY.read_text(encoding="utf-8")
        .replace("lanes: 2", "lanes: -2")
        .replace("students: 20", "students: lots")
    )
    for how in ({"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}}, {"params": {"lang": "zh"}}):
        r = client.post("/api/schools", files={"file": ("tiny.yaml", text.encode())}, **how)
        assert r.status_code == 422
        issues = r.json()["issues"]
        assert len(issues) >= 2
        assert {"file", "field", "value", "expected"} <= set(issues[0])
        assert "lots" in [i["value"] for i in issues]
        for i in issues:
            assert CJK.search(i["expected"]), i
    english = client.post("/api/schools", files={"file": ("tiny.yaml", text.encode())}).json()["issues"]
    assert not any(CJK.search(i["expected"]) for i in english)


def test_a_roster_named_inside_an_upload_is_not_read(client: TestClient, tmp_path: Path) -> None:
    text = "school: {name: X}\nroster: /etc/passwd\n"
    r = client.post("/api/schools", files={"file": ("s.yaml", text.encode())}, params={"lang": "zh"})
    assert r.status_code == 422
    issue = r.json()["issues"][0]
    assert issue["field"] == "roster"
    assert CJK.search(issue["expected"])


def test_a_broken_workbook_is_422_naming_the_uploaded_file(client: TestClient) -> None:
    r = client.post("/api/schools", files={"file": ("school.xlsx", b"PK\x03\x04 not really a workbook")})
    assert r.status_code == 422
    assert r.json()["issues"][0]["file"] == "school.xlsx"


def test_an_unexpected_error_is_a_plain_500(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reopen_sim.desk.api import schools

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(schools, "_latest_plans", boom)
    app = create_app(DeskSettings(data_dir=tmp_path))
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False) as c:
        school = upload(c).json()["id"]
        r = c.get(f"/api/schools/{school}", params={"lang": "zh"})
        assert r.status_code == 500
        assert "secret" not in r.text and "Traceback" not in r.text
        assert CJK.search(r.json()["detail"])


def test_a_malformed_request_body_is_422_not_500(client: TestClient) -> None:
    school = upload(client).json()["id"]
    r = client.post(f"/api/schools/{school}/plans", json={"time_limit_s": "soon"})
    assert r.status_code == 422
    assert r.json()["issues"][0]["field"] == "time_limit_s"
    r = client.post(
        f"/api/schools/{school}/plans", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422
