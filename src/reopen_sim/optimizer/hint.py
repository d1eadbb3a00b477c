"""A greedy first guess handed to CP-SAT as a solution hint (first-fit decreasing).

CP-SAT's deterministic (interleaved) search has no feasibility-jump or local-search workers, and
packing 70 classes of ~50 into gate-windows of ~170 takes it seconds to find a first plan. A
first-fit-decreasing guess — arrival groups in order, largest class first into the first gate-window
that keeps every gate rule — usually is a plan, and the solver starts from it. A hint is only a
suggestion: where the guess breaks a rule the solver repairs or ignores it, so this module need not be
complete or correct, only cheap and deterministic.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python.linear_sum_assignment import SimpleLinearSumAssignment
from ortools.sat.python import cp_model

from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.decode import assign_room_ids
from reopen_sim.optimizer.model import TimetableModel, arrival_populations, peak_lower_bound, type_of_room
from reopen_sim.optimizer.params import WallClock, plain_solver
from reopen_sim.optimizer.params import solve as run_solve
from reopen_sim.plan import ClassAssignment, Plan


def _arrival_guess(
    tm: TimetableModel, rooms: dict[int, tuple[int, dict[int, int]]] | None = None, level: bool = False
) -> dict[int, tuple[int, int]]:
    """Arrival groups in order, largest class first into the first window with a gate that keeps the
    gate rules; with ``rooms``, the gates nearest each class's first room are tried first.

    With ``level``, a group of the arrival order (unpinned classes) keeps to the windows it needs at
    least (``model.arrival_populations``) and each class takes the gate-window that adds least to
    the objective: its walk plus the weighted rise of the peak utilisation above the model's lower
    bound on it. First fit is the fallback."""
    groups = arrival_populations(tm) if level else []
    need_total = sum(need for need, _ in groups)
    peak = max(
        (peak_lower_bound(tm, gates, sizes, need) for need, pops in groups for gates, sizes in pops.items()),
        default=0,
    )
    sc, pol = tm.scenario, tm.scenario.policy
    walks = _walks(tm) if rooms else {}

    def near(c: int, g: int) -> int:
        return walks[g][rooms[c][0]] if rooms and c in rooms else 0

    n_win = sc.day.n_windows
    pins = {p.class_id: p for p in sc.pins}
    order = list(pol.arrival_order)
    in_order = {g for grp in order for g in grp}
    rest = tuple(g for g in sc.grades if g not in in_order)
    load: dict[tuple[int, int], int] = defaultdict(int)
    grades: dict[tuple[int, int], set[int]] = defaultdict(set)
    kinds: dict[tuple[int, int], set[bool]] = defaultdict(set)
    out: dict[int, tuple[int, int]] = {}
    start = 0
    for i, grp in enumerate([*order, rest]):
        members = [c for c, cls in enumerate(sc.classes) if cls.grade in grp]
        members.sort(key=lambda c: (sc.classes[c].id not in pins, -sc.classes[c].students, c))
        first = start if grp is not rest else 0
        last_used = first
        for c in members:
            cls = sc.classes[c]
            pin = pins.get(cls.id)
            placed = False
            if level and grp is not rest and pin is None and need_total <= n_win:
                costs = []
                for w in range(first, min(n_win, first + groups[i][0])):
                    for g in tm.gates_of(c):
                        n = load[g, w] + cls.students
                        if (
                            n > tm.gate_capacity[g]
                            or len(grades[g, w] | {cls.grade}) > pol.max_grades_per_gate_window
                            or (pol.separate_boarders and kinds[g, w] - {cls.boarding})
                        ):
                            continue
                        rise = max(0, -(-1000 * n // tm.gate_capacity[g]) - peak)
                        cost = tm.weights.walk_m * near(c, g) + tm.weights.peak_utilisation_permille * rise
                        costs.append((cost, n / tm.gate_capacity[g], w, g))
                if costs:
                    _, _, w, g = min(costs)
                    out[c] = (g, w)
                    load[g, w] += cls.students
                    grades[g, w].add(cls.grade)
                    kinds[g, w].add(cls.boarding)
                    peak = max(peak, -(-1000 * load[g, w] // tm.gate_capacity[g]))
                    last_used = max(last_used, w)
                    continue
            for w in range(first, n_win):
                if (
                    pin is not None
                    and pin.window_at is not None
                    and sc.day.window_start_min(w) != pin.window_at
                ):
                    continue
                for g in sorted(tm.gates_of(c), key=lambda g: (near(c, g), g)):
                    if pin is not None and pin.gate is not None and tm.gate_ids[g] != pin.gate:
                        continue
                    if load[g, w] + cls.students > tm.gate_capacity[g]:
                        continue
                    if len(grades[g, w] | {cls.grade}) > pol.max_grades_per_gate_window:
                        continue
                    if pol.separate_boarders and kinds[g, w] - {cls.boarding}:
                        continue
                    out[c] = (g, w)
                    load[g, w] += cls.students
                    grades[g, w].add(cls.grade)
                    kinds[g, w].add(cls.boarding)
                    last_used = max(last_used, w)
                    placed = True
                    break
                if placed:
                    break
        if grp is not rest:
            start = last_used + 1
    return out


def _room_guess(tm: TimetableModel) -> dict[int, tuple[int, dict[int, int]]]:
    sc = tm.scenario
    max_rooms = tm.caps.max_rooms_per_class
    free = {t.index: len(t.rooms) for t in tm.room_types}
    caps = {t.index: t.capacity for t in tm.room_types}
    out: dict[int, tuple[int, dict[int, int]]] = {}
    rtype = type_of_room(tm.room_types)
    pinned = {p.class_id: p.rooms for p in sc.pins if p.rooms and all(r in rtype for r in p.rooms)}
    for c, cls in enumerate(sc.classes):  # pinned rooms first, and only for their class
        rooms = pinned.get(cls.id)
        if rooms:
            extra: dict[int, int] = defaultdict(int)
            for r in rooms[1:]:
                extra[rtype[r]] += 1
            out[c] = (rtype[rooms[0]], dict(extra))
    for rooms in pinned.values():
        for r in rooms or ():
            free[rtype[r]] = 0
    homes = tm.caps.kept_home_rooms
    kept = {
        c: rtype[homes[cls.id]]
        for c, cls in enumerate(sc.classes)
        if cls.id in homes and homes[cls.id] in rtype and c not in out
    }
    for t in kept.values():  # home rooms kept under policy.keep_home_rooms: taken before the rest
        free[t] -= 1
    for c in sorted(range(len(sc.classes)), key=lambda c: (c not in kept, -sc.classes[c].students, c)):
        if c in out:
            continue
        n = sc.classes[c].students
        if c in kept:  # its home room first; overflow rooms below when it does not seat the class
            t0 = kept[c]
            if caps[t0] >= n:
                out[c] = (t0, {})
                continue
        else:
            fits = [t for t in free if free[t] and caps[t] >= n]
            if fits:
                t = min(fits, key=lambda t: (caps[t], t))
                free[t] -= 1
                out[c] = (t, {})
                continue
            avail = sorted((t for t in free if free[t]), key=lambda t: (-caps[t], t))
            if not avail or max_rooms == 1:
                continue
            t0 = avail[0]
            free[t0] -= 1
        left = n - caps[t0]
        extra = defaultdict(int)
        for _ in range(max_rooms - 1):
            cands = [t for t in free if free[t]]
            if not cands or left <= 0:
                break
            fit = [t for t in cands if caps[t] >= left]
            t = min(fit, key=lambda t: (caps[t], t)) if fit else max(cands, key=lambda t: (caps[t], -t))
            free[t] -= 1
            extra[t] += 1
            left -= caps[t]
        out[c] = (t0, dict(extra))
    return out


def _walks(tm: TimetableModel) -> dict[int, dict[int, int]]:
    """Metres from each gate to each room type (``TimetableModel.walk_table``)."""
    return tm.walk_table()


def _nearer_rooms(
    tm: TimetableModel,
    rooms: dict[int, tuple[int, dict[int, int]]],
    arrival: dict[int, tuple[int, int]],
) -> dict[int, tuple[int, dict[int, int]]]:
    """Re-deal the first rooms to minimise the walk from each class's gate, keeping overflow rooms,
    pins and kept home rooms (``Capacities.kept_home_rooms``): a class may take a room that seats it
    (or, if split, one that leaves it split with its overflow rooms enough). An assignment problem
    (Hungarian method), solved with OR-Tools' ``SimpleLinearSumAssignment``: SciPy's
    ``linear_sum_assignment`` would do too, but importing ``scipy.optimize`` costs more than the
    whole guess."""
    sc = tm.scenario
    caps = {t.index: t.capacity for t in tm.room_types}
    pinned = {p.class_id for p in sc.pins if p.rooms} | set(tm.caps.kept_home_rooms)
    movable = [c for c in sorted(rooms) if sc.classes[c].id not in pinned and c in arrival]
    left = {t.index: len(t.rooms) for t in tm.room_types}
    for c, (t0, extra) in rooms.items():
        for t, k in extra.items():
            left[t] -= k
        if c not in movable:
            left[t0] -= 1
    slots = [t for t, k in sorted(left.items()) for _ in range(max(0, k))]
    if not movable or len(slots) < len(movable):
        return rooms
    walks = _walks(tm)
    slot_caps = np.array([caps[t] for t in slots])
    arc_from: list[np.ndarray] = []
    arc_to: list[np.ndarray] = []
    arc_cost: list[np.ndarray] = []
    for i, c in enumerate(movable):
        n = sc.classes[c].students
        over_cap = sum(caps[t] * k for t, k in rooms[c][1].items())
        ok = slot_caps >= n if not over_cap else (slot_caps < n) & (n <= slot_caps + over_cap)
        js = np.flatnonzero(ok)
        arc_from.append(np.full(len(js), i))
        arc_to.append(js)
        arc_cost.append(np.array([walks[arrival[c][0]][slots[j]] for j in js], dtype=np.int64))
    # Free slots: zero-cost dummy classes make the problem square.
    dummies = np.arange(len(movable), len(slots))
    arc_from.append(np.repeat(dummies, len(slots)))
    arc_to.append(np.tile(np.arange(len(slots)), len(dummies)))
    arc_cost.append(np.zeros(len(dummies) * len(slots), dtype=np.int64))
    assignment = SimpleLinearSumAssignment()
    assignment.add_arcs_with_cost(np.concatenate(arc_from), np.concatenate(arc_to), np.concatenate(arc_cost))
    if assignment.solve() != assignment.OPTIMAL:
        return rooms
    out = dict(rooms)
    for i, c in enumerate(movable):
        out[c] = (slots[assignment.right_mate(i)], rooms[c][1])
    return out


def _estimate(
    tm: TimetableModel, arrival: dict[int, tuple[int, int]], rooms: dict[int, tuple[int, dict[int, int]]]
) -> float:
    """The objective of a guess (last window, peak, walk and split terms; inf when incomplete)."""
    n = len(tm.scenario.classes)
    if len(arrival) < n or len(rooms) < n:
        return float("inf")
    walks = _walks(tm)
    load: dict[tuple[int, int], int] = defaultdict(int)
    walk = split = 0
    for c, (g, w) in arrival.items():
        load[g, w] += tm.scenario.classes[c].students
        t0, extra = rooms[c]
        walk += walks[g][t0] + sum(walks[g][t] * k for t, k in extra.items())
        split += sum(extra.values())
    peak = max(-(-1000 * v // tm.gate_capacity[g]) for (g, _), v in load.items())
    wt = tm.weights
    last = max(w for _, w in arrival.values())
    return (
        wt.last_window * last
        + wt.peak_utilisation_permille * peak
        + wt.walk_m * walk
        + wt.split_rooms * split
    )


def _arrival_and_rooms(
    tm: TimetableModel,
) -> tuple[dict[int, tuple[int, int]], dict[int, tuple[int, dict[int, int]]]]:
    """Gates first-fit (or levelled, see ``_arrival_guess``), rooms dealt nearest those gates, then
    gates again nearest those rooms and rooms once more, for a few rounds of this alternating
    improvement; the best guess of the first-fit and levelled runs by its objective (``_estimate``)."""
    best: tuple[float, dict[int, tuple[int, int]], dict[int, tuple[int, dict[int, int]]]] | None = None
    for level in (False, True):
        arrival = _arrival_guess(tm, level=level)
        rooms = _nearer_rooms(tm, _room_guess(tm), arrival)
        for _ in range(4):
            score = _estimate(tm, arrival, rooms)
            if best is None or score < best[0]:
                best = (score, arrival, rooms)
            again = _arrival_guess(tm, rooms, level=level)
            if len(again) < len(arrival):
                break
            arrival = again
            rooms = _nearer_rooms(tm, rooms, arrival)
    assert best is not None
    return best[1], best[2]


def _sitting_guess(tm: TimetableModel) -> dict[int, int]:
    sc = tm.scenario
    if not tm.sit:
        return {}
    seats = tm.caps.canteen_seats
    used = [0] * sc.canteen.max_sittings
    out = {}
    for c in sorted(range(len(sc.classes)), key=lambda c: (-sc.classes[c].students, c)):
        n = sc.classes[c].students
        s = min(range(len(used)), key=lambda s: (used[s] + n > seats, used[s], s))
        used[s] += n
        out[c] = s
    return out


def _dismissal_guess(tm: TimetableModel) -> dict[int, int]:
    sc = tm.scenario
    order = list(sc.policy.dismissal_order)
    n = sc.day.dismissal_slots
    out = {}
    for c, cls in enumerate(sc.classes):
        k = next((i for i, grp in enumerate(order) if cls.grade in grp), None)
        out[c] = min(k, n - 1) if k is not None else 0
    return out


Guess = tuple[
    dict[int, tuple[int, int]],  # class -> (gate, window)
    dict[int, tuple[int, dict[int, int]]],  # class -> (first room type, {overflow type: rooms})
    dict[int, int],  # class -> canteen sitting index
    dict[int, int],  # class -> dismissal slot index
]


def greedy_guess(tm: TimetableModel) -> Guess:
    """The greedy guess: arrival and rooms (:func:`_arrival_and_rooms`), sittings and dismissal slots."""
    arrival, rooms = _arrival_and_rooms(tm)
    return arrival, rooms, _sitting_guess(tm), _dismissal_guess(tm)


def greedy_plan(tm: TimetableModel, guess: Guess | None = None) -> Plan | None:
    """The greedy guess as a complete plan, or None where the greedy leaves a class without a place."""
    sc, day = tm.scenario, tm.scenario.day
    arrival, rooms, sit, dis = guess if guess is not None else greedy_guess(tm)
    n = len(sc.classes)
    if len(arrival) < n or len(rooms) < n or (tm.sit and len(sit) < n):
        return None
    try:
        ids = assign_room_ids(sc, tm, [rooms[c][0] for c in range(n)], [rooms[c][1] for c in range(n)], None)
    except (IndexError, StopIteration, AssertionError):  # the guess over-books a room type: no hint
        return None
    out = []
    for c, cls in enumerate(sc.classes):
        g, w = arrival[c]
        start = day.window_start_min(w)
        out.append(
            ClassAssignment(
                cls.id,
                cls.grade,
                cls.students,
                cls.boarding,
                start,
                start + day.window_min,
                tm.gate_ids[g],
                ids[c],
                sit[c] + 1 if tm.sit else None,
                day.dismissal_slot_min(dis[c]),
            )
        )
    return Plan(tuple(out))


@dataclass(frozen=True)
class Hint:
    """What :func:`add_hint` did: whether the model got a hint, and the solver of the completion
    solve when it completed the greedy plan (every variable set; its values decode to that plan)."""

    added: bool
    complete: cp_model.CpSolver | None = None


def add_hint(tm: TimetableModel, clock: WallClock | None = None) -> Hint:
    """Hint every decision variable with the greedy plan, only when that plan keeps every rule.

    A complete, checked hint is also a workaround: OR-Tools 9.15 aborts ("Check failed:
    heuristics.fixed_search != nullptr") when an interleaved search with a hint proves the model
    infeasible; a plan that passes ``check_plan`` proves the model feasible, so that cannot happen.
    Returns whether the hint was added, and the completion solve when it completed the plan.
    """
    guess = greedy_guess(tm)
    plan = greedy_plan(tm, guess)
    if plan is None or check_plan(tm.scenario, plan):
        return Hint(False)
    m = tm.model
    arrival, rooms, sit, dis = guess
    pairs: list[tuple[cp_model.IntVar, int]] = []
    pairs += [(v, int(arrival[c] == (g, w))) for (c, g, w), v in tm.x.items()]
    pairs += [(v, int(rooms[c][0] == t)) for (c, t), v in tm.prim.items()]
    pairs += [(v, rooms[c][1].get(t, 0)) for (c, t), v in tm.over.items()]
    pairs += [(v, int(sit[c] == s)) for (c, s), v in tm.sit.items()]
    pairs += [(v, int(dis[c] == k)) for (c, k), v in tm.dslot.items()]
    # Complete the hint: with every decision fixed, one short single-worker solve sets the auxiliary
    # variables (walk links, grade flags, objective terms); CP-SAT then starts from a whole plan
    # instead of repairing a partial one (which on the high school made the first plan 25 % worse).
    fixed = m.clone()
    for v, val in pairs:
        fixed.add(fixed.get_int_var_from_proto_index(v.index) == val)
    solver = plain_solver(5.0, clock)  # within the caller's wall clock
    hint = m.proto.solution_hint
    complete = run_solve(solver, fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if complete:
        values = list(solver.response_proto.solution)
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
    else:
        hint.vars.extend(v.index for v, _ in pairs)
        hint.values.extend(val for _, val in pairs)
    return Hint(True, solver if complete else None)
