"""Checker messages the mutation run (docs/testing.md) found untested: long class lists cut after
eight, several grades named together, a boarding flag edited by hand. Plans are edited by hand, as
an administrator would, and checked through ``check_plan``."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.check import Violation, check_plan
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario.schema import Scenario
from test_check import DATA, edit, sound
from test_optimize_schools import build, gate, room, school

T0 = 7 * 60  # 07:00, the first window of the test schools


def _crowd(n_classes: int, students: int = 20) -> tuple[Scenario, Plan]:
    """Grade-7 classes of ``students`` at one gate of 1 lane, 10 s a student: 1 x 6/min x 10 min x
    0.85 = 51 a window; the plan puts every class in the first window."""
    ids = [f"7-{i}" for i in range(1, n_classes + 1)]
    sc = build(
        school(
            [(cid, 7, students) for cid in ids],
            gates=[gate("A", lanes=1, service_s=10.0)],
            rooms=[room(f"R{i}", 24) for i in range(1, n_classes + 1)],
            n_windows=6,
        )
    )
    rows = tuple(
        ClassAssignment(cid, 7, students, False, T0, T0 + 10, "A", (f"R{i}",), None, 16 * 60)
        for i, cid in enumerate(ids, start=1)
    )
    return sc, Plan(rows)


def _gate_message(sc: Scenario, plan: Plan) -> str:
    (v,) = [x for x in check_plan(sc, plan) if x.rule == "gate_capacity"]
    assert v.class_ids == tuple(sorted(a.class_id for a in plan.assignments))
    return v.message


def test_a_list_of_ten_classes_names_eight_and_counts_the_rest() -> None:
    sc, plan = _crowd(10)
    # Sorted as text: 7-1, 7-10, 7-2 ... 7-7 are the first eight; 7-8 and 7-9 are "2 more".
    msg = _gate_message(sc, plan)
    assert "(7-1, 7-10, 7-2, 7-3, 7-4, 7-5, 7-6, 7-7 and 2 more)" in msg
    assert "200 students" in msg


def test_a_list_of_eight_classes_names_them_all() -> None:
    sc, plan = _crowd(8)
    msg = _gate_message(sc, plan)
    assert "(7-1, 7-2, 7-3, 7-4, 7-5, 7-6, 7-7, 7-8)" in msg
    assert "more" not in msg


def test_arrival_order_names_a_group_of_several_grades() -> None:
    # Grades 9 and 8 must arrive before grade 7; the plan lets 7-1 in first.
    data = school(
        [("9-1", 9, 20), ("8-1", 8, 20), ("7-1", 7, 20)],
        gates=[gate("A")],
        rooms=[room("R1", 24), room("R2", 24), room("R3", 24)],
        policy={"arrival_order": [[9, 8], [7]]},
    )
    sc = build(data)
    plan = Plan(
        (
            ClassAssignment("9-1", 9, 20, False, T0 + 10, T0 + 20, "A", ("R1",), None, 16 * 60),
            ClassAssignment("8-1", 8, 20, False, T0 + 10, T0 + 20, "A", ("R2",), None, 16 * 60),
            ClassAssignment("7-1", 7, 20, False, T0, T0 + 10, "A", ("R3",), None, 16 * 60),
        )
    )
    (v,) = [x for x in check_plan(sc, plan) if x.rule == "arrival_order"]
    assert v.message.startswith("Grades 9, 8 must arrive before grade 7:")


def test_a_boarding_flag_edited_by_hand_is_named() -> None:
    sc, plan = _crowd(1)
    edited = Plan(tuple(replace(a, boarding=True) for a in plan.assignments))
    (v,) = [x for x in check_plan(sc, edited) if x.rule == "class_data"]
    assert "boarding yes instead of no" in v.message


def test_render_in_english_is_the_message_and_without_a_key_is_the_message_in_any_language() -> None:
    sc, plan = _crowd(10)
    (v,) = [x for x in check_plan(sc, plan) if x.rule == "gate_capacity"]
    assert v.render(load_catalogue("en")) == str(v) == f"[gate_capacity] {v.message}"
    assert "7-1" in v.render(load_catalogue("zh"))
    assert v.render(load_catalogue("zh")) != str(v)  # translated
    plain = Violation("window", ("7-1",), "written by hand")
    assert plain.render(load_catalogue("zh")) == "[window] written by hand"


def test_students_and_grade_edited_by_hand_are_both_named() -> None:
    sc, plan = _crowd(1)
    edited = Plan(tuple(replace(a, students=25, grade=8) for a in plan.assignments))
    (v,) = [x for x in check_plan(sc, edited) if x.rule == "class_data"]
    assert v.message == "Class 7-1: the row says 25 students instead of 20; grade 8 instead of 7."


# Every violation of one hand edit of tests/test_check.py's sound plan (gates D, B, A; windows 07:00,
# 07:10, 07:20; dismissal slots 16:00, 16:05, 16:10; 100 canteen seats a sitting), checked word for
# word: which rule, which classes, and each figure in the message.
EDITS: list[tuple[str, dict[str, object], list[tuple[str, tuple[str, ...], str]]]] = [
    (
        "8-2",
        {"arrival_start_min": T0 + 5, "arrival_end_min": T0 + 15},
        [
            (
                "window",
                ("8-2",),
                "Class 8-2 arrives at 07:05, which is not a window start (07:00, 07:10, 07:20).",
            )
        ],
    ),
    (
        "8-2",
        {"arrival_end_min": T0 + 20},
        [
            (
                "window",
                ("8-2",),
                "Class 8-2's window 07:00–07:20 is not one window of 10 min (it should end at 07:10).",
            )
        ],
    ),
    ("8-2", {"gate": "Z"}, [("gate", ("8-2",), "Class 8-2 uses gate 'Z', which does not exist (D, B, A).")]),
    (
        "8-2",
        {"gate": "B"},
        [
            ("open_to", ("8-2",), "Class 8-2 (day students) uses gate B, which is open to boarders only."),
            (
                "boarders",
                ("8-1", "8-2"),
                "Gate B, 07:00–07:10: boarders (8-1) and day students (8-2) share the entrance.",
            ),
        ],
    ),
    (
        "8-1",
        {"gate": "D"},
        [
            ("open_to", ("8-1",), "Class 8-1 (boarders) uses gate D, which is open to day students only."),
            (
                "boarders",
                ("8-1", "8-2"),
                "Gate D, 07:00–07:10: boarders (8-1) and day students (8-2) share the entrance.",
            ),
        ],
    ),
    (
        "8-2",
        {"rooms": ("R2", "R2")},
        [
            ("rooms", ("8-2",), "Class 8-2 lists a room twice (R2;R2)."),
            (
                "rooms",
                ("8-2",),
                "Class 8-2 (40 students) lists room R2 but its earlier rooms already seat everyone: "
                "the room stays empty and blocks other classes.",
            ),
        ],
    ),
    (
        "7-1",
        {"rooms": ("R3", "LAB", "R5")},
        [
            ("rooms", ("7-1",), "Class 7-1 uses room(s) R5, which do not exist."),
            ("rooms", ("7-1",), "Class 7-1 uses 3 rooms (R3;LAB;R5); at most 2 rooms a class."),
        ],
    ),
    ("8-2", {"rooms": ("R9",)}, [("rooms", ("8-2",), "Class 8-2 uses room(s) R9, which do not exist.")]),
    (
        "8-2",
        {"rooms": ("R1",)},
        [("rooms", ("8-1", "8-2"), "Room R1 is used by 2 classes (8-1, 8-2); a room hosts one class.")],
    ),
    (
        "7-1",
        {"rooms": ("R3",)},
        [
            (
                "room_capacity",
                ("7-1",),
                "Class 7-1 (60 students in R3) puts 60 in room R3, which seats 48 under the distancing rule.",
            )
        ],
    ),
    (
        "8-2",
        {"canteen_sitting": 3},
        [("canteen", ("8-2",), "Class 8-2 has sitting 3; expected a sitting 1–2.")],
    ),
    (
        "8-2",
        {"canteen_sitting": 2},
        [
            (
                "canteen",
                ("7-1", "7-2", "8-2"),
                "Canteen sitting 2 (12:20): 130 students but 100 distanced seats.",
            )
        ],
    ),
    ("7-2", {"gate": "D"}, [("pin", ("7-2",), "Class 7-2 is pinned but has gate D instead of A.")]),
    (
        "8-2",
        {"dismissal_min": 16 * 60 + 2},
        [
            (
                "dismissal",
                ("8-2",),
                "Class 8-2 is dismissed at 16:02, not a dismissal slot (16:00, 16:05, 16:10).",
            )
        ],
    ),
    (
        "8-2",
        {"arrival_start_min": T0 + 10, "arrival_end_min": T0 + 20},
        [
            (
                "grades_per_gate",
                ("7-1", "8-2"),
                "Gate D, 07:10–07:20: 2 grades (7, 8) share the gate; at most 1 may.",
            ),
            (
                "arrival_order",
                ("7-1", "7-2", "8-2"),
                "Grade 8 must arrive before grade 7: 8-2 arrives at 07:10 or later, "
                "while 7-1, 7-2 arrive at 07:10.",
            ),
        ],
    ),
    (
        "7-2",
        {"arrival_start_min": T0 + 20, "arrival_end_min": T0 + 30},
        [
            (
                "group",
                ("7-1", "7-2"),
                "Arrival group bus (bus) must arrive in one window: 7-1 at 07:10, 7-2 at 07:20.",
            )
        ],
    ),
]


@pytest.mark.parametrize(("class_id", "changes", "expected"), EDITS)
def test_each_hand_edit_word_for_word(
    class_id: str, changes: dict[str, object], expected: list[tuple[str, tuple[str, ...], str]]
) -> None:
    sc, plan = sound()
    found = check_plan(sc, edit(plan, class_id, **changes))
    assert [(v.rule, v.class_ids, v.message) for v in found] == expected


def test_a_gate_window_filled_exactly_to_its_capacity_passes() -> None:
    # 3 classes of 17 = 51 students, the gate's 51 a window: allowed; one more student is not.
    sc, plan = _crowd(3, students=17)
    assert [v.rule for v in check_plan(sc, plan)] == []
    sc, plan = _crowd(3, students=18)
    assert "Gate A, 07:00–07:10: 54 students" in _gate_message(sc, plan)


def test_everyone_through_one_gate_word_for_word() -> None:
    # The sound plan with every class at gate A (2 lanes, 10 s: 2 x 6 x 10 x 0.85 = 102 a window; 50 m
    # of queue at 1 m: 100 places) at 07:00.
    sc, plan = sound()
    plan = Plan(
        tuple(replace(a, gate="A", arrival_start_min=T0, arrival_end_min=T0 + 10) for a in plan.assignments)
    )
    everyone = ("7-1", "7-2", "8-1", "8-2")
    assert [(v.rule, v.class_ids, v.message) for v in check_plan(sc, plan)] == [
        (
            "gate_capacity",
            everyone,
            "Gate A, 07:00–07:10: 170 students (7-1, 7-2, 8-1, 8-2) but it takes at most 102 "
            "(2 lanes at 85% load, 100 queue places).",
        ),
        ("grades_per_gate", everyone, "Gate A, 07:00–07:10: 2 grades (7, 8) share the gate; at most 1 may."),
        (
            "boarders",
            everyone,
            "Gate A, 07:00–07:10: boarders (8-1) and day students (7-1, 7-2, 8-2) share the entrance.",
        ),
        (
            "arrival_order",
            everyone,
            "Grade 8 must arrive before grade 7: 8-1, 8-2 arrive at 07:00 or later, "
            "while 7-1, 7-2 arrive at 07:00.",
        ),
    ]


def test_an_overfull_room_after_a_row_with_an_unknown_room() -> None:
    # 8-2's row names a room that does not exist (its capacity cannot be checked); 7-1's row, after
    # it, puts 60 students in R3 of 48: still reported.
    sc, plan = sound()
    plan = edit(edit(plan, "8-2", rooms=("R9",)), "7-1", rooms=("R3",))
    assert [(v.rule, v.class_ids) for v in check_plan(sc, plan)] == [
        ("rooms", ("8-2",)),
        ("room_capacity", ("7-1",)),
    ]


def test_an_overflow_room_with_one_student_is_needed() -> None:
    # 25 students in rooms of 24 and 24: 24 + 1, the second room is not empty.
    sc = build(school([("7-1", 7, 25)], gates=[gate("A")], rooms=[room("R1", 24), room("R2", 24)]))
    row = ClassAssignment("7-1", 7, 25, False, T0, T0 + 10, "A", ("R1", "R2"), None, 16 * 60)
    assert check_plan(sc, Plan((row,))) == []


def _three_grades(rows: list[tuple[str, int, int, str]]) -> list[tuple[str, tuple[str, ...], str]]:
    """Grades 9, 8, 7 must arrive in that order; ``rows`` are (class, grade, minutes after 07:00, gate)."""
    data = school(
        [("9-1", 9, 20), ("8-1", 8, 20), ("7-1", 7, 20), ("7-2", 7, 20)],
        gates=[gate("A"), gate("B")],
        rooms=[room(f"R{i}", 24) for i in range(1, 5)],
        policy={"arrival_order": [[9], [8], [7]]},
    )
    plan = Plan(
        tuple(
            ClassAssignment(cid, grade, 20, False, T0 + t, T0 + t + 10, g, (f"R{i}",), None, 16 * 60)
            for i, (cid, grade, t, g) in enumerate(rows, start=1)
        )
    )
    return [(v.rule, v.class_ids, v.message) for v in check_plan(build(data), plan)]


def test_arrival_order_of_the_second_pair_of_grades() -> None:
    # 9-1 at 07:00 is first, as it should be; 8-1 comes at 07:20, after 7-1 (07:10) and with 7-2 (07:20,
    # which counts: a later grade must come strictly after).
    order = (
        "arrival_order",
        ("7-1", "7-2", "8-1"),
        "Grade 8 must arrive before grade 7: 8-1 arrives at 07:20 or later, while 7-1, 7-2 arrive at 07:10.",
    )
    rows = [("9-1", 9, 0, "A"), ("8-1", 8, 20, "B"), ("7-1", 7, 10, "A"), ("7-2", 7, 20, "A")]
    assert _three_grades(rows) == [order]
    # Without grade 9 in the plan the first pair cannot be compared; the second still is.
    found = _three_grades(rows[1:])
    assert [f[0] for f in found] == ["classes", "arrival_order"]
    assert found[1] == order


def test_every_pinned_field_broken_is_named() -> None:
    # 7-2 pinned to gate A, the 07:10 window, room R4, sitting 2 and the 16:00 dismissal; the row
    # moves all five.
    data = copy.deepcopy(DATA)
    data["pins"] = [
        {
            "class_id": "7-2",
            "gate": "A",
            "window_at": "07:10",
            "rooms": ["R4"],
            "canteen_sitting": 2,
            "dismissal_at": "16:00",
        }
    ]
    sc = build(data)
    _, plan = sound()
    assert check_plan(sc, plan) == []
    moved = edit(
        plan,
        "7-2",
        gate="D",
        arrival_start_min=T0 + 20,
        arrival_end_min=T0 + 30,
        rooms=("R4", "LAB"),
        canteen_sitting=1,
        dismissal_min=16 * 60 + 5,
    )
    (v,) = [x for x in check_plan(sc, moved) if x.rule == "pin"]
    assert v.class_ids == ("7-2",)
    assert v.message == (
        "Class 7-2 is pinned but has gate D instead of A; window 07:20 instead of 07:10; rooms R4;LAB "
        "instead of R4; sitting 1 instead of 2; dismissal 16:05 instead of 16:00."
    )


def test_a_sitting_given_when_meals_are_delivered_is_named() -> None:
    # Meals delivered to classrooms: 7-1 has no sitting (right), 7-2 is given sitting 1 (wrong).
    sc = build(
        school(
            [("7-1", 7, 20), ("7-2", 7, 20)],
            gates=[gate("A")],
            rooms=[room("R1", 24), room("R2", 24)],
            canteen={"mode": "delivered"},
        )
    )
    plan = Plan(
        (
            ClassAssignment("7-1", 7, 20, False, T0, T0 + 10, "A", ("R1",), None, 16 * 60),
            ClassAssignment("7-2", 7, 20, False, T0, T0 + 10, "A", ("R2",), 1, 16 * 60),
        )
    )
    assert [(v.rule, v.class_ids, v.message) for v in check_plan(sc, plan)] == [
        ("canteen", ("7-2",), "Class 7-2 has canteen sitting 1, but meals are delivered.")
    ]


# ---- survivors of the mutation run of 2026-11-29 (docs/testing.md): each test fails on its mutant


def _rule(found: list[Violation], rule: str) -> list[Violation]:
    return [v for v in found if v.rule == rule]


def test_a_boarder_edited_to_a_day_student_names_both_flags() -> None:
    sc, plan = sound()
    (v,) = _rule(check_plan(sc, edit(plan, "8-1", boarding=False)), "class_data")
    assert "boarding no instead of yes" in v.message


def test_several_unknown_rooms_are_listed_with_commas() -> None:
    sc, plan = sound()
    (v,) = _rule(check_plan(sc, edit(plan, "7-2", rooms=("X1", "X2"))), "rooms")
    assert v.message == "Class 7-2 uses room(s) X1, X2, which do not exist."


def test_a_class_without_a_sitting_does_not_stop_the_count_of_the_others() -> None:
    # 8-1 has no sitting; 8-2 moves to sitting 2: 40 + 60 + 30 = 130 students for 100 seats.
    sc, plan = sound()
    found = _rule(
        check_plan(sc, edit(edit(plan, "8-1", canteen_sitting=None), "8-2", canteen_sitting=2)), "canteen"
    )
    assert [v.class_ids for v in found] == [("8-1",), ("7-1", "7-2", "8-2")]


def test_one_class_of_the_later_grade_arriving_too_early_is_named_in_the_singular() -> None:
    sc, plan = sound()
    moved = edit(plan, "7-2", arrival_start_min=T0, arrival_end_min=T0 + 10)
    (v,) = _rule(check_plan(sc, moved), "arrival_order")
    assert v.message.endswith("while 7-2 arrives at 07:00.")


def test_a_pin_of_a_class_missing_from_the_timetable_does_not_hide_the_next_pin() -> None:
    data = copy.deepcopy(DATA)
    data["pins"] = [{"class_id": "8-1", "gate": "B"}, {"class_id": "7-2", "gate": "A"}]
    sc = build(data)
    _, plan = sound()
    without = Plan(tuple(a for a in edit(plan, "7-2", gate="D").assignments if a.class_id != "8-1"))
    assert [v.class_ids for v in _rule(check_plan(sc, without), "pin")] == [("7-2",)]


def test_pinned_rooms_are_listed_as_the_timetable_writes_them() -> None:
    data = copy.deepcopy(DATA)
    data["pins"] = [{"class_id": "7-1", "rooms": ["R3", "LAB"]}]
    sc = build(data)
    _, plan = sound()
    (v,) = _rule(check_plan(sc, edit(plan, "7-1", rooms=("LAB", "R3"))), "pin")
    assert "rooms LAB;R3 instead of R3;LAB" in v.message


def test_the_limits_a_certificate_sets_replace_the_static_gate_capacity() -> None:
    # Gate D at 07:10 holds 7-1 (60 students): within the static capacity, not within a limit of 50.
    sc, plan = sound()
    assert _rule(check_plan(sc, plan), "gate_capacity") == []
    (v,) = _rule(check_plan(sc, plan, window_limits={("D", T0 + 10): 50}), "gate_capacity")
    assert v.class_ids == ("7-1",) and "at most 50" in v.message
    assert _rule(check_plan(sc, plan, window_limits={("D", T0): 50}), "gate_capacity") == []


def test_a_split_class_overfilling_its_last_room_lists_its_rooms() -> None:
    # 100 students in R1 then R2 (48 seats each): R1 takes 48, R2 the other 52.
    sc = build(
        school(
            [("7-1", 7, 100)],
            rooms=[room("R1", 48), room("R2", 48), room("R3", 48)],
            policy={"max_rooms_per_class": 3},
        )
    )
    plan = Plan((ClassAssignment("7-1", 7, 100, False, T0, T0 + 10, "A", ("R1", "R2"), None, 16 * 60),))
    (v,) = _rule(check_plan(sc, plan), "room_capacity")
    assert v.message.startswith("Class 7-1 (100 students in R1;R2) puts 52 in room R2")
