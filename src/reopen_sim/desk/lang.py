"""The language of a request (``?lang=``, else ``Accept-Language``, else English) and its catalogue."""

from __future__ import annotations

from fastapi import Request

from reopen_sim.i18n import LANGUAGES, Catalogue, load_catalogue


def request_lang(request: Request) -> str:
    """``?lang=zh|en`` wins; else the first of ``Accept-Language`` we have (``zh-CN`` -> zh); else en."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return "en"


def catalogue(request: Request) -> Catalogue:
    return load_catalogue(request_lang(request))
