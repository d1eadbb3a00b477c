"""The main job: ``run`` and ``demo`` (plan, compare with the baseline, write the report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    ProcOpt,
    RepsOpt,
    ScenarioArg,
    SeedOpt,
    TimeLimitOpt,
    app,
    check_input_file,
    check_output_path,
    console,
)


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (must not exist, or --force).")],
    current: Annotated[
        Path | None, typer.Option("--current", help="The school's current timetable CSV, compared too.")
    ] = None,
    replications: RepsOpt = 100,
    seed: SeedOpt = 1,
    lang: LangOpt = DEFAULT_LANG,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")] = False,
    time_limit_s: TimeLimitOpt = 30.0,
    processes: ProcOpt = 1,
) -> None:
    """The main job: optimize, compare with the baseline (and --current), write report, notices, figures."""
    from reopen_sim.report.job import run_main_job

    if current is not None:
        check_input_file(current, "--current")
    check_output_path(out, "-o/--out")
    run_main_job(
        scenario,
        out,
        current=current,
        replications=replications,
        seed=seed,
        lang=lang,
        force=force,
        time_limit_s=time_limit_s,
        processes=processes,
        console=console,
    )


@app.command()
def demo(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")] = Path(
        "scenarios/junior-middle.yaml"
    ),
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (replaced).")] = Path("out/demo"),
    replications: RepsOpt = 30,
    lang: LangOpt = DEFAULT_LANG,
    processes: ProcOpt = 1,
) -> None:
    """What `make demo` runs: the main job on a bundled school, replacing OUT, then where the report is."""
    from reopen_sim.report.job import run_main_job

    check_output_path(out, "-o/--out")
    res = run_main_job(
        scenario,
        out,
        replications=replications,
        lang=lang,
        force=True,
        time_limit_s=20.0,
        processes=processes,
        console=console,
    )
    from reopen_sim.i18n import load_catalogue

    hint = load_catalogue(lang)("cli.open_hint", path=res.out_dir / "report.html")
    console.print(hint, style="bold", markup=False, highlight=False)
