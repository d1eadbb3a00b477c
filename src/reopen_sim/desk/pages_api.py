"""The pages' way to the data: the desk's own JSON API, called in-process.

Every page is rendered from the same ``/api`` answers a script would get (one contract, one set of
rules), by sending the request through the app itself (httpx's ASGI transport: no socket, no second
server). The caller's access token and cookies are passed on, so the API's own checks apply to what
the pages do on the user's behalf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

# Headers of the browser's request passed on to the API (access token, cookies, origin checks).
_FORWARDED = ("authorization", "cookie", "origin", "referer", "x-desk-token", "sec-fetch-site")


@dataclass(frozen=True)
class ApiAnswer:
    """Status, JSON body (``None`` when not JSON) and headers of one API answer."""

    status: int
    data: Any
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def call_api(
    request: Request,
    method: str,
    path: str,
    *,
    json: Any = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> ApiAnswer:
    """Send ``method path`` to this app's API on behalf of ``request``'s browser."""
    sent = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
    sent.update(headers or {})
    transport = httpx.ASGITransport(app=request.app)
    base = f"{request.url.scheme}://{request.url.netloc}"
    async with httpx.AsyncClient(transport=transport, base_url=base) as client:
        r = await client.request(method, path, json=json, files=files, headers=sent)
    try:
        data = r.json()
    except ValueError:
        data = None
    return ApiAnswer(r.status_code, data, r.headers)


def api_error(answer: ApiAnswer) -> str:
    """The API's own message for a failed call (``detail`` or ``error``), else the status code."""
    data = answer.data
    if isinstance(data, dict):
        for key in ("detail", "error", "message"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return f"HTTP {answer.status}"
