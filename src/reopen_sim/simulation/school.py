"""What a plan fixes for every student (deterministic, built once per simulation run).

The plan is checked here, at the boundary of the simulation: anything that would make the model
meaningless (a class without a row, an unknown gate or room, a window that ends before it starts,
a sitting the canteen does not have) is reported as :class:`reopen_sim.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Entrance, Scenario, format_hhmm
from reopen_sim.simulation.streams import Roster, roster


@dataclass(frozen=True)
class GateInfo:
    """An entrance as the simulation sees it."""

    entrance: Entrance
    open_lanes: int
    places_per_lane: int


@dataclass(frozen=True)
class SchoolLayout:
    """Per-student facts from the scenario and the plan, in canonical student order."""

    roster: Roster
    gates: tuple[GateInfo, ...]
    gate_index: NDArray[np.int64]
    window_start_min: NDArray[np.float64]
    window_end_min: NDArray[np.float64]
    room: NDArray[np.object_]
    room_code: NDArray[np.int64]
    walk_min: NDArray[np.float64]
    sitting: NDArray[np.int64]  # 0 = no canteen sitting
    dismissal_min: NDArray[np.float64]
    bus_group: NDArray[np.int64]  # index into scenario.groups, -1 when not on a bus
    class_id: NDArray[np.object_]
    grade: NDArray[np.int64]
    boarding: NDArray[np.bool_]


def _plan_issues(scenario: Scenario, plan: Plan, file: str) -> list[InputIssue]:
    issues: list[InputIssue] = []
    by_class = plan.by_class()
    gate_ids = {e.id for e in scenario.entrances}
    room_ids = {r.id for r in scenario.rooms}
    known = {c.id for c in scenario.classes}
    for cid in by_class:
        if cid not in known:
            issues.append(InputIssue(file, f"class {cid}", cid, "a class of the scenario"))
    for c in scenario.classes:
        a = by_class.get(c.id)
        if a is None:
            issues.append(InputIssue(file, "rows", c.id, "a row for every class of the scenario"))
            continue
        where = f"class {c.id}"
        if a.gate not in gate_ids:
            issues.append(
                InputIssue(
                    file, f"{where}, column gate", a.gate, "an entrance id: " + ", ".join(sorted(gate_ids))
                )
            )
        for r in a.rooms:
            if r not in room_ids:
                issues.append(InputIssue(file, f"{where}, column rooms", r, "a room id of the scenario"))
        if not a.rooms:
            issues.append(InputIssue(file, f"{where}, column rooms", "", "one or more room ids"))
        if a.arrival_end_min <= a.arrival_start_min:
            issues.append(
                InputIssue(
                    file,
                    f"{where}, column arrival_end",
                    format_hhmm(a.arrival_end_min),
                    f"a time after arrival_start ({format_hhmm(a.arrival_start_min)})",
                )
            )
        if scenario.canteen.mode == "sittings" and a.canteen_sitting is not None:
            if not 1 <= a.canteen_sitting <= scenario.canteen.max_sittings:
                issues.append(
                    InputIssue(
                        file,
                        f"{where}, column canteen_sitting",
                        str(a.canteen_sitting),
                        f"a sitting 1..{scenario.canteen.max_sittings}",
                    )
                )
    return issues


def _gate_infos(scenario: Scenario) -> tuple[GateInfo, ...]:
    """Each entrance with the lanes its staff can open and the marked places per lane."""
    pol = scenario.policy
    return tuple(
        GateInfo(
            e,
            cap.open_lanes(e, pol.staff_per_lane),
            cap.queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m),
        )
        for e in scenario.entrances
    )


def _bus_groups(scenario: Scenario) -> dict[str, int]:
    """Class id → index of its first arrival group of kind ``bus``."""
    bus_of: dict[str, int] = {}
    for gi, g in enumerate(scenario.groups):
        if g.kind == "bus":
            for cid in g.classes:
                bus_of.setdefault(cid, gi)
    return bus_of


def _rooms_and_walks(
    scenario: Scenario, rcap: dict[str, int], gate: int, rooms: tuple[str, ...], students: int
) -> tuple[list[str], list[int], list[float]]:
    """Room id, room index and walk from the gate (minutes) of each student of a class, in number
    order: the class fills its rooms (capacities ``rcap``) in the plan's order
    (``capacity.split_over_rooms``)."""
    room_pos = {r.id: i for i, r in enumerate(scenario.rooms)}
    counts = cap.split_over_rooms(students, [rcap[r] for r in rooms])
    ids: list[str] = []
    codes: list[int] = []
    walks: list[float] = []
    for r, m in zip(rooms, counts, strict=True):
        d_m = cap.walk_m(scenario, scenario.entrances[gate], scenario.room_by_id(r))
        ids += [r] * m
        codes += [room_pos[r]] * m
        walks += [d_m / scenario.policy.walking_speed_m_s / 60.0] * m
    return ids, codes, walks


def layout(scenario: Scenario, plan: Plan) -> SchoolLayout:
    """Per-student facts; raises :class:`InputError` when the plan cannot be simulated."""
    file = str(plan.meta.get("source", "<plan>"))
    issues = _plan_issues(scenario, plan, file)
    if issues:
        raise InputError(issues)
    gate_pos = {e.id: i for i, e in enumerate(scenario.entrances)}
    bus_of = _bus_groups(scenario)
    rcap = dict(derived(scenario).room_seats)
    ros = roster(scenario)
    n = ros.n
    gate_index = np.zeros(n, np.int64)
    w0 = np.zeros(n)
    w1 = np.zeros(n)
    room = np.empty(n, dtype=object)
    room_code = np.zeros(n, np.int64)
    walk = np.zeros(n)
    sitting = np.zeros(n, np.int64)
    dis = np.zeros(n)
    bus = np.full(n, -1, np.int64)
    class_id = np.empty(n, dtype=object)
    grade = np.zeros(n, np.int64)
    boarding = np.zeros(n, bool)
    by_class = plan.by_class()
    pos = 0
    for c in scenario.classes:
        a = by_class[c.id]
        sl = slice(pos, pos + c.students)
        gate_index[sl] = gate_pos[a.gate]
        w0[sl] = a.arrival_start_min
        w1[sl] = a.arrival_end_min
        room[sl], room_code[sl], walk[sl] = _rooms_and_walks(
            scenario, rcap, gate_pos[a.gate], a.rooms, c.students
        )
        if scenario.canteen.mode == "sittings" and a.canteen_sitting is not None:
            sitting[sl] = a.canteen_sitting
        dis[sl] = a.dismissal_min
        bus[sl] = bus_of.get(c.id, -1)
        class_id[sl] = c.id
        grade[sl] = c.grade
        boarding[sl] = c.boarding
        pos += c.students
    return SchoolLayout(
        ros,
        _gate_infos(scenario),
        gate_index,
        w0,
        w1,
        room,
        room_code,
        walk,
        sitting,
        dis,
        bus,
        class_id,
        grade,
        boarding,
    )
