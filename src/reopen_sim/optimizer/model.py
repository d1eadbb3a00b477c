"""The CP-SAT timetable model: variables, then one ``add_<rule>`` function per rule.

Decisions per class ``c`` (indices into ``scenario.classes``):

- ``x[c, g, w]`` — the class arrives through gate ``g`` in window ``w`` (exactly one per class). This
  class × gate × window table is small (gates and windows are few); every other rule works on the
  derived ``gate_b[c, g]``, ``win_idx[c]`` and linear sums of ``x``, so there is no class × room ×
  gate × window cube.
- rooms by **room type**: rooms with the same building, floor and distanced capacity are
  interchangeable for every rule and objective term, so the model picks a type for the class's first
  room (``prim[c, t]``) and how many overflow rooms of each type (``over[c, t]``); real room ids are
  handed out afterwards (``decode.assign_room_ids``: previous room, then home room, then lowest id).
  Pinned rooms are types of their own. This removes the room symmetry that would otherwise make
  optimality proofs hopeless on 90-room schools.
- ``sit[c, s]`` canteen sitting, ``dslot[c, k]`` dismissal slot.

Explanations: built with a :class:`~reopen_sim.optimizer.relax.Relaxations`, every relaxable rule
is guarded by an assumption literal (one per rule family, gate, order pair, pin or group), entrances
closed to a group and a few windows past the latest arrival exist but are switched off by their
literals, so that ``sufficient_assumptions_for_infeasibility`` can name the clashing rules. The
explanation's state lives in that object, not on the model.

Rules shared with the checker are listed in ``docs/design.md``; capacities come from
``scenario.derived.derived(scenario)`` (the formulas of ``scenario/capacity.py``, evaluated once per
scenario) so both sides use the same numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from reopen_sim.optimizer.capacity_scale import scaled_capacities
from reopen_sim.optimizer.relax import ALL_PARTS, Relaxable, Relaxations, RuleFamily
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import Capacities, derived
from reopen_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Weights:
    """Objective weights (integers; the objective is Σ weight × term, minimised).

    The order of magnitude sets the priorities: one window less of arrival period is worth
    10,000 (= 10 km of class walks), one percentage point of peak gate utilisation 100 (per mille
    weight 10), one overflow room 300, one class whose arrangement differs from a published
    timetable 2,000 and each of its changed fields 100 more (a tiebreak: five fields cost less than
    one more class), walking 1 per metre of a class's walk from its gate to each of its rooms, and
    500 per class at a window's busiest gate among gates open to the same classes
    (``add_gate_spread_term``: more than the walk a class saves by crowding the nearest gate).
    """

    last_window: int = 10_000
    peak_utilisation_permille: int = 10
    most_classes_at_a_gate: int = 500
    walk_m: int = 1
    split_rooms: int = 300
    changes: int = 2_000
    changed_fields: int = 100


@dataclass(frozen=True)
class RoomType:
    """Rooms interchangeable for the model: same building, floor and distanced capacity."""

    index: int
    building: str
    floor: int
    capacity: int
    rooms: tuple[str, ...]


@dataclass
class TimetableModel:
    """The CP-SAT model and the variables the rules and the solution extraction need."""

    scenario: Scenario
    model: cp_model.CpModel
    caps: Capacities  # derived(scenario)
    previous: Plan | None
    weights: Weights
    n_windows: int  # windows that exist in the model (more than the day's when explaining)
    gate_ids: list[str]
    gate_capacity: list[int]  # per gate: the largest window capacity (bounds and cuts)
    room_types: list[RoomType]
    # (gate index, window index) → capacity where certification scaled it (scale_capacities)
    window_capacity: dict[tuple[int, int], int] = field(default_factory=dict)
    x: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    gate_b: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    win_idx: list[cp_model.IntVar] = field(default_factory=list)
    prim: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    over: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    split: list[cp_model.IntVar] = field(default_factory=list)
    sit: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    dslot: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    dis_idx: list[cp_model.IntVar] = field(default_factory=list)
    terms: dict[str, tuple[cp_model.LinearExprT, int]] = field(default_factory=dict)
    relaxations: Relaxations | None = None  # set only by the explanation
    _gates: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _gates_indexed: int = field(default=-1, repr=False)  # len(gate_b) when _gates was built
    _walks: dict[int, dict[int, int]] = field(default_factory=dict, repr=False)

    def capacity_at(self, g: int, w: int) -> int:
        """Students gate ``g`` may take in window ``w``: the static capacity unless scaled."""
        return self.window_capacity.get((g, w), self.caps.gate_window[g])

    @property
    def explain(self) -> bool:
        """Whether this is an explanation model (relaxable rules guarded by assumption literals)."""
        return self.relaxations is not None

    def guard(self, family: RuleFamily, *key: int) -> list[cp_model.IntVar]:
        """Enforcement literals for a relaxable rule: ``[]`` normally, ``[assumption]`` when explaining."""
        if self.relaxations is None:
            return []
        return self.relaxations.guard(self.model, family, tuple(key))

    def walk_table(self) -> dict[int, dict[int, int]]:
        """Whole metres from each gate to each room type (:func:`walk_to_type`), computed once."""
        if not self._walks:
            for g in range(len(self.gate_ids)):
                self._walks[g] = {t.index: walk_to_type(self.scenario, g, t) for t in self.room_types}
        return self._walks

    def gates_of(self, c: int) -> list[int]:
        """The entrances class ``c`` may arrive through (those with a ``gate_b`` variable)."""
        if self._gates_indexed != len(self.gate_b):  # gate_b grew since the last call: re-index
            self._gates_indexed = len(self.gate_b)
            self._gates.clear()
            for ci, g in sorted(self.gate_b):
                self._gates.setdefault(ci, []).append(g)
        return list(self._gates.get(c, ()))


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def room_types(scenario: Scenario) -> list[RoomType]:
    """Group rooms of positive capacity by (building, floor, capacity); pinned rooms stand alone."""
    caps = derived(scenario).room_seats
    pinned = {r for p in scenario.pins for r in (p.rooms or ())}
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for r in scenario.rooms:
        if caps[r.id] <= 0:
            continue
        key: tuple[object, ...] = (r.building, r.floor, caps[r.id])
        if r.id in pinned:
            key = (*key, r.id)
        groups[key].append(r.id)
    out = []
    for i, (key, ids) in enumerate(
        sorted(groups.items(), key=lambda kv: scenario_room_order(scenario, kv[1][0]))
    ):
        out.append(RoomType(i, str(key[0]), int(key[1]), int(key[2]), tuple(ids)))  # type: ignore[call-overload]
    return out


def scenario_room_order(scenario: Scenario, room_id: str) -> int:
    return [r.id for r in scenario.rooms].index(room_id)


def type_of_room(types: list[RoomType]) -> dict[str, int]:
    return {r: t.index for t in types for r in t.rooms}


def exit_capacity(scenario: Scenario, gate_index: int) -> int:
    """Students who can leave by a gate in one dismissal slot: ⌊exit rate × gap⌋ (``Capacities``)."""
    return derived(scenario).exit_per_slot[gate_index]


def walk_to_type(scenario: Scenario, gate_index: int, t: RoomType) -> int:
    """Whole metres from a gate to a room of the type (capacity.walk_m, stairs included)."""
    room = scenario.room_by_id(t.rooms[0])
    return round(cap.walk_m(scenario, scenario.entrances[gate_index], room))


# --------------------------------------------------------------------------------------------
# Variables
# --------------------------------------------------------------------------------------------


def add_arrival_choice(tm: TimetableModel) -> None:
    """Every class arrives exactly once: one gate, one window.

    A class only uses entrances open to its group (boarders / day students); when explaining, the
    closed entrances exist but are switched off by an ``open_to`` assumption per gate. Windows past
    ``day.latest_arrival_at`` exist only when explaining, switched off by the ``arrival_span``
    assumption.
    """
    sc, m = tm.scenario, tm.model
    n_day = sc.day.n_windows
    for c, cls in enumerate(sc.classes):
        lits = []
        for g, e in enumerate(sc.entrances):
            allowed = sc.entrance_allows(e, cls)
            if not allowed and not tm.explain:
                continue
            gl = m.new_bool_var(f"gate_{c}_{g}")
            tm.gate_b[c, g] = gl
            row = []
            for w in range(tm.n_windows):
                v = m.new_bool_var(f"x_{c}_{g}_{w}")
                tm.x[c, g, w] = v
                row.append(v)
                if w >= n_day:
                    m.add(v == 0).only_enforce_if(tm.guard(RuleFamily.ARRIVAL_SPAN))
            m.add(sum(row) == gl)
            if not allowed:
                m.add(gl == 0).only_enforce_if(tm.guard(RuleFamily.OPEN_TO, g))
            lits.extend(row)
        m.add_exactly_one(lits)
        wi = m.new_int_var(0, tm.n_windows - 1, f"win_{c}")
        m.add(wi == sum(w * tm.x[c, g, w] for g in tm.gates_of(c) for w in range(tm.n_windows)))
        tm.win_idx.append(wi)


def add_room_choice(tm: TimetableModel) -> None:
    """Rooms: each class sits in one room of its type, or — when it has more students than that
    room's distanced capacity and splitting is allowed — also in overflow rooms (labs, meeting rooms
    take the overflow in real plans) whose capacities cover the remainder, at most
    ``policy.max_rooms_per_class`` rooms in all. A class is split only when its first room is too
    small. Each room hosts at most one class (counted per room type; guarded as ``rooms``).
    """
    sc, m = tm.scenario, tm.model
    max_rooms = tm.caps.max_rooms_per_class
    types = tm.room_types
    all_caps = sorted((t.capacity for t in types for _ in t.rooms), reverse=True)
    for c, cls in enumerate(sc.classes):
        prim = []
        for t in types:
            v = m.new_bool_var(f"prim_{c}_{t.index}")
            tm.prim[c, t.index] = v
            prim.append(v)
        m.add_exactly_one(prim)
        split = m.new_bool_var(f"split_{c}")
        tm.split.append(split)
        first_cap = sum(t.capacity * tm.prim[c, t.index] for t in types)
        if max_rooms == 1:
            m.add(split == 0)
            m.add(first_cap >= cls.students)
            continue
        m.add(first_cap >= cls.students).only_enforce_if(split.negated())
        m.add(first_cap <= cls.students - 1).only_enforce_if(split)
        overs = []
        for t in types:
            o = m.new_int_var(0, min(max_rooms - 1, len(t.rooms)), f"over_{c}_{t.index}")
            tm.over[c, t.index] = o
            overs.append(o)
        m.add(sum(overs) >= 1).only_enforce_if(split)
        # Redundant but LP-tight: no class fits in fewer rooms than its largest rooms would need.
        k_min, seats = 0, 0
        for cap_t in all_caps:
            if seats >= cls.students:
                break
            seats += cap_t
            k_min += 1
        if k_min > 1:
            m.add(split == 1)
            m.add(sum(overs) >= k_min - 1)
        m.add(sum(overs) <= (max_rooms - 1) * split)
        m.add(first_cap + sum(t.capacity * tm.over[c, t.index] for t in types) >= cls.students)
    for t in types:
        used = [tm.prim[c, t.index] for c in range(len(sc.classes))]
        used += [tm.over[c, t.index] for c in range(len(sc.classes)) if (c, t.index) in tm.over]
        m.add(sum(used) <= len(t.rooms)).only_enforce_if(tm.guard(RuleFamily.ROOMS))


def add_home_rooms(tm: TimetableModel) -> None:
    """With ``policy.keep_home_rooms`` (the default), a class stays in its home room: its first room
    is of the home room's type, and ``decode.assign_room_ids`` hands it that very room (home rooms of
    kept classes are distinct and pinned to no one, ``capacity.kept_home_rooms``). A class over the
    room's distanced capacity keeps it and takes overflow rooms. Guarded as one family."""
    if not tm.prim:
        return
    kept = tm.caps.kept_home_rooms
    rtype = type_of_room(tm.room_types)
    for c, cls in enumerate(tm.scenario.classes):
        room = kept.get(cls.id)
        if room is not None and room in rtype:
            tm.model.add(tm.prim[c, rtype[room]] == 1).only_enforce_if(tm.guard(RuleFamily.HOME_ROOMS))


