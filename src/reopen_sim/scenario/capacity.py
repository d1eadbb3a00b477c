"""Derived capacities: small pure functions, each stating its formula and source.

These are shared by the validator, the optimizer, the independent checker and the report, so a
number means the same everywhere.
"""

from __future__ import annotations

import math
from functools import lru_cache

import networkx as nx

from reopen_sim.scenario.schema import (
    Campus,
    Canteen,
    DeskGrid,
    Entrance,
    Policy,
    Room,
    Scenario,
)

# --------------------------------------------------------------------------------------------
# Rooms
# --------------------------------------------------------------------------------------------


def desk_grid_capacity(grid: DeskGrid, spacing_m: float) -> int:
    """Students a desk grid seats with ``spacing_m`` clear between neighbouring desks.

    Using every k-th desk along a row, where k = ⌈(desk_width + d) / col_pitch⌉, and every j-th row,
    j = ⌈(desk_depth + d) / row_pitch⌉: capacity = ⌈rows / j⌉ × ⌈cols / k⌉. With pitches already at
    least desk + d, every desk is used (DOMAIN: one student per desk).
    """
    k = max(1, math.ceil((grid.desk_width_m + spacing_m) / grid.col_pitch_m - 1e-9))
    j = max(1, math.ceil((grid.desk_depth_m + spacing_m) / grid.row_pitch_m - 1e-9))
    return math.ceil(grid.rows / j) * math.ceil(grid.cols / k)


def dimension_capacity(
    length_m: float, width_m: float, desk_width_m: float, desk_depth_m: float, spacing_m: float
) -> int:
    """Desks that fit a free room: ⌊L / (desk_depth + d)⌋ × ⌊W / (desk_width + d)⌋ (DOMAIN formulas)."""
    return math.floor(length_m / (desk_depth_m + spacing_m) + 1e-9) * math.floor(
        width_m / (desk_width_m + spacing_m) + 1e-9
    )


def area_capacity(area_m2: float, area_per_student_m2: float) -> int:
    """⌊area ÷ area per student⌋ (DOMAIN: training institutions at least 3 m² per student)."""
    return math.floor(area_m2 / area_per_student_m2 + 1e-9)


# GB 50099-2011 (Code for design of school), ordinary classroom area per student: 1.36 m²
# (primary) to 1.39 m² (secondary); used when a room has no desk grid and no distancing rule applies.
CLASSROOM_M2_PER_STUDENT_STANDARD = 1.39


def room_capacity(room: Room, policy: Policy) -> int:
    """Distanced capacity of a room: the smallest of the rules that apply.

    - desk grid: one student per desk (DOMAIN), every desk when no spacing is set, or every k-th
      desk with ``desk_spacing_m`` (see :func:`desk_grid_capacity`);
    - free room with a spacing set and length × width known: ⌊L/(0.4+d)⌋ × ⌊W/(0.6+d)⌋ for a
      0.6 × 0.4 m single desk (DOMAIN desk-grid formula);
    - area per student, when the policy sets a minimum m² per student (DOMAIN: ≥ 3 m²).
    When none applies, the design standard ⌊area ÷ 1.39 m²⌋ (GB 50099-2011).
    """
    rule = policy.room_distancing
    caps: list[int] = []
    d = rule.desk_spacing_m
    if room.desk_grid is not None:
        caps.append(desk_grid_capacity(room.desk_grid, d if d is not None else 0.0))
    elif d is not None and room.length_m is not None and room.width_m is not None:
        caps.append(dimension_capacity(room.length_m, room.width_m, 0.6, 0.4, d))
    if rule.min_area_per_student_m2 is not None:
        caps.append(area_capacity(room.area_m2, rule.min_area_per_student_m2))
    if not caps:
        caps.append(area_capacity(room.area_m2, CLASSROOM_M2_PER_STUDENT_STANDARD))
    return max(0, min(caps))


def room_capacities(scenario: Scenario) -> dict[str, int]:
    """Distanced capacity of every room, by room id."""
    return {r.id: room_capacity(r, scenario.policy) for r in scenario.rooms}


def min_rooms_needed(students: int, capacities: list[int], max_rooms: int) -> int | None:
    """Fewest rooms that can seat a class: the smallest k ≤ max_rooms whose k largest rooms hold it.

    A lower bound used by validation and the summary; None when even ``max_rooms`` rooms cannot.
    """
    ordered = sorted(capacities, reverse=True)
    total = 0
    for k, cap_k in enumerate(ordered[:max_rooms], start=1):
        total += cap_k
        if total >= students:
            return k
    return None


