"""The baselines: unstaggered (no planning: everyone in the first window, nearest open gate, home
room) and by hand (the same rules, the simple way), and the optimized plan against the latter."""

from __future__ import annotations

from typing import Any

import pytest

import reopen_sim as rs
from reopen_sim.optimizer.baseline import baseline_plan
from reopen_sim.optimizer.check import check_plan
from reopen_sim.scenario.load import load_scenario
from reopen_sim.scenario.schema import format_hhmm
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


# --------------------------------------------------------------------------------------------
# By hand: the same rules, the simple way
# --------------------------------------------------------------------------------------------

BUNDLED = ["tiny-school", "junior-middle", "primary-school", "high-school"]


@pytest.mark.parametrize("name", BUNDLED)
def test_the_plan_by_hand_keeps_every_rule_on_every_bundled_school(name: str) -> None:
    sc = load_scenario(f"scenarios/{name}.yaml")
    hand = baseline_plan(sc, "by_hand")
    assert sorted(a.class_id for a in hand.assignments) == sorted(c.id for c in sc.classes)
    assert check_plan(sc, hand) == []
    assert hand.meta["kind"] == "by_hand"
    assert baseline_plan(sc).meta["kind"] == "unstaggered"  # the default stays today's baseline


def test_by_hand_the_junior_middle_school_is_the_domain_plan() -> None:
    # DOMAIN: grades 9, 8, 7 arrive at 06:50 / 07:00 / 07:10 and leave in the order 7, 8, 9; classes
    # 1-2 of every grade at the front door, 3-4 at the east atrium, 5-6 north, 7-8 west.
    sc = load_scenario("scenarios/junior-middle.yaml")
    hand = baseline_plan(sc, "by_hand")
    door = {1: "front", 2: "front", 3: "east", 4: "east", 5: "north", 6: "north", 7: "west", 8: "west"}
    for a in hand.assignments:
        number = int(a.class_id.split("-")[1])
        assert a.gate == door[number], a
        assert format_hhmm(a.arrival_start_min) == {9: "06:50", 8: "07:00", 7: "07:10"}[a.grade]
    leave = {g: {a.dismissal_min for a in hand.assignments if a.grade == g} for g in (7, 8, 9)}
    assert max(leave[7]) < min(leave[8]) and max(leave[8]) < min(leave[9])
    home = {c.id: c.home_room for c in sc.classes}
    assert all(a.rooms[0] == home[a.class_id] for a in hand.assignments if home[a.class_id])


def uneven_gates(n_windows: int = 3) -> dict[str, Any]:
    """Eight classes of 40, a 4-lane gate A (204 a window) and a 1-lane gate B (51 a window)."""
    return school(
        [(f"7-{i}", 7, 40) for i in range(1, 9)],
        gates=[gate("A", lanes=4), gate("B", lanes=1)],
        rooms=[room(f"R{i}", 48) for i in range(1, 9)],
        n_windows=n_windows,
    )


def test_by_hand_a_class_its_gate_cannot_take_moves_to_the_next_window_then_to_a_gate_with_room() -> None:
    # By number, classes 1-4 go to A and 5-8 to B; B takes one class a window, so 7-6 and 7-7 move
    # to the next windows; no window is left for 7-8, so it goes to A, which still has room.
    hand = baseline_plan(build(uneven_gates()), "by_hand")
    where = {a.class_id: (a.gate, format_hhmm(a.arrival_start_min)) for a in hand.assignments}
    assert where == {
        **{f"7-{i}": ("A", "07:00") for i in (1, 2, 3, 4)},
        "7-5": ("B", "07:00"),
        "7-6": ("B", "07:10"),
        "7-7": ("B", "07:20"),
        "7-8": ("A", "07:00"),
    }


def uneven_gates_two_grades() -> dict[str, Any]:
    """Grade 8 before grade 7, four classes of 40 each, the same uneven gates, four windows."""
    data = school(
        [(f"{g}-{i}", g, 40) for g in (8, 7) for i in range(1, 5)],
        gates=[gate("A", lanes=4), gate("B", lanes=1)],
        rooms=[room(f"R{i}", 48) for i in range(1, 9)],
        n_windows=4,
        policy={"arrival_order": [8, 7], "dismissal_order": [7, 8]},
    )
    return data


@pytest.mark.parametrize("data", [uneven_gates(), uneven_gates_two_grades()], ids=["one-grade", "two-grades"])
def test_the_optimized_plan_is_no_worse_than_the_plan_by_hand(data: dict[str, Any]) -> None:
    # Schools where the rules leave room (uneven gates): the optimizer spreads the classes by
    # capacity, the hand rule by class number. Paired over the same simulated mornings.
    sc = build(data)
    hand, opt = baseline_plan(sc, "by_hand"), rs.optimize(sc, time_limit_s=10)
    assert check_plan(sc, hand) == [] and check_plan(sc, opt) == []
    cmp = rs.compare(sc, {"by_hand": hand, "optimized": opt}, replications=30, seed=3)
    t = cmp.table.set_index(["plan", "metric"])
    for metric in ("max_queue_people", "last_through_min"):
        # not worse: the 95% interval of (optimized - by hand) does not lie above zero
        assert t.loc[("optimized", metric), "diff_lo"] <= 0, t.loc[("optimized", metric)]
    # and the arrival ends strictly earlier: the hand rule needs a window more
    assert t.loc[("optimized", "last_through_min"), "diff_hi"] < 0


@pytest.mark.parametrize("name", ["high-school", "primary-school"])
def test_on_the_bundled_schools_where_the_rules_leave_room_the_optimized_plan_is_no_worse(name: str) -> None:
    # The high school's day students may use any of four gates and the primary school's grades any
    # of two: the optimizer chooses where the hand plan goes by class number. Spreading a window's
    # classes over its gates (the optimizer's gate-share term) keeps the peak queue at the hand
    # plan's; without it the high school's optimized plan queued ~2 people more at peak, paired
    # interval above zero. Paired over the same simulated mornings.
    sc = load_scenario(f"scenarios/{name}.yaml")
    hand, opt = baseline_plan(sc, "by_hand"), rs.optimize(sc, time_limit_s=30)
    assert opt.meta["status"] == "OPTIMAL"
    assert check_plan(sc, hand) == [] and check_plan(sc, opt) == []
    assert {(a.class_id, a.gate) for a in opt.assignments} != {(a.class_id, a.gate) for a in hand.assignments}
    cmp = rs.compare(sc, {"by_hand": hand, "optimized": opt}, replications=30, seed=3)
    t = cmp.table.set_index(["plan", "metric"])
    for metric in ("max_queue_people", "last_through_min"):
        assert t.loc[("optimized", metric), "diff_lo"] <= 0, t.loc[("optimized", metric)]
