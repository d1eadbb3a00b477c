"""`reopen-sim validate`: summary on good files, plain errors and exit 2 on bad ones, no traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli_support import run_cli

ROOT = Path(__file__).resolve().parents[1]
SCHOOLS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.startswith("district"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, columns=120)


@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.name)
def test_validate_bundled(path: Path) -> None:
    res = run("validate", str(path))
    assert res.returncode == 0, res.stderr
    assert "valid" in res.stdout
    assert "Tightest resource:" in res.stdout
    assert "Students by grade" in res.stdout


def test_validate_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8")
    text = text.replace("lanes: 2", "lanes: -2").replace("window_min: 10", "window_minutes: 10")
    bad.write_text(text, encoding="utf-8")
    res = run("validate", str(bad))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert "2 problems in the input:" in res.stderr
    assert f"{bad}: day.window_minutes: got '10'; expected no such field" in res.stderr
    assert f"{bad}: entrances[0].lanes: got '-2'; expected a number >= 1" in res.stderr


def test_validate_missing_file_and_usage() -> None:
    res = run("validate", "no/such.yaml")
    assert res.returncode == 2 and "expected an existing scenario file" in res.stderr
    assert "Traceback" not in res.stderr
    res = run("validate")
    assert res.returncode == 2 and "command line: SCENARIO: expected SCENARIO (required)" in res.stderr
