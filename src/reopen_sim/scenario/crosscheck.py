"""Checks beyond the schema: broken references between parts, and facts that make every plan impossible.

Each finding is an :class:`InputIssue` whose English sentence is its catalogue template
(``expected.<key>`` of ``locales/en/errors.json``) filled with its fields, so every language gets the
same numbers: what binds and what would relax it. A setting named in the advice is a
:class:`~.setting_names.Setting`, named as the school's own file names it (YAML key or workbook sheet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from reopen_sim.errors import InputIssue
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.issues import RowOrigin
from reopen_sim.scenario.schema import Entrance, Policy, Scenario, StudentGroup, format_hhmm
from reopen_sim.scenario.setting_names import Setting


def issue(file: str, path: str, value: str, key: str, template: str, **fields: Any) -> InputIssue:
    """An issue whose English sentence is ``template`` (the en catalogue's ``expected.<key>``) filled in."""
    return InputIssue(file, path, value, template.format(**fields), key=key, fields=fields)


def _duplicates(ids: list[str]) -> list[tuple[int, str]]:
    """(index of the second use, id) for every id used more than once (first repeat only)."""
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    reported: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen and x not in reported:
            out.append((i, x))
            reported.add(x)
        seen.add(x)
    return out


def _class_issue(
    file: str,
    origins: Sequence[RowOrigin] | None,
    i: int,
    column: str,
    value: str,
    key: str,
    template: str,
    **fields: Any,
) -> InputIssue:
    """An issue about class ``i``: on its roster line and column when it came from a roster."""
    if origins and i < len(origins):
        return origins[i].issue(column, value, template.format(**fields), key, **fields)
    return issue(file, f"classes[{i}].{column}", value, key, template, **fields)


def _id_issues(sc: Scenario, file: str, origins: Sequence[RowOrigin] | None) -> list[InputIssue]:
    out: list[InputIssue] = []
    ids = [c.id for c in sc.classes]
    for i, d in _duplicates(ids):
        first = ids.index(d)
        if origins and i < len(origins) and first < len(origins):
            prev = origins[first]
            out.append(
                _class_issue(
                    file,
                    origins,
                    i,
                    "class",
                    d,
                    f"class_twice_{prev.line_word}",
                    f"each class once (also on {prev.line_word} {{line}})",
                    line=prev.line,
                )
            )
        else:
            out.append(
                issue(
                    file,
                    f"classes[{i}].id",
                    d,
                    "id_unique",
                    "a unique id (used twice in {kind})",
                    kind="classes",
                )
            )
    for kind, things in (("entrances", sc.entrances), ("rooms", sc.rooms)):
        for i, d in _duplicates([t.id for t in things]):
            out.append(
                issue(
                    file, f"{kind}[{i}].id", d, "id_unique", "a unique id (used twice in {kind})", kind=kind
                )
            )
    return out


def _pin_issues(sc: Scenario, file: str) -> list[InputIssue]:
    out: list[InputIssue] = []
    class_ids = {c.id for c in sc.classes}
    gate_ids = sorted(e.id for e in sc.entrances)
    room_ids = {r.id for r in sc.rooms}
    n_win = sc.day.n_windows
    for i, pin in enumerate(sc.pins):
        p = f"pins[{i}]"
        if pin.class_id not in class_ids:
            out.append(issue(file, f"{p}.class_id", pin.class_id, "class_ref", "the id of a class"))
            continue
        cls = sc.class_by_id(pin.class_id)
        if pin.gate is not None:
            if pin.gate not in gate_ids:
                out.append(
                    issue(
                        file,
                        f"{p}.gate",
                        pin.gate,
                        "gate_ref",
                        "the id of an entrance ({ids})",
                        ids=", ".join(gate_ids),
                    )
                )
            elif not sc.entrance_allows(sc.entrance_by_id(pin.gate), cls):
                key = "gate_for_boarders" if cls.boarding else "gate_for_day"
                grp = "boarders" if cls.boarding else "day students"
                out.append(
                    issue(
                        file,
                        f"{p}.gate",
                        pin.gate,
                        key,
                        f"an entrance open to {grp} (class {{cls}})",
                        cls=cls.id,
                    )
                )
        for r in pin.rooms or ():
            if r not in room_ids:
                out.append(issue(file, f"{p}.rooms", r, "room_ref", "the id of a room in rooms"))
        if pin.window_at is not None:
            off = pin.window_at - sc.day.earliest_arrival_at
            if off < 0 or off % sc.day.window_min or off // sc.day.window_min >= n_win:
                starts = ", ".join(format_hhmm(sc.day.window_start_min(w)) for w in range(n_win))
                out.append(
                    issue(
                        file,
                        f"{p}.window_at",
                        format_hhmm(pin.window_at),
                        "window_start",
                        "a window start: {starts}",
                        starts=starts,
                    )
                )
        if pin.canteen_sitting is not None:
            if sc.canteen.mode != "sittings":
                out.append(
                    issue(
                        file,
                        f"{p}.canteen_sitting",
                        str(pin.canteen_sitting),
                        "no_sitting",
                        "no sitting (meals are delivered)",
                    )
                )
            elif pin.canteen_sitting > sc.canteen.max_sittings:
                out.append(
                    issue(
                        file,
                        f"{p}.canteen_sitting",
                        str(pin.canteen_sitting),
                        "sitting_range",
                        "a sitting 1..{n}",
                        n=sc.canteen.max_sittings,
                    )
                )
        if pin.dismissal_at is not None:
            off = pin.dismissal_at - sc.day.dismissal_start_at
            gap = sc.day.dismissal_gap_min
            if off < 0 or off % gap or off // gap >= sc.day.dismissal_slots:
                slots = ", ".join(
                    format_hhmm(sc.day.dismissal_slot_min(k)) for k in range(sc.day.dismissal_slots)
                )
                out.append(
                    issue(
                        file,
                        f"{p}.dismissal_at",
                        format_hhmm(pin.dismissal_at),
                        "dismissal_slot",
                        "a dismissal slot time: {slots}",
                        slots=slots,
                    )
                )
    return out


def cross_reference_issues(
    sc: Scenario, file: str, origins: Sequence[RowOrigin] | None = None
) -> list[InputIssue]:
    """Broken references between parts of a scenario (ids that do not exist, ids used twice).

    ``origins`` (one per class, when the classes came from a roster) blame a class's problems on its
    roster file, line and column.
    """
    out = _id_issues(sc, file, origins)
    class_ids = {c.id for c in sc.classes}
    room_ids = {r.id for r in sc.rooms}
    buildings = sorted({r.building for r in sc.rooms})
    for i, c in enumerate(sc.classes):
        if c.home_room is not None and c.home_room not in room_ids:
            out.append(
                _class_issue(
                    file, origins, i, "home_room", c.home_room, "room_ref", "the id of a room in rooms"
                )
            )
    nodes = {x for edge in (sc.campus.edges if sc.campus else ()) for x in (edge.a, edge.b)}
    for i, e in enumerate(sc.entrances):
        for b in e.walk_m:
            if b not in buildings:
                out.append(
                    issue(
                        file,
                        f"entrances[{i}].walk_m",
                        b,
                        "building_ref",
                        "a building named by some room ({names})",
                        names=", ".join(buildings),
                    )
                )
        if e.node is not None and e.node not in nodes:
            out.append(issue(file, f"entrances[{i}].node", e.node, "node_ref", "a node of campus.edges"))
    out.extend(_pin_issues(sc, file))
    for i, g in enumerate(sc.groups):
        for cid in g.classes:
            if cid not in class_ids:
                out.append(issue(file, f"groups[{i}].classes", cid, "class_ref", "the id of a class"))
    grades = ", ".join(map(str, sorted(set(sc.grades))))
    for name in ("arrival_order", "dismissal_order"):
        for j, group in enumerate(getattr(sc.policy, name)):
            for g in group:
                if g not in sc.grades:
                    out.append(
                        issue(
                            file,
                            f"policy.{name}[{j}]",
                            str(g),
                            "grade_ref",
                            "a grade that has classes ({grades})",
                            grades=grades,
                        )
                    )
    return out


def _room_issues(sc: Scenario, file: str) -> list[InputIssue]:
    out: list[InputIssue] = []
    pol = sc.policy
    caps = cap.room_capacities(sc)
    ordered = sorted(caps.values(), reverse=True)
    largest = ordered[0] if ordered else 0
    k = cap.max_rooms_per_class(pol)
    best_k = sum(ordered[:k])
    for i, c in enumerate(sc.classes):
        if c.students <= best_k:
            continue
        if pol.allow_split_classes:
            out.append(
                issue(
                    file,
                    f"classes[{i}].students",
                    str(c.students),
                    "class_too_big_split",
                    "at most {best} students: the {k} largest rooms hold {best} under the distancing rule; add rooms, "
                    "allow more rooms per class ({setting}) or relax the spacing",
                    best=best_k,
                    k=k,
                    setting=Setting("policy.max_rooms_per_class", source=sc.source_format),
                )
            )
        else:
            room = max(caps, key=lambda r: caps[r])
            out.append(
                issue(
                    file,
                    f"classes[{i}].students",
                    str(c.students),
                    "class_too_big",
                    "at most {largest} students: the largest room ({room}) holds {largest} under the distancing "
                    "rule and splitting is off; allow split classes ({setting}) or add a larger room",
                    largest=largest,
                    room=room,
                    setting=Setting("policy.allow_split_classes", True, sc.source_format),
                )
            )
    needed = cap.rooms_needed_per_class(sc)
    if all(n is not None for n in needed) and sum(n or 0 for n in needed) > len(sc.rooms):
        out.append(
            issue(
                file,
                "rooms",
                f"{len(sc.rooms)} rooms",
                "rooms_needed",
                "at least {need} rooms: one per class ({classes} classes), plus one more for each of the "
                "{split} classes too large for any single room",
                need=sum(n or 0 for n in needed),
                classes=len(sc.classes),
                split=sum(1 for n in needed if n and n > 1),
            )
        )
    total_cap = sum(caps.values())
    if sc.n_students > total_cap:
        out.append(
            issue(
                file,
                "rooms",
                f"{total_cap} distanced seats",
                "seats_needed",
                "room for all {n} students; add rooms or relax the spacing",
                n=sc.n_students,
            )
        )
    return out


def gate_limits(e: Entrance, pol: Policy, window_min: int) -> tuple[int, int, int]:
    """(students a window, the screening-throughput bound alone, marked queue places) of one gate.

    The capacity is :func:`capacity.gate_window_capacity`: the smaller of the throughput bound and
    the queue-space bound; when it is below the throughput bound, the queue space binds.
    """
    lanes = cap.open_lanes(e, pol.staff_per_lane)
    if lanes <= 0:
        return 0, 0, 0
    per_min = cap.gate_throughput_per_min(lanes, e.service_time_s.mean_value)
    by_throughput = math.floor(per_min * window_min * pol.target_utilisation + 1e-9)
    places = lanes * cap.queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m)
    return cap.gate_window_capacity(e, pol, window_min), by_throughput, places


