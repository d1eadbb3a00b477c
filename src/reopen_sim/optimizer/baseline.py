"""Reference plans the optimized plan is compared with: the school without planning, and by hand.

``kind="unstaggered"`` (the default, as before): what a school does without planning. Everyone
arrives in the first window, through the nearest entrance open to their group (shortest
``capacity.walk_m`` to the home room; the first listed on a tie), and sits in the home room. Classes
without a home room take the free rooms in scenario order, largest first. Gates and rooms the school
has pinned (fixed entry checkpoints per class, as in the DOMAIN junior plan) are facts of the school,
not planning, so the baseline keeps them; pinned windows, sittings and dismissal times are planning
and are not kept. Everybody eats in the first sitting (when there is a canteen) and leaves in the
first dismissal slot. It is meant to break the distancing rules; ``check_plan`` says which.

``kind="by_hand"``: the plan a school makes by hand under the same rules, as the reopening plans
describe it (DOMAIN): grades staggered in the arrival order the policy gives; classes over the gates
by class number ("classes 1–2 of every grade at the front door, 3–4 at the east atrium, ..."); home
rooms; canteen sittings in grade order; dismissal in the dismissal order. Where the simple rule
overloads a gate-window (or puts two grades, or boarders and day students, at one gate-window), the
administrator moves the class to the next window of its grade group, and only when no window of the
day is left, to the next gate that has room. Dismissal likewise moves a class to the next slot when
its gate cannot let everyone out. Everything pinned is kept. It keeps every rule whenever these
moves find room (every bundled school), and is what the optimizer must beat.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Entrance, Scenario, SchoolClass

BaselineKind = Literal["unstaggered", "by_hand"]
BASELINE_KINDS: tuple[BaselineKind, ...] = ("unstaggered", "by_hand")


def baseline_plan(scenario: Scenario, kind: BaselineKind = "unstaggered") -> Plan:
    """A reference plan: ``"unstaggered"`` (no planning, the default) or ``"by_hand"`` (see module)."""
    if kind == "unstaggered":
        return _unstaggered(scenario)
    if kind == "by_hand":
        return _by_hand(scenario)
    raise ValueError(f"baseline kind must be one of {', '.join(BASELINE_KINDS)}, not {kind!r}")


# --------------------------------------------------------------------------------------------
# Unstaggered: no planning
# --------------------------------------------------------------------------------------------


def _unstaggered(scenario: Scenario) -> Plan:
    """Everyone in the first window, nearest (or pinned) gate, home (or pinned) room, first sitting,
    first dismissal slot."""
    sc, day = scenario, scenario.day
    caps = cap.room_capacities(sc)
    homes = {c.home_room for c in sc.classes if c.home_room is not None}
    pins = {p.class_id: p for p in sc.pins}
    pinned_rooms = {r for p in sc.pins for r in (p.rooms or ())}
    spare = sorted((r for r in sc.rooms if r.id not in homes | pinned_rooms), key=lambda r: -caps[r.id])
    out = []
    for cls in sc.classes:
        pin = pins.get(cls.id)
        if pin is not None and pin.rooms:
            rooms = pin.rooms
        elif cls.home_room is not None:
            rooms = (cls.home_room,)
        elif spare:
            rooms = (spare.pop(0).id,)
        else:  # more classes than rooms: share the largest room (check_plan reports it)
            rooms = (max(sc.rooms, key=lambda r: caps[r.id]).id,)
        if pin is not None and pin.gate is not None:
            gate = sc.entrance_by_id(pin.gate)
        else:
            room = sc.room_by_id(rooms[0])
            open_gates = [e for e in sc.entrances if sc.entrance_allows(e, cls)] or list(sc.entrances)
            gate = min(open_gates, key=lambda e: cap.walk_m(sc, e, room))
        out.append(
            ClassAssignment(
                class_id=cls.id,
                grade=cls.grade,
                students=cls.students,
                boarding=cls.boarding,
                arrival_start_min=day.earliest_arrival_at,
                arrival_end_min=day.earliest_arrival_at + day.window_min,
                gate=gate.id,
                rooms=rooms,
                canteen_sitting=1 if sc.canteen.mode == "sittings" else None,
                dismissal_min=day.dismissal_start_at,
            )
        )
    return Plan(tuple(out), meta={"source": "baseline", "status": "BASELINE", "kind": "unstaggered"})


# --------------------------------------------------------------------------------------------
# By hand: the same rules, the simple way
# --------------------------------------------------------------------------------------------


def _order_groups(sc: Scenario, order: tuple[tuple[int, ...], ...]) -> list[list[SchoolClass]]:
    """Classes per group of an order (grades in the order written, then class number); grades the
    order leaves out come last, together."""
    groups = [list(g) for g in order]
    rest = [g for g in sc.grades if not any(g in grp for grp in groups)]
    if rest:
        groups.append(rest)
    return [[c for g in grp for c in sc.classes if c.grade == g] for grp in groups]


def _gates_by_number(sc: Scenario, gates: list[Entrance]) -> dict[str, str]:
    """Gate per class by class number: of each grade's classes that may use the same gates, the
    first ⌈n ÷ gates⌉ go to the first gate listed, the next to the second, ... (pins kept).

    When a group of the arrival order has more grades than may share a gate-window and there are
    gates enough, its grades split the gates first (in the order listed: the first grade the first
    gates), so that they can arrive in the same window, as the DOMAIN primary plan has grades 5-6
    arrive together."""
    pins = {p.class_id: p.gate for p in sc.pins if p.gate is not None}
    k_max = sc.policy.max_grades_per_gate_window
    out: dict[str, str] = {}
    for members in _order_groups(sc, sc.policy.arrival_order):
        pops: dict[tuple[str, ...], dict[int, list[SchoolClass]]] = defaultdict(lambda: defaultdict(list))
        for c in members:
            allowed = tuple(e.id for e in gates if sc.entrance_allows(e, c)) or tuple(e.id for e in gates)
            pops[allowed][c.grade].append(c)
        for allowed, by_grade in pops.items():
            split = k_max < len(by_grade) <= len(allowed)
            for j, classes in enumerate(by_grade.values()):
                own = allowed
                if split:
                    own = tuple(g for i, g in enumerate(allowed) if i * len(by_grade) // len(allowed) == j)
                block = math.ceil(len(classes) / len(own))
                for k, c in enumerate(classes):
                    out[c.id] = pins.get(c.id) or own[k // block]
    return out


@dataclass
class _Slots:
    """Load, grades and boarding kinds per (gate, time index), for the by-hand moves."""

    limit: Callable[[str], int]
    max_grades: int
    separate: bool
    load: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    grades: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    kinds: dict[tuple[str, int], set[bool]] = field(default_factory=lambda: defaultdict(set))

    def fits(self, gate: str, t: int, c: SchoolClass) -> bool:
        k = (gate, t)
        return (
            self.load[k] + c.students <= self.limit(gate)
            and len(self.grades[k] | {c.grade}) <= self.max_grades
            and not (self.separate and self.kinds[k] - {c.boarding})
        )

    def take(self, gate: str, t: int, c: SchoolClass) -> None:
        self.load[gate, t] += c.students
        self.grades[gate, t].add(c.grade)
        self.kinds[gate, t].add(c.boarding)


def _place_arrivals(
    sc: Scenario, gates: list[Entrance], gate_of: dict[str, str]
) -> dict[str, tuple[str, int]]:
    """(gate, window index) per class: each group of the arrival order from the window after the
    previous group's last; a class that does not fit its gate-window moves to the next window, then
    (no window left) to the next gate with room; pins and arrival groups (one window) kept."""
    day, pol = sc.day, sc.policy
    slots = _Slots(
        lambda g: derived(sc).gate(g).window,
        pol.max_grades_per_gate_window,
        pol.separate_boarders,
    )
    pins = {p.class_id: p for p in sc.pins}
    together = {cid: grp.id for grp in sc.groups for cid in grp.classes}
    group_window: dict[str, int] = {}
    out: dict[str, tuple[str, int]] = {}
    start = 0
    for members in _order_groups(sc, pol.arrival_order):
        last = start
        for c in members:
            pin = pins.get(c.id)
            if pin is not None and pin.window_at is not None:
                windows = [(pin.window_at - day.earliest_arrival_at) // day.window_min]
            elif together.get(c.id) in group_window:
                windows = [group_window[together[c.id]]]
            else:
                windows = list(range(start, day.n_windows))
            own = gate_of[c.id]
            others = (
                []
                if pin is not None and pin.gate
                else [e.id for e in gates if e.id != own and sc.entrance_allows(e, c)]
            )
            choice = next(
                ((g, w) for g in [own, *others] for w in windows if slots.fits(g, w, c)),
                (own, windows[0] if windows else day.n_windows - 1),  # no room anywhere: check_plan says so
            )
            slots.take(*choice, c)
            out[c.id] = choice
            if c.id in together:
                group_window.setdefault(together[c.id], choice[1])
            last = max(last, choice[1])
        start = last + 1
    return out


def _place_dismissals(sc: Scenario, gate_of: dict[str, str]) -> dict[str, int]:
    """Dismissal slot index per class: each group of the dismissal order from the slot after the
    previous group's last; a class its gate cannot let out in a slot moves to the next slot."""
    day, pol = sc.day, sc.policy
    slots = _Slots(
        lambda g: derived(sc).gate(g).exit_per_slot,
        max_grades=len(sc.grades),
        separate=False,
    )
    pins = {p.class_id: p for p in sc.pins}
    out: dict[str, int] = {}
    start = 0
    for members in _order_groups(sc, pol.dismissal_order):
        last = start
        for c in members:
            pin = pins.get(c.id)
            if pin is not None and pin.dismissal_at is not None:
                k = (pin.dismissal_at - day.dismissal_start_at) // day.dismissal_gap_min
            else:
                free = [k for k in range(start, day.dismissal_slots) if slots.fits(gate_of[c.id], k, c)]
                k = free[0] if free else min(start, day.dismissal_slots - 1)
            slots.take(gate_of[c.id], k, c)
            out[c.id] = k
            last = max(last, k)
        start = last + 1
    return out


