"""The independent checker: a sound plan passes; each kind of hand-made violation is caught, named
with the classes involved and the numbers; hand edits through the CSV are caught too."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reopen_sim.optimizer.check import RULES, Violation, check_plan
from reopen_sim.plan import ClassAssignment, Plan, read_timetable
from reopen_sim.scenario.schema import Scenario
from test_optimize_schools import build, gate, room, school

# A school exercising every rule: two grades in order, boarders with their own gate, a canteen,
# a pin and a bus group. Hand-built sound plan below (checked sound in the first test).
DATA = school(
    [("8-1", 8, 40, True), ("8-2", 8, 40), ("7-1", 7, 60), ("7-2", 7, 30)],
    gates=[gate("D", open_to="day"), gate("B", open_to="boarders"), gate("A")],
    rooms=[room("R1", 48), room("R2", 48), room("R3", 48), room("R4", 48), room("LAB", 36, kind="lab")],
    n_windows=3,
    policy={
        "arrival_order": [8, 7],
        "dismissal_order": [7, 8],
        "separate_boarders": True,
        "max_rooms_per_class": 2,
    },
    canteen={
        "mode": "sittings",
        "tables": 25,
        "seats_per_table": 8,
        "max_sittings": 2,
    },  # 100 seats a sitting
    pins=[{"class_id": "7-2", "gate": "A"}],
    groups=[{"id": "bus", "classes": ["7-1", "7-2"], "kind": "bus"}],
)
T0 = 7 * 60  # 07:00


def sound() -> tuple[Scenario, Plan]:
    sc = build(DATA)
    rows = (
        ClassAssignment("8-1", 8, 40, True, T0, T0 + 10, "B", ("R1",), 1, 16 * 60 + 5),
        ClassAssignment("8-2", 8, 40, False, T0, T0 + 10, "D", ("R2",), 1, 16 * 60 + 5),
        ClassAssignment("7-1", 7, 60, False, T0 + 10, T0 + 20, "D", ("R3", "LAB"), 2, 16 * 60),
        ClassAssignment("7-2", 7, 30, False, T0 + 10, T0 + 20, "A", ("R4",), 2, 16 * 60),
    )
    return sc, Plan(rows)


def edit(plan: Plan, class_id: str, **changes: object) -> Plan:
    return Plan(tuple(replace(a, **changes) if a.class_id == class_id else a for a in plan.assignments))  # type: ignore[arg-type]


def rules(v: list[Violation]) -> set[str]:
    return {x.rule for x in v}


def test_the_hand_built_plan_is_sound() -> None:
    sc, plan = sound()
    assert check_plan(sc, plan) == []


@pytest.mark.parametrize(
    ("class_id", "changes", "rule", "words"),
    [
        (
            "8-2",
            {"arrival_start_min": T0 + 5, "arrival_end_min": T0 + 15},
            "window",
            ["07:05", "not a window start"],
        ),
        ("8-2", {"arrival_end_min": T0 + 20}, "window", ["should end at 07:10"]),
        ("8-2", {"gate": "Z"}, "gate", ["'Z'", "does not exist"]),
        ("8-2", {"gate": "B"}, "open_to", ["open to boarders only"]),
        ("8-1", {"gate": "A"}, "gate_capacity", []),  # placeholder replaced below (needs 2 edits)
        ("8-2", {"rooms": ("R9",)}, "rooms", ["R9", "do not exist"]),
        ("8-2", {"rooms": ("R1",)}, "rooms", ["Room R1 is used by 2 classes (8-1, 8-2)"]),
        ("7-1", {"rooms": ("R3",)}, "room_capacity", ["puts 60 in room R3, which seats 48"]),
        ("8-2", {"rooms": ("R2", "LAB")}, "rooms", ["lists room LAB", "stays empty"]),
        ("8-2", {"students": 41}, "class_data", ["41 students instead of 40"]),
        ("8-2", {"canteen_sitting": None}, "canteen", ["no sitting", "1–2"]),
        ("8-2", {"canteen_sitting": 3}, "canteen", ["sitting 3"]),
        (
            "8-2",
            {"canteen_sitting": 2},
            "canteen",
            ["sitting 2 (12:20): 130 students but 100 distanced seats"],
        ),
        ("7-2", {"gate": "D"}, "pin", ["gate D instead of A"]),
        ("8-2", {"dismissal_min": 16 * 60 + 2}, "dismissal", ["16:02", "not a dismissal slot"]),
        ("8-2", {"dismissal_min": 16 * 60}, "dismissal_order", ["Grade 7 must leave before grade 8"]),
        (
            "8-2",
            {"arrival_start_min": T0 + 10, "arrival_end_min": T0 + 20},
            "arrival_order",
            ["Grade 8 must arrive before grade 7", "8-2 arrives at 07:10"],
        ),
        (
            "7-2",
            {"arrival_start_min": T0 + 20, "arrival_end_min": T0 + 30},
            "group",
            ["Arrival group bus", "7-1 at 07:10", "7-2 at 07:20"],
        ),
    ],
)
def test_each_hand_edit_is_caught(
    class_id: str, changes: dict[str, object], rule: str, words: list[str]
) -> None:
    sc, plan = sound()
    if rule == "gate_capacity":
        # Everyone through gate A at 07:00: 170 students at a gate of 102 (also mixes grades and groups).
        plan = Plan(
            tuple(
                replace(a, gate="A", arrival_start_min=T0, arrival_end_min=T0 + 10) for a in plan.assignments
            )
        )
        words = ["Gate A, 07:00–07:10: 170 students", "at most 102"]
    else:
        plan = edit(plan, class_id, **changes)
    found = check_plan(sc, plan)
    assert rule in rules(found), found
    msg = " ".join(v.message for v in found if v.rule == rule)
    for w in words:
        assert w in msg, msg
    assert all(v.rule in RULES for v in found)


def test_two_grades_and_boarders_sharing_a_gate_window() -> None:
    sc, plan = sound()
    bad = edit(edit(plan, "8-2", gate="A"), "8-1", gate="A")
    found = check_plan(sc, bad)
    assert "boarders" in rules(found)
    bad = edit(plan, "7-2", arrival_start_min=T0, arrival_end_min=T0 + 10)  # grade 7 joins grade 8 at 07:00
    bad = edit(bad, "8-2", gate="A")
    found = check_plan(sc, bad)
    assert "grades_per_gate" in rules(found)
    assert any("2 grades (7, 8) share the gate; at most 1 may" in v.message for v in found)


def test_missing_duplicate_and_unknown_classes() -> None:
    sc, plan = sound()
    rows = plan.assignments
    found = check_plan(sc, Plan((*rows[1:], rows[1], replace(rows[0], class_id="9-9"))))
    msgs = [v.message for v in found if v.rule == "classes"]
    assert "Class 8-1 (40 students) has no row in the plan." in msgs
    assert "Class 8-2 appears more than once." in msgs
    assert "Class 9-9 is not a class of the school." in msgs


def test_more_rooms_than_allowed_and_splitting_off() -> None:
    sc, plan = sound()
    found = check_plan(sc, edit(plan, "8-2", rooms=("LAB", "R2", "R4")))
    assert any(
        v.rule == "rooms" and "8-2 uses 3 rooms (LAB;R2;R4); at most 2 rooms a class" in v.message
        for v in found
    )
    data = school(
        [("7-1", 7, 40)], rooms=[room("LAB", 36), room("R2", 48)], policy={"allow_split_classes": False}
    )
    row = ClassAssignment("7-1", 7, 40, False, T0, T0 + 10, "A", ("LAB", "R2"), None, 16 * 60)
    found = check_plan(build(data), Plan((row,)))
    assert any(v.rule == "rooms" and "splitting classes is off" in v.message for v in found)


def test_exit_capacity() -> None:
    # Walking 0.1 m/s at 1 m spacing: 6 a minute a lane; one lane, 5-minute slots: 30 a slot.
    data = school(
        [("7-1", 7, 20), ("7-2", 7, 20)], gates=[gate("A", lanes=1)], policy={"walking_speed_m_s": 0.1}
    )
    sc = build(data)
    rows = tuple(
        ClassAssignment(c, 7, 20, False, T0 + 10 * i, T0 + 10 * i + 10, "A", (f"R{i}",), None, 16 * 60)
        for i, c in enumerate(["7-1", "7-2"])
    )
    found = check_plan(sc, Plan(rows))
    assert [v.rule for v in found] == ["exit"]
    assert "Gate A at 16:00: 40 students leave but it lets out 30 in 5 min (6 a minute)" in found[0].message


def test_delivered_meals_take_no_sitting() -> None:
    sc = build(school([("7-1", 7, 20)]))
    row = ClassAssignment("7-1", 7, 20, False, T0, T0 + 10, "A", ("R0",), 1, 16 * 60)
    assert [v.rule for v in check_plan(sc, Plan((row,)))] == ["canteen"]


def test_hand_edited_csv_is_read_back_and_checked(tmp_path: Path) -> None:
    sc, plan = sound()
    path = tmp_path / "timetable.csv"
    path.write_text(plan.to_csv_text(), encoding="utf-8")
    assert check_plan(sc, read_timetable(path, sc)) == []
    # The administrator moves class 7-1 into R1 (taken by 8-1) and to an 07:05 window in Excel.
    text = path.read_text(encoding="utf-8").replace("07:10,07:20,D,R3;LAB", "07:05,07:15,D,R1;LAB")
    path.write_text(text, encoding="utf-8")
    found = check_plan(sc, read_timetable(path, sc))
    assert {"window", "rooms"} <= rules(found)


def test_checker_does_not_use_the_solver() -> None:
    # Importing the checker (and the rule registry it walks) loads neither OR-Tools nor the model.
    code = (
        "import sys, reopen_sim.optimizer.check, reopen_sim.optimizer.rules; "
        "print(sorted(m for m in sys.modules if m.startswith('ortools') or m.startswith('reopen_sim.optimizer.')))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "['reopen_sim.optimizer.check', 'reopen_sim.optimizer.rules']"
