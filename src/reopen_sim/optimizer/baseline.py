"""The baseline: what a school does without planning — the reference every optimized plan is compared with.

Everyone arrives in the first window, through the nearest entrance open to their group (shortest
``capacity.walk_m`` to the home room; the first listed on a tie), and sits in the home room. Classes
without a home room take the free rooms in scenario order, largest first. Gates and rooms the school
has pinned (fixed entry checkpoints per class, as in the DOMAIN junior plan) are facts of the school,
not planning, so the baseline keeps them; pinned windows, sittings and dismissal times are planning
and are not kept. Everybody eats in the first
sitting (when there is a canteen) and leaves in the first dismissal slot. The baseline is meant to
break the distancing rules; ``check_plan`` says which.
"""

from __future__ import annotations

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario


def baseline_plan(scenario: Scenario) -> Plan:
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
    return Plan(tuple(out), meta={"source": "baseline", "status": "BASELINE"})
