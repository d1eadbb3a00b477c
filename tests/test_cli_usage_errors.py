"""The command line's own usage errors (an unknown option, a missing argument, a bad choice, a bad
number, an unknown command...) are plain messages in the user's language, exit 2, like any bad input:
they name the option (or place), echo the value and say what was expected."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

import reopen_sim as rs
from bad_input_support import english_runs
from cli_support import ROOT, in_process, run_cli_env
from reopen_sim.i18n import default_lang
from test_simulate_support import simple_plan

TINY = str(ROOT / "scenarios" / "tiny-school.yaml")
# The module itself (the package exports its typer app under the same name).
cli_app = importlib.import_module("reopen_sim.cli.app")

# (command line with placeholders, what the message must name, the value it must echo or "")
CASES: list[tuple[tuple[str, ...], str, str]] = [
    (("validate", TINY, "--bogus"), "", "--bogus"),  # an unknown option
    (("validate", TINY, "--lan", "en"), "--lang", "--lan"),  # a near miss: the option it resembles
    (("validate",), "SCENARIO", ""),  # a missing argument
    (("plan", TINY), "-o/--out", ""),  # a missing required option
    (("run", TINY, "-o", "OUT", "-n", "abc"), "-n/--replications", "abc"),  # not a whole number
    (("plan", TINY, "-o", "OUT", "--time-limit", "fast"), "--time-limit", "fast"),  # not a number
    (
        ("simulate", TINY, "--plan", "TT", "-o", "OUT", "--lane-choice", "zigzag"),
        "shortest, shared",
        "zigzag",
    ),
    (("validate", TINY, "--lang", "fr"), "en, zh", "fr"),  # a bad choice for --lang itself
    (("template", "-o", "OUT", "--from"), "--from", ""),  # an option without its value
    (("run", TINY, "-o", "OUT", "--force=yes"), "--force", "yes"),  # a switch given a value
    (("bogus",), "validate", "bogus"),  # an unknown command: the message lists the commands
    (("validate", TINY, "extra"), "SCENARIO", "extra"),  # one argument too many
]
IDS = [" ".join(a[0]) for a in CASES]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    tt = tmp_path / "timetable.csv"
    tt.write_text(simple_plan(rs.load_scenario(TINY)).to_csv_text(), encoding="utf-8")
    return {"TT": str(tt), "OUT": str(tmp_path / "out")}


def _judge(code: int, out: str, err: str, name: str, value: str, zh: bool, strip: list[str]) -> None:
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and "Usage:" not in err and "Error:" not in err, err
    assert name in err, err
    if value:
        assert f"'{value}'" in err, err
    if zh:
        text = err
        for s in strip:
            text = text.replace(s, " ")
        assert "命令行" in err, err
        assert english_runs(text) == [], err
    else:
        assert "command line" in err, err


@pytest.mark.parametrize(("args", "name", "value"), CASES, ids=IDS)
@pytest.mark.parametrize("how", ["--lang zh", "LANG=zh_CN.UTF-8", "en"])
def test_usage_error_in_the_users_language(
    args: tuple[str, ...],
    name: str,
    value: str,
    how: str,
    files: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [files.get(a, a) for a in args]
    for var in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8" if how.startswith("LANG") else "C.UTF-8")
    # What the import does with the locale (the app is imported once per test session).
    monkeypatch.setattr(cli_app, "DEFAULT_LANG", default_lang())
    if how == "--lang zh":
        if "--lang" in argv:
            pytest.skip("the case is about --lang itself (it follows the locale, tested with LANG)")
        argv[1:1] = ["--lang", "zh"]  # after the command: the last option may be missing its value
    res = in_process(monkeypatch, capsys, *argv)
    _judge(res.returncode, res.stdout, res.stderr, name, value, how != "en", [*files.values(), TINY])


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4], CASES[6]], ids=lambda c: " ".join(c[0]))
def test_usage_error_follows_the_locale_in_a_real_process(
    case: tuple[tuple[str, ...], str, str], files: dict[str, str]
) -> None:
    """LANG=zh_CN.UTF-8 and no --lang, as a user's shell has it."""
    args, name, value = case
    res = run_cli_env([files.get(a, a) for a in args], lang="zh_CN.UTF-8")
    _judge(res.returncode, res.stdout, res.stderr, name, value, True, [*files.values(), TINY])
