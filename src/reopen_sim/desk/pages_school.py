"""The school's tables on its page: gates, rooms, classes, the school day and the rules, editable.

Which fields exist, their kinds, bounds, notes and drop-down choices all come from the school
workbook's layout (``scenario.workbook_layout``, itself read from the pydantic schema), so a table
shows exactly the columns the downloaded workbook has, with the same notes. A cell is read by the
workbook reader's own ``read_cell`` (a bad cell is refused at once, next to the cell), then the
change goes to ``PATCH /api/schools/{id}`` with ``If-Match``: validated there by the loader
(``scenario_from_dict``) and saved as a new school version, or refused with its issues, which are
shown next to the cell. Nothing here decides what is valid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from reopen_sim.desk.pages_api import ApiAnswer, api_error, call_api
from reopen_sim.desk.pages_common import catalogue_of, page_lang, render
from reopen_sim.desk.school_edit import merge_patch
from reopen_sim.i18n import Catalogue
from reopen_sim.naming import class_name
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.workbook_layout import (
    CHOICES,
    CLASSES,
    ENTRANCES,
    NO,
    ROOMS,
    RULES,
    SCHOOL_DAY,
    YES,
    Column,
    Part,
)
from reopen_sim.scenario.workbook_read import Bad, distribution, read_cell
from reopen_sim.scenario.workbook_write import cell_value, choice_label, dig, note_text

router = APIRouter(include_in_schema=False)

# The parts edited on the page, in the page's order (the workbook's sheets of the same names).
FORMS: tuple[Part, ...] = (SCHOOL_DAY, RULES)
TABLES: tuple[Part, ...] = (ENTRANCES, ROOMS, CLASSES)
PARTS: dict[str, Part] = {p.name: p for p in (*FORMS, *TABLES)}
_DIST_FIELD = {
    "dist": ("mean", "value"),
    "dist_kind": ("dist",),
    "dist_sd": ("sd",),
    "dist_samples": ("samples",),
}


@dataclass
class Cell:
    """One editable cell: its column, what it shows and (for drop-downs) its options."""

    col: Column
    text: str
    options: list[str] = field(default_factory=list)
    issue: str = ""


@dataclass
class Problem:
    """A refused change: where (a cell, or the row/part), and the issue texts."""

    part: str
    row: int | None
    key: str | None
    texts: list[str]


def shown(col: Column, item: Mapping[str, Any], lang: str) -> str:
    """A cell as the workbook would show it, as text (times HH:MM, yes/no, choice labels)."""
    value = cell_value(col, item, lang)
    if value is None:
        return ""
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def options(col: Column, lang: str) -> list[str]:
    """A drop-down's labels (yes/no, or the closed choice's labels in the workbook's words)."""
    if col.kind == "bool":
        return [YES[lang], NO[lang]]
    if col.kind in ("choice", "dist_kind"):
        return [str(choice_label(col.choices, c, lang)) for c in CHOICES[col.choices]]
    return []


def _cells(part: Part, item: Mapping[str, Any], lang: str) -> list[Cell]:
    return [Cell(c, shown(c, item, lang), options(c, lang)) for c in part.columns]


def tables_view(
    scenario: Mapping[str, Any], lang: str, cat: Catalogue, only: str | None = None
) -> dict[str, Any]:
    """Everything the tables show (or only the part named ``only``), from the school's stored
    scenario (defaults filled in)."""
    sc = scenario_from_dict(dict(scenario), file="school")
    full = sc.model_dump(mode="json")
    homes: dict[str, list[str]] = {}
    for cls in sc.classes:
        if cls.home_room:
            homes.setdefault(cls.home_room, []).append(cls.id)
    wanted = [p for p in (*FORMS, *TABLES) if only in (None, p.name)]
    forms = [
        {"part": p, "cells": _cells(p, full.get(p.root, {}) if p.root else full, lang)}
        for p in FORMS
        if p in wanted
    ]
    tables = []
    for p in TABLES:
        if p not in wanted:
            continue
        rows = []
        for i, item in enumerate(full[p.root]):
            extra = ""
            if p is ROOMS:
                extra = ", ".join(homes.get(item["id"], []))
            elif p is CLASSES:
                extra = class_name(sc.classes[i], lang)
            rows.append({"index": i, "id": item["id"], "cells": _cells(p, item, lang), "extra": extra})
        tables.append({"part": p, "rows": rows, "new": [Cell(c, "", options(c, lang)) for c in p.columns]})
    notes = {(p.name, c.key): note_text(p, c, lang, cat) for p in wanted for c in p.columns}
    return {"forms": forms, "tables": tables, "notes": notes}


