"""What every page shares: its language, the templates, the stored scenario of a school.

Language: ``?lang=`` wins, then the ``desk_lang`` cookie the language switch sets, then the
browser's ``Accept-Language`` (the first of zh/en it lists), else English.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from reopen_sim import __version__
from reopen_sim.i18n import LANGUAGES, Catalogue, load_catalogue
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

LANG_COOKIE = "desk_lang"


def page_lang(request: Request) -> str:
    """The page's language (see the module docstring)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    kept = request.cookies.get(LANG_COOKIE)
    if kept in LANGUAGES:
        return str(kept)
    for part in request.headers.get("accept-language", "").split(","):
        base = part.split(";")[0].strip().lower().split("-")[0]
        if base in LANGUAGES:
            return base
    return "en"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """Jinja2 templates of the pages; every value is HTML-escaped unless marked safe."""
    folder = str(files("reopen_sim.desk").joinpath("templates"))
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language (``t`` is the catalogue, ``lang`` its code)."""
    lang = page_lang(request)
    cat = load_catalogue(lang)
    html = (
        environment()
        .get_template(template)
        .render(
            t=cat,
            lang=lang,
            html_lang=cat.html_lang,
            version=__version__,
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def catalogue_of(request: Request) -> Catalogue:
    return load_catalogue(page_lang(request))


def scenario_of(school: dict[str, Any]) -> Scenario:
    """The validated scenario in an ``/api/schools/{id}`` answer (its canonical JSON)."""
    data = {
        k: v for k, v in school["scenario"].items() if k not in ("notices", "source_path", "source_sha256")
    }
    file = str(school.get("source_name", "school"))
    return scenario_from_dict(data, file=file, source_format="workbook")  # the desk's tables
