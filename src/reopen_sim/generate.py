"""Synthetic schools for benchmarks, tests and district studies, drawn from a seed.

The shapes follow shared/DOMAIN.md: classes of 40–50 (secondary) or 35–45 (primary), one student
per desk in 48-desk (secondary) or 42-desk (primary) classrooms, labs and meeting rooms for the
overflow, 10-minute windows with the older grades first, two staff per entrance, boarders through
their own entrance, a canteen with staggered sittings where the school has boarders.

Every generated school is *feasible by construction* (kept by a property test over many seeds and
kinds: it validates and ``optimize`` finds a plan): each grade group gets enough windows; each gate
enough lanes for its share of the busiest window with slack and for the largest class open to it
(by the validator's ``gate_window_capacity``); enough overflow rooms for the classes larger than a
classroom; canteen sittings that seat whole classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from reopen_sim.scenario.schema import format_hhmm

SchoolKind = Literal["primary", "junior_middle", "high", "nine_year"]

_GRADES: dict[str, tuple[int, ...]] = {
    "primary": (1, 2, 3, 4, 5, 6),
    "junior_middle": (7, 8, 9),
    "high": (10, 11, 12),
    "nine_year": (1, 2, 3, 4, 5, 6, 7, 8, 9),
}

# Screening methods and mean service times, seconds (DOMAIN: manual with recording ~30 s;
# thermal kiosk 2–3 s; a handheld reading without writing it down is assumed ~10 s).
_METHODS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("thermal_kiosk", {"dist": "lognormal", "mean": 3.0, "sd": 1.0}),
    ("ear_thermometer", {"dist": "lognormal", "mean": 10.0, "sd": 3.0}),
    ("manual_thermometer", {"dist": "lognormal", "mean": 30.0, "sd": 10.0}),
)


def _grade_groups(grades: tuple[int, ...]) -> list[list[int]]:
    """Pairs of grades for six-grade schools (DOMAIN: 5–6, 3–4, 1–2), single grades otherwise."""
    if len(grades) >= 6:
        return [list(grades[i : i + 2]) for i in range(0, len(grades), 2)]
    return [[g] for g in grades]


def _lanes_for(gate: dict[str, Any], need: float, window_min: int, max_lanes: int = 40) -> int:
    """Fewest lanes (one screener each) with which ``gate`` takes ``need`` students in a window,
    by :func:`reopen_sim.scenario.capacity.gate_window_capacity` at the default policy."""
    from reopen_sim.scenario.capacity import gate_window_capacity
    from reopen_sim.scenario.schema import Entrance, Policy

    policy = Policy()
    for lanes in range(1, max_lanes + 1):
        entrance = Entrance.model_validate({**gate, "lanes": lanes, "staff": lanes})
        if gate_window_capacity(entrance, policy, window_min) >= need:
            return lanes
    return max_lanes


def generate_school(
    seed: int,
    n_students: int | None = None,
    n_classes: int | None = None,
    n_gates: int | None = None,
    n_rooms: int | None = None,
    kind: SchoolKind = "junior_middle",
    boarding_share: float = 0.0,
    canteen: bool | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """A raw scenario mapping (what a scenario YAML holds) for a realistic synthetic school.

    Validate it with :func:`reopen_sim.scenario.load.scenario_from_dict`. Same seed and arguments,
    same school. ``n_students`` defaults to a size typical of ``kind``; ``n_classes`` to
    students ÷ 45 (÷ 40 in primary), rounded to whole classes per grade; ``n_rooms`` to the classes
    plus 20 % labs and meeting rooms; ``n_gates`` to one per 600 students (at least 2).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    grades = _GRADES[kind]
    primary = kind == "primary"
    if n_students is None:
        n_students = int(rng.integers(600, 2400)) if kind != "nine_year" else int(rng.integers(900, 2700))
    if n_classes is None:
        n_classes = max(len(grades), round(n_students / (40 if primary else 45)))
    n_classes = max(n_classes, len(grades))
    if n_gates is None:
        n_gates = max(2, math.ceil(n_students / 600))
    if n_rooms is None:
        n_rooms = n_classes + max(2, math.ceil(0.2 * n_classes))
    n_rooms = max(n_rooms, n_classes + 1)
    boarding_share = float(min(max(boarding_share, 0.0), 1.0))
    if canteen is None:
        canteen = boarding_share > 0 or kind == "high"

    classes = _classes(rng, grades, n_students, n_classes, boarding_share)
    rooms, buildings = _rooms(classes, n_students, n_rooms)
    groups = _grade_groups(grades)[::-1]  # older first
    windows_per_group = 2 if len(groups) <= 3 else 1
    entrances = _entrances(rng, classes, n_students, groups, n_gates, windows_per_group, buildings)
    scenario: dict[str, Any] = {
        "school": {"name": name or f"Generated {kind.replace('_', ' ')} school {seed}", "kind": kind},
        "day": _day(groups, windows_per_group, primary),
        "policy": {
            "queue_spacing_m": 1.0,
            "arrival_order": groups,
            "dismissal_order": groups[::-1],
            "allow_split_classes": True,
            # DOMAIN: paired grades (5-6, 3-4, 1-2) arrive in the same window through the same
            # checkpoints; lanes are sized for the pair's students spread over the gates.
            "max_grades_per_gate_window": max(len(g) for g in groups),
        },
        "classes": classes,
        "entrances": entrances,
        "rooms": rooms,
        "canteen": _canteen(classes, n_students) if canteen else {"mode": "delivered"},
    }
    return scenario


