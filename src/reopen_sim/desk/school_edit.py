"""Editing a stored school: a change becomes a new school version, validated like an upload.

A change is a partial scenario (a JSON merge patch, RFC 7396: objects merge, ``null`` removes a
field so its default applies, a list or a value replaces the old one) or a whole scenario. The
result is validated by ``scenario_from_dict``, the loader's own path, so an edit can never store a
school an upload would refuse. Removing a gate, a room or a class that something still refers to
(a home room, a pin, an arrival group, a class pinned on a plan) is refused first, with a message
naming what refers to it. A saved change is one transaction: the new ``school_versions`` row and the
school's latest scenario, under ``If-Match`` (the version the client edited; 409 when stale).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import PlanLine, School, SchoolVersion
from reopen_sim.desk.service import get_school, latest_version, scenario_json
from reopen_sim.desk.store import Store
from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

# The lists whose items have ids other parts refer to.
ID_LISTS = ("entrances", "rooms", "classes")
# Where an edit's issues come from (the API's ``file`` for a request body).
EDIT_FILE = "request"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch (hand-written: ten lines do not justify a dependency)."""
    if not isinstance(patch, Mapping):
        return patch
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _ids(data: Mapping[str, Any], part: str) -> list[str]:
    return [str(item.get("id")) for item in data.get(part, []) if isinstance(item, Mapping)]


def _issue(part: str, index: int, ident: str, expected: str, key: str, **fields: Any) -> InputIssue:
    return InputIssue(
        EDIT_FILE,
        f"{part}[{index}]",
        ident,
        expected,
        key=f"desk_tables_{key}",
        fields={"id": ident, **fields},
    )


def _uses(
    data: Mapping[str, Any], plan_pins: Mapping[str, int]
) -> dict[tuple[str, str], list[tuple[str, dict[str, Any]]]]:
    """What refers to each (part, id) in ``data``: (kind of reference, its fields)."""
    uses: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}

    def add(part: str, ident: Any, kind: str, **fields: Any) -> None:
        uses.setdefault((part, str(ident)), []).append((kind, fields))

    for cls in data.get("classes", []):
        if cls.get("home_room"):
            add("rooms", cls["home_room"], "home_room", class_id=cls.get("id"))
    for pin in data.get("pins", []):
        add("classes", pin.get("class_id"), "class_pinned")
        if pin.get("gate"):
            add("entrances", pin["gate"], "gate_pinned", class_id=pin.get("class_id"))
        for room in pin.get("rooms") or ():
            add("rooms", room, "room_pinned", class_id=pin.get("class_id"))
    for group in data.get("groups", []):
        for cid in group.get("classes", ()):
            add("classes", cid, "class_group", group=group.get("id"))
    for cid, plan in plan_pins.items():
        add("classes", cid, "class_plan_pin", plan=plan)
    return uses


# English sentences of the refusals (the catalogue has them as expected.desk_tables_<kind>).
_REFUSED = {
    "home_room": "a room no class has as its home room ({id} is the home room of class {class_id}: change that first)",
    "room_pinned": "a room no pin names ({id} is pinned for class {class_id}: change that pin first)",
    "gate_pinned": "a gate no pin names ({id} is pinned for class {class_id}: change that pin first)",
    "class_pinned": "a class without a pin ({id} is pinned in the school: remove its pin first)",
    "class_group": "a class in no arrival group ({id} arrives with group {group}: change that group first)",
    "class_plan_pin": "a class pinned on no plan ({id} is pinned on plan #{plan}: unpin it first)",
    "node_gate": "a path no gate needs ({id} is the campus node of gate {gate} and on no other path: change that gate's node first)",
    "canteen_pinned": "a canteen no pin needs (class {class_id} is pinned to sitting {sitting}: remove that pin's sitting first)",
}


def _nodes(data: Mapping[str, Any]) -> set[str]:
    edges = (data.get("campus") or {}).get("edges") or []
    return {str(e.get(k)) for e in edges if isinstance(e, Mapping) for k in ("a", "b")}


def _has_sittings(data: Mapping[str, Any]) -> bool:
    """A canteen with sittings (stored without its defaults: no canteen is meals delivered, a
    canteen without ``mode`` has sittings)."""
    canteen = data.get("canteen")
    return isinstance(canteen, Mapping) and canteen.get("mode", "sittings") == "sittings"


