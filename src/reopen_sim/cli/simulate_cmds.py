"""Commands that simulate a timetable: ``simulate`` and ``trace``."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from reopen_sim.cli.app import (
    DEFAULT_LANG,
    LangOpt,
    ProcOpt,
    ScenarioArg,
    SeedOpt,
    SimRepsOpt,
    app,
    at_least,
    check_input_file,
    check_new_output_dir,
    check_output_path,
    console,
    load_school,
)
from reopen_sim.i18n import load_catalogue


class LaneChoiceName(StrEnum):
    """How students pick a lane (see ``reopen_sim.simulation.lanes``)."""

    shortest = "shortest"
    shared = "shared"


PlanOpt = Annotated[Path, typer.Option("--plan", help="Timetable CSV (as written by `reopen-sim plan`).")]


def _ci(row: Mapping[Any, Any], name: str, fmt: str = "{:.1f}") -> str:
    """``mean ± half-width`` of a summary row (the mean alone for a single replication)."""
    m, hi = (float(row[f"{name}_{k}"]) for k in ("mean", "hi"))
    if hi != hi:  # NaN: a single replication
        return fmt.format(m)
    return f"{fmt.format(m)} ± {fmt.format(hi - m)}"


@app.command("simulate")
def simulate_cmd(
    scenario: ScenarioArg,
    plan: PlanOpt,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (must not exist, or --force).")],
    replications: SimRepsOpt = 100,
    seed: SeedOpt = 1,
    processes: ProcOpt = 1,
    lane_choice: Annotated[
        LaneChoiceName,
        typer.Option(
            "--lane-choice", help="shortest (one line per lane) or shared (one line for all lanes)."
        ),
    ] = LaneChoiceName.shortest,
    lanes_alias: Annotated[
        LaneChoiceName | None, typer.Option("--lanes", hidden=True, help="Old name of --lane-choice.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")] = False,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """Simulate a timetable: queues, waits, spill, fever path, lunch and dismissal, with 95% CIs.

    Writes OUT/gate_summary.csv, metrics.csv (per replication and gate), timeseries.csv (queue each
    minute), timeseries_summary.csv, trace_replication_0.csv and simulation.json, all or nothing.
    """
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.simulation_files import write_simulation_files
    from reopen_sim.scenario.schema import format_hhmm
    from reopen_sim.simulation.run import simulate

    t = load_catalogue(lang)
    choice = (lanes_alias or lane_choice).value
    check_input_file(plan, "--plan")
    check_new_output_dir(out, force)
    sc = load_school(scenario, t)
    tt = read_timetable(plan, scenario=sc)
    res = simulate(
        sc,
        tt,
        replications=replications,
        seed=seed,
        processes=processes,
        progress=True,
        lane_choice="shared" if choice == "shared" else "shortest",
        progress_label=t("cli.simulating"),
    )
    written = write_simulation_files(
        res, sc, out, scenario_path=scenario, plan_path=plan, seed=seed, lane_choice=choice, force=force
    )
    tab = Table(title=t("cli.simulate_title", school=sc.school.name, n=replications), title_justify="left")
    tab.add_column(t("cli.col_gate"), justify="left", no_wrap=True)
    for key in ("max_queue", "queue_m", "spill", "p95_wait", "last_through", "late", "held"):
        tab.add_column(t(f"cli.col_{key}"), justify="right", overflow="fold")
    for r in res.gate_summary().to_dict("records"):
        tab.add_row(
            str(r["gate"]),
            _ci(r, "max_queue_people"),
            _ci(r, "max_queue_m"),
            _ci(r, "max_spill_people"),
            _ci(r, "p95_wait_min", "{:.2f}"),
            format_hhmm(float(r["last_through_min_mean"])),
            _ci(r, "late"),
            _ci(r, "held"),
        )
    console.print(tab)
    console.print(t("cli.wrote", path=written), markup=False, highlight=False)


@app.command()
def trace(
    scenario: ScenarioArg,
    plan: PlanOpt,
    student: Annotated[
        str, typer.Option("--student", help="Student id CLASSID-NN (or staff STAFF-GATE-Lk).")
    ],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write the contacts to this CSV file.")
    ] = None,
    replications: SimRepsOpt = 10,
    seed: SeedOpt = 1,
    threshold_m: Annotated[
        float,
        typer.Option(
            callback=at_least("--threshold-m", 0, strictly=True),
            help="Close within this distance (WHO: 1 m).",
        ),
    ] = 1.0,
    min_minutes: Annotated[
        float,
        typer.Option(callback=at_least("--min-minutes", 0), help="…for at least these minutes (WHO: 15)."),
    ] = 15.0,
    lang: LangOpt = DEFAULT_LANG,
) -> None:
    """List a student's contacts: same class, dorm room, queue neighbours, canteen table, staff."""
    from reopen_sim.exposure.contacts import contacts
    from reopen_sim.exposure.people import check_person
    from reopen_sim.plan import read_timetable
    from reopen_sim.simulation.run import simulate

    t = load_catalogue(lang)
    check_input_file(plan, "--plan")
    if out is not None:
        check_output_path(out, "-o/--out")
    sc = load_school(scenario, t)
    tt = read_timetable(plan, scenario=sc)
    check_person(sc, student, "command line", "--student")  # before simulating: a typo fails fast (exit 2)
    res = simulate(
        sc, tt, replications=replications, seed=seed, progress=True, progress_label=t("cli.simulating")
    )
    table = contacts(sc, res, threshold_m=threshold_m, min_minutes=min_minutes).close_contacts(student)
    print_contacts(
        table,
        student,
        t,
        replications=replications,
        seed=seed,
        threshold_m=threshold_m,
        min_minutes=min_minutes,
    )
    if out is not None:
        write_csv(table, out)
        console.print(t("cli.wrote", path=out), markup=False, highlight=False)


def print_contacts(table: Any, student: str, t: Any, **info: Any) -> None:
    """The contacts of one person: a count line, then one table per setting."""
    import math

    import pandas as pd

    n_close = int(table.loc[table["close"], "contact_id"].nunique())
    console.print(
        t(
            "cli.trace_head",
            student=student,
            contacts=table["contact_id"].nunique(),
            close=n_close,
            n=info["replications"],
            seed=info["seed"],
            threshold=f"{info['threshold_m']:g}",
            minutes=f"{info['min_minutes']:g}",
        ),
        markup=False,
        highlight=False,
    )
    for setting, rows in table.groupby("setting", sort=False):
        title = t.get(f"cli.setting_{setting}", str(rows["group"].iloc[0]))
        tab = Table(title=title, title_justify="left")
        for key in ("contact", "class", "minutes", "close_min", "distance_m", "share_close", "close"):
            left = key in ("contact", "class")
            tab.add_column(
                t(f"cli.col_{key}"), justify="left" if left else "right", no_wrap=left, overflow="fold"
            )
        for r in rows.to_dict("records"):
            cls, dist = r["class_id"], float(r["distance_m"])
            tab.add_row(
                str(r["contact_id"]),
                "" if pd.isna(cls) else str(cls),
                f"{r['minutes']:.1f}",
                f"{r['close_minutes']:.1f}",
                "" if math.isnan(dist) else f"{dist:.2f}",
                f"{r['p_close']:.0%}",
                t("cli.yes") if r["close"] else "",
            )
        console.print(tab)


def write_csv(table: Any, out: Path) -> None:
    """Write ``table`` to ``out`` whole or not at all (a temporary file beside it, then a rename)."""
    import os
    import tempfile

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            table.to_csv(fh, index=False, float_format="%.3f")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
