"""The command line's own usage errors as input issues in the user's language.

Click (vendored inside typer) reports an unknown option, a missing argument, a bad choice or a value
of the wrong type with English sentences and a usage line. :func:`usage_issue` turns each kind into
an :class:`InputIssue` like every other bad input: the place ("command line", the option or
argument), the value the user typed and what was expected, with a catalogue key (``expected.cli_*``
in ``locales/<lang>/cli.json``; ``one_of``, ``whole_number`` and ``number`` of ``errors.json``).

Hand-written because click has no translation hook for most of these messages (its parser formats
them with f-strings); the structured fields of its exceptions (``param``, ``option_name``,
``possibilities``, the pydantic error typer chains as the cause) carry everything needed.
"""

from __future__ import annotations

import enum
import importlib
import re
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from reopen_sim.errors import InputIssue

PROG = "reopen-sim"


def click_exceptions() -> ModuleType:
    """The module of the click exceptions typer raises: its vendored copy (typer ≥ 0.2x) or click's."""
    try:
        return importlib.import_module("typer._click.exceptions")
    except ImportError:  # an older typer raises click's own exceptions
        return importlib.import_module("click.exceptions")


def _command(argv: Sequence[str], group: Any) -> tuple[str, Any]:
    """(``reopen-sim NAME``, the click command) for the first argument naming a command, else the group."""
    for arg in argv:
        if arg in group.commands:
            return f"{PROG} {arg}", group.commands[arg]
    return PROG, group


def _place(param: Any) -> str:
    """An option as ``-n/--replications``, an argument as ``SCENARIO`` (as the other messages name them)."""
    if getattr(param, "param_type_name", "") == "argument":
        return str(param.name).upper()
    return "/".join(param.opts)


def _arguments(cmd: Any) -> list[str]:
    return [_place(p) for p in getattr(cmd, "params", []) if getattr(p, "param_type_name", "") == "argument"]


def _typed(argv: Sequence[str], opts: Sequence[str]) -> str:
    """The value typed after one of ``opts`` (``-n abc`` or ``--replications=abc``), last one wins."""
    value = ""
    for i, arg in enumerate(argv):
        name, eq, rest = arg.partition("=")
        if name in opts:
            value = rest if eq else (argv[i + 1] if i + 1 < len(argv) else "")
    return value


def _choices(param: Any) -> list[str]:
    """The closed choices of a parameter: its Enum's values (typer) or click's ``Choice``."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(m.value) for m in annotation]
    return [str(c) for c in getattr(getattr(param, "type", None), "choices", None) or ()]


def _bad_value(exc: Any, argv: Sequence[str], command: str, where: str) -> InputIssue:
    """A value click or typer could not convert: a whole number, a number, one of the choices."""
    param = exc.param
    cause = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []
    kind = str(errors[0].get("type", "")) if errors else ""
    value = str(errors[0]["input"]) if errors and "input" in errors[0] else _typed(argv, param.opts)
    place = _place(param)
    choices = _choices(param)
    if choices:
        text = ", ".join(choices)
        return InputIssue(where, place, value, f"one of {text}", key="one_of", fields={"choices": text})
    if kind.startswith("int"):
        return InputIssue(where, place, value, "a whole number", key="whole_number")
    if kind.startswith("float"):
        return InputIssue(where, place, value, "a number", key="number")
    return _generic(where, place, value, command, exc)


def _generic(where: str, place: str, value: str, command: str, exc: Any) -> InputIssue:
    """Any other usage error: what the command's help describes (click's own words kept in English)."""
    return InputIssue(
        where,
        place,
        value,
        f"what '{command} --help' describes ({exc.format_message()})",
        key="cli_usage",
        fields={"command": command},
    )


def _option_usage(exc: Any, argv: Sequence[str], cmd: Any, command: str, where: str) -> InputIssue:
    """An option written wrongly: a switch given a value, or an option missing its value."""
    opt = str(exc.option_name)
    param = next((p for p in getattr(cmd, "params", []) if opt in getattr(p, "opts", ())), None)
    if param is not None and getattr(param, "is_flag", False):
        return InputIssue(
            where,
            _place(param),
            _typed(argv, [opt]),
            f"{opt} alone, without a value (it is a switch)",
            key="cli_switch",
            fields={"option": opt},
        )
    if param is not None:
        return InputIssue(
            where, _place(param), "", f"a value after {opt}", key="cli_option_value", fields={"option": opt}
        )
    return _generic(where, opt, "", command, exc)


def _plain_usage(exc: Any, argv: Sequence[str], cmd: Any, command: str, where: str) -> InputIssue:
    """Click's plain UsageError: an unknown command, or arguments beyond those the command takes."""
    names = getattr(cmd, "commands", None)
    if names is not None:  # the group: the first word is not one of its commands
        word = next((a for a in argv if not a.startswith("-")), "")
        listed = ", ".join(sorted(n for n, c in names.items() if not c.hidden))
        return InputIssue(
            where, "", word, f"a command: {listed}", key="cli_command", fields={"commands": listed}
        )
    extra = re.search(r"extra arguments?(?:\(s\))? \((.*)\)", exc.format_message())
    if extra:
        takes = " ".join(_arguments(cmd)) or "—"
        return InputIssue(
            where,
            "",
            extra.group(1),
            f"nothing more: {command} takes {takes} (put a path with spaces in quotes)",
            key="cli_extra_argument",
            fields={"command": command, "takes": takes},
        )
    return _generic(where, "", "", command, exc)


def usage_issue(exc: Any, argv: Sequence[str], where: str, group: Any) -> InputIssue:
    """The usage error ``exc`` (a click ``UsageError``) as an issue placed at ``where`` ("command line");
    ``group`` is the click group behind the typer app (its commands and their parameters)."""
    ce = click_exceptions()
    command, cmd = _command(argv, group)
    if isinstance(exc, ce.NoSuchOption):
        like = sorted(exc.possibilities or ())
        if like:
            text = ", ".join(like)
            return InputIssue(
                where,
                "",
                exc.option_name,
                f"an option of {command}; did you mean {text}?",
                key="cli_option_like",
                fields={"command": command, "like": text},
            )
        return InputIssue(
            where,
            "",
            exc.option_name,
            f"an option of {command} (listed by {command} --help)",
            key="cli_option",
            fields={"command": command},
        )
    if isinstance(exc, ce.MissingParameter) and exc.param is not None:
        place = _place(exc.param)
        if exc.param.param_type_name == "argument":
            usage = " ".join([command, "[OPTIONS]", *_arguments(cmd)])
            return InputIssue(
                where,
                place,
                "",
                f"{place} (required), as in: {usage}",
                key="cli_required_argument",
                fields={"name": place, "usage": usage},
            )
        return InputIssue(where, place, "", "a value (this option is required)", key="cli_required_option")
    if isinstance(exc, ce.BadParameter) and exc.param is not None:
        return _bad_value(exc, argv, command, where)
    if isinstance(exc, ce.BadOptionUsage):
        return _option_usage(exc, argv, cmd, command, where)
    if type(exc) is ce.UsageError:
        return _plain_usage(exc, argv, cmd, command, where)
    return _generic(where, "", "", command, exc)
