"""The school workbook command: ``template`` (a workbook to fill in, or a scenario exported to one)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reopen_sim.cli.app import DEFAULT_LANG, LangOpt, app, console, load_school


@app.command("template")
def template_cmd(
    out: Annotated[Path, typer.Option("-o", "--out", help="Workbook to write, e.g. 学校.xlsx.")],
    source: Annotated[
        Path | None,
        typer.Option("--from", help="Export this scenario (YAML or workbook) instead of the worked example."),
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a school workbook to fill in (with a worked example), or export a scenario to one."""
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.scenario.workbook import write_workbook

    cat = load_catalogue(lang)
    sc = load_school(source, cat) if source is not None else None
    path = write_workbook(out, sc, lang=lang, force=force)
    if sc is None:
        from reopen_sim.scenario.workbook import example_scenario

        sc = example_scenario(lang)
    console.print(
        cat(
            "workbook.cli_written",
            path=path,
            classes=len(sc.classes),
            entrances=len(sc.entrances),
            rooms=len(sc.rooms),
            lang=lang,
        )
    )
    console.print(cat("workbook.cli_next", path=path))
