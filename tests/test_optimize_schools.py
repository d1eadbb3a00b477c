"""Small schools for the optimizer, explanation and checker tests (imported by the other test_optimize*,
test_check* and test_baseline* files), and tests of the builder itself."""

from __future__ import annotations

from typing import Any

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario


def gate(
    gid: str,
    lanes: int = 2,
    service_s: float = 10.0,
    queue_m: float = 50.0,
    open_to: str = "all",
    walk: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A gate with deterministic service: lanes × 60/service per minute."""
    return {
        "id": gid,
        "lanes": lanes,
        "staff": lanes,
        "service_time_s": {"dist": "deterministic", "value": service_s},
        "queue_length_m": queue_m,
        "open_to": open_to,
        "walk_m": walk or {},
    }


def room(
    rid: str, seats: int, building: str = "Main", floor: int = 1, kind: str = "classroom"
) -> dict[str, Any]:
    """A room whose distanced capacity is ``seats`` (a rows × cols desk grid, every desk used)."""
    rows = next(r for r in range(1, 41) if seats % r == 0 and seats // r <= 40)
    grid = {"rows": rows, "cols": seats // rows}
    return {"id": rid, "building": building, "floor": floor, "kind": kind, "area_m2": 80.0, "desk_grid": grid}


def school(
    classes: list[tuple[str, int, int] | tuple[str, int, int, bool]],
    gates: list[dict[str, Any]] | None = None,
    rooms: list[dict[str, Any]] | None = None,
    n_windows: int = 3,
    policy: dict[str, Any] | None = None,
    canteen: dict[str, Any] | None = None,
    pins: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    dismissal_slots: int = 3,
) -> dict[str, Any]:
    """A raw scenario mapping: classes as (id, grade, students[, boarding]); windows from 07:00, 10 min."""
    start = 7 * 60
    end = start + 10 * n_windows
    return {
        "school": {"name": "Test School"},
        "day": {
            "earliest_arrival_at": f"{start // 60:02d}:{start % 60:02d}",
            "latest_arrival_at": f"{end // 60:02d}:{end % 60:02d}",
            "window_min": 10,
            "first_class_at": "09:00",
            "dismissal_start_at": "16:00",
            "dismissal_gap_min": 5,
            "dismissal_slots": dismissal_slots,
        },
        "policy": policy or {},
        "classes": [
            {"id": c[0], "grade": c[1], "students": c[2], "boarding": bool(c[3]) if len(c) > 3 else False}  # type: ignore[misc]
            for c in classes
        ],
        "entrances": gates or [gate("A")],
        "rooms": rooms or [room(f"R{i}", 60) for i in range(len(classes) + 1)],
        "canteen": canteen or {"mode": "delivered"},
        "pins": pins or [],
        "groups": groups or [],
    }


def build(data: dict[str, Any]) -> Scenario:
    return scenario_from_dict(data)


def test_builder_gives_the_capacities_the_tests_assume() -> None:
    sc = build(school([("7-1", 7, 40)], gates=[gate("A", lanes=2, service_s=10)], rooms=[room("R", 48)]))
    # 2 lanes × 6/min × 10 min × 0.85 = 102; deterministic service, 100 queue places: throughput binds.
    assert cap.gate_window_capacity(sc.entrances[0], sc.policy, 10) == 102
    assert cap.room_capacities(sc) == {"R": 48}
    assert sc.day.n_windows == 3
