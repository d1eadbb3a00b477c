"""Wells–Riley estimate: the formula on hand-worked numbers and the per-room table."""

from __future__ import annotations

import math

import pytest

from exposure_fakes import plan_for, scenario
from reopen_sim.exposure.wells_riley import AirborneParams, airborne_estimate, wells_riley_probability


def test_formula_hand_worked():
    # I=1, q=25 q/h, p=0.5 m³/h, t=2 h, Q=100 m³/h: dose 0.25 quanta
    assert wells_riley_probability(1, 25.0, 0.5, 2.0, 100.0) == pytest.approx(1 - math.exp(-0.25))
    # masks stopping half of exhaled and half of inhaled particles quarter the dose
    assert wells_riley_probability(1, 25.0, 0.5, 2.0, 100.0, 0.5) == pytest.approx(1 - math.exp(-0.0625))
    assert wells_riley_probability(0, 25.0, 0.5, 2.0, 100.0) == 0.0


def test_more_air_less_risk_and_longer_more_risk():
    base = wells_riley_probability(1, 25.0, 0.52, 6.0, 200.0)
    assert wells_riley_probability(1, 25.0, 0.52, 6.0, 400.0) < base
    assert wells_riley_probability(1, 25.0, 0.52, 8.0, 200.0) > base
    with pytest.raises(ValueError):
        wells_riley_probability(1, 25.0, 0.52, 6.0, 0.0)


def test_room_table_uses_the_room_ventilation_and_the_plan_hours():
    sc = scenario([{"id": "A", "grade": 1, "students": 30}, {"id": "B", "grade": 1, "students": 20}])
    # R0 gets a measured volume and air change rate; R1 falls back to area × 3 m and 1 h⁻¹
    data = sc.model_dump()
    data["rooms"][0].update(volume_m3=180.0, air_changes_per_h=3.0)
    sc = type(sc).model_validate(data)
    est = airborne_estimate(sc, plan_for(sc, dismissal_min=16 * 60)).set_index("place")
    hours = (16 * 60 - sc.day.first_class_at) / 60  # 08:30 to 16:00 = 7.5 h, no sitting (delivered)
    r0 = est.loc["R0"]
    assert r0["occupants"] == 30 and r0["hours"] == hours
    assert r0["ventilation_m3_h"] == 540.0 and r0["ach_source"] == "scenario"
    p = 1 - math.exp(-1 * 25.0 * 0.52 * hours / 540.0)
    assert r0["p_infection"] == pytest.approx(p)
    assert r0["expected_infections"] == pytest.approx(29 * p)
    r1 = est.loc["R1"]
    assert r1["volume_m3"] == 200 * 3.0 and r1["ach_source"] == "assumed default"
    assert (est["note"].str.contains("estimate")).all()


def test_params_are_checked():
    with pytest.raises(ValueError):
        AirborneParams(mask_efficiency=1.0)
    with pytest.raises(ValueError):
        AirborneParams(quanta_per_h=0)


def test_canteen_sitting_rows_and_room_hours_less_the_sitting():
    from dataclasses import replace

    sc = scenario(
        [{"id": "A", "grade": 1, "students": 30}, {"id": "B", "grade": 2, "students": 20}],
        canteen={"mode": "sittings", "tables": 10, "seats_per_table": 8, "sitting_min": 30, "area_m2": 400},
    )
    plan = plan_for(sc)
    plan = type(plan)(tuple(replace(a, canteen_sitting=1) for a in plan.assignments))
    est = airborne_estimate(sc, plan)
    can = est[est["kind"] == "canteen"].iloc[0]
    assert can["occupants"] == 50 and can["classes"] == "A;B" and can["hours"] == 0.5
    assert can["volume_m3"] == 1200.0 and can["place"].startswith("canteen sitting 1 (11:40)")
    room = est[est["place"] == "R0"].iloc[0]
    assert room["hours"] == pytest.approx(7.5 - 0.5)
