"""Commands that simulate a timetable: ``simulate`` and ``trace``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from reopen_sim.cli.app import (
    ProcOpt,
    ScenarioArg,
    app,
    console,
)
from reopen_sim.errors import InputError


@app.command("simulate")
def simulate_cmd(
    scenario: ScenarioArg,
    plan: Annotated[Path, typer.Option("--plan", help="Timetable CSV (as written by `reopen-sim plan`).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (must not exist, or --force).")],
    replications: Annotated[int, typer.Option("-n", "--replications", min=1, help="Simulated days.")] = 100,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same figures).")] = 1,
    processes: ProcOpt = 1,
    lane_choice: Annotated[
        str, typer.Option("--lanes", help="shortest (one line per lane) or shared (one line for all lanes).")
    ] = "shortest",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")] = False,
) -> None:
    """Simulate a timetable: queues, waits, spill, fever path, lunch and dismissal, with 95% CIs.

    Writes OUT/gate_summary.csv, metrics.csv (per replication and gate), timeseries.csv (queue each
    minute), timeseries_summary.csv, trace_replication_0.csv and simulation.json, all or nothing.
    """
    import json

    from reopen_sim.errors import InputIssue
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.write import atomic_output
    from reopen_sim.scenario.load import load_scenario
    from reopen_sim.scenario.schema import format_hhmm
    from reopen_sim.simulation.lanes import LANE_CHOICES
    from reopen_sim.simulation.run import simulate

    if lane_choice not in LANE_CHOICES:
        raise InputError([InputIssue("command line", "--lanes", lane_choice, " or ".join(LANE_CHOICES))])
    sc = load_scenario(scenario)
    tt = read_timetable(plan, scenario=sc)
    res = simulate(
        sc,
        tt,
        replications=replications,
        seed=seed,
        processes=processes,
        progress=True,
        lane_choice=lane_choice,  # type: ignore[arg-type]
    )
    summary = res.gate_summary()

    def build(tmp: Path) -> None:
        summary.to_csv(tmp / "gate_summary.csv", index=False, float_format="%.4f")
        res.metrics().to_csv(tmp / "metrics.csv", index=False, float_format="%.4f")
        res.timeseries().to_csv(tmp / "timeseries.csv", index=False, float_format="%.3f")
        res.timeseries_summary().to_csv(tmp / "timeseries_summary.csv", index=False, float_format="%.3f")
        res.replications[0].trace.to_csv(tmp / "trace_replication_0.csv", index=False, float_format="%.4f")
        meta = {
            "scenario": str(scenario),
            "scenario_sha256": sc.source_sha256,
            "plan": str(plan),
            "replications": replications,
            "seed": seed,
            "lane_choice": lane_choice,
            "times": "minutes since midnight",
            "interval": "95% Student-t over replications",
        }
        (tmp / "simulation.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")

    written = atomic_output(out, force, build)
    t = Table(title=f"{sc.school.name}: {replications} simulated days (mean ± 95% CI)", title_justify="left")
    for col in ("gate", "max queue", "queue m", "spill", "p95 wait min", "last through", "late", "held"):
        t.add_column(col, justify="left" if col == "gate" else "right", no_wrap=True)

    def ci(row: Mapping[Any, Any], name: str, fmt: str = "{:.1f}") -> str:
        m, hi = (float(row[f"{name}_{k}"]) for k in ("mean", "hi"))
        if hi != hi:  # NaN: a single replication
            return fmt.format(m)
        return f"{fmt.format(m)} ± {fmt.format(hi - m)}"

    for r in summary.to_dict("records"):
        t.add_row(
            str(r["gate"]),
            ci(r, "max_queue_people"),
            ci(r, "max_queue_m"),
            ci(r, "max_spill_people"),
            ci(r, "p95_wait_min", "{:.2f}"),
            format_hhmm(float(r["last_through_min_mean"])),
            ci(r, "late"),
            ci(r, "held"),
        )
    console.print(t)
    console.print(f"Wrote {written}", highlight=False)


@app.command()
def trace(
    scenario: ScenarioArg,
    plan: Annotated[Path, typer.Option("--plan", help="Timetable CSV (as written by `reopen-sim plan`).")],
    student: Annotated[
        str, typer.Option("--student", help="Student id CLASSID-NN (or staff STAFF-GATE-Lk).")
    ],
    out: Annotated[
        Path | None, typer.Option("-o", "--out", help="Write the contacts to this CSV file.")
    ] = None,
    replications: Annotated[int, typer.Option("-n", "--replications", min=1, help="Simulated days.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same list).")] = 1,
    threshold_m: Annotated[float, typer.Option(help="Close within this distance (WHO: 1 m).")] = 1.0,
    min_minutes: Annotated[float, typer.Option(help="…for at least these minutes (WHO: 15).")] = 15.0,
) -> None:
    """List a student's contacts: same class, dorm room, queue neighbours, canteen table, staff."""
    import math
    import os
    import tempfile

    import pandas as pd

    from reopen_sim.exposure.contacts import contacts
    from reopen_sim.exposure.people import check_person
    from reopen_sim.plan import read_timetable
    from reopen_sim.scenario.load import load_scenario
    from reopen_sim.simulation.run import simulate

    sc = load_scenario(scenario)
    tt = read_timetable(plan, scenario=sc)
    check_person(sc, student, "command line", "--student")  # before simulating: a typo fails fast (exit 2)
    res = simulate(sc, tt, replications=replications, seed=seed, progress=True)
    table = contacts(sc, res, threshold_m=threshold_m, min_minutes=min_minutes).close_contacts(student)
    n_close = int(table.loc[table["close"], "contact_id"].nunique())
    console.print(
        f"[bold]{student}[/bold]: {table['contact_id'].nunique()} contacts, {n_close} close "
        f"(over {replications} simulated days, seed {seed}; close = within {threshold_m:g} m for "
        f"{min_minutes:g} min in total, or the same class or dorm room)",
        highlight=False,
    )
    for _setting, rows in table.groupby("setting", sort=False):
        t = Table(title=str(rows["group"].iloc[0]), title_justify="left")
        for col in ("contact", "class", "minutes", "close min", "distance m", "share close", "close"):
            t.add_column(
                col, justify="left" if col in ("contact", "class") else "right", no_wrap=col == "contact"
            )
        for r in rows.to_dict("records"):
            cls, dist = r["class_id"], float(r["distance_m"])
            t.add_row(
                str(r["contact_id"]),
                "" if pd.isna(cls) else str(cls),
                f"{r['minutes']:.1f}",
                f"{r['close_minutes']:.1f}",
                "" if math.isnan(dist) else f"{dist:.2f}",
                f"{r['p_close']:.0%}",
                "yes" if r["close"] else "",
            )
        console.print(t)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                table.to_csv(fh, index=False, float_format="%.3f")
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        console.print(f"Wrote {out}", highlight=False)
