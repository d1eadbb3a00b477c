"""What the API does with the store, in library terms: schools become Scenarios (``scenario_from_dict``),
plan versions become Plans (``plan_from_rows``), and every check is ``check_plan``. No rule lives here.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import PlanLine, PlanVersion, School
from reopen_sim.desk.store import Store
from reopen_sim.i18n import Catalogue
from reopen_sim.optimizer.check import Violation, check_plan
from reopen_sim.plan import PLANNED_COLUMNS, TIMETABLE_COLUMNS, Plan, plan_from_rows
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

# Timetable fields an edit may change: what the plan decides (the rest of a row comes from the scenario).
EDITABLE_FIELDS: tuple[str, ...] = PLANNED_COLUMNS


class ScenarioCache:
    """Validated scenarios by (school id, school version, pins): validating the high school takes
    ~100 ms, an edit must be checked faster than that. A school version never changes (an edit of the
    school adds one), so entries never go stale."""

    def __init__(self, size: int = 32):
        self._items: OrderedDict[tuple[int, int, str], Scenario] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, school: School, pins: Sequence[Mapping[str, Any]] = ()) -> Scenario:
        key = (school.id, school.version or 1, json.dumps(list(pins), sort_keys=True))
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        sc = scenario_of(school, pins)
        with self._lock:
            self._items[key] = sc
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return sc


def scenario_of(school: School, pins: Sequence[Mapping[str, Any]] = ()) -> Scenario:
    """The school's scenario as the library validates it, with ``pins`` replacing those of its classes."""
    data = json.loads(school.scenario_json)
    if pins:
        pinned = {p["class_id"] for p in pins}
        data["pins"] = [p for p in data.get("pins", []) if p.get("class_id") not in pinned] + list(pins)
    return scenario_from_dict(data, file=school.source_name, source_format="workbook")  # the desk's tables


def scenario_json(sc: Scenario) -> str:
    """Canonical JSON of a validated scenario (its description only; loader fields are excluded)."""
    return json.dumps(sc.model_dump(mode="json", exclude_defaults=True), ensure_ascii=False)


def jsonable(value: Any) -> Any:
    """Plan meta and summaries as JSON: tuples to lists, NaN/inf to None, numpy scalars to numbers."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):
        return jsonable(value.item())
    return str(value)


def get_school(session: Session, school_id: int) -> School:
    school = session.get(School, school_id)
    if school is None:
        raise DeskError(404, "desk.error.no_school", id=school_id)
    return school


def latest_version(session: Session, plan_id: int) -> PlanVersion:
    got = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    ).first()
    if got is None:
        raise DeskError(404, "desk.error.no_plan", id=plan_id)
    return got


def version_of(session: Session, plan_id: int, version: int | None) -> PlanVersion:
    """Version ``version`` of plan ``plan_id`` (the latest when None)."""
    if version is None:
        return latest_version(session, plan_id)
    got = session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.version == version)
    ).first()
    if got is None:
        raise DeskError(404, "desk.error.no_plan", id=f"{plan_id} v{version}")
    return got


def plan_of(version: PlanVersion) -> Plan:
    return plan_from_rows(version.rows, file=f"plan {version.plan_id} v{version.version}")


def pins_of(version: PlanVersion) -> list[dict[str, Any]]:
    """The version's pinned classes as scenario pins: each keeps its assignment in this version."""
    rows = {r["class_id"]: r for r in version.rows}
    out = []
    for cid in version.pins:
        r = rows.get(cid)
        if r is None:
            continue
        pin: dict[str, Any] = {
            "class_id": cid,
            "gate": r["gate"],
            "window_at": r["arrival_start"],
            "rooms": [x for x in r["rooms"].split(";") if x],
            "dismissal_at": r["dismissal_time"],
        }
        if r["canteen_sitting"]:
            pin["canteen_sitting"] = int(r["canteen_sitting"])
        out.append(pin)
    return out


def violations_json(violations: Sequence[Violation], cat: Catalogue) -> list[dict[str, Any]]:
    """``check_plan``'s findings as the API shows them (message in the catalogue's language)."""
    return [
        {"rule": v.rule, "classes": list(v.class_ids), "message": v.render(cat).removeprefix(f"[{v.rule}] ")}
        for v in violations
    ]


