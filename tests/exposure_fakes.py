"""Small hand-built schools, plans and simulation traces for the exposure tests."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario

TRACE_COLUMNS = [
    "student_id",
    "class_id",
    "grade",
    "boarding",
    "gate",
    "lane",
    "t_arrive",
    "t_service_start",
    "t_service_end",
    "flagged",
    "outcome",
    "t_done",
    "room",
    "t_room",
    "late",
    "canteen_sitting",
    "table",
    "seat",
    "t_meal_start",
    "t_meal_end",
    "exit_lane",
    "t_exit_join",
    "t_exit",
]


def scenario(
    classes: Sequence[Mapping[str, Any]],
    *,
    queue_length_m: float = 20.0,
    lanes: int = 1,
    canteen: Mapping[str, Any] | None = None,
    policy: Mapping[str, Any] | None = None,
) -> Scenario:
    rooms = [{"id": f"R{i}", "building": "Main", "area_m2": 200} for i in range(len(classes) + 2)]
    data: dict[str, Any] = {
        "school": {"name": "Test school"},
        "day": {
            "earliest_arrival_at": "07:50",
            "latest_arrival_at": "08:20",
            "first_class_at": "08:30",
            "dismissal_start_at": "16:00",
        },
        "classes": list(classes),
        "entrances": [{"id": "g", "lanes": lanes, "staff": 2 * lanes, "queue_length_m": queue_length_m}],
        "rooms": rooms,
        "canteen": dict(canteen) if canteen else {"mode": "delivered"},
        "policy": dict(policy or {}),
    }
    return scenario_from_dict(data)


def plan_for(sc: Scenario, dismissal_min: int = 16 * 60) -> Plan:
    return Plan(
        tuple(
            ClassAssignment(
                c.id, c.grade, c.students, c.boarding, 470, 480, "g", (f"R{i}",), None, dismissal_min
            )
            for i, c in enumerate(sc.classes)
        )
    )


def trace(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A trace with the contract columns; unspecified cells are NaN (a student who did nothing)."""
    df = pd.DataFrame([{c: r.get(c, np.nan) for c in TRACE_COLUMNS} for r in rows], columns=TRACE_COLUMNS)
    df["exit_lane"] = df["exit_lane"].fillna(0).astype(int)
    return df


@dataclass
class FakeResult:
    """Stands in for ``SimulationResult``: a plan and fixed traces per replication."""

    plan: Plan
    day_traces: list[pd.DataFrame]
    lane_choice: str = "shortest"
    scenario: Any = field(default=None)

    @property
    def replications(self) -> int:
        return len(self.day_traces)

    def traces(self) -> Iterator[tuple[int, pd.DataFrame]]:
        yield from enumerate(self.day_traces)