def add_canteen_choice(tm: TimetableModel) -> None:
    """Canteen (when the school has sittings): each class eats in exactly one sitting, and the students
    of a sitting fit its distanced seats (``capacity.canteen_capacity``; guarded as ``canteen``)."""
    sc, m = tm.scenario, tm.model
    if sc.canteen.mode != "sittings":
        return
    seats = tm.caps.canteen_seats
    n_sit = sc.canteen.max_sittings
    for c in range(len(sc.classes)):
        m.add_exactly_one([tm.sit.setdefault((c, s), m.new_bool_var(f"sit_{c}_{s}")) for s in range(n_sit)])
    for s in range(n_sit):
        m.add(sum(cls.students * tm.sit[c, s] for c, cls in enumerate(sc.classes)) <= seats).only_enforce_if(
            tm.guard(RuleFamily.CANTEEN)
        )


def add_dismissal_choice(tm: TimetableModel) -> None:
    """Each class is dismissed in exactly one slot ``day.dismissal_start_at + k × gap``."""
    sc, m = tm.scenario, tm.model
    n = sc.day.dismissal_slots
    for c in range(len(sc.classes)):
        row = [m.new_bool_var(f"dslot_{c}_{k}") for k in range(n)]
        for k, v in enumerate(row):
            tm.dslot[c, k] = v
        m.add_exactly_one(row)
        d = m.new_int_var(0, n - 1, f"dis_{c}")
        m.add(d == sum(k * v for k, v in enumerate(row)))
        tm.dis_idx.append(d)