# --------------------------------------------------------------------------------------------
# From a typed cell to the change sent to the API
# --------------------------------------------------------------------------------------------


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *head, last = dotted.split(".")
    for name in head:
        nxt = target.get(name)
        target[name] = nxt = dict(nxt) if isinstance(nxt, Mapping) else {}
        target = nxt
    target[last] = value  # None: a merge patch restores the default


def _distribution(part: Part, base: str, cells: Mapping[str, Any]) -> dict[str, Any]:
    """A distribution from its four cells, as the workbook reader builds it; the fields the kind does
    not take are sent as null so the merge removes them."""
    return distribution(part, base, cells, clear_unused=True)


def read_typed(part: Part, col: Column, text: str) -> Any:
    """A typed cell's value (None for blank: the default applies); raises ``Bad``."""
    return None if not text.strip() else read_cell(part, col, text.strip())


def item_update(part: Part, item: Mapping[str, Any], typed: Mapping[str, str]) -> dict[str, Any]:
    """The fields of one item (a row, or a form's object) after ``typed`` cells (key -> text).

    ``item`` is the item with its defaults filled in (what the table shows); a distribution is
    rebuilt from its four cells. Raises ``Bad`` (with ``.key`` set to the cell) for a bad cell."""
    out: dict[str, Any] = {}
    dists: dict[str, dict[str, Any]] = {}
    for key, text in typed.items():
        col = part.column(key)
        try:
            value = read_typed(part, col, text)
        except Bad as bad:
            bad.fields = {**bad.fields, "_cell": key}
            raise
        if col.kind.startswith("dist"):
            base = col.key if col.kind == "dist" else col.key.rsplit(".", 1)[0]
            if base not in dists:
                current = dig(item, base) or {}
                dists[base] = {
                    kind: current[name]
                    for kind, names in _DIST_FIELD.items()
                    for name in names
                    if name in current and kind != "dist_kind"
                }
                if "dist" in current:
                    dists[base]["dist_kind"] = current["dist"]
            if value is None:
                dists[base].pop(col.kind, None)
            else:
                dists[base][col.kind] = value
        else:
            _set(out, col.key, value)
    for base, cells in dists.items():
        _set(out, base, _distribution(part, base, cells))
    return out


def _nulls_dropped(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _nulls_dropped(v) for k, v in value.items() if v is not None}
    return value


