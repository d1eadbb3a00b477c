"""Plan pages: the board, edits (drag or form) under If-Match, pins, jobs (plan, re-plan, simulate)
with progress and cancel, publishing and downloads, and why a plan is as it is."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from reopen_sim.desk.charts import queue_charts
from reopen_sim.desk.pages_api import ApiAnswer, api_error, call_api
from reopen_sim.desk.pages_board import build_board
from reopen_sim.desk.pages_common import catalogue_of, page_lang, render, scenario_of
from reopen_sim.desk.pages_school import labelled_change
from reopen_sim.i18n import Catalogue
from reopen_sim.report.certificate import reason_text as certificate_reason
from reopen_sim.scenario.schema import format_hhmm, parse_hhmm
from reopen_sim.stats import RECOMMENDED_MIN_N

router = APIRouter(include_in_schema=False)

# Simulation figures shown per gate (gate_summary columns without _mean/_lo/_hi), in this order.
SIM_METRICS = (
    "students",
    "max_queue_people",
    "max_queue_m",
    "mean_wait_min",
    "p95_wait_min",
    "last_through_min",
    "late",
)


def certification_view(sim: dict[str, Any] | None, cat: Catalogue) -> dict[str, Any] | None:
    """A stored simulation's judgement against the service level (``certify.judge``, made by the
    simulate job) in the page's words: met or not, each reason, the rule; ``None`` when the plan was
    simulated over too few mornings to be judged."""
    cert = (sim or {}).get("certification")
    if not cert:
        return None
    sl = cert["service_level"]
    rule = cat(
        "desk.test.cert_rule",
        confidence=f"{sl['confidence']:.0%}",
        quantile=f"p{round(100 * sl['queue_quantile'])}",
        share=f"{sl['queue_places_share']:.0%}",
        late=sl["max_late"],
        held=sl["max_held"],
    )
    reasons = [certificate_reason(r, cat) for r in cert["reasons"]]
    return {"met": cert["met"], "replications": cert["replications"], "reasons": reasons, "rule": rule}


async def _api(request: Request, method: str, path: str, **kw: Any) -> ApiAnswer:
    headers = {"accept-language": page_lang(request), **kw.pop("headers", {})}
    return await call_api(request, method, path, headers=headers, **kw)


def _go(url: str) -> Response:
    return Response(status_code=204, headers={"HX-Redirect": url})


async def _board_context(request: Request, plan: dict[str, Any], **extra: Any) -> dict[str, Any] | None:
    school = await _api(request, "GET", f"/api/schools/{int(plan['school'])}")
    if not school.ok:
        return None
    sc = scenario_of(school.data)
    board = build_board(sc, plan["classes"], plan["violations"], catalogue_of(request), plan.get("pins", ()))
    gates = [(e.id, e.name or e.id) for e in sc.entrances]
    return {"plan": plan, "sc": sc, "board": board, "gates": gates, **extra}


# School changes named on the plan page when the school was edited after the plan was made.
EDITS_SHOWN = 5


# A scenario's top-level part -> the school page's name for it (desk_tables.ui.part.<name>); the
# others (entrances, rooms, classes, canteen, pins, groups, campus) have the same name there.
async def school_edits(request: Request, plan: dict[str, Any]) -> dict[str, Any] | None:
    """How the school changed since the version this plan was made for (``None`` when it was not
    edited since): the versions between, and their first changes (``school_versions.changes``)."""
    planned, latest = plan.get("school_version"), plan.get("school_latest_version")
    if planned is None or latest is None or planned >= latest:
        return None
    history = await _api(request, "GET", f"/api/schools/{int(plan['school'])}/versions")
    newer = [v for v in history.data if v["version"] > planned] if history.ok else []
    lang = page_lang(request)
    changes = [
        labelled_change(ch, lang) for v in sorted(newer, key=lambda v: v["version"]) for ch in v["changes"]
    ]
    return {
        "planned": planned,
        "latest": latest,
        "changes": changes[:EDITS_SHOWN],
        "more": max(0, len(changes) - EDITS_SHOWN),
    }


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
async def plan_page(request: Request, plan_id: int) -> HTMLResponse:
    answer = await _api(request, "GET", f"/api/plans/{plan_id}")
    ctx = await _board_context(request, answer.data) if answer.ok else None
    if ctx is None:
        return render(request, "missing.html", status=404, what=str(plan_id))
    sims = await _api(request, "GET", f"/api/plans/{plan_id}/simulations")
    latest_sim = sims.data[0] if sims.ok and sims.data else None
    gate_names = dict(ctx["gates"])
    charts = []
    if latest_sim is not None:
        full = await _api(request, "GET", f"/api/plans/{plan_id}/simulations/{latest_sim['id']}")
        if full.ok and full.data.get("series"):
            charts = queue_charts({"plan": full.data["series"]}, gate_names)
    return render(
        request,
        "plan.html",
        sim=latest_sim,
        metrics=SIM_METRICS,
        gate_names=gate_names,
        charts=charts,
        cert=certification_view(latest_sim, catalogue_of(request)),
        cert_min=RECOMMENDED_MIN_N,
        edited=await school_edits(request, answer.data),
        **ctx,
    )


@router.get("/plans/{plan_id}/board", response_class=HTMLResponse)
async def board_fragment(request: Request, plan_id: int) -> HTMLResponse:
    answer = await _api(request, "GET", f"/api/plans/{plan_id}")
    ctx = await _board_context(request, answer.data) if answer.ok else None
    if ctx is None:
        return render(request, "missing.html", status=404, what=str(plan_id))
    return render(request, "_board.html", **ctx)


def _edit_body(form: dict[str, str]) -> dict[str, Any]:
    """The PATCH body from the edit form (only the fields the user sent, non-empty)."""
    body: dict[str, Any] = {}
    for key in ("arrival_start", "gate", "rooms", "canteen_sitting", "dismissal_time"):
        value = form.get(key, "").strip()
        if value:
            body[key] = value
    start = body.get("arrival_start")
    if start and form.get("window_min", "").isdigit():  # a window is moved whole: its end follows
        try:
            body["arrival_end"] = format_hhmm(parse_hhmm(start) + int(form["window_min"]))
        except ValueError:
            pass  # a malformed time goes to the API as written, which names it
    if form.get("pinned") in ("true", "false"):
        body["pinned"] = form["pinned"] == "true"
    return body


@router.post("/plans/{plan_id}/edit", response_class=HTMLResponse)
async def edit_class(request: Request, plan_id: int) -> HTMLResponse:
    """Send one edit as ``PATCH`` with ``If-Match: <version>``; answer with the board as it now is:
    the new version with its broken rules marked, or on 409 the latest version and a conflict note."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    class_id = quote(form.get("class_id", ""), safe="")
    answer = await _api(
        request,
        "PATCH",
        f"/api/plans/{plan_id}/classes/{class_id}",
        json=_edit_body(form),
        headers={"if-match": form.get("version", "")},
    )
    data = answer.data if isinstance(answer.data, dict) else {}
    if answer.status == 409 and isinstance(data.get("latest"), dict):
        ctx = await _board_context(request, data["latest"], conflict=api_error(answer))
    elif answer.ok:
        ctx = await _board_context(request, data, edited=class_id)
    else:
        latest = await _api(request, "GET", f"/api/plans/{plan_id}")
        ctx = await _board_context(request, latest.data, error=api_error(answer)) if latest.ok else None
    if ctx is None:
        return render(request, "missing.html", status=404, what=str(plan_id))
    return render(request, "_board.html", **ctx)


