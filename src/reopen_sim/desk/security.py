"""Who may use the desk, and how: access token, same-origin changes, upload size, request types.

- Token: when the settings carry one (always when serving beyond loopback), every request needs it,
  as ``Authorization: Bearer TOKEN`` or the cookie set by opening ``/?token=TOKEN``; else 401.
- Host: a loopback server without a token answers only to loopback host names, so a web page
  that rebinds its own name to 127.0.0.1 cannot read the desk (DNS rebinding).
- Cross-site: a state-changing request (POST, PUT, PATCH, DELETE) whose ``Origin`` is not the
  server's own, or whose ``Sec-Fetch-Site`` says another site, is refused (403); API bodies must be
  JSON or multipart (415), which a cross-site HTML form cannot send without a CORS preflight.
- Size: a body over ``max_upload_bytes`` is refused (413) from its ``Content-Length``.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from reopen_sim.desk.lang import catalogue
from reopen_sim.desk.settings import DeskSettings, is_loopback

TOKEN_COOKIE = "reopen_sim_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_TYPES = ("application/json", "multipart/form-data")


def _refuse(request: Request, status: int, key: str, **fields: object) -> JSONResponse:
    return JSONResponse({"detail": catalogue(request)(key, **fields), "code": key}, status_code=status)


def _host_name(host_header: str) -> str:
    return urlsplit(f"//{host_header}").hostname or ""


def _token_ok(request: Request, token: str) -> bool:
    sent = request.cookies.get(TOKEN_COOKIE, "")
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        sent = auth[7:].strip()
    return hmac.compare_digest(sent.encode(), token.encode())


def _cross_site(request: Request) -> str | None:
    """The foreign origin of a request, or None when it comes from the server's own pages or no browser."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        if urlsplit(origin).netloc != request.headers.get("host", ""):
            return origin
    elif origin == "null":
        return origin
    if site is not None and site not in ("same-origin", "none"):
        return origin or site
    return None


def check_request(request: Request, settings: DeskSettings) -> Response | None:
    """The refusal for ``request``, or None when it may go on."""
    host = _host_name(request.headers.get("host", ""))
    if settings.token is None and is_loopback(settings.host) and not is_loopback(host):
        return _refuse(request, 403, "desk.error.host", host=host)
    if settings.token is not None and not _token_ok(request, settings.token):
        return _refuse(request, 401, "desk.error.token")
    if request.method in UNSAFE_METHODS:
        foreign = _cross_site(request)
        if foreign is not None:
            return _refuse(request, 403, "desk.error.cross_site", origin=foreign)
        length = request.headers.get("content-length", "")
        size = int(length) if length.isdigit() else 0
        if size > settings.max_upload_bytes:
            return _refuse(
                request,
                413,
                "desk.error.too_large",
                size_mb=size / 2**20,
                limit_mb=settings.max_upload_bytes / 2**20,
            )
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.url.path.startswith("/api/") and (size or kind) and kind not in BODY_TYPES:
            return _refuse(
                request, 415, "desk.error.media_type", expected=" or ".join(BODY_TYPES), got=kind or "-"
            )
    return None


def install_security(app: FastAPI, settings: DeskSettings) -> None:
    """Check every request (see the module docstring); ``?token=`` on a page sets the cookie."""

    @app.middleware("http")
    async def _guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        given = request.query_params.get("token")
        if settings.token is not None and given is not None and request.method == "GET":
            if hmac.compare_digest(given.encode(), settings.token.encode()):
                # Set the cookie and drop the token from the address bar (and from history).
                params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                query = urlencode(params)
                target = request.url.path + (f"?{query}" if query else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, settings.token, httponly=True, samesite="strict")
                return response
        refusal = check_request(request, settings)
        if refusal is not None:
            return refusal
        return await call_next(request)
