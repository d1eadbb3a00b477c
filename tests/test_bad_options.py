"""Bad options and paths on the command line: exit 2, a message naming the option (or file) and the
value, no traceback, nothing left behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import reopen_sim as rs
from cli_support import ROOT, in_process, run_cli
from test_simulate_support import simple_plan

TINY = str(ROOT / "scenarios" / "tiny-school.yaml")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """A sound timetable, a plain file, a folder, and where outputs would go."""
    tt = tmp_path / "timetable.csv"
    tt.write_text(simple_plan(rs.load_scenario(TINY)).to_csv_text(), encoding="utf-8")
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    return {
        "TT": str(tt),
        "OUT": str(tmp_path / "out"),
        "FILE_SUB": str(tmp_path / "a-file" / "sub"),
        "FOLDER": str(tmp_path / "a-folder"),
    }


# (command line with placeholders, what the message must name, the value it must echo)
CASES: list[tuple[tuple[str, ...], str, str]] = [
    (("plan", TINY, "-o", "OUT", "--time-limit", "-5"), "--time-limit", "-5"),
    (("plan", TINY, "-o", "OUT", "--time-limit", "0"), "--time-limit", "0"),
    (("plan", TINY, "-o", "OUT", "--seed", "-1"), "--seed", "-1"),
    (("run", TINY, "-o", "OUT", "-n", "0"), "--replications", "0"),
    (("run", TINY, "-o", "OUT", "-n", "1"), "--replications", "1"),
    (("run", TINY, "-o", "OUT", "-j", "0"), "--processes", "0"),
    (("run", TINY, "-o", "OUT", "--time-limit", "-0.5"), "--time-limit", "-0.5"),
    (("simulate", TINY, "--plan", "TT", "-o", "OUT", "-n", "0"), "--replications", "0"),
    (("simulate", TINY, "--plan", "TT", "-o", "OUT", "--seed", "-3"), "--seed", "-3"),
    (("simulate", TINY, "--plan", "TT", "-o", "OUT", "-j", "0"), "--processes", "0"),
    (("simulate", TINY, "--plan", "TT", "-o", "OUT", "--lane-choice", "zigzag"), "--lane-choice", "zigzag"),
    (("trace", TINY, "--plan", "TT", "--student", "1-1-01", "-n", "0"), "--replications", "0"),
    (("trace", TINY, "--plan", "TT", "--student", "1-1-01", "--threshold-m", "0"), "--threshold-m", "0"),
    (("demo", TINY, "-o", "OUT", "-n", "0"), "--replications", "0"),
    # Output folders that cannot be made.
    (("plan", TINY, "-o", "/proc/reopen-sim-x"), "-o/--out", "/proc/reopen-sim-x"),
    (("plan", TINY, "-o", "FILE_SUB"), "-o/--out", "FILE_SUB"),
    (("simulate", TINY, "--plan", "TT", "-o", "FILE_SUB"), "-o/--out", "FILE_SUB"),
    (("simulate", TINY, "--plan", "TT", "-o", "/proc/reopen-sim-x"), "-o/--out", "/proc/reopen-sim-x"),
    (("run", TINY, "-o", "FILE_SUB"), "-o/--out", "FILE_SUB"),
    (("run", TINY, "-o", "/sys/reopen-sim-x"), "-o/--out", "/sys/reopen-sim-x"),
    (("publish", TINY, "TT", "-o", "/proc/reopen-sim-x"), "-o/--out", "/proc/reopen-sim-x"),
    (("publish", TINY, "TT", "-o", "FILE_SUB"), "-o/--out", "FILE_SUB"),
    (("trace", TINY, "--plan", "TT", "--student", "1-1-01", "-o", "FILE_SUB"), "-o/--out", "FILE_SUB"),
    # A folder where a file was expected.
    (("check", TINY, "FOLDER"), "TIMETABLE", "FOLDER"),
    (("publish", TINY, "FOLDER", "-o", "OUT"), "TIMETABLE", "FOLDER"),
    (("simulate", TINY, "--plan", "FOLDER", "-o", "OUT"), "--plan", "FOLDER"),
    (("trace", TINY, "--plan", "FOLDER", "--student", "1-1-01"), "--plan", "FOLDER"),
    (("run", TINY, "-o", "OUT", "--current", "FOLDER"), "--current", "FOLDER"),
    (("plan", TINY, "-o", "OUT", "--previous", "FOLDER"), "--previous", "FOLDER"),
    (("publish", TINY, "TT", "-o", "OUT", "--date", "2026-13-45"), "--date", "2026-13-45"),
]


def fill(args: tuple[str, ...], files: dict[str, str]) -> list[str]:
    return [files.get(a, a) for a in args]


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(
    ("args", "option", "value"), CASES, ids=lambda x: " ".join(x) if isinstance(x, tuple) else None
)
def test_bad_option_exit_2(
    args: tuple[str, ...],
    option: str,
    value: str,
    files: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = listing(tmp_path)
    res = in_process(monkeypatch, capsys, *fill(args, files))
    assert res.returncode == 2, res.stderr
    assert option in res.stderr and files.get(value, value) in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert listing(tmp_path) == before  # no output, no temporary folder
    assert not Path("/proc/reopen-sim-x").exists() and not Path("/sys/reopen-sim-x").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("plan", TINY, "-o", "OUT", "--time-limit", "-5", "--lang", "zh"), "应为大于 0 的数"),
        (("simulate", TINY, "--plan", "FOLDER", "-o", "OUT", "--lang", "zh"), "应为一个文件，而不是文件夹"),
        (("publish", TINY, "TT", "-o", "FILE_SUB", "--lang", "zh"), "是一个文件"),
    ],
)
def test_bad_option_in_chinese(
    args: tuple[str, ...],
    expected: str,
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    res = in_process(monkeypatch, capsys, *fill(args, files))
    assert res.returncode == 2 and expected in res.stderr and "expected" not in res.stderr, res.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: an unreadable file cannot be made")
def test_unreadable_timetable(
    files: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    os.chmod(files["TT"], 0)
    res = in_process(monkeypatch, capsys, "check", TINY, files["TT"])
    assert res.returncode == 2 and "TIMETABLE" in res.stderr and "can be read" in res.stderr


def test_a_real_process_gives_no_traceback(files: dict[str, str], tmp_path: Path) -> None:
    res = run_cli("simulate", TINY, "--plan", files["TT"], "-o", files["FILE_SUB"], "-n", "0")
    assert res.returncode == 2 and "--replications" in res.stderr and "Traceback" not in res.stderr
    res = run_cli("publish", TINY, files["TT"], "-o", "/proc/reopen-sim-x")
    assert res.returncode == 2 and "/proc/reopen-sim-x" in res.stderr and "Traceback" not in res.stderr
    assert listing(tmp_path) == sorted(["a-file", "a-folder", "timetable.csv"])
