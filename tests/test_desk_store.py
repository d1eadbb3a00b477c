"""The desk's store and jobs: migrations, a write killed half-way leaves the last saved version, a
job can be cancelled queued or running, jobs of a stopped server are marked failed."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from desk_support import BASE_URL, ROOT, client_for, plan_school, upload, wait_job
from reopen_sim.desk import service
from reopen_sim.desk.models import Base, Job
from reopen_sim.desk.store import Store


def test_migrations_make_every_table_of_the_models(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'd.sqlite3'}")
    store.close()
    con = sqlite3.connect(tmp_path / "d.sqlite3")
    tables = {r[0] for r in con.execute("select name from sqlite_master where type='table'")}
    assert set(Base.metadata.tables) <= tables
    for name, table in Base.metadata.tables.items():
        cols = {r[1] for r in con.execute(f"pragma table_info({name})")}
        assert {c.name for c in table.columns} == cols, name
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    # Running them again (a restart) changes nothing.
    Store(f"sqlite:///{tmp_path / 'd.sqlite3'}").close()


def _planned(c: TestClient) -> tuple[int, dict[str, Any]]:
    school = upload(c).json()["id"]
    plan = plan_school(c, school)["result"]["plan"]
    return plan, c.get(f"/api/plans/{plan}").json()


def test_an_edit_failing_inside_its_transaction_leaves_the_last_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with client_for(tmp_path) as c:
        plan, before = _planned(c)

    def crash(*_a: object, **_k: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(service, "diff_rows", crash)  # after the new row is begun, before commit
    with TestClient(c.app, base_url=BASE_URL, raise_server_exceptions=False) as c2:
        cid = before["classes"][0]["class_id"]
        r = c2.patch(f"/api/plans/{plan}/classes/{cid}", json={"gate": "x"}, headers={"If-Match": "1"})
        assert r.status_code == 500
    monkeypatch.undo()
    with client_for(tmp_path) as c3:
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


def test_a_process_killed_mid_write_leaves_the_last_version(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        plan, before = _planned(c)
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", KILL_MID_WRITE, url, str(plan)], capture_output=True, timeout=120
    )
    assert done.returncode == -9, done.stderr
    con = sqlite3.connect(tmp_path / "desk.sqlite3")
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    with client_for(tmp_path) as c:
        assert c.get(f"/api/plans/{plan}").json() == before


def test_a_running_job_is_cancelled_by_terminating_its_process(tmp_path: Path) -> None:
    with client_for(tmp_path, max_jobs=1, examples_dir=ROOT / "scenarios") as c:
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


def test_jobs_of_a_stopped_server_are_marked_failed(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        sid = upload(c).json()["id"]
    store = Store(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    with store.write() as s:
        s.add(Job(id="left-over", kind="plan", status="running", progress=0.5, school_id=sid, params={}))
    store.close()
    with client_for(tmp_path) as c:
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


def test_a_database_of_the_first_schema_is_upgraded_keeping_its_schools(tmp_path: Path) -> None:
    """A desk of an older version (schema 0001) started by this one keeps every school and plan."""
    from alembic import command
    from alembic.config import Config

    from reopen_sim.desk.store import make_engine, migrations_dir

    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    con = sqlite3.connect(tmp_path / "desk.sqlite3")
    con.execute(
        "insert into schools (id, name, scenario_json, source_name, source_bytes, created_at)"
        " values (1, 'Old School', ?, 'old.yaml', x'00', '2026-01-01 00:00:00')",
        (_tiny_json(),),
    )
    con.commit()
    con.close()
    engine.dispose()
    with client_for(tmp_path) as c:
        assert c.get("/api/schools/1").json()["name"] == "Old School"
        assert c.get("/api/schools").json()[0]["students"] > 0


def _tiny_json() -> str:
    from reopen_sim.scenario.load import load_scenario

    return service.scenario_json(load_scenario(ROOT / "scenarios" / "tiny-school.yaml"))
