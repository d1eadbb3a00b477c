"""The command line: ``reopen-sim COMMAND``. Exit codes: 0 success, 1 problems found / no plan, 2 bad input.

Each command is a thin wrapper: parse arguments, call the public API, print with rich, write files
through ``reopen_sim.report``. Errors the user can fix are printed plainly, never as a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from reopen_sim.errors import InfeasibleError, InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Plan and test staggered school reopening.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]


def print_summary(scenario_path: Path) -> None:
    """Load a scenario and print its summary table (raises InputError on bad input)."""
    from reopen_sim.scenario.load import load_scenario
    from reopen_sim.scenario.summary import summarise

    sc = load_scenario(scenario_path)
    s = summarise(sc)
    console.print(f"[bold]{s.school}[/bold] — {scenario_path}: valid")
    console.print(
        f"{s.students} students in {s.classes} classes ({s.boarders} boarders); "
        f"arrivals {s.arrival_span} in {s.windows} windows of {sc.day.window_min} min"
    )
    t = Table(title="Students by grade")
    t.add_column("grade", justify="right")
    t.add_column("students", justify="right")
    for g, n in s.students_by_grade.items():
        t.add_row(str(g), str(n))
    console.print(t)
    t = Table(title="Gates")
    for col in ("gate", "open to", "lanes", "screening/min", "per window", "queue places"):
        t.add_column(col, justify="right")
    for e in sc.entrances:
        t.add_row(
            e.id,
            e.open_to.value,
            str(e.lanes),
            f"{s.gate_throughput_per_min[e.id]:.1f}",
            str(s.gate_window_capacity[e.id]),
            str(s.queue_places[e.id]),
        )
    console.print(t)
    caps = s.room_capacity
    console.print(
        f"Rooms: {len(caps)} rooms, {sum(caps.values())} distanced seats "
        f"(largest {max(caps.values())}, smallest {min(caps.values())})"
    )
    if sc.canteen.mode == "sittings":
        console.print(
            f"Canteen: {s.canteen_seats_per_sitting} distanced seats a sitting "
            f"({sc.canteen.seating_rule}), up to {s.canteen_sittings} sittings"
        )
    else:
        console.print("Canteen: meals delivered to classrooms")
    t = Table(title="Resources (demand ÷ capacity)")
    for col in ("resource", "demand", "capacity", "load"):
        t.add_column(col, justify="right")
    for r in sorted(s.resources, key=lambda r: -r.ratio):
        t.add_row(r.name, str(r.demand), str(r.capacity), f"{r.ratio:.0%}")
    console.print(t)
    tight = s.tightest
    console.print(f"Tightest resource: [bold]{tight.name}[/bold] at {tight.ratio:.0%}")


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file and print a summary, or every error found in it."""
    print_summary(scenario)


LangOpt = Annotated[str, typer.Option("--lang", help="Report language: en or zh (Simplified Chinese).")]
RepsOpt = Annotated[int, typer.Option("-n", "--replications", min=2, help="Simulated mornings per plan.")]
ProcOpt = Annotated[int, typer.Option("-j", "--processes", min=1, help="Worker processes (same results).")]