def _gate_issues(sc: Scenario, file: str) -> list[InputIssue]:
    out: list[InputIssue] = []
    pol = sc.policy
    for e in sc.entrances:
        if cap.open_lanes(e, pol.staff_per_lane) == 0:
            out.append(
                issue(
                    file,
                    f"entrances[{sc.entrances.index(e)}].staff",
                    str(e.staff),
                    "staff_for_lane",
                    "at least {n} staff to open one lane",
                    n=pol.staff_per_lane,
                )
            )
    n_win = sc.day.n_windows
    span = f"{format_hhmm(sc.day.earliest_arrival_at)}–{format_hhmm(sc.day.latest_arrival_at)}"
    groups: list[tuple[str, list[Any]]] = [("students", list(sc.classes))]
    if any(c.boarding for c in sc.classes) and any(e.open_to != StudentGroup.ALL for e in sc.entrances):
        groups += [
            ("boarders", [c for c in sc.classes if c.boarding]),
            ("day students", [c for c in sc.classes if not c.boarding]),
        ]
    group_key = {"students": "students", "boarders": "boarders", "day students": "day"}
    for label, members in groups:
        if not members:
            continue
        gates = [e for e in sc.entrances if label == "students" or sc.entrance_allows(e, members[0])]
        need = sum(c.students for c in members)
        if not gates:
            out.append(
                issue(
                    file, "entrances", "none", f"gate_open_{group_key[label]}", f"an entrance open to {label}"
                )
            )
            continue
        limits = [gate_limits(e, pol, sc.day.window_min) for e in gates]
        per_window = sum(lim[0] for lim in limits)
        if need <= per_window * n_win:
            continue
        common = {
            "need": need,
            "group": label,
            "gates": ", ".join(e.id for e in gates),
            "can": per_window * n_win,
            "span": span,
            "load": f"{pol.target_utilisation:.0%}",
            "per_window": per_window,
        }
        queue_bound = [(e, lim) for e, lim in zip(gates, limits, strict=True) if lim[0] < lim[1]]
        value = format_hhmm(sc.day.latest_arrival_at)
        if queue_bound:
            e0, (cap0, thru0, places0) = queue_bound[0]
            out.append(
                issue(
                    file,
                    "day.latest_arrival_at",
                    value,
                    f"gate_queue_{group_key[label]}",
                    f"time for all {{need}} {label}: gates {{gates}} take at most {{can}} between {{span}} "
                    "({per_window} a window), and the marked queue space binds before screening speed at "
                    "{queue_gates}: at {gate}, {places} marked places ({lanes} × {length} ÷ {spacing}) "
                    "hold {cap} a window where screening could take {thru}; "
                    "lengthen the marked queue, add lanes or open later windows",
                    lanes=Setting("entrances.lanes", source=sc.source_format, label=True),
                    length=Setting("entrances.queue_length_m", source=sc.source_format, label=True),
                    spacing=Setting("policy.queue_spacing_m", source=sc.source_format, label=True),
                    queue_gates=", ".join(e.id for e, _ in queue_bound),
                    gate=e0.id,
                    places=places0,
                    cap=cap0,
                    thru=thru0,
                    **common,
                )
            )
        else:
            out.append(
                issue(
                    file,
                    "day.latest_arrival_at",
                    value,
                    f"gate_time_{group_key[label]}",
                    f"time for all {{need}} {label}: gates {{gates}} screen at most {{can}} between {{span}} at "
                    "{load} load ({per_window} a window); add lanes, open later windows or speed up screening",
                    **common,
                )
            )
    return out


