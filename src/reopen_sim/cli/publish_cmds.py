"""Printing an edited timetable: ``publish``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    ScenarioArg,
    app,
    check_input_file,
    check_new_output_dir,
    console,
    err_console,
    load_school,
    print_lines,
)
from reopen_sim.errors import InputError, InputIssue


def parse_date(text: str | None) -> dt.date | None:
    """``--date 2026-03-02`` (ISO), None when not given; InputError (exit 2) otherwise."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            [InputIssue("--date", "--date", text, "a date written YYYY-MM-DD", key="publish_date")]
        ) from None


@app.command("publish")
def publish_cmd(
    scenario: ScenarioArg,
    timetable: Annotated[
        Path, typer.Argument(help="timetable.csv to publish (possibly edited by hand).", show_default=False)
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (must not exist, or --force).")],
    lang: LangOpt = DEFAULT_LANG,
    allow_violations: Annotated[
        bool,
        typer.Option(
            "--allow-violations", help="Publish a timetable that breaks rules (every page says so)."
        ),
    ] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="Date printed on every page, YYYY-MM-DD (default: blank).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")] = False,
) -> None:
    """Print exactly this timetable: parent notices (A4 and PNG), gate duty sheets, A4 timetables.

    The timetable is checked first: with broken rules nothing is written (exit 1) unless
    --allow-violations. No optimizer, no simulation. Written whole or not at all.
    """
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.publish import publish

    t = load_catalogue(lang)
    day = parse_date(date)
    check_input_file(timetable, "TIMETABLE")
    check_new_output_dir(out, force)
    sc = load_school(scenario, t)
    plan = read_timetable(timetable, sc)
    # Rule texts come from check_plan as it writes them (English today).
    problems = check_plan(sc, plan)
    if problems and not allow_violations:
        err_console.print(
            t("publish.cli_refused", path=timetable, n=len(problems)), markup=False, highlight=False
        )
        print_lines([f"  - {v}" for v in problems], err=True)
        err_console.print(t("publish.cli_allow_hint"), markup=False, highlight=False)
        sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
    written = publish(sc, plan, out, lang=lang, violations=problems, date=day, force=force)
    if problems:
        err_console.print(
            t("publish.cli_warned", n=len(problems)), style="bold red", markup=False, highlight=False
        )
        print_lines([f"  - {v}" for v in problems], err=True)
    console.print(
        t("publish.cli_written", classes=len(plan), gates=len(sc.entrances), path=written),
        markup=False,
        highlight=False,
    )
