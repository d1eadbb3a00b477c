"""Contacts on hand-worked synthetic traces: queues, spill, canteen tables, rooms, dorms, tracing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from scipy import stats as st

from exposure_fakes import FakeResult, plan_for, scenario, trace
from reopen_sim.errors import InputError
from reopen_sim.exposure.contacts import contacts
from reopen_sim.exposure.model import ContactModel
from reopen_sim.exposure.seating import seat_distance_m, used_seats
from reopen_sim.scenario.capacity import seats_per_table


def _pair(res, setting, a, b):
    p = res.pairs
    a, b = min(a, b), max(a, b)
    rows = p[(p["setting"] == setting) & (p["a"] == a) & (p["b"] == b)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _two_in_a_lane():
    sc = scenario([{"id": "A", "grade": 1, "students": 2}])
    tr = trace(
        [
            {
                "student_id": "A-01",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 480.0,
                "t_service_start": 492.0,
                "t_service_end": 492.5,
            },
            {
                "student_id": "A-02",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 480.0,
                "t_service_start": 492.5,
                "t_service_end": 493.0,
            },
        ]
    )
    return sc, FakeResult(plan_for(sc), [tr])


def test_two_students_adjacent_in_a_lane_for_12_minutes():
    sc, res = _two_in_a_lane()
    c15 = contacts(sc, res, threshold_m=1.0, min_minutes=15.0)
    row = _pair(c15, "queue", "A-01", "A-02")
    assert row["minutes"] == 12.0
    assert row["close_minutes"] == 12.0  # 1 m markers are within the 1 m threshold (WHO: "within 1 m")
    assert row["distance_m"] == 1.0
    assert not row["close"]
    c10 = contacts(sc, res, threshold_m=1.0, min_minutes=10.0)
    assert _pair(c10, "queue", "A-01", "A-02")["close"]
    # at a 0.9 m threshold the 1 m spacing is never close, whatever the time
    c09 = contacts(sc, res, threshold_m=0.9, min_minutes=10.0)
    assert _pair(c09, "queue", "A-01", "A-02")["close_minutes"] == 0.0


def test_screening_staff_contact_lasts_the_service_time():
    sc, res = _two_in_a_lane()
    c = contacts(sc, res)
    row = _pair(c, "screening", "STAFF-g-L1", "A-02")
    assert row["minutes"] == pytest.approx(0.5)
    assert row["distance_m"] == ContactModel().screening_distance_m
    assert row["mixing"] == "staff"


def _spill_result(queue_length_m: float):
    # spacing 1.5 m; marked places = floor(queue_length / 1.5)
    sc = scenario(
        [{"id": "A", "grade": 1, "students": 3}],
        queue_length_m=queue_length_m,
        policy={"queue_spacing_m": 1.5},
    )
    tr = trace(
        [
            {
                "student_id": "A-01",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 480.0,
                "t_service_start": 490.0,
                "t_service_end": 490.5,
            },
            {
                "student_id": "A-02",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 482.0,
                "t_service_start": 495.0,
                "t_service_end": 495.5,
            },
            {
                "student_id": "A-03",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 484.0,
                "t_service_start": 500.0,
                "t_service_end": 500.5,
            },
        ]
    )
    return sc, FakeResult(plan_for(sc), [tr])


def test_queue_spill_past_one_marked_place_closes_up():
    # One marked place: A-02 stands spilled until A-01 leaves at 490; A-03 until A-02 leaves at 495,
    # which is when their overlap ends, so both pairs spend their whole overlap at 0.6 m.
    sc, res = _spill_result(queue_length_m=1.5)
    c = contacts(sc, res)
    r12 = _pair(c, "queue", "A-01", "A-02")
    assert (r12["minutes"], r12["close_minutes"], r12["distance_m"]) == (8.0, 8.0, 0.6)
    r23 = _pair(c, "queue", "A-02", "A-03")
    assert (r23["minutes"], r23["close_minutes"], r23["distance_m"]) == (11.0, 11.0, 0.6)
    # a looser spill model (1.2 m) is never within 1 m
    wide = contacts(sc, res, model=ContactModel(spill_spacing_m=1.2))
    assert _pair(wide, "queue", "A-02", "A-03")["close_minutes"] == 0.0


def test_queue_spill_then_marked_splits_the_overlap():
    # Two marked places: A-03 (rank 2) reaches the markers when A-01 leaves at 490. Its overlap with
    # A-02, [484, 495), is 6 min spilled (0.6 m, within 1 m) then 5 min at the 1.5 m markers.
    sc, res = _spill_result(queue_length_m=3.0)
    c = contacts(sc, res)
    r23 = _pair(c, "queue", "A-02", "A-03")
    assert r23["minutes"] == 11.0
    assert r23["close_minutes"] == 6.0
    assert r23["distance_m"] == 0.6
    r12 = _pair(c, "queue", "A-01", "A-02")  # rank 1 < 2 places: always on the markers
    assert (r12["minutes"], r12["close_minutes"], r12["distance_m"]) == (8.0, 0.0, 1.5)


def test_neighbours_are_per_lane_and_only_consecutive():
    sc = scenario([{"id": "A", "grade": 1, "students": 3}, {"id": "B", "grade": 2, "students": 1}], lanes=2)
    tr = trace(
        [
            {
                "student_id": "A-01",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 480.0,
                "t_service_start": 490.0,
                "t_service_end": 490.5,
            },
            {
                "student_id": "B-01",
                "class_id": "B",
                "grade": 2,
                "gate": "g",
                "lane": 2,
                "t_arrive": 480.5,
                "t_service_start": 490.0,
                "t_service_end": 490.5,
            },
            {
                "student_id": "A-02",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 481.0,
                "t_service_start": 490.5,
                "t_service_end": 491.0,
            },
            {
                "student_id": "A-03",
                "class_id": "A",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 482.0,
                "t_service_start": 491.0,
                "t_service_end": 491.5,
            },
        ]
    )
    c = contacts(sc, FakeResult(plan_for(sc), [tr]))
    q = c.pairs[c.pairs["setting"] == "queue"]
    assert sorted(zip(q["a"], q["b"], strict=True)) == [("A-01", "A-02"), ("A-02", "A-03")]
    # one common line per gate ("shared" lane choice): neighbours over the whole gate by arrival
    shared = contacts(sc, FakeResult(plan_for(sc), [tr], lane_choice="shared"))
    q = shared.pairs[shared.pairs["setting"] == "queue"]
    assert sorted(zip(q["a"], q["b"], strict=True)) == [("A-01", "B-01"), ("A-02", "A-03"), ("A-02", "B-01")]
    assert set(q.loc[q["b"] == "B-01", "mixing"]) == {"cross_grade"}


# ------------------------------------------------------------------------------------- canteen


def test_seat_geometry_defaults():
    d = seat_distance_m(
        np.array([1, 1, 1, 1]),
        np.array([2, 5, 6, 3]),
        seats_per_table=8,
        sides=2,
        seat_pitch_m=0.6,
        table_width_m=0.8,
    )
    assert list(d) == [0.6, 0.8, 1.0, 1.2]  # beside, facing, diagonal, two along


@pytest.mark.parametrize("rule", ["every_seat", "skip_a_seat", "skip_offset", "one_side"])
@pytest.mark.parametrize(("seats", "sides"), [(8, 2), (6, 2), (4, 1), (10, 2)])
def test_used_seats_match_the_capacity_count(rule, seats, sides):
    assert len(used_seats(seats, sides, rule)) == seats_per_table(seats, sides, rule)


def _table(rule: str):
    seats = used_seats(8, 2, rule)
    n = len(seats)
    sc = scenario(
        [{"id": "C", "grade": 1, "students": n}],
        canteen={"mode": "sittings", "tables": 1, "seats_per_table": 8, "sides": 2, "seating_rule": rule},
    )
    tr = trace(
        [
            {
                "student_id": f"C-{k + 1:02d}",
                "class_id": "C",
                "grade": 1,
                "canteen_sitting": 1,
                "table": 1,
                "seat": s,
                "t_meal_start": 700.0,
                "t_meal_end": 725.0,
            }
            for k, s in enumerate(seats)
        ]
    )
    return sc, FakeResult(plan_for(sc), [tr]), seats


def test_skip_a_seat_table_gives_exactly_the_facing_pairs_as_close():
    sc, res, seats = _table("skip_a_seat")
    assert seats == [1, 3, 5, 7]  # C-01 C-02 on side A, C-03 C-04 facing them on side B
    c = contacts(sc, res)
    can = c.pairs[c.pairs["setting"] == "canteen"].set_index(["a", "b"])
    assert len(can) == 6  # every table-mate is listed
    assert set(can.index[can["close"]]) == {("C-01", "C-03"), ("C-02", "C-04")}
    assert can.loc[("C-01", "C-03"), "distance_m"] == 0.8
    assert can.loc[("C-01", "C-02"), "distance_m"] == 1.2
    assert can.loc[("C-01", "C-04"), "distance_m"] == pytest.approx(math.hypot(0.8, 1.2))
    assert (can["minutes"] == 25.0).all()


def test_skip_offset_leaves_only_diagonal_neighbours():
    sc, res, seats = _table("skip_offset")
    assert seats == [1, 3, 6, 8]
    c = contacts(sc, res)
    can = c.pairs[c.pairs["setting"] == "canteen"]
    assert can["distance_m"].min() == 1.0  # nobody beside (0.6 m) or opposite (0.8 m)
    diag = can[can["distance_m"] == 1.0]
    assert sorted(zip(diag["a"], diag["b"], strict=True)) == [
        ("C-01", "C-03"),
        ("C-02", "C-03"),
        ("C-02", "C-04"),
    ]
    assert diag["close"].all()  # exactly 1 m is "within 1 m"
    strict = contacts(sc, res, threshold_m=0.99)
    assert not strict.pairs["close"].any()


def test_every_seat_has_beside_and_facing_neighbours():
    sc, res, _ = _table("every_seat")
    c = contacts(sc, res)
    can = c.pairs[c.pairs["setting"] == "canteen"]
    assert (can["distance_m"] == 0.6).sum() == 6  # 3 beside-pairs on each of 2 sides
    assert (can["distance_m"] == 0.8).sum() == 4  # 4 facing pairs
    assert can["close"].sum() == 6 + 4 + 6  # plus 6 diagonals at exactly 1.0 m


# -------------------------------------------------------------------------------- rooms, dorms


def _boarding_class():
    sc = scenario(
        [{"id": "B", "grade": 1, "students": 3, "boarding": True}, {"id": "D", "grade": 2, "students": 1}],
        policy={"dorm_room_size": 2},
    )
    tr = trace(
        [
            {
                "student_id": "B-01",
                "class_id": "B",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 480.0,
                "t_service_start": 484.0,
                "t_service_end": 484.5,
                "room": "R0",
                "t_room": 490.0,
            },
            {
                "student_id": "B-02",
                "class_id": "B",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 481.0,
                "t_service_start": 484.5,
                "t_service_end": 485.0,
                "room": "R0",
                "t_room": 500.0,
                "t_meal_start": 700.0,
                "t_meal_end": 730.0,
            },
            {
                "student_id": "B-03",
                "class_id": "B",
                "grade": 1,
                "gate": "g",
                "lane": 1,
                "t_arrive": 482.0,
                "t_service_start": 485.0,
                "t_service_end": 485.5,
                "outcome": "isolated",
            },
            {
                "student_id": "D-01",
                "class_id": "D",
                "grade": 2,
                "gate": "g",
                "lane": 1,
                "t_arrive": 483.0,
                "t_service_start": 485.5,
                "t_service_end": 486.0,
                "room": "R1",
                "t_room": 495.0,
            },
        ]
    )
    return sc, FakeResult(plan_for(sc, dismissal_min=960), [tr])


def test_room_time_shared_and_dorm_rooms_by_number():
    sc, res = _boarding_class()
    c = contacts(sc, res)
    occ = c.occupancy.set_index("student_id")
    assert occ.loc["B-01", "dorm"] == "B-D1" and occ.loc["B-02", "dorm"] == "B-D1"
    assert occ.loc["B-03", "dorm"] == "B-D2"
    st_ = c.stats.set_index(["setting", "mixing"])
    # B-01 in R0 [490, 960); B-02 [500, 700) ∪ [730, 960): shared 200 + 230 = 430 min
    assert st_.loc[("room", "same_class"), "contact_min"] == 430.0
    assert st_.loc[("room", "same_class"), "close_pairs"] == 1  # B-03 was isolated: no room time
    # B-01 and B-02 share dorm B-D1 overnight; B-03 (alone in B-D2) shares nothing
    assert st_.loc[("dorm", "same_class"), "contact_min"] == ContactModel().dorm_night_min
    assert st_.loc[("dorm", "same_class"), "contacts"] == 1


def test_tracing_lists_whole_class_dorm_and_queue_neighbours():
    sc, res = _boarding_class()
    c = contacts(sc, res)
    t = c.close_contacts("B-02")
    assert list(t.columns[:3]) == ["contact_id", "setting", "group"]
    room = t[t["setting"] == "room"].set_index("contact_id")
    assert set(room.index) == {"B-01", "B-03"}  # the whole class, even the isolated student
    assert room.loc["B-01", "minutes"] == 430.0
    assert room.loc["B-03", "minutes"] == 0.0
    assert room["close"].all()
    assert set(t.loc[t["setting"] == "dorm", "contact_id"]) == {"B-01"}
    assert set(t.loc[t["setting"] == "queue", "contact_id"]) == {"B-01", "B-03"}
    assert set(t.loc[t["setting"] == "screening", "contact_id"]) == {"STAFF-g-L1"}
    # groups in order: class, dorm, queue, …, staff
    order = list(dict.fromkeys(t["setting"]))
    assert order == ["room", "dorm", "queue", "screening"]
    # the grade-2 student behind B-03 is a queue contact of B-03 only, and crosses grades
    t3 = c.close_contacts("B-03")
    q3 = t3[t3["setting"] == "queue"].set_index("contact_id")
    assert set(q3.index) == {"B-02", "D-01"}
    assert q3.loc["D-01", "grade"] == 2


def test_tracing_an_unknown_student_names_it():
    sc, res = _boarding_class()
    c = contacts(sc, res)
    with pytest.raises(InputError) as err:
        c.close_contacts("B-99")
    assert "B-99" in str(err.value) and "CLASSID-NN" in str(err.value)


def test_staff_can_be_traced():
    sc, res = _boarding_class()
    t = contacts(sc, res).close_contacts("STAFF-g-L1")
    assert set(t["contact_id"]) == {"B-01", "B-02", "B-03", "D-01"}
    assert (t["setting"] == "screening").all()


def test_bad_thresholds_are_input_errors():
    sc, res = _two_in_a_lane()
    with pytest.raises(InputError, match="threshold_m"):
        contacts(sc, res, threshold_m=0)
    with pytest.raises(InputError, match="min_minutes"):
        contacts(sc, res, min_minutes=-1)


# ------------------------------------------------------------------------------------- summaries


def test_summary_mean_and_t_interval_over_replications():
    sc, one = _two_in_a_lane()
    tr0 = one.day_traces[0]
    tr1 = tr0.copy()
    tr1.loc[0, "t_service_start"] = 488.0  # overlap 8 min instead of 12
    tr1.loc[0, "t_service_end"] = 488.5
    c = contacts(sc, FakeResult(one.plan, [tr0, tr1]), min_minutes=10.0)
    s = c.summary().set_index(["setting", "mixing"])
    row = s.loc[("queue", "same_class")]
    assert row["contact_min_mean"] == 10.0
    half = st.t.ppf(0.975, 1) * np.std([12.0, 8.0], ddof=1) / np.sqrt(2)
    assert row["contact_min_ci_low"] == pytest.approx(10.0 - half)
    assert row["contact_min_ci_high"] == pytest.approx(10.0 + half)
    assert row["close_pairs_mean"] == 0.5  # close at 12 min, not at 8
    assert s.loc[("queue", "all"), "contact_min_mean"] == 10.0
    assert s.loc[("queue", "cross_grade"), "contacts_mean"] == 0.0
    assert isinstance(s, pd.DataFrame) and s["replications"].eq(2).all()


def test_any_setting_counts_cumulative_minutes_once_per_pair():
    # 12 min in the gate queue + 6 min in the dismissal queue: neither setting alone reaches 15 min,
    # together they do (WHO/ECDC: cumulative over the day).
    sc, one = _two_in_a_lane()
    tr = one.day_traces[0].copy()
    tr["gate"] = "g"
    tr["exit_lane"] = 1
    tr["t_exit_join"] = [960.0, 960.0]
    tr["t_exit"] = [966.0, 967.0]
    c = contacts(sc, FakeResult(one.plan, [tr]))
    s = c.stats.set_index(["setting", "mixing"])
    assert s.loc[("queue", "same_class"), "close_pairs"] == 0
    assert s.loc[("exit", "same_class"), "close_pairs"] == 0
    assert s.loc[("any", "same_class"), "close_pairs"] == 1
    assert s.loc[("any", "same_class"), "contacts"] == 1
    t = c.close_contacts("A-01")
    assert t.loc[t["setting"] == "queue", "p_close"].iloc[0] == 1.0


def test_seat_numbering_matches_the_simulation():
    from reopen_sim.simulation.canteen import allowed_seats

    for rule in ("every_seat", "skip_a_seat", "skip_offset", "one_side"):
        for seats, sides in ((8, 2), (6, 2), (10, 2), (4, 1), (7, 1)):
            assert used_seats(seats, sides, rule) == allowed_seats(seats, sides, rule), (rule, seats, sides)


def _excess(join, start, k):
    ev = np.r_[join, start]
    d = np.r_[np.ones(len(join)), -np.ones(len(start))]
    o = np.lexsort((-d, ev))
    level = np.cumsum(d[o])
    return float(np.sum(np.maximum(level[:-1] - k, 0) * np.diff(ev[o])))


@settings(max_examples=60, deadline=None)
@given(
    gaps=hst.lists(hst.floats(0.0, 3.0), min_size=2, max_size=25),
    services=hst.lists(hst.floats(0.05, 4.0), min_size=25, max_size=25),
    places=hst.integers(0, 6),
)
def test_queue_pairs_match_line_integrals_on_random_fifo_lanes(gaps, services, places):
    """Property: for any FIFO lane, Σ pair minutes = ∫(L−1)⁺dt and Σ spilled minutes = ∫(L−places)⁺dt."""
    from reopen_sim.exposure.queue import queue_pairs

    join = 480.0 + np.cumsum(gaps)
    start = np.empty_like(join)
    free = -np.inf
    for i, t in enumerate(join):  # Lindley: start = max(arrival, previous departure)
        start[i] = max(t, free)
        free = start[i] + services[i]
    df = pd.DataFrame(
        {
            "student_id": [f"A-{i + 1:02d}" for i in range(len(join))],
            "gate": "g",
            "lane": 1,
            "t_join": join,
            "t_leave": start,
        }
    )
    q = queue_pairs(df, places={"g": places}, spacing_m=1.0, spill_spacing_m=0.5, threshold_m=0.6)
    assert q["minutes"].sum() == pytest.approx(_excess(join, start, 1), abs=1e-6)
    assert q["close_minutes"].sum() == pytest.approx(_excess(join, start, max(places, 1)), abs=1e-6)


def test_graph_has_people_groups_and_setting_edges():
    sc, res = _boarding_class()
    g = contacts(sc, res).graph(0)
    G = g.graph
    assert G.nodes["B-01"]["kind"] == "student" and G.nodes["B-01"]["dorm"] == "B-D1"
    assert G.nodes["STAFF-g-L1"]["kind"] == "staff"
    assert G.nodes["class:B"]["kind"] == "class" and G.nodes["dorm:B-D1"]["kind"] == "dorm"
    assert set(G["class:B"]) == {"B-01", "B-02", "B-03"}
    assert set(G["dorm:B-D1"]) == {"B-01", "B-02"}
    e = G.get_edge_data("B-01", "B-02")
    assert set(e) == {"queue"}  # rooms and dorms are group nodes, not cliques of edges
    assert e["queue"]["minutes"] == 3.0 and e["queue"]["p_contact"] == 1.0
    P = g.people_graph()
    assert not any(str(v).startswith(("class:", "dorm:")) for v in P)
    d = P.get_edge_data("B-01", "B-02")
    assert d["minutes_room"] == 430.0
    assert d["minutes_dorm"] == ContactModel().dorm_night_min
    assert d["minutes_queue"] == 3.0
    assert d["minutes"] == 430.0 + ContactModel().dorm_night_min + 3.0
    assert not P.has_edge("B-01", "B-03")  # B-03 was isolated: no room time, not a queue neighbour


def test_graph_over_several_replications_averages_minutes():
    sc, one = _two_in_a_lane()
    tr0 = one.day_traces[0]
    tr1 = tr0.copy()
    tr1.loc[0, ["t_service_start", "t_service_end"]] = [488.0, 488.5]  # 8 min instead of 12
    c = contacts(sc, FakeResult(one.plan, [tr0, tr1]))
    e = c.graph().graph.get_edge_data("A-01", "A-02")["queue"]
    assert e["minutes"] == 10.0 and e["p_contact"] == 1.0
    with pytest.raises(ValueError):
        c.graph(5)
