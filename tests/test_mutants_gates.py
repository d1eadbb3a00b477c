"""The gate stage on gate assignments the queueing-theory tests never make (the mutation run,
docs/testing.md): a first gate nobody uses, a gate that takes one student; lane numbers are whole
numbers from 1. Through ``rs.simulate``, as users run it."""

from __future__ import annotations

import numpy as np

import reopen_sim as rs
from reopen_sim.plan import ClassAssignment, Plan
from test_optimize_schools import build, gate, room, school

T0 = 7 * 60  # 07:00, the first window of the test schools
SERVICE_S = 10.0  # deterministic screening


def _two_used_gates_of_three() -> tuple[rs.Scenario, Plan]:
    """Gate A unused; B takes a class of 20, C a class of one student."""
    sc = build(
        school(
            [("7-1", 7, 20), ("7-2", 7, 1)],
            gates=[
                gate("A", service_s=SERVICE_S),
                gate("B", service_s=SERVICE_S),
                gate("C", service_s=SERVICE_S),
            ],
            rooms=[room("R1", 24), room("R2", 24)],
        )
    )
    rows = (
        ClassAssignment("7-1", 7, 20, False, T0, T0 + 10, "B", ("R1",), None, 16 * 60),
        ClassAssignment("7-2", 7, 1, False, T0, T0 + 10, "C", ("R2",), None, 16 * 60),
    )
    return sc, Plan(rows)


def test_every_student_is_screened_at_the_gate_of_their_class_when_the_first_gate_is_unused() -> None:
    sc, plan = _two_used_gates_of_three()
    res = rs.simulate(sc, plan, replications=3, seed=2)
    for _, trace in res.traces():
        at_gate = trace[trace["t_arrive"].notna()]
        assert sorted(at_gate["gate"].unique()) == ["B", "C"]
        assert len(at_gate) == 21
        start = at_gate["t_service_start"].to_numpy(float)
        assert (start >= at_gate["t_arrive"].to_numpy(float) - 1e-9).all()
        assert set(at_gate["lane"]) <= {1, 2}
        # The one student at C meets nobody: screened on arrival, in lane 1, for exactly 10 s.
        (alone,) = at_gate[at_gate["gate"] == "C"].itertuples()
        assert alone.t_service_start == alone.t_arrive
        assert alone.lane == 1
        assert np.isclose(alone.t_service_end - alone.t_service_start, SERVICE_S / 60)
    gates = res.gate_summary()
    assert set(gates["gate"]) >= {"B", "C"}


def test_lane_numbers_are_whole_numbers() -> None:
    sc, plan = _two_used_gates_of_three()
    _, trace = next(rs.simulate(sc, plan, replications=1, seed=2).traces())
    assert trace["lane"].dtype.kind in "iu", trace["lane"].dtype
