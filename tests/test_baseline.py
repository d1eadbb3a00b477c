"""The baseline (no planning): everyone in the first window, nearest open gate, home room."""

from __future__ import annotations

import reopen_sim as rs
from reopen_sim.optimizer.baseline import baseline_plan
from reopen_sim.optimizer.check import check_plan
from reopen_sim.scenario.load import load_scenario
from test_optimize_schools import build, gate, room, school


def test_first_window_nearest_gate_home_room() -> None:
    data = school(
        [("7-1", 7, 30), ("7-2", 7, 30, True)],
        gates=[gate("FAR", walk={"Main": 200}), gate("NEAR", walk={"Main": 20}, open_to="day")],
        rooms=[room("R1", 48), room("R2", 48), room("LAB", 36)],
        canteen={"mode": "sittings", "tables": 20, "seats_per_table": 8},
    )
    data["classes"][0]["home_room"] = "R2"
    sc = build(data)
    p = baseline_plan(sc)
    a, b = p["7-1"], p["7-2"]
    assert a.arrival_start_min == b.arrival_start_min == sc.day.earliest_arrival_at
    assert a.gate == "NEAR"  # the nearest gate open to day students
    assert b.gate == "FAR"  # boarders may not use NEAR
    assert a.rooms == ("R2",)  # home room
    assert b.rooms == ("R1",)  # no home room: largest free room
    assert a.canteen_sitting == b.canteen_sitting == 1
    assert a.dismissal_min == b.dismissal_min == sc.day.dismissal_start_at


def test_baseline_of_the_junior_middle_school_breaks_the_gate_rules_the_optimizer_keeps() -> None:
    sc = load_scenario("scenarios/junior-middle.yaml")
    base = rs.baseline_plan(sc)
    assert [a.class_id for a in base.assignments] == [c.id for c in sc.classes]
    broken = {v.rule for v in check_plan(sc, base)}
    # All 1,084 students in the 06:50 window through the nearest door, grades mixed and out of order.
    assert {"gate_capacity", "grades_per_gate", "arrival_order", "dismissal_order"} <= broken
    assert check_plan(sc, rs.optimize(sc, time_limit_s=10)) == []


def test_baseline_keeps_the_schools_pinned_gates_and_rooms() -> None:
    # DOMAIN junior plan: fixed entry checkpoints per class; the unplanned school still uses them,
    # it only fails to stagger the arrivals.
    sc = load_scenario("scenarios/junior-middle.yaml")
    base = rs.baseline_plan(sc)
    for pin in sc.pins:
        assert base[pin.class_id].gate == pin.gate
    assert {a.arrival_start_min for a in base.assignments} == {sc.day.earliest_arrival_at}
    data = school(
        [("7-1", 7, 30), ("7-2", 7, 30)],
        gates=[gate("A", walk={"Main": 10}), gate("B", walk={"Main": 200})],
        rooms=[room("R1", 48), room("R2", 48), room("LAB", 36)],
    )
    data["pins"] = [{"class_id": "7-2", "gate": "B", "rooms": ["LAB", "R2"]}]
    p = baseline_plan(build(data))
    assert p["7-2"].gate == "B" and p["7-2"].rooms == ("LAB", "R2")
    assert p["7-1"].gate == "A" and p["7-1"].rooms == ("R1",)  # pinned rooms are not handed out again
