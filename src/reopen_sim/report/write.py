"""Writing a run's documents: report.html, notices, timetable CSV/XLSX, figures (SVG+PNG), run.json.

Output is written whole or not at all: everything is built in a temporary folder beside ``out_dir``
and renamed into place at the end (a rename within one file system is atomic). An existing
``out_dir`` is replaced only with ``force=True``; then the old folder is moved aside first and
deleted only after the new one is in place.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.experiment import COMPARED_METRICS, Comparison, mean_ci
from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.plan import Plan
from reopen_sim.report import figures as figs
from reopen_sim.report.certificate import certificate_view
from reopen_sim.report.notices import class_notices, gate_notices
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm

# Metrics that are times of day (shown HH:MM; their differences in minutes).
TIME_OF_DAY_METRICS = frozenset({"last_through_min"})
FIGURE_NAMES: tuple[str, ...] = ("gantt", "queues", "waits", "canteen", "contacts")


def check_out_dir(out_dir: str | Path, force: bool) -> Path:
    """Refuse an existing ``out_dir`` unless ``force`` (InputError naming the folder)."""
    out = Path(out_dir)
    if out.exists() and not force:
        raise InputError(
            [InputIssue(str(out), "-o/--out", str(out), "a folder that does not exist yet (or --force)")]
        )
    if out.exists() and not out.is_dir():
        raise InputError([InputIssue(str(out), "-o/--out", str(out), "a folder, not a file")])
    return out


def atomic_output(out_dir: Path, force: bool, build: Callable[[Path], None]) -> Path:
    """Run ``build(tmp)`` in a fresh folder beside ``out_dir``, then rename it to ``out_dir``.

    If ``build`` raises, the temporary folder is removed and ``out_dir`` is untouched.
    """
    out = check_out_dir(out_dir, force).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; give the folder the user's usual mode
    try:
        build(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def format_value(metric: str, value: float, diff: bool = False) -> str:
    """A table cell: HH:MM for times of day (their differences in signed minutes), else 1 decimal."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric in TIME_OF_DAY_METRICS and not diff:
        return format_hhmm(value)
    v = round(float(value), 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{v:+.1f}" if diff else f"{v:.1f}"


def _floor(metric: str, lo: float) -> float:
    """Counts, lengths and waits cannot be negative: show a t-interval's lower end as at least 0."""
    return lo if metric in TIME_OF_DAY_METRICS or math.isnan(lo) else max(lo, 0.0)


def comparison_rows(comparison: Comparison, t: Catalogue) -> list[dict[str, Any]]:
    """Rows of the report's comparison table: one per metric, one cell per plan (and its difference)."""
    table = comparison.table
    names = list(comparison.plans)
    rows = []
    metrics = [m for m in COMPARED_METRICS if m in set(table["metric"])]
    metrics += [m for m in dict.fromkeys(table["metric"]) if m not in metrics]
    for metric in metrics:
        cells = []
        for name in names:
            r = table[(table["plan"] == name) & (table["metric"] == metric)]
            if r.empty:
                cells.append({"value": "–", "ci": "", "diff": "", "diff_ci": ""})
                continue
            x = r.iloc[0]
            cells.append(
                {
                    "value": format_value(metric, x["mean"]),
                    "ci": f"[{format_value(metric, _floor(metric, x['lo']))}, {format_value(metric, x['hi'])}]",
                    "diff": ""
                    if name == comparison.reference
                    else format_value(metric, x["diff_mean"], diff=True),
                    "diff_ci": ""
                    if name == comparison.reference
                    else f"[{format_value(metric, x['diff_lo'], True)}, {format_value(metric, x['diff_hi'], True)}]",
                }
            )
        rows.append({"metric": metric, "label": t(f"metric.{metric}"), "cells": cells})
    return rows


def gate_rows(scenario: Scenario, comparison: Comparison, plan_name: str) -> list[dict[str, Any]]:
    """Per gate, for the chosen plan: peak queue (people, metres, 95% CI), last through, marked places."""
    gm = comparison.gate_metrics
    limits = figs.gate_limits_people(scenario)
    used = {a.gate for a in comparison.plans[plan_name].assignments}
    rows = []
    for e in scenario.entrances:
        row: dict[str, Any] = {"gate": e.id, "name": e.name or e.id, "places": int(limits[e.id])}
        row["unused"] = e.id not in used
        sub = gm[(gm["plan"] == plan_name) & (gm["gate"] == e.id)] if not gm.empty else gm
        for metric in ("max_queue_people", "max_queue_m", "last_through_min", "p95_wait_min"):
            if sub is not None and not sub.empty and metric in sub.columns:
                m, lo, hi = mean_ci(sub[metric].to_numpy(dtype=float))
                row[metric] = format_value(metric, m)
                row[metric + "_ci"] = f"[{format_value(metric, lo)}, {format_value(metric, hi)}]"
            else:
                row[metric] = "–"
                row[metric + "_ci"] = ""
        rows.append(row)
    return rows


def gates_used(gate_metrics: pd.DataFrame) -> pd.DataFrame:
    """The gate metrics of gates someone passed: a gate nobody used has no last student through
    (NaN), and its duty page then shows no expected queue instead of a time that does not exist."""
    if gate_metrics.empty or "last_through_min" not in gate_metrics.columns:
        return gate_metrics
    return gate_metrics[gate_metrics["last_through_min"].notna()]


def assumptions(scenario: Scenario, comparison: Comparison, t: Catalogue) -> list[str]:
    """The assumptions a reader needs to judge the figures, in plain words."""
    pol = scenario.policy
    ab = pol.arrival_behaviour
    fever = pol.fever
    out = [
        t("assume.replications", n=comparison.replications, seed=comparison.seed),
        t("assume.ci"),
        t("assume.crn"),
        t(
            "assume.windows",
            window=scenario.day.window_min,
            first=format_hhmm(scenario.day.earliest_arrival_at),
            last=format_hhmm(scenario.day.latest_arrival_at),
        ),
        t(
            "assume.arrivals",
            early=round(100 * ab.early_share, 1),
            early_max=ab.early_max_min,
            late=round(100 * ab.late_share, 1),
            late_max=ab.late_max_min,
        ),
        t("assume.spacing", spacing=pol.queue_spacing_m, util=round(100 * pol.target_utilisation)),
        t(
            "assume.fever",
            threshold=fever.threshold_c,
            flagged=round(100 * fever.flagged_share, 2),
            confirmed=round(100 * fever.confirmed_share),
            rooms=fever.isolation_rooms,
        ),
    ]
    caps = derived(scenario)  # the figures the optimizer used
    for e in scenario.entrances:
        gate = caps.gate(e.id)
        out.append(
            t(
                "assume.gate",
                gate=f"{e.name} ({e.id})" if e.name else e.id,
                lanes=gate.lanes,
                staff=e.staff,
                service=round(e.service_time_s.mean_value, 1),
                per_min=round(gate.screen_per_min, 1),
                queue_m=e.queue_length_m,
            )
        )
    return out


def solver_info(plan: Plan) -> dict[str, str]:
    """What the optimizer recorded in ``plan.meta`` (status, objective, bound, limit, seed), as text.

    No solve time: it varies from run to run, so it goes to the terminal and timings.json only.
    """
    keep = ("status", "objective", "best_bound", "gap", "time_limit_s", "seed", "num_workers", "source")
    return {k: _meta_text(plan.meta[k]) for k in keep if k in plan.meta}


# The optimizer's objective terms (optimizer.model.Weights), most important first.
TERM_ORDER = (
    "last_window",
    "changes",
    "most_classes_at_a_gate",
    "peak_utilisation_permille",
    "split_rooms",
    "walk_m",
)


def solver_words(plan: Plan, t: Catalogue) -> list[str]:
    """What the optimizer aimed for, most important first, with what this plan achieved, in words."""
    terms = plan.meta.get("terms") or {}
    weights = plan.meta.get("term_weights") or {}
    order = sorted(
        terms, key=lambda k: (-float(weights.get(k, 0)), TERM_ORDER.index(k) if k in TERM_ORDER else 99)
    )
    out = []
    for k in order:
        v = terms[k]
        fields = {
            "last_window": {"time": plan.meta.get("arrival_ends", "–"), "n": int(v) + 1},
            "peak_utilisation_permille": {"pct": round(float(v) / 10, 1)},
            "most_classes_at_a_gate": {"n": int(v)},
            "walk_m": {"m": round(float(v))},
            "split_rooms": {"n": int(v)},
            "changes": {"n": int(v)},
        }.get(k)
        if fields is not None:
            out.append(t(f"term.{k}", **fields))
    return out


def timetable_rows(plan: Plan, scenario: Scenario, t: Catalogue) -> list[dict[str, Any]]:
    """The report's timetable: one row per class, sorted by grade and class number, with the class
    and grade as schools write them and the gate's name."""
    from reopen_sim.naming import grade_name
    from reopen_sim.report.timetable import class_order, display_name

    gates = {e.id: e.name or e.id for e in scenario.entrances}
    rows = []
    for a in sorted(plan.assignments, key=class_order):
        r = a.to_row()
        r["name"] = display_name(scenario, a.class_id, t.lang)
        r["grade_name"] = grade_name(a.grade, t.lang)
        r["gate_name"] = gates.get(a.gate, a.gate)
        r["rooms"] = ", ".join(a.rooms)
        rows.append(r)
    return rows


def _status_text(plan: Plan, t: Catalogue) -> str:
    status = str(plan.meta.get("status", ""))
    return t.get(f"status.{status}", status) if status else ""


def _meta_text(v: Any) -> str:
    """Whole numbers without decimals, other floats to 2 decimals (solve times, objectives)."""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.2f}"
    return str(v)


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def figure_names(scenario: Scenario) -> list[str]:
    """The report's figures for this school: all of :data:`FIGURE_NAMES` but the canteen when meals
    are delivered (there is no canteen line to show)."""
    return [n for n in FIGURE_NAMES if n != "canteen" or scenario.canteen.mode == "sittings"]