_WINDOW_MIN = 10


def _classes(
    rng: np.random.Generator, grades: Sequence[int], n_students: int, n_classes: int, boarding_share: float
) -> list[dict[str, Any]]:
    """Classes spread evenly over grades, sizes around the mean, summing exactly to ``n_students``;
    a ``boarding_share`` of them (drawn at random) boarding."""
    per_grade = [
        n_classes // len(grades) + (1 if i < n_classes % len(grades) else 0) for i in range(len(grades))
    ]
    sizes = rng.normal(1.0, 0.06, n_classes)
    sizes = sizes / sizes.sum() * n_students
    counts = np.floor(sizes).astype(int)
    for i in np.argsort(sizes - counts)[::-1][: n_students - counts.sum()]:
        counts[i] += 1
    counts = np.clip(counts, 1, 120)
    n_boarding_classes = round(boarding_share * n_classes)
    boarding_idx = (
        set(rng.choice(n_classes, size=n_boarding_classes, replace=False).tolist())
        if n_boarding_classes
        else set()
    )
    classes: list[dict[str, Any]] = []
    k = 0
    for gi, g in enumerate(grades):
        for c in range(1, per_grade[gi] + 1):
            classes.append(
                {
                    "id": f"{g}-{c}",
                    "grade": g,
                    "students": int(counts[k]),
                    "boarding": k in boarding_idx,
                    "building": "",  # filled by _rooms
                }
            )
            k += 1
    return classes