def _order_and_canteen_issues(sc: Scenario, file: str) -> list[InputIssue]:
    out: list[InputIssue] = []
    pol = sc.policy
    n_win = sc.day.n_windows
    span = f"{format_hhmm(sc.day.earliest_arrival_at)}–{format_hhmm(sc.day.latest_arrival_at)}"
    if len(pol.arrival_order) > n_win:
        out.append(
            issue(
                file,
                "policy.arrival_order",
                f"{len(pol.arrival_order)} groups",
                "arrival_groups",
                "at most {n} groups, one window each ({span})",
                n=n_win,
                span=span,
            )
        )
    if len(pol.dismissal_order) > sc.day.dismissal_slots:
        out.append(
            issue(
                file,
                "policy.dismissal_order",
                f"{len(pol.dismissal_order)} groups",
                "dismissal_groups",
                "at most {n} groups ({setting})",
                n=sc.day.dismissal_slots,
                setting=Setting("day.dismissal_slots", source=sc.source_format),
            )
        )
    if sc.canteen.mode == "sittings":
        seats = cap.canteen_capacity(sc.canteen)
        if any(c.students > seats for c in sc.classes):
            out.append(
                issue(
                    file,
                    "canteen.tables",
                    str(sc.canteen.tables),
                    "canteen_class",
                    "room for a whole class in one sitting ({seats} distanced seats)",
                    seats=seats,
                )
            )
        if sc.n_students > seats * sc.canteen.max_sittings:
            out.append(
                issue(
                    file,
                    "canteen.max_sittings",
                    str(sc.canteen.max_sittings),
                    "canteen_sittings",
                    "at least {need} sittings for {n} students at {seats} distanced seats a sitting",
                    need=math.ceil(sc.n_students / max(seats, 1)),
                    n=sc.n_students,
                    seats=seats,
                )
            )
    return out


def impossibility_issues(sc: Scenario, file: str) -> list[InputIssue]:
    """Facts that make every plan impossible, with the numbers and what would relax them."""
    return [
        *_room_issues(sc, file),
        *_gate_issues(sc, file),
        *_order_and_canteen_issues(sc, file),
    ]
