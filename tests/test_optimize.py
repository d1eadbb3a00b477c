"""The optimizer on hand-worked schools and the bundled junior middle school; determinism; re-planning."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import pytest
from ortools.sat.python import cp_model

import reopen_sim as rs
from reopen_sim.generate import generate_school
from reopen_sim.optimizer import solve as solve_module
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.params import DETERMINISTIC_S_PER_WALL_S, WallClock, make_solver
from reopen_sim.optimizer.solve import optimize
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.scenario.schema import Scenario, format_hhmm
from test_optimize_schools import build, gate, room, school


def recomputed_terms(sc: Scenario, plan: Plan) -> dict[str, int]:
    """The objective terms recomputed from the plan alone, with the capacity functions."""
    last_w = max(
        (a.arrival_start_min - sc.day.earliest_arrival_at) // sc.day.window_min for a in plan.assignments
    )
    load: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        load[a.gate, a.arrival_start_min] += a.students
    gates = {e.id: e for e in sc.entrances}
    peak = 0
    for (g, _), n in load.items():
        c = cap.gate_window_capacity(gates[g], sc.policy, sc.day.window_min)
        peak = max(peak, -(-1000 * n // c))  # ceil
    walk = sum(
        round(cap.walk_m(sc, gates[a.gate], sc.room_by_id(r))) for a in plan.assignments for r in a.rooms
    )
    split = sum(len(a.rooms) - 1 for a in plan.assignments)
    terms = {"last_window": last_w, "peak_utilisation_permille": peak, "walk_m": walk, "split_rooms": split}
    most = most_classes_at_a_gate(sc, plan)
    if most is not None and "most_classes_at_a_gate" in plan.meta.get("term_weights", {}):  # not with LNS
        terms["most_classes_at_a_gate"] = most
    return terms


def most_classes_at_a_gate(sc: Scenario, plan: Plan) -> int | None:
    """Per window and set of gates open to the same classes, the most classes at one gate (scaled to
    the largest gate's capacity, rounded up), summed; None when no two gates are open to the same."""
    same: dict[frozenset[str], list[str]] = defaultdict(list)
    for e in sc.entrances:
        same[frozenset(c.id for c in sc.classes if sc.entrance_allows(e, c))].append(e.id)
    groups = [gs for gs in same.values() if len(gs) >= 2]
    if not groups:
        return None
    capacity = {e.id: cap.gate_window_capacity(e, sc.policy, sc.day.window_min) for e in sc.entrances}
    count: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        count[a.gate, a.arrival_start_min] += 1
    total = 0
    for gs in groups:
        largest = max(capacity[g] for g in gs)
        for w in {a.arrival_start_min for a in plan.assignments}:
            total += max(-(-largest * count[g, w] // capacity[g]) for g in gs)  # ceil
    return total


def test_two_classes_two_gates_hand_worked() -> None:
    # Gates of 102 a window (2 lanes x 6/min x 10 min x 0.85). 60 + 50 = 110 > 102, so with one gate
    # they need two windows; with a second (farther) gate both arrive in the first window.
    one = build(school([("7-1", 7, 60), ("7-2", 7, 50)], gates=[gate("A")]))
    p1 = optimize(one, time_limit_s=5)
    assert p1.meta["status"] == "OPTIMAL"
    assert sorted(a.arrival_start_min for a in p1.assignments) == [7 * 60, 7 * 60 + 10]
    assert p1.meta["terms"]["last_window"] == 1
    assert p1.meta["arrival_ends"] == "07:20"

    two = build(
        school(
            [("7-1", 7, 60), ("7-2", 7, 50)],
            gates=[gate("A", walk={"Main": 10}), gate("B", walk={"Main": 100})],
        )
    )
    p2 = optimize(two, time_limit_s=5)
    assert {a.arrival_start_min for a in p2.assignments} == {7 * 60}
    assert {a.gate for a in p2.assignments} == {"A", "B"}
    # Peak is the 60-class at its gate: ceil(1000 x 60 / 102) = 589 per mille; walks 10 + 100 m.
    assert p2.meta["terms"] == {
        "last_window": 0,
        "peak_utilisation_permille": 589,
        "most_classes_at_a_gate": 1,  # one class at each gate
        "walk_m": 110,
        "split_rooms": 0,
    }
    assert check_plan(two, p2) == []


def test_oversize_class_is_split_over_two_rooms_largest_needed_first() -> None:
    sc = build(school([("7-1", 7, 60)], rooms=[room("R1", 48), room("LAB", 36, kind="lab"), room("R2", 30)]))
    p = optimize(sc, time_limit_s=5)
    a = p["7-1"]
    assert len(a.rooms) == 2
    shares = cap.split_over_rooms(60, [cap.room_capacities(sc)[r] for r in a.rooms])
    assert all(n <= cap.room_capacities(sc)[r] for n, r in zip(shares, a.rooms, strict=True))
    assert p.meta["terms"]["split_rooms"] == 1
    assert check_plan(sc, p) == []


def test_no_split_when_splitting_is_off_and_a_room_fits() -> None:
    sc = build(
        school(
            [("7-1", 7, 40)], rooms=[room("R1", 30), room("R2", 45)], policy={"allow_split_classes": False}
        )
    )
    p = optimize(sc, time_limit_s=5)
    assert p["7-1"].rooms == ("R2",)


def test_junior_middle_follows_the_published_plan() -> None:
    sc = load_scenario("scenarios/junior-middle.yaml")
    p = rs.optimize(sc, time_limit_s=10, seed=0)
    assert check_plan(sc, p) == []
    assert p.meta["status"] == "OPTIMAL" and p.meta["gap"] == 0
    # DOMAIN: grades 9, 8, 7 arrive at 06:50 / 07:00 / 07:10 (three windows, order 9 -> 8 -> 7) ...
    starts = {g: {format_hhmm(a.arrival_start_min) for a in p.assignments if a.grade == g} for g in (7, 8, 9)}
    assert starts == {9: {"06:50"}, 8: {"07:00"}, 7: {"07:10"}}
    # ... and leave in the order 7, 8, 9; pinned checkpoints are kept.
    leave = {g: {a.dismissal_min for a in p.assignments if a.grade == g} for g in (7, 8, 9)}
    assert max(leave[7]) < min(leave[8]) and max(leave[8]) < min(leave[9])
    for pin in sc.pins:
        assert p[pin.class_id].gate == pin.gate


def test_meta_records_solver_and_terms_match_the_plan() -> None:
    sc = load_scenario("scenarios/primary-school.yaml")
    p = optimize(sc, time_limit_s=10, seed=3)
    m = p.meta
    for key in ("status", "objective", "best_bound", "gap", "terms", "wall_time_s", "seed", "num_workers"):
        assert key in m
    assert m["seed"] == 3 and m["status"] in ("OPTIMAL", "FEASIBLE")
    assert m["terms"] == recomputed_terms(sc, p)
    assert m["objective"] == sum(v * m["term_weights"][k] for k, v in m["terms"].items())
    assert check_plan(sc, p) == []


def test_canteen_sittings_respect_distanced_seats() -> None:
    classes = [(f"7-{i}", 7, 40) for i in range(1, 6)]
    canteen = {"mode": "sittings", "tables": 24, "seats_per_table": 8, "max_sittings": 3}  # 24 x 4 = 96 seats
    sc = build(school(classes, gates=[gate("A"), gate("B")], n_windows=3, canteen=canteen))
    p = optimize(sc, time_limit_s=5)
    per: dict[int, int] = defaultdict(int)
    for a in p.assignments:
        assert a.canteen_sitting in (1, 2, 3)
        per[a.canteen_sitting] += a.students
    assert max(per.values()) <= cap.canteen_capacity(sc.canteen) == 96
    assert check_plan(sc, p) == []


def test_same_seed_same_plan_even_when_stopped_before_optimality() -> None:
    # A 1,200-student school with a budget too small to prove optimality: the deterministic time
    # limit and interleaved workers still give the very same plan twice.
    raw = generate_school(
        5, n_students=1200, n_classes=26, n_gates=3, kind="junior_middle", boarding_share=0.2
    )
    sc = scenario_from_dict(raw)
    a = optimize(sc, time_limit_s=120, seed=7, deterministic_limit_s=0.05)
    b = optimize(sc, time_limit_s=120, seed=7, deterministic_limit_s=0.05)
    assert a.meta["stopped_by"] == b.meta["stopped_by"] == "deterministic_budget"
    assert a.assignments == b.assignments
    assert a.meta["objective"] == b.meta["objective"]
    assert check_plan(sc, a) == []


def test_same_seed_same_plan_across_both_search_phases() -> None:
    # A single-worker phase too short to prove optimality, then two interleaved workers from its best
    # plan: both phases are deterministic, so the plan is the same twice.
    raw = generate_school(1, n_students=2400, n_classes=48, n_gates=4, kind="high", boarding_share=0.3)
    sc = scenario_from_dict(raw)
    a = optimize(sc, time_limit_s=120, seed=7, single_worker_s=0.3, deterministic_limit_s=0.8)
    b = optimize(sc, time_limit_s=120, seed=7, single_worker_s=0.3, deterministic_limit_s=0.8)
    assert a.meta["stopped_by"] == b.meta["stopped_by"] == "deterministic_budget"
    assert [(p["workers"], p["status"]) for p in a.meta["phases"]] == [(1, "FEASIBLE"), (2, "FEASIBLE")]
    assert a.assignments == b.assignments
    assert a.meta["objective"] == b.meta["objective"]
    assert a.meta["best_bound"] <= a.meta["objective"]
    assert check_plan(sc, a) == []


def test_the_wall_clock_cuts_a_long_deterministic_budget_and_the_plan_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 30 s of wall time against 1,000 deterministic s, on a clock that does not move while the model
    # and greedy hint are made and is spent as the first search starts (every search then gets the
    # minimum, MIN_SOLVE_S): the clock ends the search, however busy the machine, a plan comes back
    # (the checked greedy one, or one the search found), and meta says what stopped it, in words too.
    # The school is one no machine proves optimal in MIN_SOLVE_S (80 classes).
    searching: list[bool] = []

    class SpentAtSearch(WallClock):
        def elapsed_s(self) -> float:
            return self.limit_s if searching else 0.0

    def first_search_spends_the_clock(*args: Any, **kwargs: Any) -> cp_model.CpSolver:
        searching.append(True)
        return make_solver(*args, **kwargs)

    monkeypatch.setattr(solve_module, "WallClock", SpentAtSearch)
    monkeypatch.setattr(solve_module, "make_solver", first_search_spends_the_clock)
    raw = generate_school(1, n_students=3600, n_classes=80, n_gates=4, kind="high", boarding_share=0.3)
    sc = scenario_from_dict(raw)
    p = optimize(sc, time_limit_s=30, seed=7, deterministic_limit_s=1000)
    assert searching, "the search ran"
    assert p.meta["stopped_by"] == "wall_clock"
    assert "wall-clock limit of 30 s stopped the search" in p.meta["stopped_by_text"]
    assert p.meta["deterministic_time"] < 1000
    assert check_plan(sc, p) == []


def test_a_budget_too_short_for_the_search_returns_the_checked_greedy_plan() -> None:
    # 0.01 deterministic s ends the search before CP-SAT reports a plan; the greedy plan, which
    # passed the checker before it was hinted, is returned and marked as such.
    raw = generate_school(1, n_students=2400, n_classes=48, n_gates=4, kind="high", boarding_share=0.3)
    sc = scenario_from_dict(raw)
    p = optimize(sc, time_limit_s=60, seed=7, deterministic_limit_s=0.01)
    assert p.meta["plan_from"] == "greedy_hint"
    assert p.meta["status"] == "FEASIBLE"
    assert p.meta["terms"] == recomputed_terms(sc, p)
    assert check_plan(sc, p) == []


def test_default_deterministic_budget_is_a_share_of_the_wall_limit() -> None:
    raw = generate_school(1, n_students=2400, n_classes=48, n_gates=4, kind="high", boarding_share=0.3)
    sc = scenario_from_dict(raw)
    p = optimize(sc, time_limit_s=3, seed=7)
    assert p.meta["deterministic_limit"] == pytest.approx(3 * DETERMINISTIC_S_PER_WALL_S)
    assert p.meta["deterministic_time"] <= p.meta["deterministic_limit"] * 1.05 + 0.1


def test_a_school_proven_optimal_by_one_worker_needs_no_second_phase() -> None:
    sc = load_scenario("scenarios/junior-middle.yaml")
    p = optimize(sc, time_limit_s=10)
    assert p.meta["status"] == "OPTIMAL"
    assert p.meta["stopped_by"] == "optimal"
    assert [ph["workers"] for ph in p.meta["phases"]] == [1]
    assert p.meta["best_bound"] == p.meta["objective"]
    assert p.meta["wall_time_s"] >= p.meta["solver_time_s"] > 0


def test_replanning_with_the_published_plan_changes_nothing() -> None:
    sc = load_scenario("scenarios/junior-middle.yaml")
    first = optimize(sc, time_limit_s=10)
    again = optimize(sc, time_limit_s=10, previous=first, seed=11)
    assert again.meta["terms"]["changes"] == 0
    assert again.assignments == first.assignments


def test_changes_term_counts_changed_fields_when_a_gate_slows() -> None:
    data = school(
        [("8-1", 8, 45), ("8-2", 8, 45), ("7-1", 7, 45), ("7-2", 7, 45)],
        gates=[gate("A", walk={"Main": 10}), gate("B", walk={"Main": 60})],
        n_windows=3,
        policy={"arrival_order": [8, 7]},
    )
    sc = build(data)
    published = optimize(sc, time_limit_s=5)
    # Gate A becomes slower (30 s a student: 34 a window): at most one grade-8 class fits it now.
    data["entrances"][0]["service_time_s"] = {"dist": "deterministic", "value": 30.0}
    slower = build(data)
    assert check_plan(slower, published) != []  # the published plan no longer fits
    p = optimize(slower, time_limit_s=5, previous=published)
    assert check_plan(slower, p) == []
    old = published.by_class()
    changed = sum(
        (a.arrival_start_min != old[a.class_id].arrival_start_min)
        + (a.gate != old[a.class_id].gate)
        + (a.rooms != old[a.class_id].rooms)
        + (a.dismissal_min != old[a.class_id].dismissal_min)
        for a in p.assignments
    )
    assert p.meta["terms"]["changes"] == changed > 0


def test_pins_groups_and_boarders_are_kept() -> None:
    data = school(
        [("8-1", 8, 30, True), ("8-2", 8, 30), ("7-1", 7, 30, True), ("7-2", 7, 30)],
        gates=[gate("D", open_to="day"), gate("B", open_to="boarders"), gate("A")],
        n_windows=3,
        policy={"separate_boarders": True, "max_grades_per_gate_window": 1},
        pins=[{"class_id": "7-2", "gate": "A", "window_at": "07:20"}],
        groups=[{"id": "bus", "classes": ["8-2", "7-1"], "kind": "bus"}],
    )
    sc = build(data)
    p = optimize(sc, time_limit_s=5)
    assert check_plan(sc, p) == []
    assert p["7-2"].gate == "A" and format_hhmm(p["7-2"].arrival_start_min) == "07:20"
    assert p["8-2"].arrival_start_min == p["7-1"].arrival_start_min
    assert p["8-1"].gate in ("B", "A") and p["8-2"].gate in ("D", "A")


@pytest.mark.parametrize("field", ["gate", "rooms"])
def test_a_tampered_plan_is_not_what_the_solver_returns(field: str) -> None:
    # Guards the check above against vacuity: the solver's plan passes, a tampered copy does not.
    sc = build(
        school([("7-1", 7, 40), ("7-2", 7, 40)], gates=[gate("A")], rooms=[room("R1", 48), room("R2", 48)])
    )
    p = optimize(sc, time_limit_s=5)
    a = p.assignments[0]
    bad = replace(a, gate="Z") if field == "gate" else replace(a, rooms=p.assignments[1].rooms)
    assert check_plan(sc, Plan((bad, *p.assignments[1:]))) != []


def test_pinned_rooms_are_kept_exactly_and_not_given_to_others() -> None:
    sc = build(
        school(
            [("7-1", 7, 40), ("7-2", 7, 40), ("7-3", 7, 30)],
            rooms=[room("R1", 48), room("R2", 48), room("S", 30), room("L", 30)],
            pins=[{"class_id": "7-3", "rooms": ["R1"]}, {"class_id": "7-2", "rooms": ["S", "L"]}],
        )
    )
    p = optimize(sc, time_limit_s=5)
    assert p["7-3"].rooms == ("R1",) and p["7-2"].rooms == ("S", "L") and p["7-1"].rooms == ("R2",)
    assert check_plan(sc, p) == []


def _exit_school(students: int) -> Scenario:
    # 1 lane, 0.1 m/s single file at 1 m: 6 people a minute, 30 in a 5-minute dismissal slot.
    return build(
        school(
            [("7-1", 7, students), ("7-2", 7, students), ("8-1", 8, students)],
            gates=[gate("A", lanes=1, service_s=2)],
            policy={"walking_speed_m_s": 0.1, "dismissal_order": [7, 8]},
        )
    )


def test_exit_capacity_binds_within_a_dismissal_group() -> None:
    # Grade 7 (2 × 20) cannot leave in one slot (40 > 30), and must leave before grade 8.
    from reopen_sim.optimizer.model import build_model, exit_capacity

    sc = _exit_school(20)
    assert exit_capacity(sc, 0) == 30
    names = [v.name for v in build_model(sc).model.proto.variables]
    assert any(n.startswith("exit_") for n in names)
    p = optimize(sc, time_limit_s=5)
    slot = {a.class_id: a.dismissal_min for a in p.assignments}
    assert slot["7-1"] != slot["7-2"]
    assert max(slot["7-1"], slot["7-2"]) < slot["8-1"]
    assert check_plan(sc, p) == []


def test_exit_capacity_rows_are_left_out_where_one_slot_cannot_exceed_it() -> None:
    # 45 students use gate A, but the order puts each grade in slots of its own: at most 30 leave in
    # one slot, which the exit takes, so no gate × slot products are built.
    from reopen_sim.optimizer.model import build_model

    sc = _exit_school(15)
    names = [v.name for v in build_model(sc).model.proto.variables]
    assert not any(n.startswith("exit_") for n in names)
    no_order = build(
        school(
            [("7-1", 7, 15), ("7-2", 7, 15), ("8-1", 8, 15)],
            gates=[gate("A", lanes=1, service_s=2)],
            policy={"walking_speed_m_s": 0.1},
        )
    )
    assert any(n.startswith("exit_") for n in (v.name for v in build_model(no_order).model.proto.variables))
    assert check_plan(sc, optimize(sc, time_limit_s=5)) == []
