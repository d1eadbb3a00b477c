"""The baseline: what a school does without planning — the reference every optimized plan is compared with.

Everyone arrives in the first window, through the nearest entrance open to their group (shortest
``capacity.walk_m`` to the home room; the first listed on a tie), and sits in the home room. Classes
without a home room take the free rooms in scenario order, largest first. Everybody eats in the first
sitting (when there is a canteen) and leaves in the first dismissal slot. The baseline is meant to
break the distancing rules; ``check_plan`` says which.
"""

from __future__ import annotations

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario


def baseline_plan(scenario: Scenario) -> Plan:
    """Everyone in the first window, nearest gate, home room, first sitting, first dismissal slot."""
    sc, day = scenario, scenario.day
    caps = cap.room_capacities(sc)
    homes = {c.home_room for c in sc.classes if c.home_room is not None}
    spare = sorted((r for r in sc.rooms if r.id not in homes), key=lambda r: -caps[r.id])
    out = []
    for cls in sc.classes:
        if cls.home_room is not None:
            room = sc.room_by_id(cls.home_room)
        elif spare:
            room = spare.pop(0)
        else:  # more classes than rooms: share the largest room (check_plan reports it)
            room = max(sc.rooms, key=lambda r: caps[r.id])
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
                rooms=(room.id,),
                canteen_sitting=1 if sc.canteen.mode == "sittings" else None,
                dismissal_min=day.dismissal_start_at,
            )
        )
    return Plan(tuple(out), meta={"source": "baseline", "status": "BASELINE"})
