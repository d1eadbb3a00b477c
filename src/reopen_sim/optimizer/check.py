"""The independent checker: every broken rule of any plan, including a timetable edited by hand.

Written without the solver (no OR-Tools, nothing from ``model.py``): each rule of ``docs/design.md``
("Rules shared by the optimizer and the checker") is re-implemented here on the plan's rows, with the
capacities of ``scenario/capacity.py`` so both sides use the same numbers. It also catches what only
a hand edit produces: a window off the grid, an unknown gate or room, a class missing or twice,
students differing from the scenario.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario, format_hhmm

RULES: tuple[str, ...] = (
    "classes",
    "class_data",
    "window",
    "gate",
    "open_to",
    "gate_capacity",
    "grades_per_gate",
    "boarders",
    "rooms",
    "room_capacity",
    "home_room",
    "canteen",
    "arrival_order",
    "dismissal",
    "dismissal_order",
    "exit",
    "pin",
    "group",
)
"""Rule names a :class:`Violation` may carry."""


@dataclass(frozen=True)
class Violation:
    """One broken rule: its name (see :data:`RULES`), the classes involved and a plain message."""

    rule: str
    class_ids: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


def _ids(items: Iterable[ClassAssignment]) -> tuple[str, ...]:
    return tuple(sorted(a.class_id for a in items))


def _list(ids: Iterable[str], limit: int = 8) -> str:
    ids = list(ids)
    return ", ".join(ids) if len(ids) <= limit else ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"


def _grades(grades: Iterable[int]) -> str:
    g = list(grades)
    return f"grade {g[0]}" if len(g) == 1 else "grades " + ", ".join(map(str, g))


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every rule the plan breaks, in the order of :data:`RULES`; ``[]`` when the plan is sound."""
    sc, pol, day = scenario, scenario.policy, scenario.day
    out: list[Violation] = []
    known = {c.id: c for c in sc.classes}
    gates = {e.id: e for e in sc.entrances}
    caps = cap.room_capacities(sc)

    # -- classes: each class of the scenario exactly once, nothing else ----------------------
    seen: dict[str, ClassAssignment] = {}
    for a in plan.assignments:
        if a.class_id not in known:
            out.append(
                Violation("classes", (a.class_id,), f"Class {a.class_id} is not a class of the school.")
            )
        elif a.class_id in seen:
            out.append(Violation("classes", (a.class_id,), f"Class {a.class_id} appears more than once."))
        else:
            seen[a.class_id] = a
    for c in sc.classes:
        if c.id not in seen:
            out.append(
                Violation("classes", (c.id,), f"Class {c.id} ({c.students} students) has no row in the plan.")
            )
    rows = list(seen.values())

    # -- class data as in the scenario ----------------------------------------------------------
    for a in rows:
        c = known[a.class_id]
        diffs = []
        if a.students != c.students:
            diffs.append(f"{a.students} students instead of {c.students}")
        if a.grade != c.grade:
            diffs.append(f"grade {a.grade} instead of {c.grade}")
        if a.boarding != c.boarding:
            diffs.append(
                "boarding "
                + ("yes" if a.boarding else "no")
                + " instead of "
                + ("yes" if c.boarding else "no")
            )
        if diffs:
            out.append(
                Violation(
                    "class_data", (a.class_id,), f"Class {a.class_id}: the row says " + "; ".join(diffs) + "."
                )
            )

    # -- arrival window on the grid -------------------------------------------------------------
    starts = [day.window_start_min(w) for w in range(day.n_windows)]
    on_grid: list[ClassAssignment] = []
    for a in rows:
        if a.arrival_start_min not in starts:
            out.append(
                Violation(
                    "window",
                    (a.class_id,),
                    f"Class {a.class_id} arrives at {format_hhmm(a.arrival_start_min)}, which is not a window start "
                    f"({', '.join(format_hhmm(s) for s in starts)}).",
                )
            )
            continue
        if a.arrival_end_min != a.arrival_start_min + day.window_min:
            out.append(
                Violation(
                    "window",
                    (a.class_id,),
                    f"Class {a.class_id}'s window {format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)} "
                    f"is not one window of {day.window_min} min (it should end at "
                    f"{format_hhmm(a.arrival_start_min + day.window_min)}).",
                )
            )
        on_grid.append(a)

    # -- gate exists and is open to the class's group ---------------------------------------------
    gated: list[ClassAssignment] = []
    for a in rows:
        e = gates.get(a.gate)
        if e is None:
            out.append(
                Violation(
                    "gate",
                    (a.class_id,),
                    f"Class {a.class_id} uses gate {a.gate!r}, which does not exist ({', '.join(gates)}).",
                )
            )
            continue
        gated.append(a)
        if not sc.entrance_allows(e, known[a.class_id]):
            grp = "boarders" if known[a.class_id].boarding else "day students"
            out.append(
                Violation(
                    "open_to",
                    (a.class_id,),
                    f"Class {a.class_id} ({grp}) uses gate {a.gate}, which is open to {e.open_to.value} only.",
                )
            )

    # -- per gate and window: load, grades, boarders --------------------------------------------
    ok_ids = {a.class_id for a in on_grid} & {a.class_id for a in gated}
    by_gw: dict[tuple[str, int], list[ClassAssignment]] = defaultdict(list)
    for a in rows:
        if a.class_id in ok_ids:
            by_gw[a.gate, a.arrival_start_min].append(a)
    for (g, start), members in sorted(by_gw.items()):
        e = gates[g]
        win = f"{format_hhmm(start)}–{format_hhmm(start + day.window_min)}"
        load = sum(known[a.class_id].students for a in members)
        limit = cap.gate_window_capacity(e, pol, day.window_min)
        if load > limit:
            lanes = cap.open_lanes(e, pol.staff_per_lane)
            places = lanes * cap.queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m)
            out.append(
                Violation(
                    "gate_capacity",
                    _ids(members),
                    f"Gate {g}, {win}: {load} students ({_list(_ids(members))}) but it takes at most {limit} "
                    f"({lanes} lanes at {pol.target_utilisation:.0%} load, {places} queue places).",
                )
            )
        grades = sorted({known[a.class_id].grade for a in members})
        if len(grades) > pol.max_grades_per_gate_window:
            out.append(
                Violation(
                    "grades_per_gate",
                    _ids(members),
                    f"Gate {g}, {win}: {len(grades)} grades ({', '.join(map(str, grades))}) share the gate; "
                    f"at most {pol.max_grades_per_gate_window} may.",
                )
            )
        kinds = {known[a.class_id].boarding for a in members}
        if pol.separate_boarders and len(kinds) == 2:
            out.append(
                Violation(
                    "boarders",
                    _ids(members),
                    f"Gate {g}, {win}: boarders ({_list(sorted(a.class_id for a in members if known[a.class_id].boarding))}) "
                    f"and day students ({_list(sorted(a.class_id for a in members if not known[a.class_id].boarding))}) share the entrance.",
                )
            )

    # -- rooms ----------------------------------------------------------------------------------
    max_rooms = cap.max_rooms_per_class(pol)
    users: dict[str, list[str]] = defaultdict(list)
    for a in rows:
        unknown = [r for r in a.rooms if r not in caps]
        if unknown:
            out.append(
                Violation(
                    "rooms",
                    (a.class_id,),
                    f"Class {a.class_id} uses room(s) {', '.join(unknown)}, which do not exist.",
                )
            )
        if len(set(a.rooms)) != len(a.rooms):
            out.append(
                Violation(
                    "rooms", (a.class_id,), f"Class {a.class_id} lists a room twice ({';'.join(a.rooms)})."
                )
            )
        if len(a.rooms) > max_rooms:
            why = (
                "splitting classes is off"
                if not pol.allow_split_classes
                else f"at most {max_rooms} rooms a class"
            )
            out.append(
                Violation(
                    "rooms",
                    (a.class_id,),
                    f"Class {a.class_id} uses {len(a.rooms)} rooms ({';'.join(a.rooms)}); {why}.",
                )
            )
        for r in dict.fromkeys(a.rooms):
            users[r].append(a.class_id)
        if unknown or not a.rooms:
            continue
        students = known[a.class_id].students
        shares = cap.split_over_rooms(students, [caps[r] for r in a.rooms])
        for r, n in zip(a.rooms, shares, strict=True):
            if n > caps[r]:
                out.append(
                    Violation(
                        "room_capacity",
                        (a.class_id,),
                        f"Class {a.class_id} ({students} students in {';'.join(a.rooms)}) puts {n} in room {r}, "
                        f"which seats {caps[r]} under the distancing rule.",
                    )
                )
            elif n <= 0:
                out.append(
                    Violation(
                        "rooms",
                        (a.class_id,),
                        f"Class {a.class_id} ({students} students) lists room {r} but its earlier rooms already "
                        "seat everyone: the room stays empty and blocks other classes.",
                    )
                )
    for r, cids in sorted(users.items()):
        if len(cids) > 1:
            out.append(
                Violation(
                    "rooms",
                    tuple(sorted(cids)),
                    f"Room {r} is used by {len(cids)} classes ({', '.join(sorted(cids))}); a room hosts one class.",
                )
            )

    for cid, room in sorted(cap.kept_home_rooms(sc).items()):
        row = seen.get(cid)
        if row is not None and row.rooms and row.rooms[0] != room:
            out.append(
                Violation(
                    "home_room",
                    (cid,),
                    f"Class {cid} is in {';'.join(row.rooms)}, not its home room {room} "
                    "(policy.keep_home_rooms: a class keeps its own room, overflow rooms come after it).",
                )
            )

    # -- canteen ----------------------------------------------------------------------------------
    if sc.canteen.mode == "sittings":
        seats = cap.canteen_capacity(sc.canteen)
        by_s: dict[int, list[ClassAssignment]] = defaultdict(list)
        for a in rows:
            s = a.canteen_sitting
            if s is None or not 1 <= s <= sc.canteen.max_sittings:
                got = "no sitting" if s is None else f"sitting {s}"
                out.append(
                    Violation(
                        "canteen",
                        (a.class_id,),
                        f"Class {a.class_id} has {got}; expected a sitting 1–{sc.canteen.max_sittings}.",
                    )
                )
                continue
            by_s[s].append(a)
        for s, members in sorted(by_s.items()):
            n = sum(known[a.class_id].students for a in members)
            if n > seats:
                start = cap.sitting_start_min(sc.canteen, s)
                out.append(
                    Violation(
                        "canteen",
                        _ids(members),
                        f"Canteen sitting {s} ({format_hhmm(start)}): {n} students but {seats} distanced seats.",
                    )
                )
    else:
        for a in rows:
            if a.canteen_sitting is not None:
                out.append(
                    Violation(
                        "canteen",
                        (a.class_id,),
                        f"Class {a.class_id} has canteen sitting {a.canteen_sitting}, but meals are delivered.",
                    )
                )

    # -- arrival order ------------------------------------------------------------------------------
    arrive = {a.class_id: a.arrival_start_min for a in rows}
    out.extend(_order(sc, pol.arrival_order, arrive, "arrival_order", "arrive", "arrives"))

    # -- dismissal grid, order, exit ------------------------------------------------------------------
    slots = [day.dismissal_slot_min(k) for k in range(day.dismissal_slots)]
    dismiss: dict[str, int] = {}
    for a in rows:
        if a.dismissal_min not in slots:
            out.append(
                Violation(
                    "dismissal",
                    (a.class_id,),
                    f"Class {a.class_id} is dismissed at {format_hhmm(a.dismissal_min)}, not a dismissal slot "
                    f"({', '.join(format_hhmm(s) for s in slots)}).",
                )
            )
        else:
            dismiss[a.class_id] = a.dismissal_min
    out.extend(_order(sc, pol.dismissal_order, dismiss, "dismissal_order", "leave", "leaves"))
    by_exit: dict[tuple[str, int], list[ClassAssignment]] = defaultdict(list)
    for a in gated:
        if a.class_id in dismiss:
            by_exit[a.gate, a.dismissal_min].append(a)
    for (g, t), members in sorted(by_exit.items()):
        rate = cap.exit_rate_per_min(gates[g], pol)
        limit = math.floor(rate * day.dismissal_gap_min + 1e-9)
        n = sum(known[a.class_id].students for a in members)
        if n > limit:
            out.append(
                Violation(
                    "exit",
                    _ids(members),
                    f"Gate {g} at {format_hhmm(t)}: {n} students leave but it lets out {limit} in "
                    f"{day.dismissal_gap_min} min ({rate:.0f} a minute).",
                )
            )

    # -- pins and arrival groups --------------------------------------------------------------------
    for pin in sc.pins:
        pinned = seen.get(pin.class_id)
        if pinned is None:
            continue
        a = pinned
        broken = []
        if pin.gate is not None and a.gate != pin.gate:
            broken.append(f"gate {a.gate} instead of {pin.gate}")
        if pin.window_at is not None and a.arrival_start_min != pin.window_at:
            broken.append(
                f"window {format_hhmm(a.arrival_start_min)} instead of {format_hhmm(pin.window_at)}"
            )
        if pin.rooms is not None and tuple(a.rooms) != tuple(pin.rooms):
            broken.append(f"rooms {';'.join(a.rooms)} instead of {';'.join(pin.rooms)}")
        if pin.canteen_sitting is not None and a.canteen_sitting != pin.canteen_sitting:
            broken.append(f"sitting {a.canteen_sitting} instead of {pin.canteen_sitting}")
        if pin.dismissal_at is not None and a.dismissal_min != pin.dismissal_at:
            broken.append(
                f"dismissal {format_hhmm(a.dismissal_min)} instead of {format_hhmm(pin.dismissal_at)}"
            )
        if broken:
            out.append(
                Violation(
                    "pin", (a.class_id,), f"Class {a.class_id} is pinned but has " + "; ".join(broken) + "."
                )
            )
    for agroup in sc.groups:
        times = {cid: arrive[cid] for cid in agroup.classes if cid in arrive}
        if len(set(times.values())) > 1:
            detail = ", ".join(f"{cid} at {format_hhmm(t)}" for cid, t in sorted(times.items()))
            out.append(
                Violation(
                    "group",
                    tuple(sorted(times)),
                    f"Arrival group {agroup.id} ({agroup.kind}) must arrive in one window: {detail}.",
                )
            )

    order = {r: i for i, r in enumerate(RULES)}
    return sorted(out, key=lambda v: order[v.rule])


