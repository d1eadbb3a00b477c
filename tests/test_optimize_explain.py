"""Crafted schools that pass validation but cannot be planned: the explanation names the clashing
rules with their numbers and what would relax them."""

from __future__ import annotations

import pytest

from reopen_sim.errors import InfeasibleError
from reopen_sim.optimizer.explain import clashing_rules
from reopen_sim.optimizer.solve import optimize
from reopen_sim.scenario.load import load_scenario
from test_optimize_schools import build, gate, room, school


def reasons_of(sc) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InfeasibleError) as info:
        optimize(sc, time_limit_s=10)
    assert info.value.status == "INFEASIBLE"
    assert info.value.reasons
    return "\n".join(info.value.reasons)


def test_grade_too_big_for_the_gates_in_its_window() -> None:
    # The example: grades 9, 8, 7 in order over three windows; four gates of 102 a window
    # (2 lanes x 6/min x 10 min x 85%) screen 408, but grade 7 has 10 classes of 42 = 420.
    classes = [(f"9-{i}", 9, 40) for i in range(1, 6)] + [(f"8-{i}", 8, 40) for i in range(1, 6)]
    classes += [(f"7-{i}", 7, 42) for i in range(1, 11)]
    sc = build(
        school(
            classes,
            gates=[gate(g) for g in "ABCD"],
            rooms=[room(f"R{i}", 48) for i in range(22)],
            n_windows=3,
            policy={"arrival_order": [9, 8, 7]},
        )
    )
    text = reasons_of(sc)
    assert "Grade 7 (420 students) cannot pass gates A, B, C, D between 07:20 and 07:30" in text
    assert "together they screen 408 at 85% load" in text
    assert "allow arrivals until 07:40" in text
    # One more lane at a gate (153 + 3 x 102 = 459 >= 420) is not enough: one grade per gate and
    # window leaves classes of 42 to pack into gates of 153 and 102 (3 + 2 classes), 9 of the 10;
    # with two more lanes (204: 4 classes) it fits. The advice is the smallest change that works.
    assert "add 2 lanes with their staff at gate A (4 open lanes, 4 staff)" in text
    assert "add 1 lane with its staff at gate A" not in text
    _, core, fixes, status = clashing_rules(sc)
    families = {f for f, _ in core}
    assert status == "INFEASIBLE"
    assert {"arrival_span", "gate_capacity"} <= families
    assert ("arrival_span", ()) in fixes


def test_boarders_gate_too_small_when_they_must_not_share() -> None:
    # Two boarding classes of 60 in grade 8, which must arrive first (window 07:00); the boarders'
    # gate takes 102 a window and they may not use the day gate.
    sc = build(
        school(
            [("8-1", 8, 60, True), ("8-2", 8, 60, True), ("7-1", 7, 40)],
            gates=[gate("DAY", open_to="day"), gate("BRD", open_to="boarders")],
            n_windows=2,
            policy={"arrival_order": [8, 7], "separate_boarders": True},
        )
    )
    text = reasons_of(sc)
    assert "Grade 8 (120 students) cannot pass gates BRD between 07:00 and 07:10" in text
    assert "screen 102" in text
    assert "gate BRD takes at most 102 students" in text
    assert "open gate DAY to all students" in text
    # 120 students in one window need a gate of 3 lanes (153 a window), one more than it has.
    assert "add 1 lane with its staff at gate BRD (3 open lanes, 3 staff)" in text


def test_two_pins_on_one_gate_window_for_two_grades() -> None:
    sc = build(
        school(
            [("8-1", 8, 30), ("7-1", 7, 30)],
            gates=[gate("A"), gate("B")],
            pins=[
                {"class_id": "8-1", "gate": "A", "window_at": "07:10"},
                {"class_id": "7-1", "gate": "A", "window_at": "07:10"},
            ],
        )
    )
    text = reasons_of(sc)
    assert "class 8-1 (30 students) is pinned to gate A, window 07:10" in text
    assert "class 7-1 (30 students) is pinned to gate A, window 07:10" in text
    assert "at most 1 grade per gate in a window" in text
    assert "let 2 grades share a gate (policy.max_grades_per_gate_window: 2)" in text


def test_pinned_rooms_too_small_for_the_class() -> None:
    # Class 10-1 (50) is pinned to R1 (48) alone: two students have no seat, and splitting is needed.
    sc = build(
        school(
            [("10-1", 10, 50), ("10-2", 10, 40)],
            gates=[gate("A", lanes=6)],
            rooms=[room("R1", 48), room("R2", 48), room("LAB", 36, kind="lab")],
            pins=[{"class_id": "10-1", "rooms": ["R1"]}],
        )
    )
    text = reasons_of(sc)
    assert "class 10-1 (50 students) is pinned to rooms R1 (48 seats)" in text
    assert "release the pin of class 10-1" in text


def test_room_findings_count_rooms_needed_by_split_classes() -> None:
    # The loader rejects such a school at the boundary now; the explanation's arithmetic agrees with it.
    from reopen_sim.optimizer.explain import room_findings

    sc = build(
        school([("10-1", 10, 50), ("10-2", 10, 40)], rooms=[room("R1", 48), room("R2", 48), room("LAB", 36)])
    )
    assert room_findings(sc) == []  # 3 rooms needed, 3 available
    tight = sc.model_copy(update={"rooms": sc.rooms[:2]})
    assert [str(r) for r in room_findings(tight)] == [
        "2 classes need at least 3 rooms but the school has 2: 1 classes have more students than the largest "
        "room (48 distanced seats) and need a second room, and each room hosts one class. Add rooms (labs, "
        "meeting rooms, halls), relax the room distancing, or make classes smaller."
    ]


def test_canteen_sittings_cannot_hold_the_classes() -> None:
    # 60 distanced seats a sitting (15 tables x 4), two sittings; three classes of 40: one a sitting.
    sc = build(
        school(
            [("7-1", 7, 40), ("7-2", 7, 40), ("7-3", 7, 40)],
            gates=[gate("A", lanes=4), gate("B", lanes=4)],
            canteen={"mode": "sittings", "tables": 15, "seats_per_table": 8, "max_sittings": 2},
        )
    )
    text = reasons_of(sc)
    assert "the canteen seats 60 a sitting" in text
    assert "allow 3 sittings (canteen.max_sittings: 3)" in text


def test_bundled_tiny_school_with_three_windows_needs_a_fourth() -> None:
    # 4 classes of 20-26 at one gate of 34 a window (2 lanes x 2/min x 10 min x 85%): no two classes
    # fit one window, so three windows (arrivals until 08:20) cannot hold four classes.
    sc = load_scenario("scenarios/tiny-school.yaml", overrides={"day": {"latest_arrival_at": "08:20"}})
    text = reasons_of(sc)
    assert "takes at most 34 students a 10-min window" in text
    assert "allow arrivals until 08:30" in text