def removed_places(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[InputIssue]:
    """One issue per campus node or canteen that ``new`` no longer has but something still needs:
    a gate's node on no remaining path, a pin's canteen sitting when meals become delivered."""
    issues = []
    gone = _nodes(old) - _nodes(new)
    for gate in new.get("entrances", []):
        node = gate.get("node")
        if node is not None and str(node) in gone:
            fields = {"id": node, "gate": gate.get("id")}
            expected = _REFUSED["node_gate"].format(**fields)
            issues.append(
                InputIssue(
                    EDIT_FILE, "campus.edges", str(node), expected, key="desk_tables_node_gate", fields=fields
                )
            )
    if _has_sittings(old) and not _has_sittings(new):
        for pin in new.get("pins", []):
            if pin.get("canteen_sitting") is not None:
                fields = {"class_id": pin.get("class_id"), "sitting": pin["canteen_sitting"]}
                expected = _REFUSED["canteen_pinned"].format(**fields)
                issues.append(
                    InputIssue(
                        EDIT_FILE,
                        "canteen.mode",
                        "delivered",
                        expected,
                        key="desk_tables_canteen_pinned",
                        fields=fields,
                    )
                )
    return issues


def removed_references(
    old: Mapping[str, Any], new: Mapping[str, Any], plan_pins: Mapping[str, int]
) -> list[InputIssue]:
    """One issue per gate, room or class that ``new`` no longer has but something still refers to."""
    uses = _uses(new, plan_pins)
    issues = []
    for part in ID_LISTS:
        kept = set(_ids(new, part))
        for index, ident in enumerate(_ids(old, part)):
            if ident in kept:
                continue
            for kind, fields in uses.get((part, ident), []):
                expected = _REFUSED[kind].format(id=ident, **fields)
                issues.append(_issue(part, index, ident, expected, kind, **fields))
    return issues


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def diff_scenarios(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What changed, one ``{part, item, field, old, new}`` per changed value (``item``: the id of a
    gate, room or class, else None; an added or removed item is one entry with ``field`` None)."""
    out: list[dict[str, Any]] = []
    for part in sorted(set(old) | set(new)):
        a, b = old.get(part), new.get(part)
        if a == b:
            continue
        if part in ID_LISTS and isinstance(a, list) and isinstance(b, list):
            before = {str(i.get("id")): i for i in a}
            after = {str(i.get("id")): i for i in b}
            for ident in [*before, *(k for k in after if k not in before)]:
                x, y = before.get(ident), after.get(ident)
                if x is None or y is None:
                    out.append({"part": part, "item": ident, "field": None, "old": x, "new": y})
                    continue
                fx, fy = _flat(x), _flat(y)
                for f in sorted(set(fx) | set(fy)):
                    if fx.get(f) != fy.get(f):
                        out.append(
                            {"part": part, "item": ident, "field": f, "old": fx.get(f), "new": fy.get(f)}
                        )
        elif isinstance(a, Mapping) and isinstance(b, Mapping):
            fa, fb = _flat(a), _flat(b)
            for f in sorted(set(fa) | set(fb)):
                if fa.get(f) != fb.get(f):
                    out.append({"part": part, "item": None, "field": f, "old": fa.get(f), "new": fb.get(f)})
        else:
            out.append({"part": part, "item": None, "field": None, "old": a, "new": b})
    return out


def plan_pins(session: Session, school_id: int) -> dict[str, int]:
    """Classes pinned on the latest version of each of the school's plans (class id -> plan id)."""
    out: dict[str, int] = {}
    for line in session.scalars(
        select(PlanLine).where(PlanLine.school_id == school_id).order_by(PlanLine.id)
    ):
        for cid in latest_version(session, line.id).pins:
            out.setdefault(cid, line.id)
    return out


def first_version(session: Session, school: School, author: str = "") -> SchoolVersion:
    """Version 1 of a school just stored (as uploaded or made by a what-if)."""
    session.flush()
    row = SchoolVersion(
        school_id=school.id, version=1, scenario_json=school.scenario_json, author=author, changes=[]
    )
    session.add(row)
    return row


def validate(data: Mapping[str, Any]) -> Scenario:
    """The edited school as the loader validates it (InputError -> 422, nothing saved)."""
    return scenario_from_dict(dict(data), file=EDIT_FILE)


def save_version(
    store: Store, school_id: int, if_match: int, data: Mapping[str, Any], author: str, latest: Any
) -> tuple[School, Scenario, SchoolVersion]:
    """Store ``data`` (a whole scenario mapping) as the school's next version.

    409 (with ``latest()``, the school as ``GET`` shows it) when ``if_match`` is not the latest
    version; 422 with every issue when a referred-to item was removed or the loader refuses it.
    """
    try:
        with store.write() as s:
            school = get_school(s, school_id)
            if school.version != if_match:
                raise DeskError(
                    409,
                    "desk_tables.error.stale",
                    {"latest": latest()},
                    yours=if_match,
                    latest=school.version,
                )
            old = json.loads(school.scenario_json)
            refused = removed_references(old, data, plan_pins(s, school_id)) + removed_places(old, data)
            if refused:
                raise InputError(refused)
            sc = validate(data)
            canonical = scenario_json(sc)
            row = SchoolVersion(
                school_id=school_id,
                version=school.version + 1,
                scenario_json=canonical,
                author=author,
                changes=diff_scenarios(old, json.loads(canonical)),
            )
            s.add(row)
            school.scenario_json = canonical
            school.version = row.version
            school.name = sc.school.name
            s.flush()
            return school, sc, row
    except IntegrityError:  # another edit saved the same version number first
        raise DeskError(
            409, "desk_tables.error.stale", {"latest": latest()}, yours=if_match, latest=if_match + 1
        ) from None


def versions(session: Session, school_id: int) -> Iterable[SchoolVersion]:
    """The school's versions, newest first."""
    get_school(session, school_id)
    return session.scalars(
        select(SchoolVersion)
        .where(SchoolVersion.school_id == school_id)
        .order_by(SchoolVersion.version.desc())
    )


def version_scenario(session: Session, school_id: int, version: int) -> str:
    """The scenario JSON of one version (404 for a version the school does not have)."""
    row = session.scalars(
        select(SchoolVersion).where(SchoolVersion.school_id == school_id, SchoolVersion.version == version)
    ).first()
    if row is None:
        raise DeskError(404, "desk.error.no_school", id=f"{school_id} v{version}")
    return row.scenario_json