# --------------------------------------------------------------------------------------------
# Hard rules
# --------------------------------------------------------------------------------------------


def gate_load(tm: TimetableModel, g: int, w: int) -> cp_model.LinearExprT:
    sc = tm.scenario
    return sum(cls.students * tm.x[c, g, w] for c, cls in enumerate(sc.classes) if (c, g, w) in tm.x)


def add_gate_capacity(tm: TimetableModel) -> None:
    """Gate load: the students who arrive through a gate in one window are at most what its open
    lanes screen in that window at the target utilisation, and no more than its marked queuing
    places hold (``capacity.gate_window_capacity``). Guarded per gate."""
    if not tm.x:
        return
    for g in range(len(tm.gate_ids)):
        for w in range(tm.n_windows):
            tm.model.add(gate_load(tm, g, w) <= tm.capacity_at(g, w)).only_enforce_if(
                tm.guard(RuleFamily.GATE_CAPACITY, g)
            )


def add_grades_per_gate_window(tm: TimetableModel) -> None:
    """At most ``policy.max_grades_per_gate_window`` grades share a gate in one window (default 1:
    one grade per gate and window). Guarded as one family."""
    sc, m = tm.scenario, tm.model
    if not tm.win_idx:
        return
    k_max = sc.policy.max_grades_per_gate_window
    by_grade: dict[int, list[int]] = defaultdict(list)
    for c, cls in enumerate(sc.classes):
        by_grade[cls.grade].append(c)
    if len(by_grade) <= k_max:
        return
    for g in range(len(tm.gate_ids)):
        for w in range(tm.n_windows):
            used = []
            for grade, members in sorted(by_grade.items()):
                xs = [tm.x[c, g, w] for c in members if (c, g, w) in tm.x]
                if not xs:
                    continue
                u = m.new_bool_var(f"grade_{grade}_{g}_{w}")
                for v in xs:
                    m.add_implication(v, u)
                m.add(u <= sum(xs))
                # LP-tight link: the grade's students at this gate-window fit the gate only if it is
                # the grade's (capacity-weighted, instead of one implication per class).
                students = [sc.classes[c].students for c in members if (c, g, w) in tm.x]
                m.add(
                    sum(n * v for n, v in zip(students, xs, strict=True)) <= tm.gate_capacity[g] * u
                ).only_enforce_if(tm.guard(RuleFamily.GATE_CAPACITY, g))
                used.append(u)
            if len(used) > k_max:
                m.add(sum(used) <= k_max).only_enforce_if(tm.guard(RuleFamily.GRADES_PER_GATE))


