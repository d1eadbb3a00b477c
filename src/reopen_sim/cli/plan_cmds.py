"""Planning commands: ``plan`` and ``check``."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    ScenarioArg,
    app,
    console,
    err_console,
)


def search_phases(meta: Mapping[str, Any]) -> str:
    """How the solver searched, e.g. "1 worker 2.0 det s, then 2 workers 28.1 det s"."""
    return ", then ".join(
        f"{p['workers']} worker{'s' if p['workers'] > 1 else ''} {p['deterministic_time']:.1f} det s"
        for p in meta.get("phases", [])
    )


@app.command("plan")
def plan_cmd(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder for timetable.csv/.xlsx.")],
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help="Optimizer budget (CP-SAT deterministic seconds).")
    ] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="Solver seed.")] = 0,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="Published timetable CSV: prefer few changes to it.")
    ] = None,
    certify: Annotated[
        int | None,
        typer.Option(
            "--certify", help="Certify the plan over N simulated mornings; writes certificate.json."
        ),
    ] = None,
) -> None:
    """Optimize the arrival timetable; write OUT/timetable.csv and OUT/timetable.xlsx (exit 1 if no plan)."""
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.optimizer.certify import window_limits
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.certificate import certificate_lines, write_plan_files
    from reopen_sim.scenario.load import load_scenario

    cat = load_catalogue("en")  # plan prints English (it has no --lang yet)
    sc = load_scenario(scenario)
    prev = read_timetable(previous, sc) if previous is not None else None
    plan = optimize(sc, time_limit_s=time_limit_s, seed=seed, previous=prev, certify=certify)
    m = plan.meta
    console.print(
        f"[bold]{sc.school.name}[/bold]: {m['status']} in {m['wall_time_s']:.2f} s "
        f"(objective {m['objective']:.0f}, bound {m['best_bound']:.0f}, gap {m['gap']:.2%}; "
        f"seed {m['seed']}; search: {search_phases(m)})"
    )
    t = Table(title="Objective terms")
    for col in ("term", "value", "weight", "weighted"):
        t.add_column(col, justify="right")
    for name, value in m["terms"].items():
        w = m["term_weights"][name]
        t.add_row(name, str(value), str(w), str(value * w))
    console.print(t)
    console.print(
        f"Arrivals end {m['arrival_ends']}; peak gate load {m['peak_utilisation']:.1%} of capacity; "
        f"{m['terms']['split_rooms']} overflow room(s)."
    )
    for note in m.get("unused_gates", []):  # an open, staffed gate left unused says why
        console.print(note["reason"][0].upper() + note["reason"][1:] + ".", highlight=False)
    if "changed_classes" in m:
        ids = m["changed_classes"]
        console.print(
            cat("plan.changed", n=len(ids), ids=", ".join(ids)) if ids else cat("plan.changed_none"),
            highlight=False,
        )
    for line in certificate_lines(plan, cat):
        console.print(line, markup=False, highlight=False)
    problems = check_plan(sc, plan, window_limits(plan))  # a certified plan's simulated limits
    if problems:  # never expected: the checker is independent of the solver
        for v in problems:
            err_console.print(str(v), markup=False, highlight=False)
        sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
    paths = write_plan_files(plan, sc, out)  # timetable.csv/.xlsx (+ certificate.json), all or nothing
    console.print("Wrote " + ", ".join(map(str, paths)), highlight=False)
    if not plan.meta.get("certificate", {"met": True})["met"]:
        sys.exit(1)  # written so the certificate can be read; the service level is not met


@app.command("check")
def check_cmd(
    scenario: ScenarioArg,
    timetable: Annotated[Path, typer.Argument(help="timetable.csv to check.", show_default=False)],
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Check a timetable (possibly edited by hand) against every rule: exit 1 with the violations, 0 if sound."""
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.plan import read_timetable
    from reopen_sim.scenario.load import load_scenario

    cat = load_catalogue(lang)
    sc = load_scenario(scenario)
    plan = read_timetable(timetable, sc)  # a missing or repeated class is a finding of check_plan
    problems = check_plan(sc, plan)
    if not problems:
        console.print(cat("check.cli.sound", file=timetable, n=len(plan)), highlight=False)
        return
    err_console.print(cat("check.cli.head", file=timetable, n=len(problems)), highlight=False)
    for v in problems:
        err_console.print(f"  - {v.render(cat)}", markup=False, highlight=False)
    sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
