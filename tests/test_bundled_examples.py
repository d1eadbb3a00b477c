"""The example schools live once, in the project's scenarios/ (no symlink), and ship with the package:
each loads with its roster, the desk offers exactly them, and a wheel built from the project carries
every file of scenarios/ as reopen_sim/examples, which the installed package reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
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


# What a wheel is built from (pyproject.toml names README.md; setup.py copies scenarios/ in).
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "scenarios", "src/reopen_sim")
INSTALLED_CHECK = """
import sys
from pathlib import Path

import reopen_sim as rs
from fastapi.testclient import TestClient
from reopen_sim.bundled import EXAMPLE_SCHOOLS, example_path, examples_dir
from reopen_sim.desk.app import create_app
from reopen_sim.desk.settings import DeskSettings

site = Path(sys.argv[1]).resolve()
assert Path(rs.__file__).resolve().is_relative_to(site), rs.__file__
assert examples_dir().resolve().is_relative_to(site), examples_dir()
for name in (*EXAMPLE_SCHOOLS, "district-example"):
    assert example_path(name).is_file(), name
for name in EXAMPLE_SCHOOLS:
    assert rs.load_scenario(example_path(name)).classes, name
app = create_app(DeskSettings(data_dir=Path(sys.argv[2])))
with TestClient(app, base_url="http://127.0.0.1:8765") as c:
    assert sorted(c.get("/api/examples").json()) == sorted(EXAMPLE_SCHOOLS)
    for name in EXAMPLE_SCHOOLS:
        assert c.post(f"/api/examples/{name}").status_code == 201, name
print(sorted(p.name for p in examples_dir().iterdir()))
"""


@pytest.mark.slow
def test_an_installed_wheel_carries_every_example_and_the_desk_offers_them(tmp_path: Path) -> None:
    # Build the wheel from a copy of the project (no stale build/ folder), install it alone into a
    # folder put first on the path, and read the examples through the installed package.
    project = tmp_path / "project"
    for rel in BUILD_INPUTS:
        if (ROOT / rel).is_dir():
            shutil.copytree(ROOT / rel, project / rel, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            project.mkdir(exist_ok=True)
            shutil.copy2(ROOT / rel, project / rel)
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(tmp_path / "dist"), str(project)], check=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    shipped = [n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("reopen_sim/examples/")]
    expected = sorted(p.name for p in (ROOT / "scenarios").iterdir())
    assert sorted(n.removeprefix("reopen_sim/examples/") for n in shipped) == expected
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in (ROOT / "src" / "reopen_sim" / "locales").rglob("*.json"):  # messages and --help
        assert data.relative_to(ROOT / "src").as_posix() in names, data
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    args = [sys.executable, "-c", INSTALLED_CHECK, str(site), str(tmp_path / "desk")]
    out = subprocess.run(args, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(expected)


def test_the_desk_offers_the_bundled_schools_by_default(tmp_path: Path) -> None:
    with client_for(tmp_path) as c:
        assert sorted(c.get("/api/examples").json()) == sorted(EXAMPLE_SCHOOLS)
        r = c.post("/schools/example", data={"example": "junior-middle"})
        assert r.status_code == 204, r.text
        school = c.get("/api/schools").json()[0]
    assert school["students"] == rs.load_scenario(example_path("junior-middle")).n_students
