"""``--help`` in the user's language: every help text of every command has its Chinese, shown with
``LANG=zh_CN.UTF-8`` or ``--lang zh``; English otherwise; the table holds no text no command uses."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest
import typer.main

from cli_support import ROOT, in_process, run_cli_env
from reopen_sim.cli import app
from reopen_sim.cli.help_lang import RICH_STRINGS, help_table, help_texts

CLICK_HELP_OPTION = "Show this message and exit."


def _english_texts() -> set[str]:
    return {*help_texts(typer.main.get_command(app)), *RICH_STRINGS.values(), CLICK_HELP_OPTION}


def test_every_help_text_has_its_chinese_and_the_table_no_stale_text() -> None:
    zh = help_table("zh")
    english = _english_texts()
    assert sorted(english - zh.keys()) == []  # a new or reworded help text needs its translation
    assert sorted(zh.keys() - english) == []  # a translation of a text no longer used
    assert all(v.strip() and v != k for k, v in zh.items())


@pytest.mark.parametrize("command", ["run", "publish", "serve", "template"])
def test_a_chinese_locale_gets_the_help_in_chinese(command: str) -> None:
    zh = help_table("zh")
    done = run_cli_env([command, "--help"], "zh_CN.UTF-8", columns=200)
    assert done.returncode == 0, done.stderr
    sub = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    texts = help_texts(sub)
    for text in texts:
        assert zh[text].split("\n")[0][:20] in done.stdout, text
        assert text.split("\n")[0] not in done.stdout, text
    for english in ("Arguments", "Options", "[required]", CLICK_HELP_OPTION):
        assert english not in done.stdout
    assert zh["Options"] in done.stdout and zh[CLICK_HELP_OPTION] in done.stdout


def test_the_language_option_sets_the_help_language_and_english_comes_back(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    zh = in_process(monkeypatch, capsys, "plan", "--help", "--lang", "zh")
    assert zh.returncode == 0
    assert help_table("zh")["Solver seed."] in zh.stdout and "Solver seed." not in zh.stdout
    en = in_process(monkeypatch, capsys, "plan", "--help", "--lang", "en")
    assert en.returncode == 0
    assert "Solver seed." in en.stdout and "Options" in en.stdout and "[default: " in en.stdout
    assert help_table("zh")["Options"] not in en.stdout


def test_the_help_translations_are_package_data() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    locales = ROOT / "src" / "reopen_sim" / "locales"
    tables = sorted(locales.glob("cli_help.*.json"))
    assert tables
    for path in tables:
        rel = path.relative_to(locales.parent).as_posix()
        assert any(fnmatch.fnmatch(rel, g) for g in patterns["reopen_sim"]), rel