def make_figures(scenario: Scenario, comparison: Comparison, plan_name: str, t: Catalogue) -> dict[str, Any]:
    """The report's figures by name (see :data:`FIGURE_NAMES`; no canteen figure when meals are
    delivered)."""
    plan = comparison.plans[plan_name]
    names = {e.id: e.name or e.id for e in scenario.entrances}
    out = {
        "gantt": figs.gantt_windows(plan, scenario, t),
        "queues": figs.queue_grid(comparison.timeseries, figs.gate_limits_people(scenario), t, names),
        "waits": figs.wait_distribution(comparison.waits, t),
        "canteen": figs.canteen_occupancy(comparison.plans, scenario, t),
        "contacts": figs.contacts_by_setting(comparison.contacts, t),
    }
    return {n: out[n] for n in figure_names(scenario)}


def save_figure(fig: Any, stem: Path) -> tuple[Path, Path]:
    """Save ``stem.svg`` and ``stem.png`` (150 dpi) reproducibly (no date in the SVG metadata)."""
    with figs.figure_style():
        svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", dpi=150, metadata={"Software": None})
    return svg, png


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def template_env() -> Environment:
    """The report package's jinja2 templates, HTML-escaped, strict about missing values."""
    return Environment(
        loader=PackageLoader("reopen_sim.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def choose_plan(comparison: Comparison, plan: str | None) -> str:
    """The plan the timetable and notices are for: ``plan``, else "optimized" if compared, else the last."""
    names = list(comparison.plans)
    if plan is not None:
        if plan not in comparison.plans:
            raise InputError([InputIssue("write_report", "plan", plan, "one of " + ", ".join(names))])
        return plan
    return "optimized" if "optimized" in comparison.plans else names[-1]


def _write_timetables(plan: Plan, scenario: Scenario, out: Path, lang: str) -> list[str]:
    """timetable.csv and timetable.xlsx (report.timetable), the workbook in the report's language."""
    from reopen_sim.report.timetable import write_timetable

    write_timetable(plan, scenario, out, lang=lang)
    return ["timetable.csv", "timetable.xlsx"]


def run_record(
    scenario: Scenario,
    comparison: Comparison,
    plan_name: str,
    lang: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What run.json records so the report can be reproduced: inputs' hash, version, seeds, solver status."""
    from reopen_sim import __version__

    return {
        "package": "reopen-sim",
        "version": __version__,
        "scenario": {
            "path": scenario.source_path,
            "sha256": scenario.source_sha256,
            "school": scenario.school.name,
        },
        "replications": comparison.replications,
        "simulation_seed": comparison.seed,
        "reference_plan": comparison.reference,
        "report_plan": plan_name,
        "plans": {name: split_timings(p.meta)[0] for name, p in comparison.plans.items()},
        "solver_status": comparison.plans[plan_name].meta.get("status"),
        "lang": lang,
        **(dict(extra) if extra else {}),
    }


# Entries of ``Plan.meta`` measured on the clock (solve times, and the solver's progress stamped
# with wall seconds): they differ between two identical runs, so they go to timings.json.
WALL_CLOCK_KEYS = frozenset({"wall_time_s", "solver_time_s", "first_solution_s", "solutions", "bounds"})


def split_timings(meta: Any) -> tuple[Any, Any]:
    """``meta`` without its wall-clock entries (at any depth), and those entries alone (None if none).

    Lists keep their length in the timings part (``None`` where an item has no clock entry), so a
    search phase's wall time stays next to its index.
    """
    if isinstance(meta, Mapping):
        stable: dict[str, Any] = {}
        clock: dict[str, Any] = {}
        for k, v in meta.items():
            if k in WALL_CLOCK_KEYS:
                clock[str(k)] = _jsonable(v)
                continue
            stable[str(k)], timed = split_timings(v)
            if timed is not None:
                clock[str(k)] = timed
        return stable, (clock or None)
    if isinstance(meta, list | tuple):
        pairs = [split_timings(x) for x in meta]
        timed = [p[1] for p in pairs]
        return [p[0] for p in pairs], (timed if any(x is not None for x in timed) else None)
    return _jsonable(meta), None


def _jsonable(v: Any) -> Any:
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return str(v)


def write_report(
    scenario: Scenario,
    comparison: Comparison,
    out_dir: str | Path,
    lang: str = "en",
    force: bool = False,
    plan: str | None = None,
    run_info: Mapping[str, Any] | None = None,
    timings: Mapping[str, Any] | None = None,
) -> Path:
    """Write the run's documents into ``out_dir`` (whole or not at all) and return its path.

    ``plan`` names the plan the timetable and notices are for (default: "optimized" if compared,
    else the last). ``run_info`` adds entries to run.json (e.g. the optimizer's settings).
    Files: report.html, notices_parents.html, notices_staff.html, timetable.csv/.xlsx,
    figures/<name>.svg/.png, comparison.csv, run.json, and timings.json: the one file that differs
    between two runs of the same inputs (the plans' solve times, plus ``timings`` from the caller).
    """
    t = load_catalogue(lang)
    plan_name = choose_plan(comparison, plan)
    check_out_dir(out_dir, force)

    def build(tmp: Path) -> None:
        (tmp / "figures").mkdir()
        figures = make_figures(scenario, comparison, plan_name, t)
        images = {}
        for name, fig in figures.items():
            svg, _png = save_figure(fig, tmp / "figures" / name)
            images[name] = _data_uri(svg, "image/svg+xml")
        files = _write_timetables(comparison.plans[plan_name], scenario, tmp, lang)
        comparison.table.to_csv(tmp / "comparison.csv", index=False)
        env = template_env()
        common = {
            "t": t,
            "lang": t.html_lang,
            "school": scenario.school.name,
            "plan_name": plan_name,
            "plan_label": figs.plan_label(plan_name, t),
        }
        notices_parents = env.get_template("notices_parents.html.j2").render(
            **common, pages=class_notices(scenario, comparison.plans[plan_name], t)
        )
        notices_staff = env.get_template("notices_staff.html.j2").render(
            **common,
            pages=gate_notices(
                scenario, comparison.plans[plan_name], t, gates_used(comparison.gate_metrics), plan_name
            ),
        )
        (tmp / "notices_parents.html").write_text(notices_parents, encoding="utf-8")
        (tmp / "notices_staff.html").write_text(notices_staff, encoding="utf-8")
        from reopen_sim import __version__

        record = run_record(scenario, comparison, plan_name, lang, run_info)
        html = env.get_template("report.html.j2").render(
            **common,
            version=__version__,
            sha256=scenario.source_sha256 or "",
            replications=comparison.replications,
            seed=comparison.seed,
            plans=[{"name": n, "label": figs.plan_label(n, t)} for n in comparison.plans],
            reference_label=figs.plan_label(comparison.reference, t),
            rows=comparison_rows(comparison, t),
            gates=gate_rows(scenario, comparison, plan_name),
            timetable=timetable_rows(comparison.plans[plan_name], scenario, t),
            images=images,
            figure_names=list(images),
            solver=solver_info(comparison.plans[plan_name]),
            solver_words=solver_words(comparison.plans[plan_name], t),
            status_text=_status_text(comparison.plans[plan_name], t),
            certificate=certificate_view(comparison.plans[plan_name], t),
            assumptions=assumptions(scenario, comparison, t),
            files=[
                *files,
                "notices_parents.html",
                "notices_staff.html",
                "comparison.csv",
                "run.json",
                "timings.json",
            ],
        )
        (tmp / "report.html").write_text(html, encoding="utf-8")
        (tmp / "run.json").write_text(
            json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        clock = {
            "note": "Wall-clock times of this run; the only file that differs between identical runs.",
            **{str(k): _jsonable(v) for k, v in (timings or {}).items()},
            "plans": {name: split_timings(p.meta)[1] or {} for name, p in comparison.plans.items()},
        }
        (tmp / "timings.json").write_text(
            json.dumps(clock, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    return atomic_output(Path(out_dir), force, build)
