"""Turn a solved timetable model into class assignments: the model's choices, then real rooms.

The model chooses room *types* (``model.RoomType``); :func:`assign_room_ids` hands out the real rooms
of each type (used by the solve and by the greedy hint, which builds a plan the same way).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from reopen_sim.optimizer.model import TimetableModel
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario


def _class_choice(
    tm: TimetableModel, solver: cp_model.CpSolver, c: int
) -> tuple[int, int, int, dict[int, int]]:
    g, w = next((g, w) for (ci, g, w), v in tm.x.items() if ci == c and solver.boolean_value(v))
    t = next(t.index for t in tm.room_types if solver.boolean_value(tm.prim[c, t.index]))
    over = {t.index: solver.value(tm.over[c, t.index]) for t in tm.room_types if (c, t.index) in tm.over}
    return g, w, t, {k: v for k, v in over.items() if v}


def assign_room_ids(
    scenario: Scenario,
    tm: TimetableModel,
    prim_type: list[int],
    over_counts: list[dict[int, int]],
    previous: Plan | None,
) -> list[tuple[str, ...]]:
    """Hand out real rooms for the chosen room types (rooms of a type are interchangeable).

    Order of preference: pinned rooms; home rooms kept under ``policy.keep_home_rooms``
    (``Capacities.kept_home_rooms``); the class's room in the previous plan (when re-planning); its
    home room; then the first free room of the type in scenario order. Overflow rooms are listed
    largest first, and a room left without students is dropped (it can only happen when the solver
    stops before optimality).
    """
    types = {t.index: t for t in tm.room_types}
    free: dict[int, list[str]] = {t.index: list(t.rooms) for t in tm.room_types}
    derived_caps = tm.caps
    caps = derived_caps.room_seats
    prev = previous.by_class() if previous is not None else {}
    n = len(scenario.classes)
    first: list[str | None] = [None] * n
    extra: list[list[str]] = [[] for _ in range(n)]
    need: list[dict[int, int]] = [dict(o) for o in over_counts]
    pinned = {p.class_id: p.rooms for p in scenario.pins if p.rooms}

    def take(c: int, room: str, primary: bool) -> bool:
        t = next(t for t in free if room in types[t].rooms)
        if room not in free[t]:
            return False
        if primary and t == prim_type[c] and first[c] is None:
            first[c] = room
        elif not primary and need[c].get(t, 0) > 0:
            need[c][t] -= 1
            extra[c].append(room)
        else:
            return False
        free[t].remove(room)
        return True

    for c, cls in enumerate(scenario.classes):
        if cls.id in pinned:
            rooms = pinned[cls.id] or ()
            take(c, rooms[0], True)
            for r in rooms[1:]:
                take(c, r, False)
    kept = derived_caps.kept_home_rooms
    for c, cls in enumerate(scenario.classes):
        if cls.id in kept:
            take(c, kept[cls.id], True)
    for c, cls in enumerate(scenario.classes):
        p = prev.get(cls.id)
        if p is None or not p.rooms or cls.id in pinned:
            continue
        if p.rooms[0] in caps:
            take(c, p.rooms[0], True)
        for r in p.rooms[1:]:
            if r in caps:
                take(c, r, False)
    for c, cls in enumerate(scenario.classes):
        if first[c] is None and cls.home_room is not None:
            take(c, cls.home_room, True)
    for c in range(n):
        if first[c] is None:
            take(c, free[prim_type[c]][0], True)
        for t, k in sorted(need[c].items()):
            for _ in range(k):
                take(c, free[t][0], False)
    out: list[tuple[str, ...]] = []
    tail: list[str]
    for c, cls in enumerate(scenario.classes):
        head = first[c]
        assert head is not None
        if cls.id in pinned:
            out.append(tuple(pinned[cls.id] or ()))
            continue
        p = prev.get(cls.id)
        if p is not None and tuple(p.rooms[1:]) and sorted(p.rooms[1:]) == sorted(extra[c]):
            tail = list(p.rooms[1:])
        else:
            tail = sorted(extra[c], key=lambda r: (-caps[r], [x.id for x in scenario.rooms].index(r)))
        listed = [head, *tail]
        shares = cap.split_over_rooms(cls.students, [caps[r] for r in listed])
        out.append(tuple(r for r, s in zip(listed, shares, strict=True) if s > 0 or r == head))
    return out


def extract_plan(tm: TimetableModel, solver: cp_model.CpSolver) -> list[ClassAssignment]:
    """The solver's values as class assignments (times in minutes since midnight)."""
    sc = tm.scenario
    day = sc.day
    choices = [_class_choice(tm, solver, c) for c in range(len(sc.classes))]
    rooms = assign_room_ids(sc, tm, [ch[2] for ch in choices], [ch[3] for ch in choices], tm.previous)
    out = []
    for c, cls in enumerate(sc.classes):
        g, w, _, _ = choices[c]
        sitting = None
        if tm.sit:
            sitting = 1 + next(
                s for s in range(sc.canteen.max_sittings) if solver.boolean_value(tm.sit[c, s])
            )
        k = solver.value(tm.dis_idx[c])
        start = day.window_start_min(w)
        out.append(
            ClassAssignment(
                class_id=cls.id,
                grade=cls.grade,
                students=cls.students,
                boarding=cls.boarding,
                arrival_start_min=start,
                arrival_end_min=start + day.window_min,
                gate=tm.gate_ids[g],
                rooms=rooms[c],
                canteen_sitting=sitting,
                dismissal_min=day.dismissal_slot_min(k),
            )
        )
    return out


__all__ = ["assign_room_ids", "extract_plan"]