def table_patch(
    part: Part, stored: Mapping[str, Any], row: int | None, update: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``PATCH`` body: the whole table with the row changed (or added when ``row`` is None), or
    a form's changed fields (a merge patch: null restores the default)."""
    if not part.table:
        return {part.root: dict(update)} if part.root else dict(update)
    items = [dict(x) for x in stored.get(part.root, [])]
    if row is None:
        items.append(_nulls_dropped(update))
    else:
        items[row] = merge_patch(items[row], update)
    return {part.root: items}


# --------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------


async def _school(request: Request, school_id: int) -> ApiAnswer:
    return await call_api(
        request, "GET", f"/api/schools/{school_id}", headers={"accept-language": page_lang(request)}
    )


async def _render(
    request: Request,
    school_id: int,
    school: Mapping[str, Any],
    problem: Problem | None = None,
    message: str = "",
    typed: Mapping[str, str] | None = None,
    saved: bool = False,
    part: Part | None = None,
) -> HTMLResponse:
    """The tables, or after an edit only the edited ``part`` (htmx retargets the answer to it) with
    the version, status, plans and history swapped out of band: a school has thousands of cells."""
    cat = catalogue_of(request)
    lang = page_lang(request)
    view = tables_view(school["scenario"], lang, cat, only=None if part is None else part.name)
    if problem is not None and problem.key is not None:
        _mark(view, problem, typed or {})
    history = await call_api(request, "GET", f"/api/schools/{school_id}/versions")
    context = {
        "school_id": school_id,
        "school": school,
        "problem": problem,
        "message": message,
        "saved": saved,
        "history": history.data[:5] if history.ok and isinstance(history.data, list) else [],
        "plans": list(reversed(school.get("plans", []))),
        "open_part": None if part is None else part.name,
        **view,
    }
    if part is None:
        return render(request, "_school_tables.html", **context)
    forms, tables = view["forms"], view["tables"]
    response = render(
        request,
        "_school_part.html",
        form=forms[0] if forms else None,
        table=tables[0] if tables else None,
        **context,
    )
    response.headers["HX-Retarget"] = f"#part-{part.name}"
    response.headers["HX-Reswap"] = "outerHTML"
    return response


def _mark(view: dict[str, Any], problem: Problem, typed: Mapping[str, str]) -> None:
    """Put the refused value and its issue in the cell it was typed in."""
    if problem.part in ("school_day", "rules"):
        cells = next(f["cells"] for f in view["forms"] if f["part"].name == problem.part)
    else:
        table = next(t for t in view["tables"] if t["part"].name == problem.part)
        cells = table["new"] if problem.row is None else table["rows"][problem.row]["cells"]
    for cell in cells:
        if cell.col.key in typed:
            cell.text = typed[cell.col.key]
        if cell.col.key == problem.key:
            cell.issue = " ".join(problem.texts)


_ITEM = re.compile(r"^(entrances|rooms|classes)\[(\d+)\]")


def issue_texts(issues: list[Mapping[str, Any]], scenario: Mapping[str, Any], cat: Catalogue) -> list[str]:
    """Each API issue as 'field: got value; expected ...' in the page's language; a table row's
    path (``classes[3].students``) is named by the row's id (``7-4 students``)."""

    def place(path: str) -> str:
        m = _ITEM.match(path)
        items = scenario.get(m.group(1), []) if m else []
        if m is None or int(m.group(2)) >= len(items):
            return path
        rest = path[m.end() :].lstrip(".")
        return f"{items[int(m.group(2))].get('id')} {rest}".strip()

    return [
        cat(
            "desk_tables.ui.issue",
            field=place(str(i.get("field", ""))),
            value=i.get("value", ""),
            expected=i.get("expected", ""),
        )
        for i in issues
    ]


def bad_text(bad: Bad, header: str, value: str, cat: Catalogue) -> str:
    fields = {k: v for k, v in bad.fields.items() if not k.startswith("_")}
    expected = cat(f"expected.{bad.key}", **fields)
    return cat("desk_tables.ui.issue", field=header, value=value, expected=expected)


async def _apply(
    request: Request,
    school_id: int,
    part: Part,
    row: int | None,
    typed: dict[str, str],
    version: str,
    delete: bool = False,
) -> HTMLResponse:
    """Read the typed cells, send the change, and show the tables (saved, refused or stale)."""
    cat = catalogue_of(request)
    lang = page_lang(request)
    got = await _school(request, school_id)
    if not got.ok:
        return render(request, "_issues.html", issues=[], error=api_error(got), file="", status=got.status)
    school = got.data
    stored = school["scenario"]
    full = scenario_from_dict(dict(stored), file="school").model_dump(mode="json")
    key = next(iter(typed), None)
    if delete and row is not None:
        key = part.columns[0].key
        body: dict[str, Any] = {part.root: [x for i, x in enumerate(stored[part.root]) if i != row]}
    else:
        item = full.get(part.root, {}) if part.root and not part.table else full
        if part.table:
            item = full[part.root][row] if row is not None else {}
        try:
            update = item_update(part, item, typed)
        except Bad as bad:
            cell = bad.fields["_cell"]
            text = bad_text(bad, part.column(cell).header(lang), typed[cell], cat)
            problem = Problem(part.name, row, cell, [text])
            return await _render(request, school_id, school, problem, typed=typed, part=part)
        body = table_patch(part, stored, row, update)
    answer = await call_api(
        request,
        "PATCH",
        f"/api/schools/{school_id}",
        json=body,
        headers={"If-Match": version, "accept-language": lang},
    )
    if answer.status == 200:
        saved = cat("desk_tables.ui.saved", version=answer.data["version"])
        return await _render(request, school_id, answer.data, message=saved, saved=True, part=part)
    if answer.status == 409 and isinstance(answer.data, dict) and "latest" in answer.data:
        return await _render(request, school_id, answer.data["latest"], message=api_error(answer))
    issues = answer.data.get("issues", []) if isinstance(answer.data, dict) else []
    if not issues:
        return await _render(request, school_id, school, message=api_error(answer), part=part)
    problem = Problem(
        part.name, row, key, issue_texts(issues, body if part.table and row is None else stored, cat)
    )
    return await _render(request, school_id, school, problem, typed=typed, part=part)


def _form_value(form: Any, name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value)


@router.get("/schools/{school_id}/tables", response_class=HTMLResponse)
async def tables(request: Request, school_id: int) -> HTMLResponse:
    got = await _school(request, school_id)
    if not got.ok:
        return render(request, "_issues.html", issues=[], error=api_error(got), file="", status=got.status)
    return await _render(request, school_id, got.data)


def _part(name: str) -> Part | None:
    return PARTS.get(name)


@router.post("/schools/{school_id}/tables/{part_name}/cell", response_class=HTMLResponse)
async def edit_cell(request: Request, school_id: int, part_name: str) -> HTMLResponse:
    """One cell changed: ``row`` (a table's row index; none for a form), ``key``, ``value``, ``version``."""
    form = await request.form()
    part = _part(part_name)
    key = _form_value(form, "key")
    if part is None or key not in {c.key for c in part.columns}:
        return HTMLResponse(status_code=404)
    row_text = _form_value(form, "row")
    row = int(row_text) if row_text.isdigit() else None
    if part.table and row is None:
        return HTMLResponse(status_code=404)
    return await _apply(
        request, school_id, part, row, {key: _form_value(form, "value")}, _form_value(form, "version")
    )


@router.post("/schools/{school_id}/tables/{part_name}/add", response_class=HTMLResponse)
async def add_row(request: Request, school_id: int, part_name: str) -> HTMLResponse:
    """A new row from the table's last line (``new.<key>`` cells; blank ones take the default)."""
    form = await request.form()
    part = _part(part_name)
    if part is None or not part.table:
        return HTMLResponse(status_code=404)
    typed = {c.key: _form_value(form, f"new.{c.key}") for c in part.columns}
    typed = {k: v for k, v in typed.items() if v.strip()}
    if not typed:
        typed = {part.columns[0].key: ""}
    return await _apply(request, school_id, part, None, typed, _form_value(form, "version"))


@router.post("/schools/{school_id}/tables/{part_name}/delete", response_class=HTMLResponse)
async def delete_row(request: Request, school_id: int, part_name: str) -> HTMLResponse:
    """Delete a row (refused, next to the row, when something still refers to it)."""
    form = await request.form()
    part = _part(part_name)
    row_text = _form_value(form, "row")
    if part is None or not part.table or not row_text.isdigit():
        return HTMLResponse(status_code=404)
    return await _apply(
        request, school_id, part, int(row_text), {}, _form_value(form, "version"), delete=True
    )
