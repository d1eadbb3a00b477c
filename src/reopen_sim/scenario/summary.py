"""A scenario at a glance: students by grade, capacities, gate throughput and the tightest resource."""

from __future__ import annotations

from dataclasses import dataclass, field

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm


@dataclass(frozen=True)
class Resource:
    """Demand against capacity for one resource; ``ratio`` = demand ÷ capacity (1 = full)."""

    name: str
    demand: int
    capacity: int
    unit: str

    @property
    def ratio(self) -> float:
        return self.demand / self.capacity if self.capacity else float("inf")


@dataclass(frozen=True)
class ScenarioSummary:
    school: str
    students: int
    classes: int
    boarders: int
    students_by_grade: dict[int, int]
    room_capacity: dict[str, int]
    canteen_seats_per_sitting: int
    canteen_sittings: int
    gate_throughput_per_min: dict[str, float]
    gate_window_capacity: dict[str, int]
    queue_places: dict[str, int]
    arrival_span: str
    windows: int
    resources: list[Resource] = field(default_factory=list)

    @property
    def tightest(self) -> Resource:
        return max(self.resources, key=lambda r: r.ratio)


def summarise(scenario: Scenario) -> ScenarioSummary:
    """Compute the summary ``reopen-sim validate`` prints."""
    sc = scenario
    by_grade: dict[int, int] = {}
    for c in sc.classes:
        by_grade[c.grade] = by_grade.get(c.grade, 0) + c.students
    caps = derived(sc)
    rooms = dict(caps.room_seats)
    thr = dict(zip(caps.gate_ids, caps.screen_per_min, strict=True))
    win = dict(zip(caps.gate_ids, caps.gate_window, strict=True))
    places = dict(zip(caps.gate_ids, caps.queue_places, strict=True))
    n = sc.n_students
    max_rooms = caps.max_rooms_per_class
    rooms_needed = sum(n or max_rooms for n in cap.rooms_needed_per_class(sc))
    resources = [
        Resource("gate screening, whole arrival span", n, sum(win.values()) * sc.day.n_windows, "students"),
        Resource("room seats (distanced)", n, sum(rooms.values()), "seats"),
        Resource("rooms (one per class, more for split classes)", rooms_needed, len(rooms), "rooms"),
    ]
    seats = caps.canteen_seats
    if sc.canteen.mode == "sittings":
        resources.append(
            Resource("canteen seats over all sittings", n, seats * sc.canteen.max_sittings, "seats")
        )
    return ScenarioSummary(
        school=sc.school.name,
        students=n,
        classes=len(sc.classes),
        boarders=sum(c.students for c in sc.classes if c.boarding),
        students_by_grade=dict(sorted(by_grade.items())),
        room_capacity=rooms,
        canteen_seats_per_sitting=seats,
        canteen_sittings=sc.canteen.max_sittings if sc.canteen.mode == "sittings" else 0,
        gate_throughput_per_min=thr,
        gate_window_capacity=win,
        queue_places=places,
        arrival_span=f"{format_hhmm(sc.day.earliest_arrival_at)}–{format_hhmm(sc.day.latest_arrival_at)}",
        windows=sc.day.n_windows,
        resources=resources,
    )
