"""The desk's pages (server-rendered HTML with htmx; the app includes ``router``).

Schools, a school (upload, problems by sheet/row/field, examples, plans), a plan's board (edit by
drag or form, pins, re-plan, simulate, publish), why a plan is as it is. Every read and every change
goes through the JSON API in-process (``pages_api.call_api``), so the pages add no rule of their own:
what the board marks is what ``/api`` answered, in the words of ``check``.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reopen_sim.bundled import EXAMPLE_SCHOOLS
from reopen_sim.desk import pages_compare, pages_plan, pages_school, pages_whatif
from reopen_sim.desk.pages_api import api_error, call_api
from reopen_sim.desk.pages_common import LANG_COOKIE, page_lang, render, scenario_of
from reopen_sim.i18n import LANGUAGES

router = APIRouter(include_in_schema=False)
router.include_router(pages_plan.router)
router.include_router(pages_whatif.router)
router.include_router(pages_compare.router)
router.include_router(pages_school.router)

# Assets served by name only (nothing a client sends becomes a file path).
_STATIC = {
    "htmx.min.js": "text/javascript",
    "desk.js": "text/javascript",
    "desk.css": "text/css",
    "htmx.LICENSE": "text/plain",
}
# Example schools shipped with the package (reopen_sim.bundled), offered by name.
EXAMPLES = EXAMPLE_SCHOOLS


@router.get("/static/{name}")
def static(name: str) -> Response:
    kind = _STATIC.get(name)
    if kind is None:
        return Response(status_code=404)
    body = files("reopen_sim.desk").joinpath("static", name).read_bytes()
    return Response(body, media_type=kind, headers={"Cache-Control": "max-age=3600"})


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/") -> Response:
    """Keep the chosen language in a cookie and go back (only to a path of this site)."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
async def schools_page(request: Request) -> HTMLResponse:
    """Every stored school with its latest plan's version and status (``GET /api/schools``)."""
    answer = await call_api(request, "GET", "/api/schools")
    schools = answer.data if answer.ok and isinstance(answer.data, list) else []
    return render(request, "schools.html", schools=schools, examples=EXAMPLES)


async def _upload(request: Request, name: str, body: bytes, kind: str) -> Response:
    answer = await call_api(
        request,
        "POST",
        "/api/schools",
        files={"file": (name, body, kind)},
        headers={"accept-language": page_lang(request)},
    )
    if answer.status == 201 and isinstance(answer.data, dict):
        return _go(f"/schools/{answer.data['id']}")
    issues = answer.data.get("issues", []) if isinstance(answer.data, dict) else []
    return render(
        request, "_issues.html", issues=issues, error=None if issues else api_error(answer), file=name
    )


def _go(url: str) -> Response:
    """Send the browser to ``url``: htmx follows ``HX-Redirect``; a plain form follows 303."""
    return Response(status_code=204, headers={"HX-Redirect": url, "Location": url})


@router.post("/schools")
async def upload_school(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    body = await file.read()
    return await _upload(
        request, file.filename or "school", body, file.content_type or "application/octet-stream"
    )


@router.post("/schools/example")
async def upload_example(request: Request, example: Annotated[str, Form()]) -> Response:
    """Store a bundled example (``POST /api/examples/{name}``: the example with its roster file)."""
    if example not in EXAMPLES:
        return render(request, "_issues.html", issues=[], error=example, file=example, status=422)
    answer = await call_api(
        request, "POST", f"/api/examples/{example}", headers={"accept-language": page_lang(request)}
    )
    if answer.status == 201 and isinstance(answer.data, dict):
        return _go(f"/schools/{answer.data['id']}")
    return render(request, "_issues.html", issues=[], error=api_error(answer), file=example, status=422)


@router.get("/schools/{school_id}", response_class=HTMLResponse)
async def school_page(request: Request, school_id: int) -> HTMLResponse:
    answer = await call_api(request, "GET", f"/api/schools/{school_id}")
    if not answer.ok:
        return render(request, "missing.html", status=404, what=api_error(answer))
    return render(
        request,
        "school.html",
        school_id=school_id,
        school=answer.data,
        sc=scenario_of(answer.data),
        plans=list(reversed(answer.data.get("plans", []))),
        methods=pages_whatif.SCREENING_METHODS,
        quote=quote,
    )