def max_rooms_per_class(policy: Policy) -> int:
    """Rooms one class may use: ``policy.max_rooms_per_class`` when splitting is on, else 1."""
    return policy.max_rooms_per_class if policy.allow_split_classes else 1


def rooms_needed_per_class(scenario: Scenario) -> list[int | None]:
    """:func:`min_rooms_needed` for every class, in scenario order, under the scenario's policy."""
    caps = list(room_capacities(scenario).values())
    k = max_rooms_per_class(scenario.policy)
    return [min_rooms_needed(c.students, caps, k) for c in scenario.classes]


def kept_home_rooms(scenario: Scenario) -> dict[str, str]:
    """Classes that stay in their home room, as their first room: class id → room id.

    Empty unless ``policy.keep_home_rooms``. A class keeps its home room when the room has a
    positive distanced capacity, is the home room of no other class, is pinned to no class, the class
    has no pinned rooms, and the room seats the class or splitting lets overflow rooms take the rest
    (DOMAIN: classes over the size standard are split into labs and meeting rooms). Other classes'
    rooms are chosen freely.
    """
    if not scenario.policy.keep_home_rooms:
        return {}
    caps = room_capacities(scenario)
    homes = [c.home_room for c in scenario.classes if c.home_room is not None]
    pinned_rooms = {r for p in scenario.pins for r in (p.rooms or ())}
    pinned_classes = {p.class_id for p in scenario.pins if p.rooms}
    split = max_rooms_per_class(scenario.policy) > 1
    out: dict[str, str] = {}
    for c in scenario.classes:
        room = c.home_room
        if room is None or caps.get(room, 0) <= 0 or homes.count(room) > 1 or room in pinned_rooms:
            continue
        if c.id in pinned_classes or (caps[room] < c.students and not split):
            continue
        out[c.id] = room
    return out


def split_over_rooms(students: int, capacities: list[int]) -> list[int]:
    """How a class spreads over its rooms: each room in the listed order filled to its capacity.

    Returns students per room; the last room takes any remainder (which may exceed its capacity -
    the checker reports that).
    """
    out: list[int] = []
    left = students
    for i, cap in enumerate(capacities):
        take = left if i == len(capacities) - 1 else min(left, cap)
        out.append(take)
        left -= take
    return out


# --------------------------------------------------------------------------------------------
# Canteen
# --------------------------------------------------------------------------------------------


def seats_per_table(seats: int, sides: int, rule: str) -> int:
    """Distanced seats of one table of ``seats`` split over ``sides`` facing sides of n seats each.

    - every_seat: all seats, s.
    - skip_a_seat: every other seat on each side, sides × ⌈n/2⌉ (people may face each other).
    - skip_offset (DOMAIN 同桌隔位、对桌错位): one side uses seats 1,3,5…, the other 2,4,6…,
      so nobody sits beside or opposite anyone: ⌈n/2⌉ + ⌊n/2⌋ = n for two sides; ⌈n/2⌉ for one.
    - one_side: one side only, every other seat: ⌈n/2⌉.
    """
    n = seats // sides
    if rule == "every_seat":
        return seats
    if rule == "skip_a_seat":
        return sides * math.ceil(n / 2)
    if rule == "skip_offset":
        return n if sides == 2 else math.ceil(n / 2)
    if rule == "one_side":
        return math.ceil(n / 2)
    raise ValueError(f"unknown seating rule {rule!r}")


def canteen_capacity(canteen: Canteen) -> int:
    """Distanced seats in one sitting: tables × seats per table under the seating rule (0 if delivered)."""
    if canteen.mode != "sittings":
        return 0
    return canteen.tables * seats_per_table(canteen.seats_per_table, canteen.sides, canteen.seating_rule)


def sitting_start_min(canteen: Canteen, sitting: int) -> int:
    """Start of sitting k (1-based): first sitting + (k-1) × (sitting length + cleaning)."""
    return canteen.first_sitting_at + (sitting - 1) * (canteen.sitting_min + canteen.cleaning_min)


# --------------------------------------------------------------------------------------------
# Gates
# --------------------------------------------------------------------------------------------