def add_boarder_separation(tm: TimetableModel) -> None:
    """With ``policy.separate_boarders``, no entrance serves boarders and day students in the same
    window (DOMAIN: their flows must not cross). Guarded as one family."""
    sc, m = tm.scenario, tm.model
    if not sc.policy.separate_boarders or not tm.win_idx:
        return
    boarders = [c for c, cls in enumerate(sc.classes) if cls.boarding]
    day = [c for c, cls in enumerate(sc.classes) if not cls.boarding]
    if not boarders or not day:
        return
    for g in range(len(tm.gate_ids)):
        for w in range(tm.n_windows):
            xb = [tm.x[c, g, w] for c in boarders if (c, g, w) in tm.x]
            xd = [tm.x[c, g, w] for c in day if (c, g, w) in tm.x]
            if not xb or not xd:
                continue
            b = m.new_bool_var(f"boarders_{g}_{w}")
            for v in xb:
                m.add_implication(v, b)
            for v in xd:
                m.add_implication(v, b.negated()).only_enforce_if(tm.guard(RuleFamily.BOARDERS))


def _add_order(
    tm: TimetableModel,
    groups: tuple[tuple[int, ...], ...],
    idx: list[cp_model.IntVar],
    top: int,
    family: RuleFamily,
) -> None:
    sc = tm.scenario
    if not idx:
        return
    members = [[c for c, cls in enumerate(sc.classes) if cls.grade in grp] for grp in groups]
    for i in range(len(groups) - 1):
        # One boundary per pair: the earlier group is at or before it, the later group after it
        # (2n constraints instead of n², and a variable the search can branch on).
        b = tm.model.new_int_var(0, top, f"{family}_boundary_{i}")
        lit = tm.guard(family, i)
        for a in members[i]:
            tm.model.add(idx[a] <= b).only_enforce_if(lit)
        for c in members[i + 1]:
            tm.model.add(idx[c] >= b + 1).only_enforce_if(lit)


def add_arrival_order(tm: TimetableModel) -> None:
    """Grade order: for consecutive groups of ``policy.arrival_order`` (graduating grade first), every
    class of the earlier group arrives in a window strictly before every class of the later one.
    Guarded per consecutive pair."""
    _add_order(tm, tm.scenario.policy.arrival_order, tm.win_idx, tm.n_windows - 1, RuleFamily.ARRIVAL_ORDER)


def add_dismissal_order(tm: TimetableModel) -> None:
    """Dismissal order: consecutive groups of ``policy.dismissal_order`` (younger grades first) leave in
    strictly earlier slots. Guarded per consecutive pair."""
    _add_order(
        tm,
        tm.scenario.policy.dismissal_order,
        tm.dis_idx,
        tm.scenario.day.dismissal_slots - 1,
        RuleFamily.DISMISSAL_ORDER,
    )


def most_leaving_in_one_slot(tm: TimetableModel, users: list[int]) -> int:
    """An upper bound on the students of ``users`` who can leave in one dismissal slot.

    When the dismissal order is enforced, its groups leave in strictly ordered slots, so one slot
    holds at most one group: the bound is the largest group plus every class in no group. Otherwise
    (or when explaining, where the order may be relaxed) it is all of them."""
    sc = tm.scenario
    total = sum(sc.classes[c].students for c in users)
    order = sc.policy.dismissal_order
    if tm.explain or len(order) < 2:
        return total
    per_group = [sum(sc.classes[c].students for c in users if sc.classes[c].grade in grp) for grp in order]
    return total - sum(per_group) + max(per_group)


def add_exit_capacity(tm: TimetableModel) -> None:
    """Dismissal: a class leaves by the gate it arrived through, and the students leaving by a gate in
    one slot are at most ``exit_rate_per_min × dismissal_gap_min``. Gate × slot products are built
    only for gates where that can bind (:func:`most_leaving_in_one_slot` exceeds it). Guarded per
    gate."""
    sc, m = tm.scenario, tm.model
    if not tm.dis_idx or not tm.win_idx:
        return
    for g in range(len(tm.gate_ids)):
        users = [c for c in range(len(sc.classes)) if (c, g) in tm.gate_b]
        limit = exit_capacity(sc, g)
        if most_leaving_in_one_slot(tm, users) <= limit:
            continue
        for k in range(sc.day.dismissal_slots):
            terms = []
            for c in users:
                e = m.new_bool_var(f"exit_{c}_{g}_{k}")
                m.add_bool_or([tm.gate_b[c, g].negated(), tm.dslot[c, k].negated(), e])
                terms.append(sc.classes[c].students * e)
            m.add(sum(terms) <= limit).only_enforce_if(tm.guard(RuleFamily.EXIT, g))


