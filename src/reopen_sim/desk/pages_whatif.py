"""What-if: close gates, change the screening at every gate, change the queue spacing.

The form makes a new school from the stored one through ``POST /api/schools/{id}/variants`` (the
district what-if, ``build_variant``), then plans it; the browser goes to the new plan's board, whose
loads, broken rules, simulation and "why" show the consequences. Screening methods take the
library's own times (``SCREENING_DEFAULTS_S``), so the page invents no figure.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from reopen_sim.desk.pages_api import api_error, call_api
from reopen_sim.desk.pages_common import catalogue_of, page_lang, render
from reopen_sim.scenario.schema import SCREENING_DEFAULTS_S

router = APIRouter(include_in_schema=False)

SCREENING_METHODS: tuple[str, ...] = tuple(SCREENING_DEFAULTS_S)


def variant_request(form: dict[str, list[str]], cat: Any) -> dict[str, Any] | None:
    """The ``variants`` body from the form, named in words; None when nothing was changed."""
    body: dict[str, Any] = {}
    said: list[str] = []
    gates = [g for g in form.get("close_gate", []) if g]
    if gates:
        body["close_gates"] = gates
        said.append(cat("desk.ui.whatif.closed", gates=", ".join(gates)))
    method = (form.get("screening_method") or [""])[0]
    if method in SCREENING_DEFAULTS_S:
        mean, sd = SCREENING_DEFAULTS_S[method]
        body["every_entrance"] = {
            "screening_method": method,
            "service_time_s": {"dist": "lognormal", "mean": mean, "sd": sd},
        }
        said.append(cat("desk.ui.whatif.screening", method=cat(f"desk.ui.method.{method}"), seconds=mean))
    spacing = (form.get("queue_spacing_m") or [""])[0].strip()
    if spacing:
        try:
            value = float(spacing)
        except ValueError:
            value = None
        body["overrides"] = {"policy": {"queue_spacing_m": value if value is not None else spacing}}
        said.append(cat("desk.ui.whatif.spacing", spacing=spacing))
    if not said:
        return None
    return {"name": "; ".join(said), **body}


@router.post("/schools/{school_id}/whatif", response_class=HTMLResponse)
async def what_if(request: Request, school_id: int) -> HTMLResponse:
    """Make the what-if school and start planning it (the job fragment then opens its board)."""
    raw = await request.form()
    form = {k: [str(v) for v in raw.getlist(k)] for k in raw}
    cat = catalogue_of(request)
    body = variant_request(form, cat)
    if body is None:
        return render(request, "_job.html", job=None, error=cat("desk.ui.whatif.nothing"))
    lang = {"accept-language": page_lang(request)}
    made = await call_api(request, "POST", f"/api/schools/{school_id}/variants", json=body, headers=lang)
    if made.status != 201:
        issues = made.data.get("issues", []) if isinstance(made.data, dict) else []
        error = None if issues else api_error(made)
        return render(request, "_issues.html", issues=issues, error=error, file=body["name"])
    new_id = made.data["id"]
    started = await call_api(
        request, "POST", f"/api/schools/{new_id}/plans", json={"time_limit_s": 10, "seed": 0}, headers=lang
    )
    if started.status != 202:
        return render(request, "_job.html", job=None, error=api_error(started))
    return render(
        request,
        "_job.html",
        job={"id": started.data["job"], "status": "queued", "progress": 0.0},
        note=cat("desk.ui.whatif.made", name=body["name"]),
    )