def _rooms_by_hand(sc: Scenario) -> dict[str, tuple[str, ...]]:
    """Pinned rooms, else the home room (``capacity.kept_home_rooms``), else the smallest free room
    that seats the class; a class too big for its room takes the smallest free room that seats the
    rest (else the largest, and again), up to ``max_rooms_per_class`` rooms."""
    caps = cap.room_capacities(sc)
    kept = cap.kept_home_rooms(sc)
    pinned = {p.class_id: p.rooms for p in sc.pins if p.rooms}
    taken = set(kept.values()) | {r for rooms in pinned.values() for r in rooms}
    free = [r.id for r in sc.rooms if r.id not in taken and caps[r.id] > 0]
    max_rooms = cap.max_rooms_per_class(sc.policy)
    out: dict[str, tuple[str, ...]] = {}
    for c in sc.classes:
        if c.id in pinned:
            out[c.id] = tuple(pinned[c.id])
            continue
        rooms = [kept[c.id]] if c.id in kept else []
        while (not rooms or sum(caps[r] for r in rooms) < c.students) and free and len(rooms) < max_rooms:
            rest = c.students - sum(caps[r] for r in rooms)
            fits = [r for r in free if caps[r] >= rest]
            pick = min(fits, key=lambda r: caps[r]) if fits else max(free, key=lambda r: caps[r])
            rooms.append(pick)
            free.remove(pick)
        out[c.id] = (
            tuple(rooms) if rooms else (max(caps, key=lambda r: caps[r]),)
        )  # none left: check_plan says so
    return out