def add_pins(tm: TimetableModel) -> None:
    """Assignments the administrator pins by hand (gate, window, rooms, sitting, dismissal) are kept.
    Pinned rooms are used exactly, in the pinned order. Guarded per pin."""
    sc, m = tm.scenario, tm.model
    idx = {cls.id: c for c, cls in enumerate(sc.classes)}
    rtype = type_of_room(tm.room_types)
    caps = tm.caps.room_seats
    for i, pin in enumerate(sc.pins):
        c = idx[pin.class_id]
        lit = tm.guard(RuleFamily.PIN, i)
        if pin.gate is not None and tm.win_idx:
            g = tm.gate_ids.index(pin.gate)
            if (c, g) in tm.gate_b:
                m.add(tm.gate_b[c, g] == 1).only_enforce_if(lit)
            else:
                m.add_bool_or([]).only_enforce_if(lit)  # the gate is closed to this class: the pin clashes
        if pin.window_at is not None and tm.win_idx:
            m.add(
                tm.win_idx[c] == (pin.window_at - sc.day.earliest_arrival_at) // sc.day.window_min
            ).only_enforce_if(lit)
        if pin.rooms and tm.prim:
            rooms = list(pin.rooms)
            shares = cap.split_over_rooms(sc.classes[c].students, [caps[r] for r in rooms])
            fits = all(0 < n <= caps[r] for n, r in zip(shares, rooms, strict=True)) and len(
                set(rooms)
            ) == len(rooms)
            max_rooms = tm.caps.max_rooms_per_class
            if not fits or len(rooms) > max_rooms or any(r not in rtype for r in rooms):
                m.add_bool_or([]).only_enforce_if(lit)
            else:
                m.add(tm.prim[c, rtype[rooms[0]]] == 1).only_enforce_if(lit)
                counts: dict[int, int] = defaultdict(int)
                for r in rooms[1:]:
                    counts[rtype[r]] += 1
                for t in tm.room_types:
                    if (c, t.index) in tm.over:
                        m.add(tm.over[c, t.index] == counts.get(t.index, 0)).only_enforce_if(lit)
        if pin.canteen_sitting is not None and tm.sit:
            m.add(tm.sit[c, pin.canteen_sitting - 1] == 1).only_enforce_if(lit)
        if pin.dismissal_at is not None and tm.dis_idx:
            k = (pin.dismissal_at - sc.day.dismissal_start_at) // sc.day.dismissal_gap_min
            m.add(tm.dis_idx[c] == k).only_enforce_if(lit)


def add_arrival_groups(tm: TimetableModel) -> None:
    """Classes of an arrival group (siblings, one school bus) arrive in the same window. Guarded per group."""
    sc = tm.scenario
    idx = {cls.id: c for c, cls in enumerate(sc.classes)}
    if not tm.win_idx:
        return
    for i, grp in enumerate(sc.groups):
        first = idx[grp.classes[0]]
        for cid in grp.classes[1:]:
            tm.model.add(tm.win_idx[idx[cid]] == tm.win_idx[first]).only_enforce_if(
                tm.guard(RuleFamily.GROUP, i)
            )


# --------------------------------------------------------------------------------------------
# Objective terms (soft): each returns nothing and records a named term in tm.terms
# --------------------------------------------------------------------------------------------


def arrival_populations(tm: TimetableModel) -> list[tuple[int, dict[tuple[int, ...], list[int]]]]:
    """Per group of the arrival order: the windows it needs at least, and its populations (classes
    sharing the same open gates) as lists of class sizes. A group needs ⌈students ÷ what the gates
    open to them take a window⌉ windows of its own per population."""
    sc = tm.scenario
    out = []
    for grp in sc.policy.arrival_order:
        pops: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for c, cls in enumerate(sc.classes):
            if cls.grade in grp:
                pops[tuple(tm.gates_of(c))].append(cls.students)
        need = max(
            (
                math.ceil(sum(sizes) / max(1, sum(tm.gate_capacity[g] for g in gates)))
                for gates, sizes in pops.items()
            ),
            default=1,
        )
        out.append((max(1, need), dict(pops)))
    return out


def add_last_window_term(tm: TimetableModel) -> None:
    """Finish the arrival period early: the index of the latest window any class uses."""
    m = tm.model
    last = m.new_int_var(0, tm.n_windows - 1, "last_window")
    for wi in tm.win_idx:
        m.add(last >= wi)
    # A valid cut the LP cannot see: each group of the arrival order needs its own windows
    # (arrival_populations), and the groups follow each other.
    need_total = sum(need for need, _ in arrival_populations(tm))
    if need_total:
        m.add(last >= need_total - 1)
    tm.terms["last_window"] = (last, tm.weights.last_window)


