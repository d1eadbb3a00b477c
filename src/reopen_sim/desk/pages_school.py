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
from collections.abc import Mapping, Sequence
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
    CAMPUS,
    CANTEEN,
    CHOICES,
    CLASSES,
    NO,
    PINS,
    ROOMS,
    WALKS,
    YES,
    Column,
    Part,
)
from reopen_sim.scenario.workbook_layout import PARTS as LAYOUT_PARTS
from reopen_sim.scenario.workbook_read import Bad, distribution, read_cell
from reopen_sim.scenario.workbook_write import cell_value, choice_label, dig, note_text, table_rows

router = APIRouter(include_in_schema=False)

# Every part of the workbook, edited on the page in the workbook's order: a form sheet is one
# record (field, value), a table sheet is rows.
FORMS: tuple[Part, ...] = tuple(p for p in LAYOUT_PARTS if not p.table)
TABLES: tuple[Part, ...] = tuple(p for p in LAYOUT_PARTS if p.table)
PARTS: dict[str, Part] = {p.name: p for p in LAYOUT_PARTS}
# A form a school may go without (the canteen: meals delivered to classrooms): the field that says
# so, its value with the part and without it. Removing it is the form's "delete".
OPTIONAL_FORMS: dict[str, tuple[str, str, str]] = {CANTEEN.name: ("mode", "sittings", "delivered")}
# What names a row in messages and in the delete confirmation (the id, else these columns).
_LABEL_KEYS: dict[str, tuple[str, ...]] = {
    WALKS.name: ("entrance", "building"),
    CAMPUS.name: ("a", "b"),
    PINS.name: ("class_id",),
}
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


def row_label(part: Part, item: Mapping[str, Any]) -> str:
    """What names a row: its id, or (walks, campus paths, pins) the cells that identify it."""
    keys = _LABEL_KEYS.get(part.name, ("id",))
    return " – ".join(str(item.get(k) or "") for k in keys)


def change_label(part: str, field: str, lang: str) -> str:
    """A stored change's field (``school_versions.changes``: ``part`` is the scenario's top-level
    key) as the tables head it: ``lanes`` -> ``通道数 lanes``, ``service_time_s.sd`` -> its column,
    ``walk_m.Lab`` -> the walking distance column (Lab); else the field as stored."""
    owner = {"school": "school_day", "day": "school_day", "policy": "rules"}.get(part, part)
    layout = PARTS.get(owner)
    if layout is None:
        return field
    key = f"{part}.{field}" if owner == "school_day" else field
    columns = {c.key: c for c in layout.columns}
    if key in columns:
        return columns[key].header(lang)
    base, _, sub = key.rpartition(".")
    if base in columns:  # a distribution's mean, sd, kind or samples
        return (
            columns[base].header(lang)
            if sub in ("mean", "value")
            else f"{columns[base].header(lang)} ({sub})"
        )
    if part == "entrances" and field.startswith("walk_m."):
        return f"{WALKS.column('walk_m').header(lang)} ({field.split('.', 1)[1]})"
    return field


# The table a stored change's top-level key is edited in (``school_versions.changes``: ``part``).
_PART_OF = {"school": "school_day", "day": "school_day", "policy": "rules"}


def _shown(value: Any) -> Any:
    """A changed value as the tables show it (22 for 22.0); lists and missing values as they are."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def labelled_change(change: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A stored change as the pages say it: the part's table (``part_name``), the field as its
    column is headed (``label``), old and new values as the tables show them."""
    return {
        **change,
        "part_name": _PART_OF.get(change["part"], change["part"]),
        "label": change_label(change["part"], change["field"], lang) if change["field"] else "",
        "old": _shown(change["old"]),
        "new": _shown(change["new"]),
    }


