"""``--help`` in the user's language.

The English help is written where each command is (typer options and docstrings); another language
translates it text by text from ``locales/cli_help.<lang>.json`` (English text -> translation), the
way gettext catalogues are keyed by the source sentence, so the English is never written twice. Help
of several paragraphs is translated paragraph by paragraph; a text with no translation stays English
(tests/test_cli_help_lang.py requires one for every text).

Hand-written because typer and the click it vendors ship no translations and have no hook for them:
typer's panel titles and ``[default: …]`` are constants of ``typer.rich_utils``, read when the help
is shown, and click makes each command's ``--help`` option when it is first asked for.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files
from typing import Any

import typer.rich_utils

# typer.rich_utils' fixed strings, with their English values as typer defines them.
RICH_STRINGS: dict[str, str] = {
    name: getattr(typer.rich_utils, name)
    for name in (
        "ARGUMENTS_PANEL_TITLE",
        "OPTIONS_PANEL_TITLE",
        "COMMANDS_PANEL_TITLE",
        "DEFAULT_STRING",
        "REQUIRED_LONG_STRING",
        "ENVVAR_STRING",
        "DEPRECATED_STRING",
    )
}


@functools.cache
def help_table(lang: str) -> dict[str, str]:
    """English help text -> its translation into ``lang`` (empty for English or a language without one)."""
    source = files("reopen_sim.locales").joinpath(f"cli_help.{lang}.json")
    if lang == "en" or not source.is_file():
        return {}
    table: dict[str, str] = json.loads(source.read_text(encoding="utf-8"))
    return table


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a help text (separated by blank lines), as typer shows them."""
    return [p.strip() for p in text.strip().split("\n\n") if p.strip()]


def translated(text: str, table: dict[str, str]) -> str:
    """``text`` in the table's language, paragraph by paragraph; untranslated paragraphs unchanged."""
    return "\n\n".join(table.get(p, p) for p in paragraphs(text))


def help_texts(command: Any) -> list[str]:
    """Every help paragraph of a click command tree: commands, arguments and options."""
    out: list[str] = []
    if command.help:
        out += paragraphs(command.help)
    for param in command.params:
        if getattr(param, "help", None):
            out += paragraphs(param.help)
    for sub in getattr(command, "commands", {}).values():
        out += help_texts(sub)
    return out


def translate_help(command: Any, lang: str) -> None:
    """Put ``command``'s help (and its subcommands') and typer's fixed strings into ``lang``.

    Fixed strings are reset to English first, so that a process calling this for several languages
    (tests) shows each in its own."""
    table = help_table(lang)
    for name, english in RICH_STRINGS.items():
        setattr(typer.rich_utils, name, table.get(english, english))
    if table:
        _translate(command, table)


def _translate(command: Any, table: dict[str, str]) -> None:
    if command.help:
        command.help = translated(command.help, table)
    if command.short_help:
        command.short_help = translated(command.short_help, table)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translated(param.help, table)
    make_help_option = command.get_help_option

    def help_option(ctx: Any) -> Any:  # click's own --help, made on demand
        option = make_help_option(ctx)
        if option is not None and option.help:
            option.help = translated(option.help, table)
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        _translate(sub, table)
