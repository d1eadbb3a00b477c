"""What a plan says about itself beyond the timetable: the open, staffed gates it leaves unused and
why, and the classes it changes from a published timetable.

Independent of the solver (like the checker): it reads the plan's rows and the capacities of
``scenario/capacity.py``, so it explains any plan, optimized or made by hand. Each note carries an
English sentence and a catalogue key with fields (``locales/<lang>/check.json``, ``gates.unused.*``,
``plan.changed``) for other languages.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reopen_sim.i18n import load_catalogue
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Entrance, Scenario

ARRANGEMENT: tuple[str, ...] = ("arrival_start_min", "gate", "rooms", "canteen_sitting", "dismissal_min")
"""The fields of a class's arrangement a re-plan may change."""


def _note(gate: str, key: str, **fields: Any) -> dict[str, Any]:
    full = f"gates.unused.{key}"
    fields = {"gate": gate, **fields}
    return {"gate": gate, "reason": load_catalogue("en")(full, **fields), "key": full, "fields": fields}


def peak_load(scenario: Scenario, plan: Plan) -> float:
    """The plan's peak gate load: the largest students ÷ ``gate_window_capacity`` of a gate-window."""
    pol, day = scenario.policy, scenario.day
    load: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        load[a.gate, a.arrival_start_min] += a.students
    peak = 0.0
    for (g, _), n in load.items():
        e = next((x for x in scenario.entrances if x.id == g), None)
        limit = cap.gate_window_capacity(e, pol, day.window_min) if e is not None else 0
        if limit > 0:
            peak = max(peak, n / limit)
    return peak


def _why_unused(sc: Scenario, plan: Plan, e: Entrance, peak: float) -> dict[str, Any]:
    """The first reason that holds: nobody may use it; everyone who may is pinned elsewhere; even
    the smallest class would load it above the plan's peak; it is farther for every class than the
    gate the class uses; else the other gates fit every window without it."""
    may = [c for c in sc.classes if sc.entrance_allows(e, c)]
    if not may:  # only a gate for one group can have nobody (open_to boarders or day)
        return _note(e.id, f"no_{e.open_to.value}")
    pinned = {p.class_id for p in sc.pins if p.gate is not None and p.gate != e.id}
    free = [c for c in may if c.id not in pinned]
    if not free:
        return _note(e.id, "pinned")
    limit = cap.gate_window_capacity(e, sc.policy, sc.day.window_min)
    smallest = min(c.students for c in free)
    if smallest / limit > peak:
        return _note(e.id, "too_small", students=smallest, load=smallest / limit, peak=peak)
    rows = plan.by_class()
    rooms = {r.id: r for r in sc.rooms}
    gates = {x.id: x for x in sc.entrances}

    def walk(gate: Entrance, room_ids: tuple[str, ...]) -> float:
        return sum(cap.walk_m(sc, gate, rooms[r]) for r in room_ids if r in rooms)

    farther = all(
        walk(e, rows[c.id].rooms) > walk(gates[rows[c.id].gate], rows[c.id].rooms)
        for c in free
        if c.id in rows and rows[c.id].gate in gates
    )
    if farther:
        return _note(e.id, "farther", peak=peak)
    return _note(e.id, "not_needed", peak=peak)


def unused_gates(scenario: Scenario, plan: Plan) -> list[dict[str, Any]]:
    """Open, staffed gates (at least one lane opens) that no class of the plan uses, each with why:
    ``{"gate", "reason" (English), "key", "fields"}``, in scenario order."""
    used = {a.gate for a in plan.assignments}
    peak = peak_load(scenario, plan)
    return [
        _why_unused(scenario, plan, e, peak)
        for e in scenario.entrances
        if e.id not in used and cap.gate_window_capacity(e, scenario.policy, scenario.day.window_min) > 0
    ]


def changed_classes(previous: Plan, plan: Plan) -> list[str]:
    """Classes of ``plan`` whose arrangement (window, gate, rooms, sitting, dismissal) differs from
    ``previous``, sorted; classes new to the plan count as changed."""
    old = previous.by_class()
    return sorted(
        a.class_id
        for a in plan.assignments
        if a.class_id not in old or any(getattr(a, f) != getattr(old[a.class_id], f) for f in ARRANGEMENT)
    )


__all__ = ["ARRANGEMENT", "changed_classes", "peak_load", "unused_gates"]
