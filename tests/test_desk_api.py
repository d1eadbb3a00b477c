"""The desk's JSON API through an in-process client (fastapi.testclient over httpx)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reopen_sim import __version__
from reopen_sim.desk.app import create_app
from reopen_sim.desk.settings import DeskSettings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(DeskSettings(data_dir=tmp_path / "desk"))) as c:
        yield c


def test_health_says_ok_and_the_version(client: TestClient) -> None:
    r = client.get("/api/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "version": __version__}


def test_openapi_lists_the_api(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/health" in paths
