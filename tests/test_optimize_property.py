"""Property tests (hypothesis): random feasible small schools always get a plan that passes the
independent checker; random (possibly infeasible) schools get a checked plan or reasons; each kind of
hand-made violation of a solver plan is caught."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reopen_sim.errors import InfeasibleError, InputError
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.solve import optimize
from reopen_sim.plan import Plan
from reopen_sim.scenario.load import scenario_from_dict
from test_optimize_schools import gate, room, school

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def feasible_schools(draw: st.DrawFn) -> dict[str, Any]:
    """Feasible by construction: every class could have a window, a sitting and a slot of its own
    (as many windows/sittings/slots as classes, in grade order), every gate takes the largest class,
    each group (boarders/day) has an open gate, and there is a room of its own for each class."""
    n_grades = draw(st.integers(1, 3))
    grades = list(range(7, 7 + n_grades))
    classes: list[tuple[str, int, int, bool]] = []
    for g in grades:
        for i in range(1, draw(st.integers(1, 3)) + 1):
            classes.append((f"{g}-{i}", g, draw(st.integers(15, 60)), draw(st.booleans())))
    n = len(classes)
    # 1-3 gates; 4 lanes x 6/min x 10 min x 85% = 204 >= any class.
    gates = [gate("G0", lanes=4, walk={"Main": draw(st.integers(0, 200)), "Lab": draw(st.integers(0, 200))})]
    separate = draw(st.booleans())
    for k in range(draw(st.integers(0, 2))):
        open_to = draw(st.sampled_from(["all", "day", "boarders"]))
        gates.append(
            gate(
                f"G{k + 1}",
                lanes=draw(st.integers(1, 4)),
                open_to=open_to,
                walk={"Main": draw(st.integers(0, 200))},
            )
        )
    rooms = [
        room(f"R{i}", 60 if i < n else 30, building="Main", floor=draw(st.integers(1, 3))) for i in range(n)
    ]
    rooms += [
        room(f"L{i}", draw(st.sampled_from([24, 30, 36])), building="Lab", kind="lab")
        for i in range(draw(st.integers(1, 3)))
    ]
    # Some classes sit in a smaller home-sized room and need the labs: shrink a few rooms to 40.
    if draw(st.booleans()):
        rooms = [room(f"R{i}", 40, building="Main", floor=1) for i in range(n)] + [
            room(f"X{i}", 30, building="Lab", kind="lab") for i in range(n)
        ]
    order = grades[::-1] if draw(st.booleans()) and n_grades > 1 else []
    canteen = None
    if draw(st.booleans()):
        canteen = {
            "mode": "sittings",
            "tables": 20,
            "seats_per_table": 8,
            "max_sittings": min(n, 12),
        }  # 80 seats >= 60
    pins = []
    if draw(st.booleans()):
        c = draw(st.sampled_from(classes))
        pins.append({"class_id": c[0], "gate": "G0"})
    return school(
        classes,  # type: ignore[arg-type]
        gates=gates,
        rooms=rooms,
        n_windows=n,
        policy={
            "arrival_order": order,
            "dismissal_order": order[::-1],
            "separate_boarders": separate,
            "max_grades_per_gate_window": draw(st.integers(1, 2)),
        },
        canteen=canteen,
        pins=pins,
        dismissal_slots=n,
    )


@SETTINGS
@given(feasible_schools())
def test_feasible_schools_get_a_plan_that_passes_the_checker(data: dict[str, Any]) -> None:
    sc = scenario_from_dict(data)
    plan = optimize(sc, time_limit_s=5)
    assert check_plan(sc, plan) == []
    assert {a.class_id for a in plan.assignments} == {c.id for c in sc.classes}


@st.composite
def any_schools(draw: st.DrawFn) -> dict[str, Any]:
    """Tight random schools: few windows, small gates; may be unplannable."""
    classes = [
        (f"{g}-{i}", g, draw(st.integers(20, 55)))
        for g in (7, 8)
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    gates = [
        gate(f"G{k}", lanes=draw(st.integers(1, 3)), service_s=draw(st.sampled_from([10.0, 20.0, 30.0])))
        for k in range(draw(st.integers(1, 2)))
    ]
    rooms = [
        room(f"R{i}", draw(st.sampled_from([36, 48]))) for i in range(len(classes) + draw(st.integers(0, 3)))
    ]
    return school(
        classes, gates=gates, rooms=rooms, n_windows=draw(st.integers(2, 4)), policy={"arrival_order": [8, 7]}
    )  # type: ignore[arg-type]


@SETTINGS
@given(any_schools())
def test_any_school_gets_a_checked_plan_or_reasons(data: dict[str, Any]) -> None:
    try:
        sc = scenario_from_dict(data)
    except InputError:
        return  # rejected at the boundary as obviously impossible: not the optimizer's case
    try:
        plan = optimize(sc, time_limit_s=5)
    except InfeasibleError as exc:
        assert exc.status == "INFEASIBLE"
        assert exc.reasons and all(len(r) > 20 for r in exc.reasons)
        return
    assert check_plan(sc, plan) == []


MUTATIONS = (
    "off_grid",
    "no_gate",
    "no_room",
    "shared_room",
    "missing",
    "students",
    "dismissal",
    "window_end",
)


@SETTINGS
@given(feasible_schools(), st.sampled_from(MUTATIONS), st.integers(0, 100))
def test_each_kind_of_hand_edit_of_a_solver_plan_is_caught(
    data: dict[str, Any], kind: str, pick: int
) -> None:
    sc = scenario_from_dict(data)
    plan = optimize(sc, time_limit_s=5)
    rows = list(plan.assignments)
    i = pick % len(rows)
    a = rows[i]
    expected = {
        "off_grid": "window",
        "no_gate": "gate",
        "no_room": "rooms",
        "shared_room": "rooms",
        "missing": "classes",
        "students": "class_data",
        "dismissal": "dismissal",
        "window_end": "window",
    }[kind]
    if kind == "off_grid":
        rows[i] = replace(a, arrival_start_min=a.arrival_start_min + 3, arrival_end_min=a.arrival_end_min + 3)
    elif kind == "no_gate":
        rows[i] = replace(a, gate="nowhere")
    elif kind == "no_room":
        rows[i] = replace(a, rooms=("no-such-room",))
    elif kind == "shared_room":
        if len(rows) < 2:
            return
        other = rows[(i + 1) % len(rows)]
        rows[i] = replace(a, rooms=(other.rooms[0], *a.rooms[1:]))
    elif kind == "missing":
        del rows[i]
    elif kind == "students":
        rows[i] = replace(a, students=a.students + 1)
    elif kind == "dismissal":
        rows[i] = replace(a, dismissal_min=a.dismissal_min + 1)
    elif kind == "window_end":
        rows[i] = replace(a, arrival_end_min=a.arrival_end_min + 1)
    found = check_plan(sc, Plan(tuple(rows)))
    assert expected in {v.rule for v in found}, (kind, found)
