"""The example schools ship with the package from one place (reopen_sim/examples, the project's
scenarios/): each loads with its roster, the desk offers exactly them, and every file there is
package data (so an installed wheel carries rosters too)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

import reopen_sim as rs
from desk_support import ROOT, client_for
from reopen_sim.bundled import EXAMPLE_SCHOOLS, example_path, examples_dir


def test_the_bundled_examples_are_the_projects_scenarios() -> None:
    assert examples_dir().resolve() == (ROOT / "scenarios").resolve()


@pytest.mark.parametrize("name", EXAMPLE_SCHOOLS)
def test_each_example_school_loads(name: str) -> None:
    sc = rs.load_scenario(example_path(name))
    assert sc.classes and sc.entrances


def test_a_name_not_listed_is_no_path() -> None:
    with pytest.raises(KeyError):
        example_path("../../etc/passwd")


def test_every_file_of_the_examples_is_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    globs = [p for p in patterns["reopen_sim"] if p.startswith("examples/")]
    for path in examples_dir().iterdir():
        rel = f"examples/{path.name}"
        assert any(fnmatch.fnmatch(rel, g) for g in globs), rel


def test_the_desk_offers_the_bundled_schools_by_default(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        assert sorted(c.get("/api/examples").json()) == sorted(EXAMPLE_SCHOOLS)
        r = c.post("/schools/example", data={"example": "junior-middle"})
        assert r.status_code == 204, r.text
        school = c.get("/api/schools").json()[0]
    assert school["students"] == rs.load_scenario(example_path("junior-middle")).n_students