def _order(
    sc: Scenario, groups: tuple[tuple[int, ...], ...], when: dict[str, int], rule: str, verb: str, verbs: str
) -> list[Violation]:
    """Consecutive grade groups: the latest time of the earlier group strictly before the earliest of the next."""
    out = []
    for i in range(len(groups) - 1):
        early = [c.id for c in sc.classes if c.grade in groups[i] and c.id in when]
        late = [c.id for c in sc.classes if c.grade in groups[i + 1] and c.id in when]
        if not early or not late:
            continue
        last_early = max(when[c] for c in early)
        first_late = min(when[c] for c in late)
        if last_early >= first_late:
            bad_early = sorted(c for c in early if when[c] >= first_late)
            bad_late = sorted(c for c in late if when[c] <= last_early)
            out.append(
                Violation(
                    rule,
                    tuple(sorted(bad_early + bad_late)),
                    f"{_grades(groups[i]).capitalize()} must {verb} before {_grades(groups[i + 1])}: "
                    f"{_list(bad_early)} {verbs if len(bad_early) == 1 else verb} at "
                    f"{format_hhmm(max(when[c] for c in bad_early))} or later, while {_list(bad_late)} "
                    f"{verbs if len(bad_late) == 1 else verb} at {format_hhmm(first_late)}.",
                )
            )
    return out
