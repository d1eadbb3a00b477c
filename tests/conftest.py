"""Shared fixtures: paths to the bundled schools and a small valid scenario mapping to mutate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

# The desk's store and API tests on SQLite and PostgreSQL: fixtures ``db_url`` and ``pg_admin_url``.
from pg_support import db_url as db_url
from pg_support import pg_admin_url as pg_admin_url

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def scenarios_dir() -> Path:
    return SCENARIOS


BASE: dict[str, Any] = {
    "school": {"name": "Test School"},
    "day": {
        "earliest_arrival_at": "07:50",
        "latest_arrival_at": "08:10",
        "first_class_at": "08:30",
        "dismissal_start_at": "16:00",
    },
    "classes": [
        {"id": "1-1", "grade": 1, "students": 20},
        {"id": "2-1", "grade": 2, "students": 24},
    ],
    "entrances": [{"id": "A", "lanes": 2, "staff": 2, "walk_m": {"Main": 30}}],
    "rooms": [
        {"id": "R1", "building": "Main", "area_m2": 50, "desk_grid": {"rows": 5, "cols": 5}},
        {"id": "R2", "building": "Main", "area_m2": 50, "desk_grid": {"rows": 5, "cols": 5}},
    ],
}


@pytest.fixture
def base() -> dict[str, Any]:
    """A small valid scenario mapping; each test mutates its own deep copy."""
    return copy.deepcopy(BASE)
