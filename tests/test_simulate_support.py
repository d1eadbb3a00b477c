"""Plans built by hand for the simulation tests (independent of the optimizer), and their checks.

``simple_plan`` spreads classes over the gates a class may use (pins kept), gives each arrival-order
group its own windows, fills rooms in scenario order (splitting a class over as many rooms as it
needs; when the school runs out of rooms, overflow rooms are shared), and dismisses classes in
``dismissal_order``. It does not try to be good — only complete enough to simulate.
"""

from __future__ import annotations

import pytest

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario


def simple_plan(sc: Scenario, sittings: bool = True) -> Plan:
    day = sc.day
    order = [set(g) for g in sc.policy.arrival_order] or [set(sc.grades)]
    leftover = set(sc.grades) - set().union(*order)
    if leftover:
        order.append(leftover)
    n_win = day.n_windows
    per_group = max(1, n_win // len(order))
    pins = {p.class_id: p for p in sc.pins}
    rcap = cap.room_capacities(sc)
    free_rooms = [r.id for r in sc.rooms]
    dis_order = [set(g) for g in sc.policy.dismissal_order] or [set(sc.grades)]
    seats = cap.canteen_capacity(sc.canteen)
    sitting_load: dict[int, int] = {}
    # rooms: biggest classes first; home room or the largest free room, then the smallest free room
    # that holds the rest (overflow into labs and meeting rooms)
    room_of: dict[str, tuple[str, ...]] = {}
    for c in sorted(sc.classes, key=lambda c: -c.students):
        rooms: list[str] = []
        if c.home_room and c.home_room in free_rooms:
            rooms.append(c.home_room)
            free_rooms.remove(c.home_room)
        while sum(rcap[r] for r in rooms) < c.students:
            rest = c.students - sum(rcap[r] for r in rooms)
            fits = sorted((r for r in free_rooms if rcap[r] >= rest), key=lambda r: rcap[r])
            if not free_rooms:  # rooms run out (bundled high school): share overflow rooms, the
                # simulation does not need them exclusive (the checker would object)
                pick = max((r for r in rcap if r not in rooms), key=lambda r: rcap[r] >= rest)
                rooms.append(pick)
                continue
            pick = fits[0] if fits and rooms else max(free_rooms, key=lambda r: rcap[r])
            rooms.append(pick)
            free_rooms.remove(pick)
        room_of[c.id] = tuple(rooms)
    out = []
    gate_turn = 0
    for c in sc.classes:
        gi = next(i for i, g in enumerate(order) if c.grade in g)
        allowed = [e for e in sc.entrances if sc.entrance_allows(e, c)]
        if c.id in pins and pins[c.id].gate:
            gate = pins[c.id].gate
        else:
            gate = allowed[gate_turn % len(allowed)].id
            gate_turn += 1
        w = min(n_win - 1, gi * per_group + (gate_turn % per_group))
        start = day.window_start_min(w)
        rooms = room_of[c.id]
        sitting = None
        if sittings and sc.canteen.mode == "sittings":
            s = 1
            while sitting_load.get(s, 0) + c.students > seats:
                s += 1
            sitting_load[s] = sitting_load.get(s, 0) + c.students
            sitting = s
        di = next((i for i, g in enumerate(dis_order) if c.grade in g), 0)
        k = min(day.dismissal_slots - 1, di)
        out.append(
            ClassAssignment(
                c.id,
                c.grade,
                c.students,
                c.boarding,
                start,
                start + day.window_min,
                gate,
                rooms,
                sitting,
                day.dismissal_slot_min(k),
            )
        )
    return Plan(tuple(out), meta={"source": "simple_plan"})


@pytest.mark.parametrize("name", ["tiny-school", "junior-middle", "primary-school", "high-school"])
def test_simple_plan_covers_every_class(name: str) -> None:
    """Every class exactly once, with its own data, in a window of the day through a gate open to
    it, in rooms that seat it, eating in a sitting and dismissed in a slot: the checker finds none of
    the rules that say so broken (the simple plan may still overload a gate or mix grades)."""
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.scenario.load import load_scenario

    sc = load_scenario(f"scenarios/{name}.yaml")
    plan = simple_plan(sc)
    assert sorted(a.class_id for a in plan.assignments) == sorted(c.id for c in sc.classes)
    covering = {"classes", "class_data", "window", "gate", "open_to", "room_capacity", "canteen", "dismissal"}
    assert [v for v in check_plan(sc, plan) if v.rule in covering] == []
    caps = cap.room_capacities(sc)
    for a in plan.assignments:
        assert sum(caps[r] for r in a.rooms) >= a.students
