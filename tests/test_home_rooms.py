"""policy.keep_home_rooms: classes stay in their own classroom (DOMAIN), overflow rooms come after it;
the optimizer keeps the rule, the checker reports a class moved out, the explanation names it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from reopen_sim.errors import InfeasibleError
from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.solve import optimize
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.load import load_scenario
from reopen_sim.scenario.schema import Scenario
from test_optimize_schools import build, gate, room, school


def with_homes(data: dict[str, Any], homes: dict[str, str], **policy: Any) -> Scenario:
    for c in data["classes"]:
        if c["id"] in homes:
            c["home_room"] = homes[c["id"]]
    data["policy"] = {**data["policy"], **policy}
    return build(data)


def near_and_far(**policy: Any) -> Scenario:
    # Gate A is 10 m from the Near building and 100 m from the Far one; class 7-1's own room is in Far,
    # and a free room of the same size stands in Near.
    data = school(
        [("7-1", 7, 40)],
        gates=[gate("A", walk={"Near": 10, "Far": 100})],
        rooms=[room("FAR-1", 48, building="Far"), room("NEAR-1", 48, building="Near")],
    )
    return with_homes(data, {"7-1": "FAR-1"}, **policy)


def test_a_class_keeps_its_home_room_even_when_another_is_nearer() -> None:
    sc = near_and_far()
    assert cap.kept_home_rooms(sc) == {"7-1": "FAR-1"}
    p = optimize(sc, time_limit_s=5)
    assert p.assignments[0].rooms == ("FAR-1",)
    assert p.meta["terms"]["walk_m"] == 100
    assert check_plan(sc, p) == []


def test_without_the_policy_the_optimizer_moves_the_class_nearer() -> None:
    sc = near_and_far(keep_home_rooms=False)
    assert cap.kept_home_rooms(sc) == {}
    p = optimize(sc, time_limit_s=5)
    assert p.assignments[0].rooms == ("NEAR-1",)
    assert p.meta["terms"]["walk_m"] == 10
    assert check_plan(sc, p) == []


def test_an_oversize_class_keeps_its_room_and_takes_an_overflow_room() -> None:
    # 60 students, own room seats 48: the class stays and 12 go to the lab, largest-first order kept
    # with the home room first.
    data = school(
        [("7-1", 7, 60)],
        rooms=[room("R1", 48), room("R2", 54), room("LAB", 36, kind="lab")],
        policy={"max_rooms_per_class": 2},
    )
    sc = with_homes(data, {"7-1": "R1"})
    p = optimize(sc, time_limit_s=5)
    assert p.assignments[0].rooms[0] == "R1"
    assert len(p.assignments[0].rooms) == 2
    assert check_plan(sc, p) == []


def test_the_checker_reports_a_class_moved_out_of_its_home_room() -> None:
    sc = near_and_far()
    p = optimize(sc, time_limit_s=5)
    moved = Plan((replace(p.assignments[0], rooms=("NEAR-1",)),))
    found = check_plan(sc, moved)
    assert [v.rule for v in found] == ["home_room"]
    assert "Class 7-1 is in NEAR-1, not its home room FAR-1" in found[0].message
    assert check_plan(near_and_far(keep_home_rooms=False), moved) == []


def test_rooms_shared_pinned_or_too_small_without_splitting_are_not_kept() -> None:
    data = school(
        [("7-1", 7, 40), ("7-2", 7, 40), ("7-3", 7, 40), ("7-4", 7, 50)],
        rooms=[room(f"R{i}", 48) for i in range(1, 6)] + [room("R6", 54)],
        pins=[{"class_id": "7-3", "rooms": ["R3"]}],
        policy={"allow_split_classes": False},
    )
    # 7-1 and 7-2 share R1; R3 is pinned to 7-3 (its own pin, not its home); 7-4 (50) does not fit R4
    # (48) and may not split.
    sc = with_homes(data, {"7-1": "R1", "7-2": "R1", "7-3": "R5", "7-4": "R4"})
    assert cap.kept_home_rooms(sc) == {}
    sc2 = with_homes(
        school([("7-1", 7, 40), ("7-2", 7, 40)], rooms=[room("R1", 48), room("R2", 48)]), {"7-1": "R2"}
    )
    assert cap.kept_home_rooms(sc2) == {"7-1": "R2"}


def test_home_rooms_that_leave_no_overflow_room_are_explained() -> None:
    # 7-1 (40) lives in R1 (30 seats), 7-2 (25) in R2 (45 seats), and there is no third room: kept in
    # their rooms, 7-1 needs an overflow room that does not exist; swapping rooms would fit both.
    data = school(
        [("7-1", 7, 40), ("7-2", 7, 25)],
        rooms=[room("R1", 30), room("R2", 45)],
        policy={"max_rooms_per_class": 2},
    )
    sc = with_homes(data, {"7-1": "R1", "7-2": "R2"})
    with pytest.raises(InfeasibleError) as info:
        optimize(sc, time_limit_s=10)
    text = "\n".join(info.value.reasons)
    assert "2 classes keep their home rooms (policy.keep_home_rooms)" in text
    assert "let classes change rooms (policy.keep_home_rooms: false)" in text
    swapped = optimize(with_homes(data, {}, keep_home_rooms=False), time_limit_s=5)
    assert {a.class_id: a.rooms for a in swapped.assignments} == {"7-1": ("R2",), "7-2": ("R1",)}


def test_bundled_schools_keep_every_home_room() -> None:
    for name in ("tiny-school", "high-school"):
        sc = load_scenario(f"scenarios/{name}.yaml")
        homes = {c.id: c.home_room for c in sc.classes if c.home_room}
        assert homes and cap.kept_home_rooms(sc) == homes
        p = optimize(sc, time_limit_s=10)
        assert all(a.rooms[0] == homes[a.class_id] for a in p.assignments if a.class_id in homes)
        assert p.meta["status"] == "OPTIMAL"


@pytest.mark.parametrize(
    ("source", "lang", "named"),
    [
        ("yaml", "en", "(policy.keep_home_rooms: a class keeps its own room"),
        ("yaml", "zh", "（policy.keep_home_rooms："),
        ("workbook_zh", "zh", "（「防控规则」表的「保留本班教室」："),
        ("workbook_en", "en", '(the "Rules" sheet, "keep_home_rooms": a class keeps its own room'),
    ],
)
def test_the_home_room_rule_is_named_as_the_schools_file_names_it(source: str, lang: str, named: str) -> None:
    sc = near_and_far().model_copy(update={"source_format": source})
    p = optimize(sc, time_limit_s=5)
    (found,) = check_plan(sc, Plan((replace(p.assignments[0], rooms=("NEAR-1",)),)))
    assert named in found.render(load_catalogue(lang))


def test_a_class_moved_out_of_its_home_room_lists_all_its_rooms() -> None:
    sc = near_and_far()
    p = optimize(sc, time_limit_s=5)
    two = Plan((replace(p.assignments[0], rooms=("NEAR-1", "FAR-1")),))
    (v,) = [x for x in check_plan(sc, two) if x.rule == "home_room"]
    assert v.message.startswith("Class 7-1 is in NEAR-1;FAR-1, not its home room FAR-1")
