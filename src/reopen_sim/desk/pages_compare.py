"""The compare page: two versions of a plan (or two plans of the school) simulated on the same
mornings, side by side: the verdict in a sentence, the whole school's and each gate's paired
differences with 95% intervals, the queue charts per gate, what changed, and both boards.

Everything comes from ``POST /api/plans/{id}/compare`` (a job, with progress and cancel) and the
plans' own API answers; the page adds no figure of its own, only words: a difference is *certain*
when its 95% interval excludes 0 (``experiment.summarise_paired``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from reopen_sim.desk.charts import queue_charts
from reopen_sim.desk.pages_board import build_board
from reopen_sim.desk.pages_common import catalogue_of, render, scenario_of
from reopen_sim.desk.pages_plan import _api, _job_started
from reopen_sim.desk.series import GATE_METRICS
from reopen_sim.i18n import Catalogue
from reopen_sim.naming import class_name
from reopen_sim.scenario.schema import Scenario, format_hhmm
from reopen_sim.stats import RECOMMENDED_MIN_N

router = APIRouter(include_in_schema=False)

# Whole-school measures shown, in this order (experiment.COMPARED_METRICS; lower is better for each).
WHOLE_METRICS: tuple[str, ...] = (
    "max_queue_people",
    "p95_wait_min",
    "max_wait_min",
    "last_through_min",
    "max_spill_people",
    "late",
    "held",
    "close_contacts",
    "cross_grade_contacts",
)
# Timetable fields as the board names them.
FIELD_LABELS = {
    "arrival_start": "desk.ui.window",
    "gate": "desk.ui.gate",
    "rooms": "desk.ui.rooms",
    "canteen_sitting": "desk.ui.sitting",
    "dismissal_time": "desk.ui.dismissal",
}


def _label(cat: Catalogue, plan_id: int, other_plan: int, version: int) -> str:
    if other_plan == plan_id:
        return cat("desk.cmp.label", n=version)
    return cat("desk.cmp.label_other", plan=other_plan, n=version)


async def _choices(request: Request, plan_id: int, school: dict[str, Any]) -> list[tuple[str, str]]:
    """Every version of every plan of the school, as (``plan:version``, label), this plan first."""
    cat = catalogue_of(request)
    plans = sorted(school.get("plans", []), key=lambda p: (p["id"] != plan_id, -p["id"]))
    out: list[tuple[str, str]] = []
    for p in plans:
        versions = await _api(request, "GET", f"/api/plans/{p['id']}/versions")
        for v in versions.data if versions.ok else []:
            out.append((f"{p['id']}:{v['version']}", _label(cat, plan_id, p["id"], v["version"])))
    return out


def _value(metric: str, x: float | None, diff: bool = False) -> str:
    """A figure as read: a time of day as HH:MM (a difference in minutes), counts and minutes to 0.1."""
    if x is None:
        return "–"
    if metric == "last_through_min" and not diff:
        return format_hhmm(round(x))
    shown = round(x, 1) or 0.0  # never "-0.0"
    return f"{shown:+.1f}" if diff else f"{shown:.1f}"


def _judged(row: dict[str, Any]) -> str:
    """``better``/``worse`` when the 95% interval of the paired difference excludes 0 (lower is
    better for every measure shown), ``same`` when no morning differs, else ``unsure``."""
    mean, lo, hi = row.get("diff_mean"), row.get("diff_lo"), row.get("diff_hi")
    if mean is None:
        return "unsure"
    if mean == 0 and (lo is None or lo == hi == 0):
        return "same"
    if hi is not None and hi < 0:
        return "better"
    if lo is not None and lo > 0:
        return "worse"
    return "unsure"


def _rows(
    table: list[dict[str, Any]], a: str, b: str, metrics: tuple[str, ...], cat: Catalogue
) -> list[dict[str, Any]]:
    """One row per metric: both versions' means with intervals and the paired difference, judged."""
    by = {(r["plan"], r["metric"]): r for r in table}
    rows = []
    for m in metrics:
        ra, rb = by.get((a, m)), by.get((b, m))
        if ra is None or rb is None:
            continue
        rows.append(
            {
                "metric": m,
                "label": cat(f"desk.cmp.metric.{m}"),
                "a": _value(m, ra["mean"]),
                "a_ci": f"{_value(m, ra['lo'])}–{_value(m, ra['hi'])}",
                "b": _value(m, rb["mean"]),
                "b_ci": f"{_value(m, rb['lo'])}–{_value(m, rb['hi'])}",
                "diff": _value(m, rb["diff_mean"], diff=True),
                "diff_ci": f"[{_value(m, rb['diff_lo'], True)}, {_value(m, rb['diff_hi'], True)}]",
                "judged": _judged(rb),
            }
        )
    return rows


def verdict(rows: list[dict[str, Any]], la: str, lb: str, n: int, cat: Catalogue) -> list[str]:
    """The comparison in sentences: on what ``lb`` is certainly better or worse than ``la``, where
    the difference is not certain, and where no morning differs."""
    sep = cat("desk.cmp.sep")
    groups: dict[str, list[str]] = {"better": [], "worse": [], "unsure": [], "same": []}
    for r in rows:
        groups[r["judged"]].append(r["label"])
    out = [
        cat(f"desk.cmp.verdict.{kind}", a=la, b=lb, metrics=sep.join(names))
        for kind, names in groups.items()
        if names
    ]
    if not groups["better"] and not groups["worse"]:
        out.insert(0, cat("desk.cmp.verdict.none", a=la, b=lb, n=n))
    return out


