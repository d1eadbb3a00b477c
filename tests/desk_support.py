"""Helpers for the desk's API tests: an app on a temp data folder, uploads, waiting for jobs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from reopen_sim.desk.app import create_app
from reopen_sim.desk.settings import DeskSettings

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny-school.yaml"
# The loopback address the server answers to (a loopback server refuses other host names).
BASE_URL = "http://127.0.0.1:8765"
FINISHED = ("done", "failed", "cancelled")


def client_for(data_dir: Path, **settings: Any) -> TestClient:
    return TestClient(create_app(DeskSettings(data_dir=data_dir, **settings)), base_url=BASE_URL)


def upload(c: TestClient, path: Path = TINY, name: str | None = None, **kw: Any) -> Any:
    return c.post(
        "/api/schools", files={"file": (name or path.name, path.read_bytes(), "application/x-yaml")}, **kw
    )


def wait_job(c: TestClient, job: str, timeout_s: float = 180.0) -> dict[str, Any]:
    """Poll a job until it finishes (a generous bound: the machine may be busy)."""
    deadline = time.monotonic() + timeout_s
    while True:
        got: dict[str, Any] = c.get(f"/api/jobs/{job}").json()
        if got["status"] in FINISHED or time.monotonic() > deadline:
            return got
        time.sleep(0.2)


def plan_school(c: TestClient, school: int, **body: Any) -> dict[str, Any]:
    r = c.post(f"/api/schools/{school}/plans", json={"time_limit_s": 2, "seed": 0, **body})
    assert r.status_code == 202, r.text
    return wait_job(c, r.json()["job"])