def peak_lower_bound(tm: TimetableModel, gates: tuple[int, ...], sizes: list[int], n_windows: int) -> int:
    """The least peak (per mille) at which classes of these sizes, arriving through these gates in
    ``n_windows`` windows, can fit: by volume (students ÷ capacity of the gate-windows) and by count
    (a gate-window at peak p holds at most the j smallest classes whose sum ≤ p × capacity)."""
    caps = [tm.gate_capacity[g] for g in gates]
    total_cap = sum(caps) * n_windows
    if not sizes or total_cap <= 0 or n_windows <= 0:
        return 0
    prefix = [0]
    for s in sorted(sizes):
        prefix.append(prefix[-1] + s)
    lo = min(1000, math.ceil(1000 * prefix[-1] / total_cap))

    def classes_fit(p: int) -> int:
        held = 0
        for cap_g in caps:
            held += n_windows * max(j for j, s in enumerate(prefix) if 1000 * s <= p * cap_g)
        return held

    for p in range(lo, 1001):
        if classes_fit(p) >= len(sizes):
            return p
    return 1000


def add_peak_utilisation_term(tm: TimetableModel) -> None:
    """Level the gate loads: the peak over gates and windows of load ÷ window capacity, in per mille
    (rounded up)."""
    m = tm.model
    peak = m.new_int_var(0, 1000, "peak_permille")
    for g in range(len(tm.gate_capacity)):
        for w in range(tm.n_windows):
            capacity = tm.capacity_at(g, w)
            if capacity > 0:
                m.add(capacity * peak >= 1000 * gate_load(tm, g, w))
    tm.terms["peak_utilisation_permille"] = (peak, tm.weights.peak_utilisation_permille)
    # Valid cuts the LP cannot see (it spreads classes fractionally over every gate-window): when
    # the arrival ends by window L, a group of the arrival order has at most L + 1 − (windows the
    # other groups need) windows, and its populations must fit their gates' windows at the peak.
    last = tm.terms["last_window"][0] if "last_window" in tm.terms else None
    groups = arrival_populations(tm)
    need_total = sum(need for need, _ in groups)
    if last is None or not groups:
        return
    for top in range(max(0, need_total - 1), tm.n_windows):
        bound = 0
        for need, pops in groups:
            avail = top + 1 - (need_total - need)
            for gates, sizes in pops.items():
                bound = max(bound, peak_lower_bound(tm, gates, sizes, avail))
        if bound <= 0:
            continue
        ends_by = m.new_bool_var(f"arrival_ends_by_{top}")
        m.add(last <= top).only_enforce_if(ends_by)
        m.add(last >= top + 1).only_enforce_if(ends_by.negated())
        m.add(peak >= bound).only_enforce_if(ends_by)


def add_gate_spread_term(tm: TimetableModel) -> None:
    """Spread each window's classes over the gates open to them, as schools do by hand (classes over
    every gate by class number): for each window and each set of two or more gates open to the same
    classes, the most classes any one of them takes (a gate of half the largest one's capacity
    counting each class twice: ``count × largest capacity ≤ most × capacity``); the term is the sum.

    The school-wide peak alone lets a window put most of its classes through two of four gates
    whenever another gate (e.g. the boarders') sets the peak, to save walking; the queue grows faster
    than the load, so the simulated peak queue was worse than the hand plan's. Counted in classes,
    an even spread costs about the same however many windows are used (it does not argue against
    ending early), and the model stays nearly as quick to prove (a per-gate share in students, or the
    busiest gate's load in per mille, took 2× and over 30× as long on the bundled high school)."""
    if tm.weights.most_classes_at_a_gate <= 0:  # left out (large schools searched by neighbourhood)
        return
    m = tm.model
    users: dict[int, set[int]] = defaultdict(set)
    for c, g in tm.gate_b:
        users[g].add(c)
    same: dict[frozenset[int], list[int]] = defaultdict(list)
    for g in sorted(users):
        same[frozenset(users[g])].append(g)
    parts = []
    for classes, gates in same.items():
        if len(gates) < 2:
            continue
        for w in range(tm.n_windows):
            caps = {g: tm.capacity_at(g, w) for g in gates if tm.capacity_at(g, w) > 0}
            if len(caps) < 2:
                continue
            largest = max(caps.values())
            most = m.new_int_var(0, len(classes) * largest, f"most_classes_{tm.gate_ids[gates[0]]}_{w}")
            for g, capacity in caps.items():
                count = sum(tm.x[c, g, w] for c in classes if (c, g, w) in tm.x)
                m.add(largest * count <= capacity * most)
            parts.append(most)
    if parts:
        tm.terms["most_classes_at_a_gate"] = (sum(parts), tm.weights.most_classes_at_a_gate)


