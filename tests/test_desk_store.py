"""The desk's store and jobs, on SQLite and on PostgreSQL (tests/pg_support.py): migrations from empty
and from an older schema, a write killed half-way leaves the last saved version, two concurrent edits
of the same version (one wins, the other gets 409), a job can be cancelled queued or running, jobs of
a stopped server are marked failed."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from desk_support import BASE_URL, ROOT, client_for, plan_school, upload, wait_job
from pg_support import is_postgres, table_columns
from reopen_sim.desk import service
from reopen_sim.desk.models import Base, Job
from reopen_sim.desk.store import Store, migrations_dir


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(migrations_dir())).get_current_head()
    assert head is not None
    return head


def _schema_differences(conn: Any) -> list[tuple[Any, ...]]:
    """What Alembic's autogenerate finds between the database and the models (types, nullability,
    keys, indexes); FLOAT against DOUBLE is the same column (SQLite's REAL) and not a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import Float

    found = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    ops = [op for item in found for op in (item if isinstance(item, list) else [item])]
    return [
        op
        for op in ops
        if not (op[0] == "modify_type" and isinstance(op[-2], Float) and isinstance(op[-1], Float))
    ]


def test_migrations_make_every_table_of_the_models(db_url: str) -> None:
    Store(db_url).close()
    tables = table_columns(db_url)
    assert set(Base.metadata.tables) <= set(tables)
    for name, table in Base.metadata.tables.items():
        assert {c.name for c in table.columns} == tables[name], name
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == _head_revision()
        assert _schema_differences(conn) == []
        uniques = inspect(conn).get_unique_constraints("plan_versions")
        assert [sorted(u["column_names"]) for u in uniques] == [["plan_id", "version"]]
        if not is_postgres(db_url):
            assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
    engine.dispose()
    # Running them again (a restart) changes nothing.
    Store(db_url).close()
    assert table_columns(db_url) == tables


def _planned(c: TestClient) -> tuple[int, dict[str, Any]]:
    school = upload(c).json()["id"]
    plan = plan_school(c, school)["result"]["plan"]
    return plan, c.get(f"/api/plans/{plan}").json()


def test_an_edit_failing_inside_its_transaction_leaves_the_last_version(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client_for(tmp_path, db_url=db_url) as c:
        plan, before = _planned(c)

    def crash(*_a: object, **_k: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(service, "diff_rows", crash)  # after the new row is begun, before commit
    with TestClient(c.app, base_url=BASE_URL, raise_server_exceptions=False) as c2:
        cid = before["classes"][0]["class_id"]
        r = c2.patch(f"/api/plans/{plan}/classes/{cid}", json={"gate": "x"}, headers={"If-Match": "1"})
        assert r.status_code == 500
    monkeypatch.undo()
    with client_for(tmp_path, db_url=db_url) as c3:
        assert c3.get(f"/api/plans/{plan}").json() == before
        assert len(c3.get(f"/api/plans/{plan}/versions").json()) == 1


KILL_MID_WRITE = """
import os, signal, sys
from reopen_sim.desk import service
from reopen_sim.desk.models import PlanLine
from reopen_sim.desk.store import Store
store = Store(sys.argv[1])
with store.write() as s:
    parent = service.latest_version(s, int(sys.argv[2]))
    rows = [dict(r, gate="killed") for r in parent.rows]
    service.add_version(s, s.get(PlanLine, parent.plan_id), parent, rows, {}, "crash")
    s.flush()
    os.kill(os.getpid(), signal.SIGKILL)  # the process dies with the new version written, uncommitted
"""


def test_a_process_killed_mid_write_leaves_the_last_version(db_url: str, tmp_path: Path) -> None:
    with client_for(tmp_path, db_url=db_url) as c:
        plan, before = _planned(c)
    done = subprocess.run(
        [sys.executable, "-c", KILL_MID_WRITE, db_url, str(plan)], capture_output=True, timeout=120
    )
    assert done.returncode == -9, done.stderr
    if not is_postgres(db_url):
        con = sqlite3.connect(tmp_path / "desk.sqlite3")
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
        con.close()
    with client_for(tmp_path, db_url=db_url) as c:
        assert c.get(f"/api/plans/{plan}").json() == before


def test_a_running_job_is_cancelled_by_terminating_its_process(db_url: str, tmp_path: Path) -> None:
    with client_for(tmp_path, db_url=db_url, max_jobs=1, examples_dir=ROOT / "scenarios") as c:
        school = c.post("/api/examples/high-school")
        assert school.status_code == 201, school.text
        sid = school.json()["id"]
        running = c.post(f"/api/schools/{sid}/plans", json={"time_limit_s": 600, "seed": 0}).json()["job"]
        queued = c.post(f"/api/schools/{sid}/plans", json={"time_limit_s": 600, "seed": 0}).json()["job"]
        deadline = time.monotonic() + 60
        while c.get(f"/api/jobs/{running}").json()["status"] != "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert c.get(f"/api/jobs/{queued}").json()["status"] == "queued"  # one job at a time here
        r = c.delete(f"/api/jobs/{queued}")
        assert r.status_code == 200
        assert r.json()["status"] == "cancelled"
        r = c.delete(f"/api/jobs/{running}")
        assert r.status_code == 200
        assert wait_job(c, running)["status"] == "cancelled"
        assert c.delete(f"/api/jobs/{running}").status_code == 409
        assert c.get(f"/api/schools/{sid}").json()["plans"] == []


def test_jobs_of_a_stopped_server_are_marked_failed(db_url: str, tmp_path: Path) -> None:
    with client_for(tmp_path, db_url=db_url) as c:
        sid = upload(c).json()["id"]
    store = Store(db_url)
    with store.write() as s:
        s.add(Job(id="left-over", kind="plan", status="running", progress=0.5, school_id=sid, params={}))
    store.close()
    with client_for(tmp_path, db_url=db_url) as c:
        job = c.get("/api/jobs/left-over", params={"lang": "zh"}).json()
        assert job["status"] == "failed"
        assert "服务器" in job["error"]


def test_an_infeasible_school_fails_its_job_with_reasons(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        text = (ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8")
        # Two classes pinned to the same single-class window at the only gate, beyond its capacity.
        text += (
            "pins:\n  - {class_id: '1-1', window_at: '07:50'}\n  - {class_id: '2-2', window_at: '07:50'}\n"
        )
        r = c.post("/api/schools", files={"file": ("pinned.yaml", text.encode())})
        if r.status_code == 422:
            pytest.skip("the loader already rejects these pins")
        job = plan_school(c, r.json()["id"])
        assert job["status"] == "failed"
        assert job["error"]
        assert job["result"]["reasons"]
        zh = c.get(f"/api/jobs/{job['id']}", params={"lang": "zh"}).json()["result"]["reasons"]
        assert len(zh) == len(job["result"]["reasons"])
        assert all(re.search(r"[\u4e00-\u9fff]", r) for r in zh), zh


def test_a_database_of_the_first_schema_is_upgraded_keeping_its_schools(db_url: str, tmp_path: Path) -> None:
    """A desk of an older version (schema 0001) started by this one keeps every school and plan."""
    from alembic import command
    from alembic.config import Config

    from reopen_sim.desk.store import make_engine

    engine = make_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    assert "parent_id" not in table_columns(db_url)["schools"]
    with engine.begin() as conn:
        sid = conn.execute(
            text(
                "insert into schools (name, scenario_json, source_name, source_bytes, created_at)"
                " values ('Old School', :sc, 'old.yaml', :raw, '2026-01-01 00:00:00') returning id"
            ),
            {"sc": _tiny_json(), "raw": b"\x00"},
        ).scalar_one()
    engine.dispose()
    with client_for(tmp_path, db_url=db_url) as c:
        assert c.get(f"/api/schools/{sid}").json()["name"] == "Old School"
        assert c.get("/api/schools").json()[0]["students"] > 0
        assert upload(c).status_code == 201  # new rows get new ids after the old ones
    assert {"parent_id", "what_if"} <= table_columns(db_url)["schools"]


def _tiny_json() -> str:
    from reopen_sim.scenario.load import load_scenario

    return service.scenario_json(load_scenario(ROOT / "scenarios" / "tiny-school.yaml"))


def test_two_tabs_editing_the_same_version_at_once_one_wins_the_other_gets_409(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two PATCHes with the same If-Match, each in its own server thread, connection and transaction,
    held until both have read the latest version: exactly one makes the next version, the other is
    told 409 with that version; never two versions of one number, never a 500."""
    with client_for(tmp_path, db_url=db_url) as c:
        plan, before = _planned(c)
        cid = before["classes"][0]["class_id"]
        both_read = threading.Barrier(2, timeout=60)
        diff_rows = service.diff_rows

        def after_reading(*args: Any) -> Any:  # both transactions have read the latest version
            both_read.wait()
            return diff_rows(*args)

        monkeypatch.setattr(service, "diff_rows", after_reading)

        def edit(dismissal: str, version: int) -> httpx.Response:
            return c.patch(
                f"/api/plans/{plan}/classes/{cid}",
                json={"dismissal_time": dismissal, "author": dismissal},
                headers={"If-Match": str(version)},
            )

        version = before["version"]
        for _round in range(3):
            with ThreadPoolExecutor(2) as pool:
                got = list(pool.map(edit, ("16:05", "16:10"), (version, version)))
            assert sorted(r.status_code for r in got) == [200, 409], [r.text for r in got]
            won = next(r.json() for r in got if r.status_code == 200)
            lost = next(r.json() for r in got if r.status_code == 409)
            assert won["version"] == version + 1
            assert lost["latest"]["version"] == version + 1
            assert lost["latest"]["author"] == won["author"]
            versions = c.get(f"/api/plans/{plan}/versions").json()
            assert [v["version"] for v in versions] == list(range(version + 1, 0, -1))
            version += 1


def _serve_app(monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    """``reopen-sim serve ARGS`` through the entry point, uvicorn replaced: the app it would serve."""
    import uvicorn

    from reopen_sim.cli import main

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app))
    monkeypatch.setattr(sys, "argv", ["reopen-sim", "serve", "--no-browser", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    seen["code"] = ended.value.code
    return seen


@pytest.mark.postgres
def test_serve_keeps_everything_in_the_postgresql_database_given_by_db_url(
    pg_admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pg_support import create_database, drop_database

    url = create_database(pg_admin_url)
    try:
        seen = _serve_app(monkeypatch, "--data", str(tmp_path), "--db-url", url)
        assert seen["code"] == 0
        with TestClient(seen["app"], base_url=BASE_URL) as c:
            school = upload(c).json()
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("select name from schools")).scalars().all() == [school["name"]]
        engine.dispose()
        assert not (tmp_path / "desk.sqlite3").exists()
    finally:
        drop_database(pg_admin_url, url)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "english", "chinese"),
    [
        ("nonsense", "a database URL such as", "数据库地址"),
        (
            "postgresql+nodriver://me:secret@localhost/desk",
            "pip install 'reopen-sim[postgres]'",
            "已安装驱动",
        ),
        (f"postgresql+psycopg://me:secret@127.0.0.1:{_closed_port()}/desk", "can be opened", "能够打开"),
        ("sqlite:////no/such/folder/desk.sqlite3", "can be opened", "能够打开"),
    ],
)
def test_a_database_that_cannot_be_opened_is_a_clear_input_error(
    url: str,
    english: str,
    chinese: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 2 with a message naming --db-url (the password hidden), in the user's language; no traceback."""
    if "psycopg" in url:
        pytest.importorskip("psycopg", reason="the PostgreSQL driver comes with the dev extras")
    for lang, expected in (("en", english), ("zh", chinese)):
        assert _serve_app(monkeypatch, "--data", str(tmp_path), "--db-url", url, "--lang", lang)["code"] == 2
        err = capsys.readouterr().err
        assert "--db-url" in err and expected in err, err
        assert "secret" not in err and "Traceback" not in err


@pytest.mark.postgres
def test_the_throwaway_postgresql_server_runs_unprivileged_and_is_gone_after_stop() -> None:
    """What tests/pg_support.py promises: a cluster in a temp folder, not run as root, stopped and
    deleted by ``stop`` (the session's cluster is stopped the same way)."""
    import os

    import pg_support

    bin_dir = pg_support.server_binaries()
    if bin_dir is None:
        pytest.skip(pg_support.HOW_TO_RUN)
    cluster = pg_support.PgCluster(bin_dir).start()
    try:
        url = pg_support.create_database(cluster.admin_url)
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar() == 1
        engine.dispose()
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        uid = os.stat(f"/proc/{pid}").st_uid
        assert uid != 0 and (os.geteuid() == 0 or uid == os.geteuid())
    finally:
        cluster.stop()
    assert not cluster.root.exists()
    deadline = time.monotonic() + 30  # the server removes its pid file just before it exits
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()