def open_lanes(entrance: Entrance, staff_per_lane: int) -> int:
    """Lanes that can open: min(lanes, ⌊staff ÷ staff per lane⌋). Staff limit the lanes."""
    return min(entrance.lanes, entrance.staff // staff_per_lane)


def queue_places_per_lane(queue_length_m: float, spacing_m: float) -> int:
    """Marked places in one lane: ⌊marked length ÷ spacing⌋ (DOMAIN: markers every 1 m or 1.5 m)."""
    return math.floor(queue_length_m / spacing_m + 1e-9)


def gate_throughput_per_min(lanes: int, mean_service_s: float) -> float:
    """Screening capacity, people per minute: lanes × 60 ÷ mean service time in seconds.

    DOMAIN: a manual reading ~30 s a person gives ~2 a minute (~120 an hour) per lane.
    """
    return lanes * 60.0 / mean_service_s


def erlang_c(c: int, offered_load: float) -> float:
    """Erlang C: probability an arrival waits in an M/M/c queue with offered load a = λ/μ < c.

    C(c, a) = [a^c/c! · c/(c−a)] / [Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)] (Erlang 1917; any queueing
    text, e.g. Gross & Harris, Fundamentals of Queueing Theory). Computed by the stable Erlang B
    recursion B(k) = a·B(k−1)/(k + a·B(k−1)), then C = c·B / (c − a(1 − B)).
    """
    if offered_load <= 0:
        return 0.0
    if offered_load >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return c * b / (c - offered_load * (1 - b))


def queue_quantile_people(c: int, rho: float, cv2_service: float, quantile: float = 0.95) -> float:
    """Approximate ``quantile`` of the number waiting in an M/G/c queue at utilisation ρ.

    For M/M/c, P(Lq ≥ k) = C(c, a)·ρ^k, so the q-quantile is ln((1−q)/C) / ln ρ (0 when C ≤ 1−q).
    For general service the waiting line is scaled by (1 + cv²)/2, the Allen–Cunneen correction
    (Allen 1990, Probability, Statistics and Queueing Theory).
    """
    if rho <= 0:
        return 0.0
    if rho >= 1:
        return math.inf
    pw = erlang_c(c, rho * c)
    if pw <= 1 - quantile:
        return 0.0
    k = math.log((1 - quantile) / pw) / math.log(rho)
    return k * (1 + cv2_service) / 2


def gate_window_capacity(
    entrance: Entrance, policy: Policy, window_min: int, utilisation: float | None = None
) -> int:
    """Most students a gate takes in one window under the policy.

    The smaller of
    1. throughput: ⌊open lanes × 60/mean service × window × target utilisation⌋;
    2. queue space: the largest load whose 95th-percentile queue (M/G/c with Allen–Cunneen,
       arrivals spread over the window) fits the marked places of the open lanes.
    """
    util = policy.target_utilisation if utilisation is None else utilisation
    lanes = open_lanes(entrance, policy.staff_per_lane)
    if lanes <= 0:
        return 0
    mean_s = entrance.service_time_s.mean_value
    per_min = gate_throughput_per_min(lanes, mean_s)
    by_throughput = math.floor(per_min * window_min * util + 1e-9)
    places = lanes * queue_places_per_lane(entrance.queue_length_m, policy.queue_spacing_m)
    cv2 = entrance.service_time_s.cv2
    # Largest load n <= by_throughput whose queue quantile fits the places (monotone in n).
    lo, hi = 0, by_throughput
    while lo < hi:
        mid = (lo + hi + 1) // 2
        rho = mid / (per_min * window_min)
        if queue_quantile_people(lanes, rho, cv2) <= places:
            lo = mid
        else:
            hi = mid - 1
    return lo


def exit_rate_per_min(entrance: Entrance, policy: Policy) -> float:
    """People per minute leaving through a gate at dismissal (no screening on the way out).

    Single file per lane at walking speed v with spacing d: v ÷ d people per second per lane.
    """
    return entrance.lanes * policy.walking_speed_m_s / policy.queue_spacing_m * 60.0


# --------------------------------------------------------------------------------------------
# Walking
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _campus_distances(campus: Campus) -> dict[str, dict[str, float]]:
    g = nx.Graph()
    for e in campus.edges:
        g.add_edge(e.a, e.b, weight=e.m)
    return {src: dict(d) for src, d in nx.all_pairs_dijkstra_path_length(g, weight="weight")}


def walk_m(scenario: Scenario, entrance: Entrance, room: Room) -> float:
    """Walking distance from an entrance to a room's building, metres.

    The entrance's ``walk_m`` table is used when it names the building; otherwise the shortest path
    on the campus graph from the entrance's node to the building (networkx Dijkstra); otherwise 0.
    A floor adds 4 m of stairs per storey above the ground.
    """
    stairs = 4.0 * max(0, room.floor - 1)
    if room.building in entrance.walk_m:
        return entrance.walk_m[room.building] + stairs
    if scenario.campus is not None and entrance.node is not None:
        dist = _campus_distances(scenario.campus).get(entrance.node, {})
        if room.building in dist:
            return float(dist[room.building]) + stairs
    return stairs
