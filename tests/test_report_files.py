"""The files ``run`` writes: byte-identical for the same inputs and seed, user text never a formula,
and a timetable workbook and CSV that Excel opens right."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cli_support import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``run`` twice on the bundled junior middle school, same seed, into two folders (zh)."""
    base = tmp_path_factory.mktemp("twice")
    outs = []
    for name in ("a", "b"):
        out = base / name
        res = run_cli(
            "run",
            "scenarios/junior-middle.yaml",
            "-o",
            str(out),
            "-n",
            "2",
            "--time-limit",
            "10",
            "--lang",
            "zh",
        )
        assert res.returncode == 0, res.stderr
        outs.append(out)
    return outs[0], outs[1]


def test_same_inputs_and_seed_give_identical_files(two_runs: tuple[Path, Path]) -> None:
    a, b = two_runs
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) == files
    assert len(files) >= 17  # 7 documents, 5 figures × (SVG, PNG), timings.json
    differ = [str(f) for f in files if (a / f).read_bytes() != (b / f).read_bytes()]
    assert differ == ["timings.json"]


def test_timings_are_kept_apart(two_runs: tuple[Path, Path]) -> None:
    a, _ = two_runs
    clock = json.loads((a / "timings.json").read_text(encoding="utf-8"))
    assert clock["optimize_s"] >= 0 and clock["simulate_s"] > 0
    assert clock["plans"]["optimized"]["wall_time_s"] > 0
    record = (a / "run.json").read_text(encoding="utf-8")
    assert "wall_time_s" not in record and "solver_time_s" not in record
    assert "wall_time_s" not in (a / "report.html").read_text(encoding="utf-8")


def test_workbook_has_no_save_time(two_runs: tuple[Path, Path]) -> None:
    a, _ = two_runs
    with zipfile.ZipFile(a / "timetable.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "1980-01-01T00:00:00Z" in core