def check(cache: ScenarioCache, school: School, version: PlanVersion) -> list[Violation]:
    """``check_plan`` against the school's own scenario: a desk pin holds a class where it is, so it
    can never be broken by the version that set it; it binds re-planning only."""
    return check_plan(cache.get(school), plan_of(version))


def iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()


def version_json(version: PlanVersion, school: School, violations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": version.plan_id,
        "school": school.id,
        "version": version.version,
        "version_id": version.id,
        # Every version is made from the latest one (edits under If-Match, re-plans), so its parent
        # is the version before it.
        "parent_version": None if version.parent_id is None else version.version - 1,
        "parent_version_id": version.parent_id,
        "status": version.status,
        "author": version.author,
        "created_at": iso(version.created_at),
        "published_at": iso(version.published_at),
        "changes": version.changes,
        "pins": version.pins,
        "classes": version.rows,
        "violations": violations,
        "meta": version.meta,
        # The school version the timetable was planned for, and the school's latest version.
        "school_version": version.school_version,
        "school_latest_version": school.version,
    }


def diff_rows(old: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """What changed between two timetables, one ``{class_id, field, old, new}`` per changed cell."""
    before = {r["class_id"]: r for r in old}
    out = []
    for r in new:
        b = before.get(r["class_id"])
        for col in TIMETABLE_COLUMNS:
            if b is not None and b.get(col, "") != r.get(col, ""):
                out.append(
                    {"class_id": r["class_id"], "field": col, "old": b.get(col, ""), "new": r.get(col, "")}
                )
    return out


def add_version(
    session: Session,
    plan: PlanLine,
    parent: PlanVersion | None,
    rows: list[dict[str, str]],
    meta: Mapping[str, Any],
    author: str,
    pins: list[str] | None = None,
    school_version: int | None = None,
) -> PlanVersion:
    """A new immutable version of ``plan`` after ``parent`` (numbered one past the latest); it serves
    ``school_version`` (a plan job's), else its parent's (a hand edit does not re-plan)."""
    number = 1 if parent is None else latest_version(session, plan.id).version + 1
    version = PlanVersion(
        plan_id=plan.id,
        version=number,
        parent_id=None if parent is None else parent.id,
        status="draft",
        author=author,
        changes=[] if parent is None else diff_rows(parent.rows, rows),
        rows=rows,
        pins=list(parent.pins if pins is None and parent is not None else pins or []),
        meta=jsonable(meta),
        school_version=school_version
        if school_version is not None or parent is None
        else parent.school_version,
    )
    session.add(version)
    session.flush()
    return version


def edit_class(
    store: Store,
    plan_id: int,
    class_id: str,
    if_match: int,
    fields: Mapping[str, Any],
    author: str,
) -> PlanVersion:
    """Version ``if_match + 1`` of the plan with one class's timetable fields changed (and/or pinned).

    Refused with 409 (and the latest version) when ``if_match`` is not the latest version: two tabs
    cannot overwrite each other. The write is one transaction; a crash leaves the previous version.
    """
    try:
        with store.write() as s:
            parent = latest_version(s, plan_id)
            if parent.version != if_match:
                raise DeskError(409, "desk.error.stale", yours=if_match, latest=parent.version)
            rows = [dict(r) for r in parent.rows]
            row = next((r for r in rows if r["class_id"] == class_id), None)
            if row is None:
                raise DeskError(404, "desk.error.unknown_class", class_id=class_id)
            for name in EDITABLE_FIELDS:
                if name in fields and fields[name] is not None:
                    value = fields[name]
                    row[name] = ";".join(value) if isinstance(value, list) else str(value)
            plan_from_rows(rows, file=f"plan {plan_id}")  # malformed cells -> 422 before anything is saved
            pins = list(parent.pins)
            if fields.get("pinned") is True and class_id not in pins:
                pins.append(class_id)
            elif fields.get("pinned") is False and class_id in pins:
                pins.remove(class_id)
            plan = s.get(PlanLine, plan_id)
            assert plan is not None
            version = add_version(s, plan, parent, rows, {"source": "edit"}, author, pins=pins)
            if pins != list(parent.pins):  # a pin the optimizer could not take -> 422, nothing saved
                school = s.get(School, plan.school_id)
                assert school is not None
                scenario_of(school, pins_of(version))
            return version
    except IntegrityError:  # another edit saved the same version number first
        raise DeskError(409, "desk.error.stale", yours=if_match, latest=if_match + 1) from None
