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
    TimeLimitOpt,
    app,
    at_least,
    check_input_file,
    check_output_path,
    console,
    err_console,
    load_school,
    print_lines,
)
from reopen_sim.i18n import Catalogue, load_catalogue


def search_phases(meta: Mapping[str, Any], t: Catalogue) -> str:
    """How the solver searched, e.g. "1 worker 2.0 det s, then 2 workers 28.1 det s"."""
    return t("cli.phase_then").join(
        t(
            "cli.phase_one" if p["workers"] == 1 else "cli.phase_many",
            n=p["workers"],
            det=f"{p['deterministic_time']:.1f}",
        )
        for p in meta.get("phases", [])
    )


def print_violations(head: str, problems: list[Any], t: Catalogue) -> None:
    """A count line and the broken rules, one a line, in the catalogue's language."""
    err_console.print(head, markup=False, highlight=False)
    print_lines([f"  - {v.render(t)}" for v in problems], err=True)


@app.command("plan")
def plan_cmd(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="Output folder for timetable.csv/.xlsx.")],
    time_limit_s: TimeLimitOpt = 30.0,
    seed: Annotated[int, typer.Option("--seed", callback=at_least("--seed", 0), help="Solver seed.")] = 0,
    previous: Annotated[
        Path | None, typer.Option("--previous", help="Published timetable CSV: prefer few changes to it.")
    ] = None,
    lang: LangOpt = DEFAULT_LANG,
    certify: Annotated[
        int | None,
        typer.Option(
            "--certify",
            callback=at_least("--certify", 2),
            help="Certify the plan over N simulated mornings (N ≥ 2); writes certificate.json.",
        ),
    ] = None,
) -> None:
    """Optimize the arrival timetable; write OUT/timetable.csv and OUT/timetable.xlsx (exit 1 if no plan)."""
    from reopen_sim.optimizer.certify import window_limits
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import read_timetable
    from reopen_sim.report.certificate import certificate_lines, write_plan_files

    t = load_catalogue(lang)
    if previous is not None:
        check_input_file(previous, "--previous")
    check_output_path(out, "-o/--out")
    sc = load_school(scenario, t)
    prev = read_timetable(previous, sc) if previous is not None else None
    plan = optimize(sc, time_limit_s=time_limit_s, seed=seed, previous=prev, certify=certify)
    m = plan.meta
    status = str(m["status"])
    console.print(
        t(
            "cli.plan_status",
            school=sc.school.name,
            status=t.get(f"cli.status_{status}", status),
            wall=f"{m['wall_time_s']:.2f}",
            objective=f"{m['objective']:.0f}",
            bound=f"{m['best_bound']:.0f}",
            gap=f"{m['gap']:.2%}",
            seed=m["seed"],
            search=search_phases(m, t),
        ),
        markup=False,
        highlight=False,
    )
    tab = Table(title=t("cli.terms_title"))
    tab.add_column(t("cli.col_term"), justify="left", no_wrap=True)
    for col in ("cli.col_value", "cli.col_weight", "cli.col_weighted"):
        tab.add_column(t(col), justify="right", overflow="fold")
    for name, value in m["terms"].items():
        w = m["term_weights"][name]
        tab.add_row(name, str(value), str(w), str(value * w))
    console.print(tab)
    console.print(
        t(
            "cli.plan_arrivals",
            end=m["arrival_ends"],
            peak=f"{m['peak_utilisation']:.1%}",
            split=m["terms"]["split_rooms"],
        ),
        markup=False,
        highlight=False,
    )
    for note in m.get("unused_gates", []):  # an open, staffed gate left unused says why
        reason = t(note["key"], **note["fields"])
        console.print(reason[0].upper() + reason[1:] + t("cli.sentence_end"), markup=False, highlight=False)
    if "changed_classes" in m:
        ids = m["changed_classes"]
        console.print(
            t("plan.changed", n=len(ids), ids=", ".join(ids)) if ids else t("plan.changed_none"),
            markup=False,
            highlight=False,
        )
    for line in certificate_lines(plan, t):
        console.print(line, markup=False, highlight=False)
    problems = check_plan(sc, plan, window_limits(plan))  # a certified plan's simulated limits
    if problems:  # never expected: the checker is independent of the solver
        print_violations(t("cli.plan_broken", n=len(problems)), problems, t)
        sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
    paths = write_plan_files(plan, sc, out, lang=lang)  # timetable.csv/.xlsx (+ certificate.json)
    if len(paths) == 2:
        console.print(t("cli.wrote_two", first=paths[0], second=paths[1]), markup=False, highlight=False)
    else:
        console.print(t("certify.cli.wrote", path=", ".join(map(str, paths))), markup=False, highlight=False)
    if not plan.meta.get("certificate", {"met": True})["met"]:
        sys.exit(1)  # written so the certificate can be read; the service level is not met


@app.command("check")
def check_cmd(
    scenario: ScenarioArg,
    timetable: Annotated[Path, typer.Argument(help="timetable.csv to check.", show_default=False)],
    lang: LangOpt = DEFAULT_LANG,
    certificate: Annotated[
        Path | None,
        typer.Option(
            "--certificate",
            help="certificate.json of this timetable (default: the one beside it, when it matches).",
        ),
    ] = None,
) -> None:
    """Check a timetable (possibly edited by hand) against every rule: exit 1 with the violations, 0 if sound.

    A certified timetable is judged against the capacities it was certified at (its certificate.json)."""
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.optimizer.certify import window_limits
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.plan import Plan, read_timetable
    from reopen_sim.report.certificate import certificate_for_check

    t = load_catalogue(lang)
    check_input_file(timetable, "TIMETABLE")
    if certificate is not None:
        check_input_file(certificate, "--certificate")
    sc = load_school(scenario, t)
    plan = read_timetable(timetable, sc)  # a missing or repeated class is a finding of check_plan
    cert, notice = certificate_for_check(sc, plan, timetable, certificate)
    cert_path = certificate or timetable.parent / "certificate.json"
    if notice is not None:
        console.print(t(notice, path=cert_path), markup=False, highlight=False)
    limits = window_limits(Plan((), meta={"window_limits": cert["window_limits"]})) if cert else {}
    if cert is not None:
        console.print(
            t("certify.check.using", path=cert_path, n=len(limits), mornings=cert["replications"]),
            markup=False,
            highlight=False,
        )
    problems = check_plan(sc, plan, limits)
    if not problems:
        console.print(t("cli.check_ok", path=timetable, n=len(plan)), markup=False, highlight=False)
        return
    print_violations(t("cli.check_broken", path=timetable, n=len(problems)), problems, t)
    sys.exit(1)  # not typer.Exit: with standalone_mode=False click would return its code