@router.post("/schools/{school_id}/plan", response_class=HTMLResponse)
async def start_plan(
    request: Request,
    school_id: int,
    time_limit_s: Annotated[float, Form()] = 10.0,
    previous: Annotated[int | None, Form()] = None,
) -> HTMLResponse:
    """Start planning (or re-planning ``previous`` with few changes, keeping its pins)."""
    body: dict[str, Any] = {"time_limit_s": time_limit_s, "seed": 0}
    if previous is not None:
        body["previous"] = previous
    answer = await _api(request, "POST", f"/api/schools/{school_id}/plans", json=body)
    return _job_started(request, answer)


@router.post("/plans/{plan_id}/simulate", response_class=HTMLResponse)
async def start_simulation(
    request: Request, plan_id: int, replications: Annotated[int, Form()] = 30
) -> HTMLResponse:
    answer = await _api(
        request, "POST", f"/api/plans/{plan_id}/simulate", json={"replications": replications, "seed": 1}
    )
    return _job_started(request, answer)


def _job_started(request: Request, answer: ApiAnswer) -> HTMLResponse:
    if answer.status != 202:
        return render(request, "_job.html", job=None, error=api_error(answer))
    return render(request, "_job.html", job={"id": answer.data["job"], "status": "queued", "progress": 0.0})


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_fragment(request: Request, job_id: str) -> Response:
    """A job's progress (polled); when a plan job is done, the browser goes to the plan."""
    answer = await _api(request, "GET", f"/api/jobs/{job_id}")
    if not answer.ok:
        return render(request, "_job.html", job=None, error=api_error(answer))
    job = answer.data
    result = job.get("result") or {}
    if job["status"] == "done" and "plan" in result:
        return _go(f"/plans/{result['plan']}")
    if job["status"] == "done" and job["kind"] == "report":
        return _go(f"/plans/{job['params']['plan']}?published={job['params']['version']}#publish")
    if job["status"] == "done" and job["kind"] == "simulate":
        return _go(f"/plans/{job['params']['plan']}?simulated={job_id}#test")
    if job["status"] == "done" and job["kind"] == "compare":
        return _go(f"/plans/{job['params']['plan']}/compare?job={job_id}")
    return render(request, "_job.html", job=job, error=None)


@router.post("/jobs/{job_id}/cancel", response_class=HTMLResponse)
async def cancel_job(request: Request, job_id: str) -> HTMLResponse:
    answer = await _api(request, "DELETE", f"/api/jobs/{job_id}")
    job = answer.data if answer.ok else None
    return render(request, "_job.html", job=job, error=None if answer.ok else api_error(answer))


@router.post("/plans/{plan_id}/publish", response_class=HTMLResponse)
async def publish(request: Request, plan_id: int) -> Response:
    answer = await _api(request, "POST", f"/api/plans/{plan_id}/publish", json={})
    if not answer.ok:
        return render(request, "_job.html", job=None, error=api_error(answer))
    if "job" not in answer.data:  # published; no printable set to wait for
        return _go(f"/plans/{plan_id}?published={answer.data['version']}#publish")  # a new address: reload
    # The printable set (publish) and report page are made by a job: show its progress, then reload.
    return render(request, "_job.html", job={"id": answer.data["job"], "status": "queued", "progress": 0.0})


@router.get("/plans/{plan_id}/why", response_class=HTMLResponse)
async def why_page(request: Request, plan_id: int) -> HTMLResponse:
    plan = await _api(request, "GET", f"/api/plans/{plan_id}")
    why = await _api(request, "GET", f"/api/plans/{plan_id}/analysis")
    ctx = await _board_context(request, plan.data) if plan.ok and why.ok else None
    if ctx is None:
        return render(request, "missing.html", status=404, what=str(plan_id))
    names = {c.class_id: c.name for c in ctx["board"].cards}
    return render(request, "why.html", why=why.data, names=names, **ctx)