@app.command()
def run(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder (must not exist, or --force).")],
    current: Annotated[
        Path | None, typer.Option("--current", help="The school's current timetable CSV, compared too.")
    ] = None,
    replications: RepsOpt = 100,
    seed: Annotated[int, typer.Option("--seed", help="Simulation seed.")] = 1,
    lang: LangOpt = "en",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing output folder.")] = False,
    time_limit_s: Annotated[
        float, typer.Option("--time-limit", help="Optimizer time limit, seconds.")
    ] = 30.0,
    processes: ProcOpt = 1,
) -> None:
    """The main job: optimize, compare with the baseline (and --current), write report, notices, figures."""
    from reopen_sim.report.job import run_main_job

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
    lang: LangOpt = "en",
    processes: ProcOpt = 1,
) -> None:
    """What `make demo` runs: the main job on a bundled school, replacing OUT, then where the report is."""
    from reopen_sim.report.job import run_main_job

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
    from reopen_sim.report.i18n import load_catalogue

    hint = load_catalogue(lang)("cli.open_hint", path=res.out_dir / "report.html")
    console.print(hint, style="bold", markup=False, highlight=False)


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
) -> None:
    """Optimize and simulate every school × what-if of a district; write OUT/report/district.html.

    Finished tasks are kept in OUT/tasks; running the same command again skips them. Exit code 1
    when some school has no plan (infeasible, invalid file or error): see OUT/report/status.csv.
    """
    from reopen_sim.district.evaluate import optimize_and_simulate, optimize_simulate_contacts
    from reopen_sim.district.load import load_district
    from reopen_sim.district.sweep import sweep as run_sweep
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
    report = write_district_report(res, out / "report")
    m = res.meta
    console.print(
        f"[bold]{d.name}[/bold]: {len(d.schools)} schools × {len(d.what_ifs)} what-ifs; "
        f"{m['evaluated']} evaluated, {m['resumed']} resumed, in {m['elapsed_s']:.1f} s ({m['executor']})",
        highlight=False,
    )
    t = Table(title=f"Riskiest schools ({res.what_ifs[0]})", title_justify="left")
    for col in ("rank", "school", "risk score"):
        t.add_column(col, justify="left" if col == "school" else "right")
    for r in risk_table(res).head(10).itertuples(index=False):
        t.add_row(str(r.rank), str(r.school), f"{r.risk_score:.1f}")
    console.print(t)
    problems = cannot_fit(res)
    for r in problems.itertuples(index=False):
        console.print(f"[red]{r.status}[/red] {r.school} / {r.what_if}: {r.reason}", highlight=False)
    console.print(f"[bold]Open {report / 'district.html'} in a browser.[/bold]", highlight=False)
    if len(problems):
        # sys.exit, not typer.Exit: with standalone_mode=False click returns Exit's code from app()
        # instead of raising it, and main() does not look at that return value.
        sys.exit(1)


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
) -> None:
    """Optimize the arrival timetable; write OUT/timetable.csv and OUT/timetable.xlsx (exit 1 if no plan)."""
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.timetable import write_timetable
    from reopen_sim.scenario.load import load_scenario

    sc = load_scenario(scenario)
    prev = read_timetable(previous, sc) if previous is not None else None
    plan = optimize(sc, time_limit_s=time_limit_s, seed=seed, previous=prev)
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
    problems = check_plan(sc, plan)
    if problems:  # never expected: the checker is independent of the solver
        for v in problems:
            err_console.print(str(v), markup=False, highlight=False)
        sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
    csv_path, xlsx_path = write_timetable(plan, sc, out)
    console.print(f"Wrote {csv_path} and {xlsx_path}", highlight=False)


@app.command("check")
def check_cmd(
    scenario: ScenarioArg,
    timetable: Annotated[Path, typer.Argument(help="timetable.csv to check.", show_default=False)],
) -> None:
    """Check a timetable (possibly edited by hand) against every rule: exit 1 with the violations, 0 if sound."""
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.plan import read_timetable
    from reopen_sim.scenario.load import load_scenario

    sc = load_scenario(scenario)
    plan = read_timetable(timetable, sc)
    problems = check_plan(sc, plan)
    if not problems:
        console.print(f"{timetable}: all {len(plan)} classes keep every rule.", highlight=False)
        return
    err_console.print(f"{timetable}: {len(problems)} broken rule(s):", highlight=False)
    for v in problems:
        err_console.print(f"  - {v}", markup=False, highlight=False)
    sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code


def main() -> None:
    """Entry point: run the app, turning user-fixable errors into plain messages and exit codes."""
    try:
        # Outside standalone mode click returns a typer.Exit's code instead of exiting: honour it.
        code = app(standalone_mode=False)
    except InputError as exc:
        # Plain text, never wrapped: each problem stays on one line for copy, grep and tests.
        sys.stderr.write(str(exc) + "\n")
        sys.exit(2)
    except InfeasibleError as exc:
        sys.stderr.write(str(exc) + "\n")
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Aborted.")
        sys.exit(130)
    except Exception as exc:
        # Usage errors from click (vendored inside typer): show the usage line, exit 2 like click.
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(2)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