def _rooms(
    classes: list[dict[str, Any]], n_students: int, n_rooms: int
) -> tuple[list[dict[str, Any]], list[str]]:
    """Classrooms (one per class, which becomes its home room), then labs and meeting rooms; ~30
    rooms a building. Returns (rooms, building names) and fills each class's building, floor and
    home room.

    Classrooms are sized to the school's classes (DOMAIN: one student per desk): 6 columns and enough
    rows for the mean class plus 4 %, so only the larger classes need a second room. Every class too
    large for its classroom takes one overflow room (lab or meeting room) all day beside its own
    (DOMAIN: over-size classes are split into labs and meeting rooms), so there are at least that
    many: the validator's rule "one room per class plus one per class too large for any single room".
    """
    n_classes = len(classes)
    cols = 6
    rows = max(5, math.ceil(n_students / n_classes * 1.04 / cols))
    n_over = sum(1 for c in classes if c["students"] > rows * cols)
    n_rooms = max(n_rooms, n_classes + n_over + 1)
    buildings = [f"B{i + 1}" for i in range(max(1, math.ceil(n_rooms / 30)))]
    rooms: list[dict[str, Any]] = []
    for i in range(n_rooms):
        b = buildings[min(i // 30, len(buildings) - 1)]
        floor = 1 + (i % 30) // 8
        if i < n_classes:
            rooms.append(
                {
                    "id": f"{b}-{floor}{i % 8 + 1:02d}",
                    "building": b,
                    "floor": floor,
                    "kind": "classroom",
                    "area_m2": 72.0,
                    "desk_grid": {"rows": rows, "cols": cols},
                }
            )
        else:
            rooms.append(
                {
                    "id": f"{b}-X{i - n_classes + 1:02d}",
                    "building": b,
                    "floor": 1,
                    "kind": "lab" if (i - n_classes) % 2 == 0 else "meeting_room",
                    "area_m2": 90.0,
                    "desk_grid": {"rows": 6, "cols": 6},
                }
            )
    for cls_item, room_item in zip(classes, rooms[:n_classes], strict=True):
        cls_item["building"] = room_item["building"]
        cls_item["floor"] = room_item["floor"]
        cls_item["home_room"] = room_item["id"]
    return rooms, buildings


def _day(groups: list[list[int]], windows_per_group: int, primary: bool) -> dict[str, Any]:
    """Windows: each grade group gets ``windows_per_group`` windows of 10 minutes, older first, plus
    one spare; classes start 10 minutes after the last window."""
    n_windows = windows_per_group * len(groups) + 1
    start = 6 * 60 + 40 if not primary else 7 * 60 + 40
    latest = start + n_windows * _WINDOW_MIN
    return {
        "earliest_arrival_at": format_hhmm(start),
        "latest_arrival_at": format_hhmm(latest),
        "window_min": _WINDOW_MIN,
        "first_class_at": format_hhmm(latest + 10),
        "dismissal_start_at": "16:00" if primary else "17:00",
        "dismissal_gap_min": 5,
        "dismissal_slots": len(groups) + 2,
    }


def _entrances(
    rng: np.random.Generator,
    classes: list[dict[str, Any]],
    n_students: int,
    groups: list[list[int]],
    n_gates: int,
    windows_per_group: int,
    buildings: list[str],
) -> list[dict[str, Any]]:
    """Gates, boarders' gates last (in proportion to boarders, when the school has both kinds).

    Lanes are sized so that the busiest window's share of each gate fits at 85 % load with 40 %
    slack (classes are indivisible, so the packing needs room); a class passes one gate in one
    window, so every gate also takes the largest class it is open to, with 10 % to spare. Capacity
    is the validator's own (throughput and queue space)."""
    n_boarders = sum(c["students"] for c in classes if c["boarding"])
    n_board_gates = 0
    if n_boarders and n_students - n_boarders:
        n_board_gates = min(max(1, round(n_gates * n_boarders / n_students)), n_gates - 1)
    n_day_gates = n_gates - n_board_gates

    def busiest(boarding: bool) -> float:
        return (
            max(
                sum(c["students"] for c in classes if c["grade"] in grp and c["boarding"] == boarding)
                for grp in groups
            )
            / windows_per_group
        )

    def largest(boarding: bool | None) -> int:
        return max(
            (c["students"] for c in classes if boarding is None or c["boarding"] == boarding), default=0
        )

    entrances: list[dict[str, Any]] = []
    for gi in range(n_gates):
        method, dist = _METHODS[int(rng.integers(0, len(_METHODS)))]
        boarders_gate = gi >= n_day_gates
        if not n_board_gates:
            load, biggest = (busiest(False) + busiest(True)) / n_gates, largest(None)
        elif boarders_gate:
            load, biggest = busiest(True) / n_board_gates, largest(True)
        else:
            load, biggest = busiest(False) / n_day_gates, largest(False)
        gate: dict[str, Any] = {
            "id": f"G{gi + 1}",
            "name": f"Gate {gi + 1}",
            "lanes": 1,
            "staff": 2,
            "screening_method": method,
            "service_time_s": dist,
            "queue_length_m": float(int(rng.integers(15, 40))),
            "open_to": ("boarders" if boarders_gate else "day") if n_board_gates else "all",
            "walk_m": {b: float(int(rng.integers(20, 250))) for b in buildings},
        }
        need = max(1.4 * max(load, 1.0), 1.1 * biggest)
        gate["lanes"] = _lanes_for(gate, need, _WINDOW_MIN)
        gate["staff"] = max(2, gate["lanes"])  # DOMAIN: at least 2 staff per entrance
        entrances.append(gate)
    return entrances


def _canteen(classes: list[dict[str, Any]], n_students: int) -> dict[str, Any]:
    """Canteen sittings for 1.25 × the students over 4 sittings, skip_offset seating (4 distanced
    seats on a table of 8). A class eats together in one sitting: every class must find a place, so
    a sitting seats its share of whole classes (ceil(classes / sittings) of the largest) with 5 %
    to spare."""
    seats = 8
    per_table = seats // 2
    sittings = 4
    tables = math.ceil(1.25 * n_students / (per_table * sittings))
    biggest = max(c["students"] for c in classes)
    tables = max(tables, math.ceil(math.ceil(len(classes) / sittings) * biggest * 1.05 / per_table))
    return {
        "mode": "sittings",
        "tables": int(tables),
        "seats_per_table": seats,
        "seating_rule": "skip_offset",
        "serving_lanes": max(2, math.ceil(n_students / 400)),
        "max_sittings": sittings,
    }