def _sittings_by_hand(sc: Scenario) -> dict[str, int | None]:
    """Sittings in grade order (the arrival order): fill sitting 1, then 2, ...; pins kept."""
    if sc.canteen.mode != "sittings":
        return {c.id: None for c in sc.classes}
    seats = cap.canteen_capacity(sc.canteen)
    pins = {p.class_id: p.canteen_sitting for p in sc.pins if p.canteen_sitting is not None}
    load: dict[int, int] = defaultdict(int)
    for cid, s in pins.items():
        load[s] += next(c.students for c in sc.classes if c.id == cid)
    out: dict[str, int | None] = dict(pins)
    s = 1
    for members in _order_groups(sc, sc.policy.arrival_order):
        for c in members:
            if c.id in pins:
                continue
            while load[s] + c.students > seats and s < sc.canteen.max_sittings:
                s += 1
            load[s] += c.students
            out[c.id] = s
    return out


def _by_hand(scenario: Scenario) -> Plan:
    """The plan a school makes by hand under the same rules (see the module docstring)."""
    sc, day = scenario, scenario.day
    gates = [e for e in sc.entrances if cap.open_lanes(e, sc.policy.staff_per_lane) > 0] or list(sc.entrances)
    arrival = _place_arrivals(sc, gates, _gates_by_number(sc, gates))
    gate_of = {cid: g for cid, (g, _) in arrival.items()}
    dismissal = _place_dismissals(sc, gate_of)
    rooms = _rooms_by_hand(sc)
    sittings = _sittings_by_hand(sc)
    out = []
    for c in sc.classes:
        gate, w = arrival[c.id]
        start = day.window_start_min(w)
        out.append(
            ClassAssignment(
                class_id=c.id,
                grade=c.grade,
                students=c.students,
                boarding=c.boarding,
                arrival_start_min=start,
                arrival_end_min=start + day.window_min,
                gate=gate,
                rooms=rooms[c.id],
                canteen_sitting=sittings[c.id],
                dismissal_min=day.dismissal_slot_min(dismissal[c.id]),
            )
        )
    return Plan(tuple(out), meta={"source": "baseline", "status": "BASELINE", "kind": "by_hand"})


__all__ = ["BASELINE_KINDS", "BaselineKind", "baseline_plan"]
