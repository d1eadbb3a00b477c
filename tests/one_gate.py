"""A one-gate school built in the test, for checking the path users run (``rs.simulate``) against
queueing theory: ``classes`` classes of ``class_size`` students, all in one arrival window of
``window_min`` minutes at one gate, nobody early or late, nobody flagged, so students arrive as a
Poisson process conditioned on its count (uniform order statistics, rate N / window)."""

from __future__ import annotations

from typing import Any

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

START_MIN = 60  # 01:00: the scenario's arrival span (to 13:00) leaves room for long windows


def _hhmm(t_min: int) -> str:
    return f"{t_min // 60:02d}:{t_min % 60:02d}"


def one_gate_school(
    classes: int,
    class_size: int,
    window_min: int,
    service_time_s: dict[str, Any],
    lanes: int = 1,
    canteen: dict[str, Any] | None = None,
) -> tuple[Scenario, Plan]:
    """The scenario and a plan putting every class in the one window ``[01:00, 01:00 + window_min)``."""
    ids = [f"1-{k + 1}" for k in range(classes)]
    raw: dict[str, Any] = {
        "school": {"name": "One-gate test school", "kind": "primary"},
        "day": {
            "earliest_arrival_at": _hhmm(START_MIN),
            "latest_arrival_at": "13:00",
            "window_min": 10,  # the scenario's slot grid; the plan's window may be longer
            "first_class_at": "14:00",
            "dismissal_start_at": "16:00",
            "dismissal_slots": 1,
        },
        "policy": {
            "queue_spacing_m": 1.0,
            "arrival_behaviour": {"early_share": 0.0, "late_share": 0.0},
            "fever": {"flagged_share": 0.0},
        },
        "classes": [
            {
                "id": c,
                "grade": 1,
                "students": class_size,
                "building": "Main",
                "floor": 1,
                "home_room": f"R{c}",
            }
            for c in ids
        ],
        "entrances": [
            {
                "id": "gate",
                "lanes": lanes,
                "staff": 2 * lanes,
                "service_time_s": service_time_s,
                "queue_length_m": 50,
                "walk_m": {"Main": 40},
            }
        ],
        "rooms": [
            {
                "id": f"R{c}",
                "building": "Main",
                "floor": 1,
                "area_m2": 200,
                "desk_grid": {"rows": 12, "cols": 12},
            }
            for c in ids
        ],
        "canteen": canteen or {"mode": "delivered"},
    }
    sc = scenario_from_dict(raw)
    sitting = 1 if canteen else None
    plan = Plan(
        tuple(
            ClassAssignment(
                c,
                1,
                class_size,
                False,
                START_MIN,
                START_MIN + window_min,
                "gate",
                (f"R{c}",),
                sitting,
                16 * 60,
            )
            for c in ids
        ),
        meta={"source": "one_gate_school"},
    )
    return sc, plan
