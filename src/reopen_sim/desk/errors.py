"""Errors the API answers with: a status, a catalogue key and fields, shown in the request's language.

Every error body is ``{"detail": text, "code": key}`` (plus ``"issues"`` for bad input and
``"latest"`` for a conflict). Bad input from the library (:class:`InputError`) becomes 422 with one
``{"file", "field", "value", "expected"}`` per issue. Anything unexpected is logged and answered with
a plain 500 message, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from reopen_sim.desk.lang import catalogue
from reopen_sim.errors import InputError, InputIssue
from reopen_sim.i18n import Catalogue

log = logging.getLogger("reopen_sim.desk")


class DeskError(Exception):
    """An answer other than success: ``status``, message ``key`` (``desk.error.*``) and its fields."""

    def __init__(self, status: int, key: str, extra: dict[str, Any] | None = None, **fields: Any):
        super().__init__(key)
        self.status = status
        self.key = key
        self.fields = fields
        self.extra = extra or {}


def issue_json(issue: InputIssue, cat: Catalogue) -> dict[str, str]:
    """One input issue as the API shows it, ``expected`` and the place in the catalogue's language."""
    field = issue.path
    if issue.path_key is not None and cat.lang != "en":
        field = cat(f"where.{issue.path_key}", **issue.path_fields)
    return {"file": issue.file, "field": field, "value": issue.value, "expected": issue.expected_text(cat)}


def input_error_response(exc: InputError, cat: Catalogue) -> JSONResponse:
    issues = [issue_json(i, cat) for i in exc.issues]
    return JSONResponse({"detail": exc.render(cat), "code": "input", "issues": issues}, status_code=422)


def install_handlers(app: FastAPI) -> None:
    """Answer DeskError, InputError, bad requests and unexpected errors as described above."""

    @app.exception_handler(DeskError)
    async def _desk(request: Request, exc: DeskError) -> JSONResponse:
        cat = catalogue(request)
        body = {"detail": cat(exc.key, **exc.fields), "code": exc.key, **exc.extra}
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        return input_error_response(exc, catalogue(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        cat = catalogue(request)
        issues = [
            {
                "file": "request",
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "value": "" if e.get("input") is None else str(e.get("input"))[:200],
                "expected": str(e.get("msg", "")),
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            {"detail": cat("desk.error.request"), "code": "request", "issues": issues}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail), "code": "http"}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": catalogue(request)("desk.error.internal"), "code": "internal"}, status_code=500
        )
