"""What the loader noticed in a roster (a total row skipped, a hidden row read, an unused column) is
printed by every command that reads the school, once, in the user's language."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bad_input_support import english_runs, roster_school
from cli_support import in_process
from reopen_sim.i18n import load_catalogue
from reopen_sim.scenario.load import load_scenario


def _roster(path: Path) -> Path:
    """A roster as a school keeps it: a hidden class row, a 合计 row and a column the tool ignores."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年级", "班级", "人数", "家长群"])
    for row in (("初一", "1班", 40, "a"), ("初一", "2班", 41, "b"), ("初二", "1班", 42, "c")):
        ws.append(list(row))
    ws.append(["合计", "", 123, ""])
    ws.row_dimensions[3].hidden = True
    wb.save(path)
    return path


@pytest.fixture
def school(tmp_path: Path) -> Path:
    _roster(tmp_path / "roster.xlsx")
    return roster_school(tmp_path, "roster.xlsx")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validate_prints_every_notice(
    lang: str, school: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notices = load_scenario(school).notices
    assert sorted(n.key or "" for n in notices) == ["hidden_row", "total_row", "unused_column"]
    res = in_process(monkeypatch, capsys, "validate", str(school), "--lang", lang)
    assert res.returncode == 0, res.stderr
    cat = load_catalogue(lang)
    assert cat("notice.head", n=3) in res.stdout
    for n in notices:
        assert res.stdout.count(n.render(cat)) == 1, res.stdout
    if lang == "zh":
        shown = "\n".join(line for line in res.stdout.splitlines() if "roster.xlsx" in line)
        assert english_runs(shown.replace(str(school.parent), "")) == [], shown


def test_no_notice_heading_for_a_clean_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bad_input_support import TINY

    res = in_process(monkeypatch, capsys, "validate", str(TINY), "--lang", "en")
    assert res.returncode == 0
    assert load_catalogue("en")("notice.head", n=1).split("1")[-1] not in res.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "SCHOOL", "-o", "OUT", "--time-limit", "5"),
        ("run", "SCHOOL", "-o", "OUT", "-n", "2", "--time-limit", "5"),
    ],
    ids=lambda a: a[0],
)
def test_plan_and_run_print_each_notice_once(
    args: tuple[str, ...],
    school: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    filled = [{"SCHOOL": str(school), "OUT": str(tmp_path / "out")}.get(a, a) for a in args]
    res = in_process(monkeypatch, capsys, *filled, "--lang", "zh")
    assert res.returncode == 0, res.stderr
    cat = load_catalogue("zh")
    printed = res.stdout + res.stderr
    assert printed.count(cat("notice.head", n=3)) == 1, printed
    for n in load_scenario(school).notices:
        assert printed.count(n.render(cat)) == 1, printed
