"""Every command of the planning desk, run with ``--lang zh`` on a bundled school, prints Chinese:
no English sentence outside ids, paths, numbers and the school's own names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import reopen_sim as rs
from cli_support import ROOT, in_process, run_cli
from reopen_sim.i18n import load_catalogue
from test_simulate_support import simple_plan

SCHOOL = ROOT / "scenarios" / "tiny-school.yaml"
# Three or more words of Latin letters in a row: an English phrase.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,;:'\"()/-]+[A-Za-z]{2,}){2,}")


def user_words(sc: rs.Scenario) -> list[str]:
    """Names that come from the school's own file (printed as written), longest first."""
    names = {sc.school.name}
    names |= {e.name or e.id for e in sc.entrances} | {e.id for e in sc.entrances}
    names |= {r.id for r in sc.rooms} | {r.building for r in sc.rooms} | {c.id for c in sc.classes}
    return sorted(names, key=len, reverse=True)


def english_left(text: str, strip: list[str]) -> list[str]:
    for word in strip:
        text = text.replace(word, " ")
    return ENGLISH.findall(text)


@pytest.fixture(scope="module")
def timetable(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("tt") / "timetable.csv"
    p.write_text(simple_plan(rs.load_scenario(SCHOOL)).to_csv_text(), encoding="utf-8")
    return p


COMMANDS: dict[str, tuple[str, ...]] = {
    "validate": ("validate", "SCHOOL"),
    "plan": ("plan", "SCHOOL", "-o", "OUT", "--time-limit", "5"),
    "check": ("check", "SCHOOL", "TT"),
    "simulate": ("simulate", "SCHOOL", "--plan", "TT", "-o", "OUT", "-n", "2"),
    "trace": ("trace", "SCHOOL", "--plan", "TT", "--student", "1-1-01", "-n", "2"),
    "run": ("run", "SCHOOL", "-o", "OUT", "-n", "2", "--time-limit", "5"),
    "demo": ("demo", "SCHOOL", "-o", "OUT", "-n", "2"),
    "publish": ("publish", "SCHOOL", "TT", "-o", "OUT"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_speaks_chinese(
    command: str,
    timetable: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    values = {"SCHOOL": str(SCHOOL), "TT": str(timetable), "OUT": str(tmp_path / "out")}
    args = [values.get(a, a) for a in COMMANDS[command]]
    monkeypatch.setenv("COLUMNS", "200")
    res = in_process(monkeypatch, capsys, *args, "--lang", "zh")
    assert res.returncode == 0, res.stderr
    printed = res.stdout + res.stderr
    assert re.search(r"[\u4e00-\u9fff]", printed), printed
    strip = [str(tmp_path), str(timetable), str(SCHOOL), *user_words(rs.load_scenario(SCHOOL))]
    assert english_left(printed, strip) == [], printed


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_narrow_terminal_keeps_names_whole(lang: str) -> None:
    """Tables fold values, never cut the names of resources or gates, even 60 columns wide."""
    res = run_cli("validate", str(SCHOOL), "--lang", lang, columns=60)
    assert res.returncode == 0, res.stderr
    cat = load_catalogue(lang)
    for key in ("cli.res_gates", "cli.res_seats", "cli.res_rooms"):
        assert cat(key) in res.stdout, res.stdout
    assert "…" not in res.stdout
