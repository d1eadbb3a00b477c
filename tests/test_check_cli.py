"""`reopen-sim plan` and `reopen-sim check`: files written, status printed, exit codes 0 / 1 / 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl

from cli_support import run_cli
from reopen_sim.plan import read_timetable
from reopen_sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[1]
JUNIOR = str(ROOT / "scenarios" / "junior-middle.yaml")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, columns=200)


def test_plan_writes_both_files_and_check_confirms(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run("plan", JUNIOR, "-o", str(out), "--time-limit", "10")
    assert res.returncode == 0, res.stderr
    assert "OPTIMAL" in res.stdout and "gap 0.00%" in res.stdout
    assert "search: 1 worker" in res.stdout  # proven optimal in the single-worker phase
    for term in ("last_window", "peak_utilisation_permille", "walk_m", "split_rooms"):
        assert term in res.stdout
    sc = load_scenario(JUNIOR)
    plan = read_timetable(out / "timetable.csv", sc)
    assert len(plan) == len(sc.classes)
    wb = openpyxl.load_workbook(out / "timetable.xlsx", read_only=True)
    # Meals are delivered at this school: no canteen sheet; then one duty sheet per gate, one per grade.
    assert wb.sheetnames[:3] == ["by class", "by gate (duty roster)", "by room"]
    assert len(wb.sheetnames) == 3 + len(sc.entrances) + len({c.grade for c in sc.classes})
    roster = list(wb["by gate (duty roster)"].iter_rows(values_only=True))
    assert roster[0][:6] == ("Gate id", "Gate", "Arrive from", "Arrive by", "Classes", "Students")
    # Every class appears once in the duty roster; students add up to the school.
    assert sum(r[5] for r in roster[1:]) == sc.n_students
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary files left
    ok = run("check", JUNIOR, str(out / "timetable.csv"))
    assert ok.returncode == 0, ok.stderr
    assert "keep every rule" in ok.stdout


def test_check_reports_a_hand_edit_with_exit_1(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("plan", JUNIOR, "-o", str(out), "--time-limit", "10").returncode == 0
    csv = out / "timetable.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[4] = "06:55"  # arrival_start off the 10-minute grid
    lines[1] = ",".join(first)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run("check", JUNIOR, str(csv))
    assert res.returncode == 1
    assert "[window]" in res.stderr and "06:55" in res.stderr
    assert "Traceback" not in res.stderr


def test_plan_without_a_feasible_timetable_exits_1_with_reasons(tmp_path: Path) -> None:
    school = tmp_path / "tiny.yaml"
    text = (ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8")
    school.write_text(
        text.replace('latest_arrival_at: "08:30"', 'latest_arrival_at: "08:20"'), encoding="utf-8"
    )
    res = run("plan", str(school), "-o", str(tmp_path / "out"))
    assert res.returncode == 1
    assert "No plan fits this school" in res.stderr and "allow arrivals until 08:30" in res.stderr
    assert not (tmp_path / "out" / "timetable.csv").exists()


def test_check_bad_input_exit_2(tmp_path: Path) -> None:
    res = run("check", JUNIOR, str(tmp_path / "missing.csv"))
    assert res.returncode == 2
    assert (
        f"{tmp_path / 'missing.csv'}: TIMETABLE" in res.stderr and "expected an existing file" in res.stderr
    )
