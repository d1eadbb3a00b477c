"""Derived capacities on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Canteen, DeskGrid, Entrance, Policy, Room, RoomDistancing


def test_desk_grid_one_per_desk_without_spacing() -> None:
    # 8 rows x 6 cols, pitch 1.2 m > desk: every desk used -> 48 (DOMAIN: one student per desk).
    assert cap.desk_grid_capacity(DeskGrid(rows=8, cols=6), 0.0) == 48


def test_desk_grid_with_spacing_skips_desks() -> None:
    # desk 0.6 wide + 1 m = 1.6 > 1.2 pitch -> every 2nd desk in a row: ceil(6/2)=3;
    # desk 0.4 deep + 1 m = 1.4 > 1.2 pitch -> every 2nd row: ceil(8/2)=4 -> 12 students.
    assert cap.desk_grid_capacity(DeskGrid(rows=8, cols=6), 1.0) == 12
    # with 0.5 m: (0.6+0.5)/1.2 -> 1 (every desk along a row); (0.4+0.5)/1.2 -> 1 -> 48.
    assert cap.desk_grid_capacity(DeskGrid(rows=8, cols=6), 0.5) == 48


def test_desk_grid_with_spacing_rounds_partial_rows_and_columns_up() -> None:
    # Every 2nd desk from the first: 7 rows use rows 1, 3, 5, 7 -> 4; 5 columns use 1, 3, 5 -> 3;
    # 12 students (a floor of 7/2 and 5/2 would give 3 x 2 = 6).
    assert cap.desk_grid_capacity(DeskGrid(rows=7, cols=5), 1.0) == 12
    # 2 m apart: along a row (0.6+2)/1.2 = 2.17 -> every 3rd desk, ceil(7/3) = 3 (columns 1, 4, 7);
    # across rows (0.4+2)/1.2 = 2 exactly -> every 2nd row, ceil(9/2) = 5 -> 15.
    assert cap.desk_grid_capacity(DeskGrid(rows=9, cols=7), 2.0) == 15
    # wider pitches: (0.6+1)/1.5 = 1.07 -> every 2nd column, ceil(5/2)=3; (0.4+1)/1.5 < 1 -> every row, 6.
    assert cap.desk_grid_capacity(DeskGrid(rows=6, cols=5, col_pitch_m=1.5, row_pitch_m=1.5), 1.0) == 18


def test_dimension_capacity_formula() -> None:
    # 9 m x 8 m free room, 0.6 x 0.4 desks, 1 m apart: floor(9/1.4)=6 x floor(8/1.6)=5 = 30.
    assert cap.dimension_capacity(9.0, 8.0, 0.6, 0.4, 1.0) == 30


def test_dimension_capacity_floors_partial_desks() -> None:
    # 9.9 m x 7.9 m, 1 m apart: floor(9.9/1.4 = 7.07) = 7 rows x floor(7.9/1.6 = 4.94) = 4 desks = 28
    # (rounding to nearest would give 7 x 5 = 35).
    assert cap.dimension_capacity(9.9, 7.9, 0.6, 0.4, 1.0) == 28
    # 6.9 m x 5.5 m, 0.5 m apart: floor(6.9/0.9 = 7.67) = 7 x floor(5.5/1.1 = 5) = 5 -> 35.
    assert cap.dimension_capacity(6.9, 5.5, 0.6, 0.4, 0.5) == 35


def test_dimension_capacity_exact_fit_counts_the_last_desk() -> None:
    # 4.2 m deep at 0.4 + 0.2 = 0.6 m a row is exactly 7 rows (4.2 / 0.6 is 6.999... in floats);
    # 4.8 m wide at 0.6 + 0.2 = 0.8 m is exactly 6 desks: 42.
    assert cap.dimension_capacity(4.2, 4.8, 0.6, 0.4, 0.2) == 42


def test_area_capacity() -> None:
    # DOMAIN: at least 3 m² per student: 64 m² -> 21 students.
    assert cap.area_capacity(64.0, 3.0) == 21
    assert cap.area_capacity(63.0, 3.0) == 21  # exact multiple, no float trouble


def test_room_capacity_takes_the_smaller_rule() -> None:
    room = Room(id="R", building="B", area_m2=60.0, desk_grid=DeskGrid(rows=8, cols=6))
    only_desks = Policy()
    assert cap.room_capacity(room, only_desks) == 48
    with_area = Policy(room_distancing=RoomDistancing(min_area_per_student_m2=3.0))
    assert cap.room_capacity(room, with_area) == 20  # min(48, floor(60/3)=20)


def test_room_capacity_free_room_and_standard() -> None:
    free = Room(id="R", building="B", area_m2=72.0, length_m=9.0, width_m=8.0)
    spaced = Policy(room_distancing=RoomDistancing(desk_spacing_m=1.0))
    assert cap.room_capacity(free, spaced) == 30
    # No rule applies: GB 50099-2011 design standard, 72 / 1.39 = 51.8 -> 51.
    assert cap.room_capacity(free, Policy()) == 51


@pytest.mark.parametrize(
    ("rule", "seats", "sides", "expected"),
    [
        ("every_seat", 8, 2, 8),
        ("skip_a_seat", 8, 2, 4),  # 2 sides x ceil(4/2)
        ("skip_a_seat", 6, 2, 4),  # 2 sides x ceil(3/2)=2
        ("skip_offset", 8, 2, 4),  # one side 1,3; the other 2,4 -> 4
        ("skip_offset", 6, 2, 3),  # 2 + 1
        ("one_side", 8, 2, 2),  # one side of 4, every other seat
        ("skip_offset", 4, 1, 2),  # single-sided bench of 4
    ],
)
def test_seats_per_table(rule: str, seats: int, sides: int, expected: int) -> None:
    assert cap.seats_per_table(seats, sides, rule) == expected


def test_canteen_capacity_and_sittings() -> None:
    c = Canteen(
        tables=50,
        seats_per_table=8,
        seating_rule="skip_offset",
        first_sitting_at="11:40",
        sitting_min=25,
        cleaning_min=15,
    )
    assert cap.canteen_capacity(c) == 200
    assert cap.sitting_start_min(c, 1) == 11 * 60 + 40
    assert cap.sitting_start_min(c, 3) == 11 * 60 + 40 + 2 * 40
    assert cap.canteen_capacity(Canteen(mode="delivered")) == 0


def test_queue_places_per_lane() -> None:
    assert cap.queue_places_per_lane(20.0, 1.0) == 20
    assert cap.queue_places_per_lane(20.0, 1.5) == 13  # DOMAIN: some plans mark every 1.5 m
    assert cap.queue_places_per_lane(4.5, 1.5) == 3  # exact division


def test_gate_throughput_manual_screening() -> None:
    # DOMAIN: ~30 s a person -> 2 a minute, ~120 an hour per lane.
    assert cap.gate_throughput_per_min(1, 30.0) == pytest.approx(2.0)
    assert cap.gate_throughput_per_min(3, 30.0) * 60 == pytest.approx(360.0)


def test_open_lanes_limited_by_staff() -> None:
    e = Entrance(id="A", lanes=4, staff=3)
    assert cap.open_lanes(e, 1) == 3
    assert cap.open_lanes(e, 2) == 1


def test_erlang_c_known_values() -> None:
    # M/M/1: P(wait) = rho.
    assert cap.erlang_c(1, 0.7) == pytest.approx(0.7)
    # M/M/2 with a = 1 (rho = 0.5): C = 1/3 (textbook value).
    assert cap.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    # Direct formula check for c = 5, a = 4.
    c, a = 5, 4.0
    top = a**c / math.factorial(c) * c / (c - a)
    direct = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    assert cap.erlang_c(c, a) == pytest.approx(direct)


def test_gate_window_capacity_throughput_bound() -> None:
    # 2 lanes x 2/min x 10 min x 0.85 = 34; roomy queue space so throughput binds.
    e = Entrance(
        id="A",
        lanes=2,
        staff=2,
        queue_length_m=100.0,
        service_time_s={"dist": "deterministic", "value": 30.0},
    )
    assert cap.gate_window_capacity(e, Policy(), 10) == 34


def test_gate_window_capacity_queue_space_bound() -> None:
    # Only 1 marked place per lane: the 95th-percentile queue must stay <= 2 people, which
    # cuts the load below the throughput bound.
    e = Entrance(
        id="A", lanes=2, staff=2, queue_length_m=1.0, service_time_s={"dist": "exponential", "mean": 30.0}
    )
    tight = cap.gate_window_capacity(e, Policy(), 10)
    assert 0 < tight < 34
    rho = tight / 40
    assert cap.queue_quantile_people(2, rho, 1.0) <= 2
    assert cap.queue_quantile_people(2, (tight + 1) / 40, 1.0) > 2


def test_exit_rate() -> None:
    # 2 lanes, 1.2 m/s, 1 m apart: 1.2 people/s per lane -> 144 a minute.
    e = Entrance(id="A", lanes=2)
    assert cap.exit_rate_per_min(e, Policy()) == pytest.approx(144.0)


def test_split_over_rooms() -> None:
    assert cap.split_over_rooms(55, [48, 36]) == [48, 7]
    assert cap.split_over_rooms(40, [48]) == [40]
    assert cap.split_over_rooms(90, [48, 36]) == [48, 42]  # overflow stays visible in the last room


def test_walk_distance_table_graph_and_stairs() -> None:
    from reopen_sim.scenario.load import scenario_from_dict

    sc = scenario_from_dict(
        {
            "school": {"name": "W"},
            "day": {
                "earliest_arrival_at": "07:50",
                "latest_arrival_at": "08:10",
                "first_class_at": "08:30",
                "dismissal_start_at": "16:00",
            },
            "classes": [{"id": "1-1", "grade": 1, "students": 10}],
            "entrances": [
                {"id": "A", "lanes": 1, "staff": 2, "walk_m": {"Main": 30}},
                {"id": "B", "lanes": 1, "staff": 2, "node": "gateB"},
            ],
            "rooms": [
                {"id": "R1", "building": "Main", "floor": 3, "area_m2": 50},
                {"id": "R2", "building": "Annex", "floor": 1, "area_m2": 50},
            ],
            # gateB -> Main is shorter through the yard (50 + 20) than direct (100).
            "campus": {
                "edges": [
                    {"a": "gateB", "b": "yard", "m": 50},
                    {"a": "yard", "b": "Main", "m": 20},
                    {"a": "gateB", "b": "Main", "m": 100},
                    {"a": "yard", "b": "Annex", "m": 15},
                ]
            },
        }
    )
    a, b = sc.entrances
    r1, r2 = sc.rooms
    assert cap.walk_m(sc, a, r1) == 30 + 2 * 4  # table + two storeys of stairs
    assert cap.walk_m(sc, b, r1) == 70 + 8  # Dijkstra through the yard
    assert cap.walk_m(sc, b, r2) == 65
    assert cap.walk_m(sc, a, r2) == 0  # no table entry and no graph node: unknown, 0


def test_rooms_needed_per_class() -> None:
    # Largest rooms 25, 25, 20: 20 students need 1; 30 need 2 (25 + 25); 80 cannot fit in 2.
    assert cap.min_rooms_needed(20, [20, 25, 25], 2) == 1
    assert cap.min_rooms_needed(30, [20, 25, 25], 2) == 2
    assert cap.min_rooms_needed(80, [20, 25, 25], 2) is None
    assert cap.max_rooms_per_class(Policy()) == 2
    assert cap.max_rooms_per_class(Policy(allow_split_classes=False, max_rooms_per_class=3)) == 1


@pytest.mark.parametrize(
    "path",
    ["scenarios/tiny-school.yaml", "scenarios/primary-school.yaml", "scenarios/high-school.yaml"],
)
def test_derived_capacities_are_the_formulas_computed_once(path: str) -> None:
    from reopen_sim.scenario.derived import derived
    from reopen_sim.scenario.load import load_scenario

    sc = load_scenario(path)
    d = derived(sc)
    assert derived(sc) is d  # cached on the scenario
    pol = sc.policy
    assert dict(d.room_seats) == cap.room_capacities(sc)
    assert dict(d.kept_home_rooms) == cap.kept_home_rooms(sc)
    assert d.gate_window == tuple(cap.gate_window_capacity(e, pol, sc.day.window_min) for e in sc.entrances)
    assert d.canteen_seats == cap.canteen_capacity(sc.canteen)
    assert d.max_rooms_per_class == cap.max_rooms_per_class(pol)
    for g, e in enumerate(sc.entrances):
        assert d.exit_per_slot[g] == math.floor(
            cap.exit_rate_per_min(e, pol) * sc.day.dismissal_gap_min + 1e-9
        )
    # A changed scenario (a new frozen object) gets its own figures.
    slower = sc.model_copy(update={"policy": pol.model_copy(update={"target_utilisation": 0.5})})
    assert derived(slower).gate_window != d.gate_window
    assert derived(sc) is d