def _changes(changes: list[dict[str, str]], sc: Scenario, cat: Catalogue) -> list[dict[str, str]]:
    """What changed, as the board names it (a window's end follows its start: shown once)."""
    classes = {c.id: c for c in sc.classes}
    gates = {e.id: e.name or e.id for e in sc.entrances}
    starts = {c["class_id"] for c in changes if c["field"] == "arrival_start"}
    out = []
    for c in changes:
        if c["field"] == "arrival_end" and c["class_id"] in starts:
            continue
        known = classes.get(c["class_id"])
        field = FIELD_LABELS.get(c["field"])
        named = gates if c["field"] == "gate" else {}
        out.append(
            {
                "class": class_name(known, cat.lang) if known else c["class_id"],
                "field": cat(field) if field else c["field"],
                "old": named.get(c["old"], c["old"]) or "–",
                "new": named.get(c["new"], c["new"]) or "–",
            }
        )
    return out


async def _boards(request: Request, sc: Scenario, compared: list[dict[str, Any]]) -> list[Any]:
    cat = catalogue_of(request)
    boards = []
    for c in compared:
        got = await _api(request, "GET", f"/api/plans/{c['plan']}?version={c['version']}")
        if got.ok:
            boards.append(build_board(sc, got.data["classes"], got.data["violations"], cat, got.data["pins"]))
    return boards


async def _results(request: Request, plan_id: int, sc: Scenario, job: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a finished comparison job."""
    cat = catalogue_of(request)
    res = job["result"]
    compared = res["compared"][:2]
    labels = {c["name"]: _label(cat, plan_id, c["plan"], c["version"]) for c in compared}
    a, b = compared[0]["name"], compared[1]["name"]
    whole = _rows(res["table"], a, b, WHOLE_METRICS, cat)
    gate_names = {e.id: e.name or e.id for e in sc.entrances}
    charts = {ch.gate: ch for ch in queue_charts({k: res["series"][k] for k in (a, b)}, gate_names, labels)}
    gates = []
    for e in sc.entrances:
        table = [r for r in res.get("gates", []) if r["gate"] == e.id]
        gates.append({"gate": e.id, "chart": charts.get(e.id), "rows": _rows(table, a, b, GATE_METRICS, cat)})
    n = int(job["params"]["replications"])
    return {
        "labels": [labels[a], labels[b]],
        "about": cat("desk.cmp.about", n=n, seed=job["params"]["seed"], a=labels[a], b=labels[b]),
        "few": n < RECOMMENDED_MIN_N,
        "verdict": verdict(whole, labels[a], labels[b], n, cat),
        "whole": whole,
        "gates": gates,
        "changes": _changes(res["changes"].get(b, []), sc, cat),
        "boards": await _boards(request, sc, compared),
    }


@router.get("/plans/{plan_id}/compare", response_class=HTMLResponse)
async def compare_page(request: Request, plan_id: int, job: str | None = None) -> HTMLResponse:
    """Choose two versions; with ``?job=``, that comparison's progress or its results."""
    plan = await _api(request, "GET", f"/api/plans/{plan_id}")
    school = await _api(request, "GET", f"/api/schools/{plan.data['school']}") if plan.ok else plan
    if not plan.ok or not school.ok:
        return render(request, "missing.html", status=404, what=str(plan_id))
    sc = scenario_of(school.data)
    choices = await _choices(request, plan_id, school.data)
    latest = f"{plan_id}:{plan.data['version']}"
    others = [v for v, _ in choices if v != latest]
    ctx: dict[str, Any] = {
        "plan": plan.data,
        "sc": sc,
        "choices": choices,
        "chosen": (others[0] if others else latest, latest),
        "running": None,
        "results": None,
        "min_n": RECOMMENDED_MIN_N,
        "replications": 30,
    }
    if job:
        got = await _api(request, "GET", f"/api/jobs/{job}")
        if got.ok and got.data["kind"] == "compare" and got.data["status"] == "done":
            ctx["results"] = await _results(request, plan_id, sc, got.data)
            compared = got.data["result"]["compared"]
            ctx["chosen"] = tuple(f"{c['plan']}:{c['version']}" for c in compared[:2])
            ctx["replications"] = got.data["params"]["replications"]
        elif got.ok:
            ctx["running"] = got.data
    return render(request, "compare.html", **ctx)


def _pick(value: str) -> tuple[int, int] | None:
    plan, _, version = value.partition(":")
    return (int(plan), int(version)) if plan.isdigit() and version.isdigit() else None


@router.post("/plans/{plan_id}/compare", response_class=HTMLResponse)
async def start_compare(
    request: Request,
    plan_id: int,
    first: Annotated[str, Form()],
    second: Annotated[str, Form()],
    replications: Annotated[int, Form()] = 30,
) -> HTMLResponse:
    """Start the comparison job (``POST /api/plans/{id}/compare``); the page polls its progress."""
    picked = [_pick(first), _pick(second)]
    body: dict[str, Any] = {"replications": replications, "seed": 1}
    if all(picked):
        body["plans"] = [p[0] for p in picked if p]
        body["versions"] = [p[1] for p in picked if p]
    answer = await _api(request, "POST", f"/api/plans/{plan_id}/compare", json=body)
    return _job_started(request, answer)