def walk_places(
    scenario: Scenario, types: list[RoomType]
) -> tuple[list[list[int]], dict[int, int], dict[tuple[int, int], int]]:
    """Split walks into a gate part and a room part: walk(g, t) = base(g, place(t)) + offset(t).

    A place is a building when ``capacity.walk_m`` is separable there (the floors only add stairs,
    the same from every gate); otherwise each room type is its own place. Returns the places (lists
    of type indices), each type's offset, and base[g, place].
    """
    n_g = len(scenario.entrances)
    w = {(g, t.index): walk_to_type(scenario, g, t) for g in range(n_g) for t in types}
    by_building: dict[str, list[RoomType]] = defaultdict(list)
    for t in types:
        by_building[t.building].append(t)
    places: list[list[int]] = []
    offset: dict[int, int] = {}
    base: dict[tuple[int, int], int] = {}
    for members in by_building.values():
        ref = min(members, key=lambda t: (t.floor, t.index))
        offs = {t.index: w[0, t.index] - w[0, ref.index] for t in members}
        separable = all(w[g, t.index] == w[g, ref.index] + offs[t.index] for g in range(n_g) for t in members)
        groups = [members] if separable else [[t] for t in members]
        for grp in groups:
            p = len(places)
            places.append([t.index for t in grp])
            r = grp[0] if not separable else ref
            for t in grp:
                offset[t.index] = offs[t.index] if separable else 0
            for g in range(n_g):
                base[g, p] = w[g, r.index]
    return places, offset, base


def kept_first_rooms(tm: TimetableModel) -> dict[int, int]:
    """Classes whose first room type is fixed by a kept home room (``add_home_rooms``), with that
    type; none when explaining (the rule is then relaxable) or without the policy."""
    if tm.explain:
        return {}
    rtype = type_of_room(tm.room_types)
    kept = tm.caps.kept_home_rooms
    return {
        c: rtype[kept[cls.id]]
        for c, cls in enumerate(tm.scenario.classes)
        if cls.id in kept and kept[cls.id] in rtype
    }


def add_walk_term(tm: TimetableModel) -> None:
    """Short walks: Σ over classes and their rooms of the walk (m) from the class's gate to the room
    (``capacity.walk_m``, stairs included).

    Exact and LP-tight without a gate × room product: the walk splits into a room part (stairs,
    linear in the room-type choice) and a gate × place part (place = building, see
    :func:`walk_places`); the latter uses ``y[c, g, p]`` whose row sums are the gate choice and
    column sums the place of the first room (a transportation polytope: exact for one-hot choices),
    and integer ``z[c, g, p]`` for overflow rooms.
    """
    sc, m = tm.scenario, tm.model
    places, offset, base = walk_places(sc, tm.room_types)
    max_over = (sc.policy.max_rooms_per_class - 1) if sc.policy.allow_split_classes else 0
    homes = kept_first_rooms(tm)
    place_of = {t: p for p, members in enumerate(places) for t in members}
    parts: list[cp_model.LinearExprT] = []
    for c in range(len(sc.classes)):
        gates = tm.gates_of(c)
        parts.append(sum(offset[t.index] * tm.prim[c, t.index] for t in tm.room_types))
        parts.append(
            sum(offset[t.index] * tm.over[c, t.index] for t in tm.room_types if (c, t.index) in tm.over)
        )
        home = homes.get(c)
        if home is not None and len(gates) > 1:
            # The first room's place is fixed: its walk is linear in the gate choice, no y needed;
            # a class its home room seats has no overflow rooms (add_room_choice), so no z either.
            parts.append(sum(base[g, place_of[home]] * tm.gate_b[c, g] for g in gates))
            if max_over == 0 or tm.room_types[home].capacity >= sc.classes[c].students:
                continue
        if len(gates) == 1:
            g = gates[0]
            for p, members in enumerate(places):
                parts.append(base[g, p] * sum(tm.prim[c, t] for t in members))
                parts.append(base[g, p] * sum(tm.over[c, t] for t in members if (c, t) in tm.over))
            continue
        if home is None:
            y = {(g, p): m.new_bool_var(f"walk_y_{c}_{g}_{p}") for g in gates for p in range(len(places))}
            for g in gates:
                m.add(sum(y[g, p] for p in range(len(places))) == tm.gate_b[c, g])
            for p, members in enumerate(places):
                m.add(sum(y[g, p] for g in gates) == sum(tm.prim[c, t] for t in members))
            parts.append(sum(base[g, p] * v for (g, p), v in y.items()))
        if max_over > 0:
            z = {
                (g, p): m.new_int_var(0, max_over, f"walk_z_{c}_{g}_{p}")
                for g in gates
                for p in range(len(places))
            }
            for g in gates:
                m.add(sum(z[g, p] for p in range(len(places))) <= max_over * tm.gate_b[c, g])
            for p, members in enumerate(places):
                m.add(sum(z[g, p] for g in gates) == sum(tm.over[c, t] for t in members if (c, t) in tm.over))
            parts.append(sum(base[g, p] * v for (g, p), v in z.items()))
    tm.terms["walk_m"] = (sum(parts), tm.weights.walk_m)


def add_split_term(tm: TimetableModel) -> None:
    """Few split classes: the number of overflow rooms in use."""
    tm.terms["split_rooms"] = (sum(tm.over.values()), tm.weights.split_rooms)


