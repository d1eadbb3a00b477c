"""Capacity rules the mutation run (docs/testing.md) found untested, on hand-worked cases.

Each test names the formula it checks; the figures are worked by hand in the comments.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import DeskGrid, Entrance, Policy, Room, RoomDistancing, Scenario


def _school(base: dict[str, Any], **policy: Any) -> Scenario:
    base["policy"] = policy
    return scenario_from_dict(base)


# ---------------------------------------------------------------------------------------------
# Rooms
# ---------------------------------------------------------------------------------------------


def test_min_rooms_needed_counts_a_room_filled_exactly() -> None:
    # 30 students, rooms of 30 and 10: the first room holds them exactly -> 1 room.
    assert cap.min_rooms_needed(30, [30, 10], 2) == 1
    # 16 students, rooms of 15 and 15: 15 < 16 <= 30 -> 2 rooms.
    assert cap.min_rooms_needed(16, [15, 15], 2) == 2
    # 31 students, rooms of 15 + 15 = 30 and at most 2 rooms -> cannot.
    assert cap.min_rooms_needed(31, [15, 15, 15], 2) is None


def test_rooms_needed_per_class_keeps_to_the_rooms_a_class_may_use(base: dict[str, Any]) -> None:
    # Rooms of 5 x 5 desks = 25 seats. Class 2-1 has 30 students: 2 rooms. With one room a class
    # (policy.max_rooms_per_class = 1) it cannot be seated -> None.
    base["classes"][1]["students"] = 30
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 50, "desk_grid": {"rows": 5, "cols": 5}})
    sc = _school(base, max_rooms_per_class=2)
    assert cap.rooms_needed_per_class(sc) == [1, 2]
    one_room = sc.model_copy(update={"policy": sc.policy.model_copy(update={"max_rooms_per_class": 1})})
    assert cap.rooms_needed_per_class(one_room) == [1, None]


def test_kept_home_rooms_skips_a_class_without_one_and_goes_on(base: dict[str, Any]) -> None:
    # 1-1 names no home room, 2-1 names R2: only 2-1 keeps its room (the loop must not stop at 1-1).
    base["classes"][1]["home_room"] = "R2"
    assert cap.kept_home_rooms(_school(base)) == {"2-1": "R2"}


def test_kept_home_rooms_skips_a_pinned_class_and_goes_on(base: dict[str, Any]) -> None:
    # 1-1 is pinned to room R2, so it does not keep its home room R1; 2-1 keeps its home room R3.
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 50, "desk_grid": {"rows": 5, "cols": 5}})
    base["classes"][0]["home_room"] = "R1"
    base["classes"][1]["home_room"] = "R3"
    base["pins"] = [{"class_id": "1-1", "rooms": ["R2"]}]
    assert cap.kept_home_rooms(_school(base)) == {"2-1": "R3"}


def test_kept_home_room_that_seats_the_class_exactly(base: dict[str, Any]) -> None:
    # Splitting off: a room of 25 seats is kept by a class of exactly 25 (25 < 25 is false).
    base["classes"][1]["students"] = 25
    base["classes"][1]["home_room"] = "R2"
    assert cap.kept_home_rooms(_school(base, allow_split_classes=False)) == {"2-1": "R2"}


def test_kept_home_room_of_one_seat(base: dict[str, Any]) -> None:
    # A 1 x 1 desk grid seats 1 (positive): a class of 1 keeps it.
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 10, "desk_grid": {"rows": 1, "cols": 1}})
    base["classes"].append({"id": "3-1", "grade": 3, "students": 1, "home_room": "R3"})
    assert cap.kept_home_rooms(_school(base)) == {"3-1": "R3"}


def test_home_room_without_a_distanced_seat_is_not_kept(base: dict[str, Any]) -> None:
    # 3 m² a student: R3 of 2 m² seats floor(2/3) = 0, so 1-1 does not keep it; R1 and R2 seat
    # floor(50/3) = 16 each, enough for 2-1's 16 students in R2 (splitting on).
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 2})
    base["rooms"].append({"id": "R4", "building": "Main", "area_m2": 50})
    base["classes"][0]["home_room"] = "R3"
    base["classes"][1]["home_room"] = "R2"
    base["classes"][1]["students"] = 16
    sc = _school(base, room_distancing={"min_area_per_student_m2": 3.0})
    assert cap.room_capacities(sc)["R3"] == 0
    assert cap.kept_home_rooms(sc) == {"2-1": "R2"}


def test_unknown_seating_rule_names_the_rule() -> None:
    with pytest.raises(ValueError, match="'bench'"):
        cap.seats_per_table(8, 2, "bench")


# ---------------------------------------------------------------------------------------------
# Queues
# ---------------------------------------------------------------------------------------------


def test_queue_quantile_mm1_hand_worked() -> None:
    # M/M/1 at rho = 0.5: C = rho = 0.5, P(Lq >= k) = 0.5 * 0.5^k, so the 95th percentile is
    # ln(0.05 / 0.5) / ln 0.5 = 3.32; exponential service (cv² = 1) leaves it unscaled.
    expected = math.log(0.1) / math.log(0.5)
    assert cap.queue_quantile_people(1, 0.5, 1.0) == pytest.approx(expected)
    # cv² = 0.5 scales it by the Allen–Cunneen factor (1 + 0.5)/2 = 0.75.
    assert cap.queue_quantile_people(1, 0.5, 0.5) == pytest.approx(expected * 0.75)


def test_queue_quantile_two_lanes_hand_worked() -> None:
    # M/M/2 at rho = 0.5 (a = 1): Erlang C(2, 1) = 1/3; quantile ln(0.05 * 3) / ln 0.5 = 2.74.
    assert cap.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert cap.queue_quantile_people(2, 0.5, 1.0) == pytest.approx(math.log(0.15) / math.log(0.5))


def test_queue_quantile_edges() -> None:
    assert cap.queue_quantile_people(1, 0.0, 1.0) == 0.0  # nobody arrives
    assert cap.queue_quantile_people(1, 0.04, 1.0) == 0.0  # waits with probability 0.04 <= 5 %
    assert cap.queue_quantile_people(2, 1.0, 1.0) == math.inf  # saturated
    assert cap.queue_quantile_people(2, 1.5, 1.0) == math.inf  # overloaded


def _gate(**kw: Any) -> Entrance:
    """A gate with manual screening, 30 s a person on average (DOMAIN)."""
    return Entrance(id="A", **kw)


def test_gate_window_capacity_uses_the_utilisation_given() -> None:
    # 2 lanes at 30 s: 4 a minute, 40 a 10-minute window; at utilisation 0.5 -> 20, under the
    # policy's 0.85 -> 34 (the 200 m queue never binds).
    gate = _gate(lanes=2, queue_length_m=200.0)
    assert cap.gate_window_capacity(gate, Policy(), 10, utilisation=0.5) == 20
    assert cap.gate_window_capacity(gate, Policy(), 10) == 34


def test_gate_window_capacity_without_staff_for_a_lane_is_zero() -> None:
    # 1 staff, 2 staff a lane: floor(1/2) = 0 lanes open -> nobody gets in.
    assert cap.gate_window_capacity(_gate(lanes=2, staff=1), Policy(staff_per_lane=2), 10) == 0


def test_gate_window_capacity_without_queue_places_is_zero() -> None:
    # 0.5 m of queue at 1 m spacing: 0 places. 1 lane at 30 s for 5 minutes = 10 a window; even one
    # student is a load of rho = 0.1, who waits with probability 0.1 > 5 %: the 95th-percentile queue
    # is above 0 places -> 0.
    assert cap.gate_window_capacity(_gate(lanes=1, queue_length_m=0.5), Policy(), 5) == 0


def test_exit_rate_divides_by_the_spacing() -> None:
    # 2 lanes, 1.2 m/s, one person every 1.5 m: 2 x 1.2 / 1.5 x 60 = 96 a minute.
    policy = Policy(queue_spacing_m=1.5)
    assert cap.exit_rate_per_min(_gate(lanes=2), policy) == pytest.approx(96.0)


def test_derived_gate_figures_hand_worked(base: dict[str, Any]) -> None:
    # Gate A: 2 lanes, 2 staff at 1 a lane -> 2 open; 20 m of queue at 1.5 m -> 13 places a lane,
    # 26 in all; manual screening 30 s -> 2 x 60 / 30 = 4 a minute; leaving at 1.2 m/s one every
    # 1.5 m -> 96 a minute, 480 in a 5-minute dismissal slot.
    d = derived(_school(base, queue_spacing_m=1.5))
    assert d.open_lanes == (2,)
    assert d.queue_places == (26,)
    assert d.screen_per_min == pytest.approx((4.0,))
    assert d.exit_per_slot == (480,)


def _largest_load_that_fits(gate: Entrance, policy: Policy, window_min: int) -> int:
    """The gate-window rule read literally: the largest load n, up to the throughput bound, whose
    95th-percentile queue fits the marked places (every n tried in turn)."""
    lanes = cap.open_lanes(gate, policy.staff_per_lane)
    per_min = cap.gate_throughput_per_min(lanes, gate.service_time_s.mean_value)
    bound = math.floor(per_min * window_min * policy.target_utilisation + 1e-9)
    places = lanes * cap.queue_places_per_lane(gate.queue_length_m, policy.queue_spacing_m)
    fits = [
        n
        for n in range(bound + 1)
        if cap.queue_quantile_people(lanes, n / (per_min * window_min), gate.service_time_s.cv2) <= places
    ]
    return max(fits)


@pytest.mark.parametrize(
    ("lanes", "queue_length_m", "window_min"),
    [(1, 1.0, 10), (1, 2.0, 30), (2, 1.0, 10), (2, 3.0, 20), (3, 2.0, 15), (4, 1.0, 60), (1, 0.5, 15)],
)
def test_gate_window_capacity_is_the_largest_load_whose_queue_fits(
    lanes: int, queue_length_m: float, window_min: int
) -> None:
    # Short marked queues, so the queue-space limit binds below the throughput bound.
    gate = _gate(lanes=lanes, staff=lanes, queue_length_m=queue_length_m)
    assert cap.gate_window_capacity(gate, Policy(), window_min) == _largest_load_that_fits(
        gate, Policy(), window_min
    )


def test_gate_without_queue_places_lets_in_who_rarely_waits() -> None:
    # 0.5 m of queue at 1 m: 0 places. 1 lane at 30 s for 15 minutes = 30 a window. One student is a
    # load of 1/30: waits with probability 0.033 <= 5 %, 95th-percentile queue 0 -> fits; two (0.067)
    # do not -> 1.
    assert cap.gate_window_capacity(_gate(lanes=1, queue_length_m=0.5), Policy(), 15) == 1


def test_desk_grid_spacing_that_fills_the_pitch_exactly_uses_every_desk() -> None:
    # 0.6 m desk + 0.6 m = 1.2 m = the column pitch: every desk along a row (k = 1); 0.4 + 0.6 = 1.0
    # < 1.2 across rows: every row -> all 8 x 6 = 48.
    assert cap.desk_grid_capacity(DeskGrid(rows=8, cols=6), 0.6) == 48


def test_room_capacity_applies_the_spacing_to_a_desk_grid() -> None:
    # The 8 x 6 grid at 1 m spacing seats every 2nd desk and every 2nd row: 4 x 3 = 12.
    room = Room(id="R", building="B", area_m2=60.0, desk_grid=DeskGrid(rows=8, cols=6))
    assert cap.room_capacity(room, Policy(room_distancing=RoomDistancing(desk_spacing_m=1.0))) == 12


def test_erlang_c_edges() -> None:
    assert cap.erlang_c(2, 0.0) == 0.0  # nobody arrives, nobody waits
    assert cap.erlang_c(2, 3.0) == 1.0  # overloaded: everyone waits