def _derived(part: Part, item: Mapping[str, Any], sc: Any, homes: Mapping[str, list[str]], lang: str) -> str:
    """The read-only column beside a row: a room's classes, a class's (or pin's, group's) names."""
    names = {c.id: c for c in sc.classes}
    sep = "、" if lang == "zh" else ", "
    if part is ROOMS:
        return ", ".join(homes.get(item["id"], []))
    if part is CLASSES:
        return class_name(names[item["id"]], lang) if item["id"] in names else ""
    if part is PINS:
        return class_name(names[item["class_id"]], lang) if item["class_id"] in names else ""
    if part.name == "groups":
        return sep.join(class_name(names[c], lang) for c in item.get("classes", ()) if c in names)
    return ""


# Parts with a read-only column after their cells, and its heading.
DERIVED = {"rooms": "home_of", "classes": "shown_as", "pins": "shown_as", "groups": "shown_as"}


def _form_view(part: Part, full: Mapping[str, Any], stored: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A form's cells; an optional form the school goes without (no canteen) shows instead the
    cells that add it, filled with what the school kept of it (blank: the default)."""
    item = dig(full, part.root) if part.root else full
    view: dict[str, Any] = {"part": part, "cells": _cells(part, item or {}, lang), "absent": False}
    optional = OPTIONAL_FORMS.get(part.name)
    if optional is not None and dig(item, optional[0]) == optional[2]:
        kept = dig(stored, part.root) or {}
        view["absent"] = True
        view["new"] = [c for c in _cells(part, kept, lang) if c.col.key != optional[0]]
    return view


def tables_view(
    scenario: Mapping[str, Any], lang: str, cat: Catalogue, only: str | None = None
) -> dict[str, Any]:
    """Everything the tables show (or only the part named ``only``), from the school's stored
    scenario (defaults filled in), the parts in the workbook's order."""
    sc = scenario_from_dict(dict(scenario), file="school")
    full = sc.model_dump(mode="json")
    homes: dict[str, list[str]] = {}
    for cls in sc.classes:
        if cls.home_room:
            homes.setdefault(cls.home_room, []).append(cls.id)
    wanted = [p for p in LAYOUT_PARTS if only in (None, p.name)]
    parts: list[dict[str, Any]] = []
    for p in wanted:
        if not p.table:
            parts.append(_form_view(p, full, scenario, lang))
            continue
        rows = [
            {
                "index": i,
                "id": row_label(p, item),
                "cells": _cells(p, item, lang),
                "extra": _derived(p, item, sc, homes, lang),
            }
            for i, item in enumerate(table_rows(p, full))
        ]
        parts.append({"part": p, "rows": rows, "new": [Cell(c, "", options(c, lang)) for c in p.columns]})
    notes = {(p.name, c.key): note_text(p, c, lang, cat) for p in wanted for c in p.columns}
    return {
        "parts": parts,
        "forms": [v for v in parts if not v["part"].table],
        "tables": [v for v in parts if v["part"].table],
        "notes": notes,
        "derived": DERIVED,
    }


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


def walks_into_entrances(
    entrances: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The gates with their ``walk_m`` rebuilt from the walk rows (gate, building, metres), as the
    workbook reader does it; raises ``Bad`` (``_cell`` naming the column) for a row it refuses."""
    out = [dict(e) for e in entrances]
    index = {str(e.get("id")): i for i, e in reversed(list(enumerate(out)))}
    walks: dict[int, dict[str, Any]] = {}
    for row in rows:
        missing = next((c.key for c in WALKS.columns if row.get(c.key) is None), None)
        if missing is not None:
            raise Bad("this cell (it is required)", "workbook_required", _cell=missing)
        i = index.get(str(row["entrance"]))
        if i is None:
            known = ", ".join(index)
            raise Bad(f"the id of an entrance ({known})", "gate_ref", ids=known, _cell="entrance")
        if row["building"] in walks.get(i, {}):
            raise Bad(
                "one distance per gate and building (this one is given twice)",
                "desk_tables_walk_twice",
                _cell="building",
            )
        walks.setdefault(i, {})[row["building"]] = row["walk_m"]
    for i, e in enumerate(out):
        e.pop("walk_m", None)
        if walks.get(i):
            e["walk_m"] = walks[i]
    return out


def table_patch(
    part: Part,
    stored: Mapping[str, Any],
    row: int | None,
    update: Mapping[str, Any],
    delete: bool = False,
) -> dict[str, Any]:
    """The ``PATCH`` body: the whole table with the row changed, added (``row`` None) or deleted, or
    a form's changed fields (a merge patch: null restores the default). Walks go back into their
    gates (``entrances[].walk_m``); campus paths into ``campus`` (none left: no campus)."""
    if not part.table:
        return {part.root: dict(update)} if part.root else dict(update)
    items = [dict(x) for x in table_rows(part, stored)]
    if delete and row is not None:
        del items[row]
    elif row is None:
        items.append(_nulls_dropped(update))
    else:
        items[row] = merge_patch(items[row], update)
    if part is WALKS:
        return {"entrances": walks_into_entrances(stored.get("entrances", []), items)}
    if part is CAMPUS:
        return {"campus": {"edges": items} if items else None}
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
        "history": [
            {
                **v,
                "n_changes": len(v["changes"]),
                "changes": [labelled_change(ch, lang) for ch in v["changes"][:4]],
            }
            for v in (history.data[:5] if history.ok and isinstance(history.data, list) else [])
        ],
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
    shown = next(v for v in view["parts"] if v["part"].name == problem.part)
    if not shown["part"].table:
        cells = shown["new"] if shown["absent"] else shown["cells"]
    else:
        cells = shown["new"] if problem.row is None else shown["rows"][problem.row]["cells"]
    for cell in cells:
        if cell.col.key in typed:
            cell.text = typed[cell.col.key]
        if cell.col.key == problem.key:
            cell.issue = " ".join(problem.texts)


_ROOTS = {p.root: p for p in TABLES if p is not WALKS}
_ITEM = re.compile(r"^(" + "|".join(re.escape(r) for r in _ROOTS) + r")\[(\d+)\]")
_FORM_ROOTS = {p.root: p for p in FORMS if p.root}


def _place(path: str, scenario: Mapping[str, Any], cat: Catalogue) -> str:
    """An issue's scenario path in the page's words: a table row by its label (``7-4 students``,
    ``pins[0].gate`` -> ``7-1 gate``), a form's field by its header, a whole part by its title."""
    m = _ITEM.match(path)
    items = (dig(scenario, m.group(1)) or []) if m else []
    if m is not None and int(m.group(2)) < len(items):
        rest = path[m.end() :].lstrip(".")
        return f"{row_label(_ROOTS[m.group(1)], items[int(m.group(2))])} {rest}".strip()
    root, _, rest = path.partition(".")
    part = _FORM_ROOTS.get(root) or (_ROOTS.get(path) if path in _ROOTS else None)
    if part is None:
        return path
    if rest and part.root == root and rest in {c.key for c in part.columns}:
        return part.column(rest).header(cat.lang)
    return cat(f"desk_tables.ui.part.{part.name}") if not rest or part.root == path else path


def _value(path: str, value: Any, lang: str) -> Any:
    """An issue's value as its cell shows it: a closed choice's code by its label (送餐到班)."""
    m = _ITEM.match(path)
    part = _ROOTS[m.group(1)] if m else _FORM_ROOTS.get(path.partition(".")[0])
    key = path[m.end() :].lstrip(".") if m else path.partition(".")[2]
    col = next((c for c in part.columns if c.key == key), None) if part is not None else None
    if col is not None and col.kind == "choice" and str(value) in CHOICES[col.choices]:
        return choice_label(col.choices, value, lang)
    return value


def issue_texts(issues: list[Mapping[str, Any]], scenario: Mapping[str, Any], cat: Catalogue) -> list[str]:
    """Each API issue as 'field: got value; expected ...' in the page's language; a table row's
    path (``classes[3].students``) is named by the row's id (``7-4 students``)."""
    return [
        cat(
            "desk_tables.ui.issue",
            field=_place(str(i.get("field", "")), scenario, cat),
            value=_value(str(i.get("field", "")), i.get("value", ""), cat.lang),
            expected=i.get("expected", ""),
        )
        for i in issues
    ]


def bad_text(bad: Bad, header: str, value: str, cat: Catalogue) -> str:
    fields = {k: v for k, v in bad.fields.items() if not k.startswith("_")}
    expected = cat(f"expected.{bad.key}", **fields)
    return cat("desk_tables.ui.issue", field=header, value=value, expected=expected)


def _body(
    part: Part,
    stored: Mapping[str, Any],
    full: Mapping[str, Any],
    row: int | None,
    typed: Mapping[str, str],
    delete: bool,
) -> dict[str, Any]:
    """The merge patch for a typed change, an added row (``row`` None) or a deletion; raises ``Bad``.

    An optional form (the canteen) is deleted by setting its field to "without" (meals delivered)
    and added (``row`` None) with that field set to "with" and the typed cells."""
    optional = OPTIONAL_FORMS.get(part.name)
    if delete and not part.table and optional is not None:
        return {part.root: {optional[0]: optional[2]}}
    if delete:
        return table_patch(part, stored, row, {}, delete=True)
    if part.table:
        item = table_rows(part, full)[row] if row is not None else {}
    else:
        item = (dig(full, part.root) if part.root else full) or {}
    update = item_update(part, item, typed)
    if not part.table and optional is not None and row is None and optional[0] not in typed:
        update[optional[0]] = optional[1]
    return table_patch(part, stored, row, update)


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
    if part.table and row is not None and row >= len(table_rows(part, full)):
        return await _render(request, school_id, school, part=part)  # a row gone meanwhile
    key = next(iter(typed), None)
    if delete:
        optional = OPTIONAL_FORMS.get(part.name)
        key = optional[0] if optional is not None and not part.table else part.columns[0].key
    try:
        body = _body(part, stored, full, row, typed, delete)
    except Bad as bad:
        cell = bad.fields["_cell"]
        text = bad_text(bad, part.column(cell).header(lang), typed.get(cell, ""), cat)
        problem = Problem(part.name, row, cell, [text])
        return await _render(request, school_id, school, problem, typed=typed, part=part)
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
    problem = Problem(part.name, row, key, issue_texts(issues, merge_patch(stored, body), cat))
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
    """A new row from the table's last line (``new.<key>`` cells; blank ones take the default), or
    an optional form the school goes without (the canteen) from its cells."""
    form = await request.form()
    part = _part(part_name)
    if part is None or not (part.table or part.name in OPTIONAL_FORMS):
        return HTMLResponse(status_code=404)
    typed = {c.key: _form_value(form, f"new.{c.key}") for c in part.columns}
    typed = {k: v for k, v in typed.items() if v.strip()}  # blank: the default (or what was kept)
    if not typed:
        typed = {part.columns[0].key if part.table else part.columns[1].key: ""}
    return await _apply(request, school_id, part, None, typed, _form_value(form, "version"))


@router.post("/schools/{school_id}/tables/{part_name}/delete", response_class=HTMLResponse)
async def delete_row(request: Request, school_id: int, part_name: str) -> HTMLResponse:
    """Delete a row, or say the school goes without an optional form (no canteen: meals delivered);
    refused, next to the row, when something still refers to it."""
    form = await request.form()
    part = _part(part_name)
    row_text = _form_value(form, "row")
    if part is not None and not part.table and part.name in OPTIONAL_FORMS:
        return await _apply(request, school_id, part, None, {}, _form_value(form, "version"), delete=True)
    if part is None or not part.table or not row_text.isdigit():
        return HTMLResponse(status_code=404)
    return await _apply(
        request, school_id, part, int(row_text), {}, _form_value(form, "version"), delete=True
    )
