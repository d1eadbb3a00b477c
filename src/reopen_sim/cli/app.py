"""The command line's shared parts: the typer app, consoles, common options and the entry point.

Exit codes: 0 success, 1 problems found / no plan, 2 bad input, 130 interrupted. Each command lives
in a module of this package by what it is about and is a thin wrapper: parse arguments, call the
public API, print with rich, write files through ``reopen_sim.report``. Errors the user can fix are
printed plainly in the user's language (``--lang``, else the locale), never as a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from reopen_sim.errors import InfeasibleError, InputError
from reopen_sim.i18n import LANGUAGES, default_lang, load_catalogue

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan and test staggered school reopening.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

# The locale's language, read once at start (LANG=zh_CN.UTF-8 -> zh); --lang overrides it.
DEFAULT_LANG = default_lang()

ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario: YAML file or school workbook (.xlsx).", show_default=False)
]
LangOpt = Annotated[
    str, typer.Option("--lang", help="Language: en or zh (Simplified Chinese); default from the locale.")
]
RepsOpt = Annotated[int, typer.Option("-n", "--replications", min=2, help="Simulated mornings per plan.")]
ProcOpt = Annotated[int, typer.Option("-j", "--processes", min=1, help="Worker processes (same results).")]


def lang_of(argv: Sequence[str]) -> str:
    """The language the user asked for on the command line (``--lang X`` or ``--lang=X``), else the locale's.

    Read from argv rather than from the parsed option so that errors raised while parsing or loading,
    before any command body runs, are already in the user's language.
    """
    for i, arg in enumerate(argv):
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in LANGUAGES:
            return value
    return DEFAULT_LANG


def main() -> None:
    """Entry point: run the app, turning user-fixable errors into plain messages and exit codes."""
    cat = load_catalogue(lang_of(sys.argv[1:]))
    try:
        # Outside standalone mode click returns a typer.Exit's code instead of exiting: honour it.
        code = app(standalone_mode=False)
    except InputError as exc:
        # Plain text, never wrapped: each problem stays on one line for copy, grep and tests.
        sys.stderr.write(exc.render(cat) + "\n")
        sys.exit(2)
    except InfeasibleError as exc:
        sys.stderr.write(exc.render(cat) + "\n")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print(cat("cli.aborted"))
        sys.exit(130)
    except Exception as exc:
        # Usage errors from click (vendored inside typer): show the usage line, exit 2 like click.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(2)
        raise
    sys.exit(code if isinstance(code, int) else 0)
