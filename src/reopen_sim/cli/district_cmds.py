"""District sweeps: ``sweep``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    app,
    console,
)


@app.command()
def sweep(
    district: Annotated[Path, typer.Argument(help="District YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (re-run to resume).")],
    executor: Annotated[str, typer.Option(help="inprocess, process (local pool) or dask.")] = "process",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (implies dask).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: CPUs).")] = None,
    replications: Annotated[int, typer.Option("-n", "--replications", min=1, help="Simulated days.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same results).")] = 1,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help="CP-SAT deterministic seconds a school.")
    ] = 10.0,
    with_contacts: Annotated[
        bool, typer.Option("--contacts/--no-contacts", help="Count close contacts.")
    ] = True,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Optimize and simulate every school × what-if of a district; write OUT/report/district.html.

    Finished tasks are kept in OUT/tasks; running the same command again skips them. Exit code 1
    when some school has no plan (infeasible, invalid file or error): see OUT/report/status.csv.
    """
    from reopen_sim.district.evaluate import optimize_and_simulate, optimize_simulate_contacts
    from reopen_sim.district.load import load_district
    from reopen_sim.district.sweep import sweep as run_sweep
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.report.district import cannot_fit, risk_table, write_district_report

    d = load_district(district)
    res = run_sweep(
        d,
        replications=replications,
        seed=seed,
        executor=executor,
        scheduler=scheduler,
        workers=workers,
        out_dir=out,
        progress=True,
        time_limit_s=time_limit_s,
        evaluator=optimize_simulate_contacts if with_contacts else optimize_and_simulate,
    )
    report = write_district_report(res, out / "report", lang=lang)
    m = res.meta
    cat = load_catalogue(lang)
    done = cat(
        "district.cli.done",
        district=d.name,
        n_schools=len(d.schools),
        n_what_ifs=len(d.what_ifs),
        evaluated=m["evaluated"],
        resumed=m["resumed"],
        elapsed_s=f"{m['elapsed_s']:.1f}",
        executor=m["executor"],
    )
    console.print(done, highlight=False, markup=False)
    t = Table(title=cat("district.risk_heading", what_if=res.what_ifs[0]), title_justify="left")
    for col in ("rank", "school", "status", "risk_score"):
        t.add_column(cat(f"district.col.{col}"), justify="left" if col in ("school", "status") else "right")
    for r in risk_table(res).head(10).itertuples(index=False):
        ranked = r.status == "ok"
        t.add_row(
            str(r.rank) if ranked else "",
            str(r.school),
            cat(f"district.status.{r.status}"),
            f"{r.risk_score:.1f}" if ranked else "",
        )
    console.print(t)
    problems = cannot_fit(res)
    for r in problems.itertuples(index=False):
        line = f"{cat(f'district.status.{r.status}')} {r.school} / {r.what_if}: {r.reason}"
        console.print(line, style="red", highlight=False, markup=False)
    console.print(
        cat("district.cli.open", path=report / "district.html"), style="bold", highlight=False, markup=False
    )
    if len(problems):
        # sys.exit, not typer.Exit: with standalone_mode=False click returns Exit's code from app()
        # instead of raising it, and main() does not look at that return value.
        sys.exit(1)
