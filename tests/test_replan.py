"""Re-planning with few changes (``plan --previous``): the fewest classes change, not the fewest
fields; and a plan that leaves an open, staffed gate unused says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import reopen_sim as rs
from cli_support import run_cli
from reopen_sim.plan import ClassAssignment, Plan, read_timetable
from test_optimize_schools import build, gate, room, school

FIELDS = ("arrival_start_min", "gate", "rooms", "canteen_sitting", "dismissal_min")


def changed(new: Plan, old: Plan) -> list[str]:
    """Classes whose arrangement (window, gate, rooms, sitting, dismissal) differs."""
    return sorted(
        a.class_id
        for a in new.assignments
        if any(getattr(a, f) != getattr(old[a.class_id], f) for f in FIELDS)
    )


def gate_closes(close: bool) -> dict[str, Any]:
    """Day classes 7-1 (50), 7-2 (40), 7-3 (20) and boarders 7-4 (80); gate A for all, B for boarders,
    C for day students (102 a window each); two windows. With ``close`` gate C is shut."""
    gates = [gate("A"), gate("B", open_to="boarders"), gate("C", open_to="day")]
    data = school(
        [("7-1", 7, 50), ("7-2", 7, 40), ("7-3", 7, 20), ("7-4", 7, 80, True)],
        gates=gates[:2] if close else gates,
        rooms=[room(f"R{i}", 84) for i in range(5)],
        n_windows=2,
    )
    return data


T0, T1, OUT = 7 * 60, 7 * 60 + 10, 16 * 60


def published() -> Plan:
    """The plan in force on days 1-2: everyone at 07:00, 7-3 alone at gate C."""
    return Plan(
        (
            ClassAssignment("7-1", 7, 50, False, T0, T1, "A", ("R1",), None, OUT),
            ClassAssignment("7-2", 7, 40, False, T0, T1, "A", ("R2",), None, OUT),
            ClassAssignment("7-3", 7, 20, False, T0, T1, "C", ("R3",), None, OUT),
            ClassAssignment("7-4", 7, 80, True, T0, T1, "B", ("R4",), None, OUT),
        )
    )


def test_a_gate_closes_on_day_3_and_only_its_class_moves() -> None:
    # Hand-worked: 7-3 must leave gate C; A takes 102 a window and already has 90 at 07:00, so 7-3
    # comes through A at 07:10 (one class, two fields). Moving 7-3 to A at 07:00 and 7-1 to 07:10
    # also costs two fields and lowers the peak gate load from 88% to 78% (gate B's boarders): counting
    # changed fields the two tie and the re-plan moved two classes. Counting classes, one is the minimum.
    assert rs.check_plan(build(gate_closes(False)), published()) == []
    day3 = build(gate_closes(True))
    again = rs.optimize(day3, time_limit_s=10, previous=published())
    assert rs.check_plan(day3, again) == []
    assert changed(again, published()) == ["7-3"]
    assert again["7-3"].gate == "A" and again["7-3"].arrival_start_min == T1
    assert again.meta["terms"]["changes"] == 1


def test_plan_previous_through_the_command_line(tmp_path: Path) -> None:
    school_yaml = tmp_path / "day3.yaml"
    school_yaml.write_text(yaml.safe_dump(gate_closes(True)), encoding="utf-8")
    prev = tmp_path / "published.csv"
    prev.write_text(published().to_csv_text(), encoding="utf-8")
    res = run_cli("plan", str(school_yaml), "-o", str(tmp_path / "out"), "--previous", str(prev))
    assert res.returncode == 0, res.stderr
    new = read_timetable(tmp_path / "out" / "timetable.csv", build(gate_closes(True)))
    assert changed(new, published()) == ["7-3"]
    assert "1 class(es) changed from the published timetable: 7-3" in res.stdout


def spare_gates() -> dict[str, Any]:
    """Grade 8 (one class of 90) arrives before grade 7 (one of 30). Gate A is 10 m from the
    classrooms, W 300 m; B is for boarders (there are none); S screens 25 a window."""
    data = school(
        [("8-1", 8, 90), ("7-1", 7, 30)],
        gates=[
            gate("A", walk={"Main": 10}),
            gate("W", walk={"Main": 300}),
            gate("B", open_to="boarders"),
            gate("S", lanes=1, service_s=20.0),
        ],
        rooms=[room("R1", 96), room("R2", 96)],
        n_windows=2,
        policy={"arrival_order": [8, 7]},
    )
    return data


def test_a_plan_that_leaves_open_gates_unused_says_why(tmp_path: Path) -> None:
    sc = build(spare_gates())
    plan = rs.optimize(sc, time_limit_s=10)
    assert {a.gate for a in plan.assignments} == {"A"}  # 8-1 sets the peak (88%); 7-1 walks least from A
    notes = {n["gate"]: n for n in plan.meta["unused_gates"]}
    assert list(notes) == ["W", "B", "S"]
    assert notes["W"]["reason"] == (
        "gate W is not needed: the other gates fit every window (peak load 88%) with less walking; "
        "it is farther from every class's rooms than the gate the class uses"
    )
    assert "open to boarders only and the school has no boarders" in notes["B"]["reason"]
    assert (
        "(30 students) would load it to 120% of its capacity, above the plan's peak gate load of 88%"
        in (notes["S"]["reason"])
    )
    school_yaml = tmp_path / "spare.yaml"
    school_yaml.write_text(yaml.safe_dump(spare_gates()), encoding="utf-8")
    res = run_cli("plan", str(school_yaml), "-o", str(tmp_path / "out"), columns=400)
    assert res.returncode == 0, res.stderr
    assert "Gate W is not needed: the other gates fit every window" in res.stdout
    # A plan that uses every open gate has nothing to say.
    from reopen_sim.optimizer.notes import unused_gates

    everywhere = Plan(tuple(replace_gate(a, g) for a, g in zip(plan.assignments, ["W", "A"], strict=True)))
    assert [n["gate"] for n in unused_gates(sc, everywhere)] == ["B", "S"]


def replace_gate(a: ClassAssignment, gate_id: str) -> ClassAssignment:
    from dataclasses import replace

    return replace(a, gate=gate_id)
