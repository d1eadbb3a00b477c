"""The command line's shared parts: the typer app, consoles, common options and the entry point.

Exit codes: 0 success, 1 problems found / no plan, 2 bad input, 130 interrupted. Each command lives
in a module of this package by what it is about and is a thin wrapper: parse arguments, call the
public API, print with rich, write files through ``reopen_sim.report``. Errors the user can fix are
printed plainly in the user's language (``--lang``, else the locale), never as a traceback.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.main
from rich.console import Console

from reopen_sim.cli.help_lang import translate_help
from reopen_sim.cli.usage import click_exceptions, usage_issue
from reopen_sim.errors import InfeasibleError, InputError, InputIssue, notice_lines
from reopen_sim.i18n import LANGUAGES, Catalogue, default_lang, load_catalogue

if TYPE_CHECKING:
    from reopen_sim.scenario.schema import Scenario

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

N = TypeVar("N", int, float)


def _argv_catalogue() -> Catalogue:
    """The catalogue of the language asked for on the command line (usable before parsing ends)."""
    return load_catalogue(lang_of(sys.argv[1:]))


def at_least(option: str, minimum: float, *, strictly: bool = False) -> Callable[[N], N]:
    """A typer callback refusing values below ``minimum`` (or equal to it, ``strictly``) with exit 2.

    Used instead of typer's ``min=``, whose click usage error is English only: this one is an
    InputError naming the option and echoing the value, in the user's language.
    """

    def check(value: N) -> N:
        if value is None or value > minimum or (value == minimum and not strictly):
            return value
        key = "cli_greater_than" if strictly else "cli_at_least"
        english = f"a number {'greater than' if strictly else 'at least'} {minimum:g}"
        where = _argv_catalogue()("cli.command_line")
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        raise InputError([InputIssue(where, option, shown, english, key=key, fields={"min": f"{minimum:g}"})])

    return check


def check_lang(value: str) -> str:
    """The ``--lang`` callback: en or zh, else an InputError (exit 2) before any work is done."""
    if value is None or value in LANGUAGES:
        return value
    choices = ", ".join(LANGUAGES)
    where = _argv_catalogue()("cli.command_line")
    raise InputError(
        [InputIssue(where, "--lang", value, f"one of {choices}", key="one_of", fields={"choices": choices})]
    )


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario: YAML file or school workbook (.xlsx).", show_default=False)
]
LangOpt = Annotated[
    str,
    typer.Option(
        "--lang",
        callback=check_lang,
        help="Language: en or zh (Simplified Chinese); default from the locale.",
    ),
]
RepsOpt = Annotated[
    int,
    typer.Option(
        "-n", "--replications", callback=at_least("-n/--replications", 2), help="Simulated mornings per plan."
    ),
]
ProcOpt = Annotated[
    int,
    typer.Option(
        "-j", "--processes", callback=at_least("-j/--processes", 1), help="Worker processes (same results)."
    ),
]
SimRepsOpt = Annotated[
    int,
    typer.Option("-n", "--replications", callback=at_least("-n/--replications", 1), help="Simulated days."),
]
SeedOpt = Annotated[
    int, typer.Option("--seed", callback=at_least("--seed", 0), help="Random seed (same seed, same results).")
]
TimeLimitOpt = Annotated[
    float,
    typer.Option(
        "--time-limit",
        callback=at_least("--time-limit", 0, strictly=True),
        help="Optimizer budget (CP-SAT deterministic seconds).",
    ),
]


def check_input_file(path: Path, option: str) -> Path:
    """Refuse (exit 2) a path that is missing, a folder, or unreadable where a file is expected."""
    english, key = "", ""
    if not path.exists():
        english, key = "an existing file", "cli_existing_file"
    elif path.is_dir():
        english, key = "a file, not a folder", "cli_file_not_folder"
    else:
        try:
            with path.open("rb"):
                pass
        except OSError:
            english, key = "a file that can be read", "cli_readable_file"
    if key:
        raise InputError([InputIssue(str(path), option, str(path), english, key=key)])
    return path


def _existing_ancestor(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def check_output_path(path: Path, option: str) -> Path:
    """Refuse (exit 2) an output path that cannot be created, before any work and leaving nothing.

    The first existing folder above ``path`` must be a folder (not ``some-file/sub``) where a
    folder can be made: probed by making and removing an empty temporary folder, which is the only
    test that also holds for root, read-only file systems and ``/proc``.
    """
    if path.exists() and path.is_dir():
        anchor = path.absolute().parent
    else:
        anchor = _existing_ancestor(path.parent)
    if not anchor.is_dir():
        raise InputError(
            [
                InputIssue(
                    str(path),
                    option,
                    str(path),
                    f"a path under a folder ({anchor} is a file)",
                    key="cli_out_under_file",
                    fields={"file": str(anchor)},
                )
            ]
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".reopen-sim-probe-", dir=anchor))
    except OSError:
        raise InputError(
            [
                InputIssue(
                    str(path),
                    option,
                    str(path),
                    f"a place where files can be written ({anchor} is not writable)",
                    key="cli_out_unwritable",
                    fields={"folder": str(anchor)},
                )
            ]
        ) from None
    return path


def check_new_output_dir(path: Path, force: bool, option: str = "-o/--out") -> Path:
    """An output folder: writable (see :func:`check_output_path`) and new unless ``force``."""
    from reopen_sim.report.write import check_out_dir

    check_output_path(path, option)
    check_out_dir(path, force)
    return path


def print_lines(lines: Sequence[Any], *, err: bool = False) -> None:
    """Print plain lines (no rich markup or highlighting: they may hold user text), never wrapped:
    each finding stays on one line for copy, grep and tests."""
    con = err_console if err else console
    for line in lines:
        con.print(str(line), markup=False, highlight=False, soft_wrap=True)


def load_school(path: Path, t: Catalogue) -> Scenario:
    """Load a scenario (InputError on bad input) and print, once, what the loader noticed in it
    (a roster's total row skipped, a hidden row read, an unused column)."""
    from reopen_sim.scenario.load import load_scenario

    sc = load_scenario(path)
    print_lines(notice_lines(sc.notices, t))
    return sc


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
    lang = lang_of(sys.argv[1:])
    cat = load_catalogue(lang)
    command = typer.main.get_command(app)  # what app() runs, with its --help in the user's language
    translate_help(command, lang)
    try:
        # Outside standalone mode click returns a typer.Exit's code instead of exiting: honour it.
        code = command(standalone_mode=False)
    except InputError as exc:
        # Plain text, never wrapped: each problem stays on one line for copy, grep and tests.
        sys.stderr.write(exc.render(cat) + "\n")
        sys.exit(2)
    except InfeasibleError as exc:
        sys.stderr.write(exc.render(cat) + "\n")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except OSError as exc:
        # The system refused a file or folder (permissions, disk full, read-only): a message, no traceback.
        sys.stderr.write(cat("cli.os_error", file=exc.filename or "", reason=exc.strerror or str(exc)) + "\n")
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print(cat("cli.aborted"))
        sys.exit(130)
    except click_exceptions().UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # no command at all: the help, as click shows it
            exc.show()
            sys.exit(2)
        # An unknown option, a missing argument, a bad choice or number: a plain message, exit 2 like click.
        issue = usage_issue(exc, sys.argv[1:], cat("cli.command_line"), command)
        sys.stderr.write(InputError([issue]).render(cat) + "\n")
        sys.exit(2)
    except Exception as exc:
        # Any other error click can show (vendored inside typer): as click shows it, exit 2.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(2)
        if _interrupted(exc):  # Ctrl-C while a compiled module was loading: ImportError from it
            err_console.print(cat("cli.aborted"))
            sys.exit(130)
        raise
    if code == 130:  # click turned Ctrl-C into its Abort and returned the exit code
        err_console.print(cat("cli.aborted"))
    sys.exit(code if isinstance(code, int) else 0)


def _interrupted(exc: BaseException) -> bool:
    """True when ``exc`` was caused by a KeyboardInterrupt (``raise ... from`` or during handling)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False