def add_changes_term(tm: TimetableModel) -> None:
    """Few changes to a published timetable (``previous``): the classes whose arrangement differs
    from it (``changes``: a class changed ≥ each of its field changes), then, at a lower weight, the
    fields that differ (``changed_fields``: window, gate, rooms, canteen sitting, dismissal time).
    Counting classes, not fields: moving one class twice beats moving two classes once each."""
    if tm.previous is None:
        return
    sc, m = tm.scenario, tm.model
    prev = tm.previous.by_class()
    rtype = type_of_room(tm.room_types)
    changes: list[cp_model.LinearExprT] = []
    classes: list[cp_model.IntVar] = []
    for c, cls in enumerate(sc.classes):
        p = prev.get(cls.id)
        if p is None:
            continue
        first = len(changes)
        off = p.arrival_start_min - sc.day.earliest_arrival_at
        w = off // sc.day.window_min if off >= 0 and off % sc.day.window_min == 0 else -1
        same_w = [tm.x[c, g, w] for g in tm.gates_of(c) if (c, g, w) in tm.x] if w >= 0 else []
        changes.append(1 - sum(same_w))
        g = tm.gate_ids.index(p.gate) if p.gate in tm.gate_ids else -1
        changes.append(1 - tm.gate_b[c, g] if (c, g) in tm.gate_b else 1)
        if p.rooms and all(r in rtype for r in p.rooms):
            same = m.new_bool_var(f"same_rooms_{c}")
            m.add_implication(same, tm.prim[c, rtype[p.rooms[0]]])
            counts: dict[int, int] = defaultdict(int)
            for r in p.rooms[1:]:
                counts[rtype[r]] += 1
            for t in tm.room_types:
                if (c, t.index) in tm.over:
                    m.add(tm.over[c, t.index] == counts.get(t.index, 0)).only_enforce_if(same)
                elif counts.get(t.index, 0):
                    m.add(same == 0)
            changes.append(1 - same)
        else:
            changes.append(1)
        if tm.sit:
            s = (p.canteen_sitting or 0) - 1
            changes.append(1 - tm.sit[c, s] if (c, s) in tm.sit else 1)
        off = p.dismissal_min - sc.day.dismissal_start_at
        k = off // sc.day.dismissal_gap_min if off >= 0 and off % sc.day.dismissal_gap_min == 0 else -1
        changes.append(1 - tm.dslot[c, k] if (c, k) in tm.dslot else 1)
        changed = m.new_bool_var(f"changed_{c}")
        for f in changes[first:]:
            m.add(changed >= f)
        classes.append(changed)
    tm.terms["changes"] = (sum(classes), tm.weights.changes)
    tm.terms["changed_fields"] = (sum(changes), tm.weights.changed_fields)


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

HARD_RULES = (
    add_gate_capacity,
    add_grades_per_gate_window,
    add_boarder_separation,
    add_arrival_order,
    add_dismissal_order,
    add_exit_capacity,
    add_pins,
    add_home_rooms,
    add_arrival_groups,
)
OBJECTIVE_TERMS = (
    add_last_window_term,
    add_peak_utilisation_term,
    add_gate_spread_term,
    add_walk_term,
    add_split_term,
    add_changes_term,
)


def build_model(
    scenario: Scenario,
    previous: Plan | None = None,
    weights: Weights | None = None,
    relaxations: Relaxations | None = None,
    capacity_scale: Mapping[tuple[str, int], float] | None = None,
) -> TimetableModel:
    """Build the CP-SAT model of a school: choices, hard rules and (unless explaining) the objective.

    ``relaxations`` (explanations only) guards the relaxable rules and may build a sub-model (its
    ``parts``) with windows past the latest arrival (its ``extra_windows``); see
    :class:`~reopen_sim.optimizer.relax.Relaxations`.

    ``capacity_scale`` ((gate id, window index) → factor, from certification) scales those
    gate-windows' capacity (``capacity_scale.scaled_capacity``); the per-gate figures used by bounds
    and cuts become each gate's largest window capacity, so they stay valid.
    """
    caps = derived(scenario)
    explain = relaxations is not None
    tm = TimetableModel(
        scenario=scenario,
        model=cp_model.CpModel(),
        caps=caps,
        previous=previous,
        weights=weights or Weights(),
        n_windows=scenario.day.n_windows + (relaxations.extra_windows if relaxations is not None else 0),
        gate_ids=[e.id for e in scenario.entrances],
        gate_capacity=list(caps.gate_window),
        room_types=room_types(scenario),
        relaxations=relaxations,
    )
    if capacity_scale:
        tm.window_capacity = scaled_capacities(scenario, capacity_scale)
        for (g, _), n in tm.window_capacity.items():
            tm.gate_capacity[g] = max(tm.gate_capacity[g], n)
    parts = relaxations.parts if relaxations is not None else ALL_PARTS
    if "arrival" in parts:
        add_arrival_choice(tm)
    if "rooms" in parts:
        add_room_choice(tm)
    if "canteen" in parts:
        add_canteen_choice(tm)
    if "dismissal" in parts:
        add_dismissal_choice(tm)
    for rule in HARD_RULES:
        rule(tm)
    if not explain:
        for term in OBJECTIVE_TERMS:
            term(tm)
        tm.model.minimize(sum(weight * expr for expr, weight in tm.terms.values()))
    return tm


__all__ = [
    "ALL_PARTS",
    "HARD_RULES",
    "OBJECTIVE_TERMS",
    "Relaxable",
    "Relaxations",
    "RoomType",
    "TimetableModel",
    "Weights",
    "build_model",
]
