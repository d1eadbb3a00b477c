"""A proven lower bound of the objective by decomposition: arrival groups × populations, per peak.

Why (bench/README.md, "Large high schools"): on 6,000 and 10,000-student schools CP-SAT's bound
stays 3–5 % below the plans, because its LP spreads classes fractionally over the gate-windows; the
exact problem, though, falls apart into small pieces once the arrival period and the peak are fixed.

The argument. Every objective term is ≥ 0 and the objective is ``W_L × last_window + W_P × peak +
W_walk × walk + W_split × overflow rooms (+ changes)``. Drop the rules that carry no term or only
couple classes through shared rooms: canteen, dismissal, exits, pins, sibling groups, the changes
terms (≥ 0) and the competition for overflow rooms. What is left is a relaxation, so its optimum is
a lower bound of the model's. In it:

1. A class's rooms only cost walk and overflow rooms: from gate ``g`` at least ``cost(c, g)`` = the
   walk to its kept home room (or the cheapest first room it fits) plus, when that room is too small,
   k × (the shortest walk from ``g`` to a room no class keeps as its home room + ``W_split``), k the
   fewest such rooms whose largest capacities seat the rest (:func:`class_costs`).
2. When the arrival ends by window L, group i of the arrival order (which needs ``need_i`` windows,
   ``model.arrival_populations``) lies in windows ``lo_i … hi_i`` (``lo_i`` = the windows the earlier
   groups need, ``hi_i`` = L − those the later ones need); pieces (group × population, classes that
   share the same open gates) that share no gate, or whose window ranges do not meet, share no rule
   left, so each is solved alone (:func:`components`).
3. With the peak at most P ‰, a piece's least cost ``V_k(P)`` is a small CP-SAT model (gate capacity,
   load ≤ P × capacity, grades per gate-window, boarders apart); so the relaxation's optimum for that
   L is ``W_L × L + min over P of (W_P × P + Σ_k V_k(P))``. ``V_k`` does not increase with P, and it is
   constant between the peak of the plan that attains it and P, so a scan down from the plan's peak
   visits few P; below a P where ``W_P × (least peak) + Σ V_k(P)`` already exceeds the best value, no P
   can do better; P ≥ the plan's peak gives at least ``W_P × peak + Σ V_k(1000)``.
4. L runs from the least (Σ ``need_i`` − 1) to the plan's; a later end costs at least
   ``W_L × (L_plan + 1) + W_P × (the model's peak cut for the latest end) + Σ_c min_g cost(c, g)``.

A piece solved without proof contributes its CP-SAT bound (still valid); a piece CP-SAT proves
infeasible at P is infeasible below it. Schools with a class in no arrival group are not decomposed
(no bound). Tested on schools CP-SAT proves optimal: the bound never exceeds the optimum
(tests/test_optimize_bounds.py). When every piece at the best P is solved to optimality, its plan's
gate-windows are returned as well: a complete plan built around them is near the bound
(``lns.from_bound``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from reopen_sim.optimizer.model import TimetableModel, arrival_populations, kept_first_rooms
from reopen_sim.optimizer.params import DEFAULT_NUM_WORKERS, WallClock, make_solver
from reopen_sim.optimizer.params import solve as run_solve

# Deterministic seconds at most for one piece's solve.
PIECE_S = 0.5
INFEASIBLE = math.inf
# Pieces solved side by side (threads; each solve is one CP-SAT worker): one per core of the
# 2-core machine the tool is planned for.
PIECE_THREADS = DEFAULT_NUM_WORKERS


@dataclass
class Piece:
    """Classes solved together: their windows (a range) and the gates they may use."""

    classes: list[int]
    windows: dict[int, tuple[int, int]]  # class → (first window, last window) it may use
    gates: set[int]


@dataclass
class ArrivalBound:
    """The proven lower bound, the peak (‰) at which it is reached, and, when every piece there was
    solved to optimality, each class's (gate, window) in the relaxation's plan."""

    bound: float
    last_window: int
    peak_permille: int
    arrival: dict[int, tuple[int, int]] | None  # the relaxation's best plan found (class → gate, window)
    plan_value: float = INFEASIBLE  # its value in the relaxation
    solves: int = 0
    deterministic_time: float = 0.0
    notes: list[str] = field(default_factory=list)


def least_rooms(rest: int, caps_desc: Sequence[int]) -> int:
    """The fewest rooms whose capacities (largest first) seat ``rest`` students."""
    k, seats = 0, 0
    for c in caps_desc:
        if seats >= rest:
            break
        seats += c
        k += 1
    return k if seats >= rest else len(caps_desc) + 1


def class_costs(tm: TimetableModel) -> dict[int, dict[int, int]]:
    """``cost[c][g]``: a lower bound of class c's walk and overflow-room terms when it arrives
    through gate g (point 1 of the module docstring); classes with no possible room get none.
    Overflow rooms are never a kept home room (that room is its own class's first room), so the
    nearest overflow room and the fewest overflow rooms are taken over the other rooms."""
    sc, w = tm.scenario, tm.weights
    walks = tm.walk_table()
    homes = kept_first_rooms(tm)
    taken: dict[int, int] = defaultdict(int)
    for t in homes.values():
        taken[t] += 1
    spare = [t for t in tm.room_types if len(t.rooms) > taken[t.index]]
    caps_desc = sorted(
        (t.capacity for t in spare for _ in range(len(t.rooms) - taken[t.index])), reverse=True
    )
    split_ok = sc.policy.allow_split_classes and tm.caps.max_rooms_per_class > 1
    max_over = tm.caps.max_rooms_per_class - 1
    out: dict[int, dict[int, int]] = {}
    for c, cls in enumerate(sc.classes):
        firsts = [homes[c]] if c in homes else [t.index for t in tm.room_types]
        row: dict[int, int] = {}
        for g in tm.gates_of(c):
            nearest = min((walks[g][t.index] for t in spare), default=0)
            best: int | None = None
            for t in firsts:
                room = tm.room_types[t]
                if room.capacity >= cls.students:
                    cost = w.walk_m * walks[g][t]
                elif split_ok and spare:
                    k = least_rooms(cls.students - room.capacity, caps_desc)
                    if k > max_over:
                        continue
                    cost = w.walk_m * (walks[g][t] + k * nearest) + w.split_rooms * k
                else:
                    continue
                best = cost if best is None else min(best, cost)
            if best is not None:
                row[g] = best
        out[c] = row
    return out


def components(tm: TimetableModel, last: int) -> list[Piece] | None:
    """The independent pieces when the arrival ends by window ``last`` (point 2), or None when the
    school does not decompose (a class in no group, a group with no class) or the groups cannot
    fit by then."""
    sc = tm.scenario
    groups = arrival_populations(tm)
    needs = [need for need, _ in groups]
    members: list[list[int]] = [[] for _ in groups]
    for c, cls in enumerate(sc.classes):
        i = next((i for i, grp in enumerate(sc.policy.arrival_order) if cls.grade in grp), None)
        if i is None:
            return None
        members[i].append(c)
    if not all(members):
        # A group with no class needs no window of its own in the model (its order rows are
        # empty), but arrival_populations counts one for it: do not rely on that count.
        return None
    nodes: list[tuple[tuple[int, int], list[int], set[int]]] = []
    for i, cs in enumerate(members):
        lo = sum(needs[:i])
        hi = last - sum(needs[i + 1 :])
        if hi < lo:
            return None
        by_gates: dict[tuple[int, ...], list[int]] = defaultdict(list)
        for c in cs:
            by_gates[tuple(tm.gates_of(c))].append(c)
        for gates, cls_list in by_gates.items():
            nodes.append(((lo, hi), cls_list, set(gates)))
    parent = list(range(len(nodes)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            (la, ha), _, ga = nodes[a]
            (lb, hb), _, gb = nodes[b]
            if ga & gb and la <= hb and lb <= ha:
                parent[find(a)] = find(b)
    pieces: dict[int, Piece] = {}
    for a, ((lo, hi), cls_list, gate_set) in enumerate(nodes):
        p = pieces.setdefault(find(a), Piece([], {}, set()))
        p.classes.extend(cls_list)
        p.gates |= gate_set
        for c in cls_list:
            p.windows[c] = (lo, hi)
    return [pieces[k] for k in sorted(pieces)]


@dataclass
class _PieceResult:
    value: float  # a lower bound of the piece's least cost at the peak asked (inf: infeasible)
    exact: bool  # value is the least cost, attained by arrival
    peak: int  # the peak of the plan found (‰, rounded up)
    arrival: dict[int, tuple[int, int]]  # the plan found (class → gate, window), empty if none
    cost: float = INFEASIBLE  # its cost


def solve_piece(
    tm: TimetableModel,
    piece: Piece,
    costs: dict[int, dict[int, int]],
    peak: int,
    seed: int,
    clock: WallClock,
    det_s: float = PIECE_S,
    running: list[cp_model.CpSolver] | None = None,
) -> tuple[_PieceResult, float]:
    """``V_k(peak)``: the piece's least cost with no gate-window above ``peak`` ‰ (point 3); returns
    it and the deterministic seconds used.

    Classes alike for every rule left (size, grade, boarding, windows, cost per gate) are counted,
    not told apart (``n[kind, g, w]``), and a gate's windows, when every class may use each of them
    and they hold as many, are ordered by load: both remove symmetries that kept CP-SAT from proving
    tight pieces optimal (0.5 deterministic s were not enough on the 6,000-student school)."""
    sc = tm.scenario
    kinds: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for c in piece.classes:
        cls = sc.classes[c]
        key = (cls.students, cls.grade, cls.boarding, piece.windows[c], tuple(sorted(costs[c].items())))
        kinds[key].append(c)
    m = cp_model.CpModel()
    n: dict[tuple[int, int, int], cp_model.IntVar] = {}
    keys = sorted(kinds)
    for k, key in enumerate(keys):
        size = len(kinds[key])
        lo, hi = key[3]
        cells = [
            n.setdefault((k, g, w), m.new_int_var(0, size, f"n{k}_{g}_{w}"))
            for g, _ in key[4]
            for w in range(lo, hi + 1)
        ]
        if not cells:
            return _PieceResult(INFEASIBLE, True, 0, {}), 0.0
        m.add(sum(cells) == size)
    by_gw: dict[tuple[int, int], list[int]] = defaultdict(list)
    for k, g, w in n:
        by_gw[g, w].append(k)
    k_max = sc.policy.max_grades_per_gate_window
    loads: dict[tuple[int, int], cp_model.LinearExprT] = {}
    for (g, w), ks in sorted(by_gw.items()):
        capacity = tm.capacity_at(g, w)
        limit = min(capacity, peak * capacity // 1000)
        loads[g, w] = sum(keys[k][0] * n[k, g, w] for k in ks)
        m.add(loads[g, w] <= limit)
        _add_mixing_rules(
            m, [(keys[k], n[k, g, w], len(kinds[keys[k]])) for k in ks], k_max, sc.policy.separate_boarders
        )
    _order_windows(tm, m, keys, loads)
    cost = {(k, g): cg for k, key in enumerate(keys) for g, cg in key[4]}
    m.minimize(sum(cost[k, g] * v for (k, g, _), v in n.items()))
    solver = make_solver(det_s, seed, 1, clock)
    if running is not None:
        running.append(solver)
    status = solver.solve(m) if running is not None else run_solve(solver, m)
    clock.note(solver, status)
    used_s = solver.deterministic_time
    if status == cp_model.INFEASIBLE:
        return _PieceResult(INFEASIBLE, True, 0, {}), used_s
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        floor_value = sum(min(costs[c].values()) for c in piece.classes)
        return _PieceResult(float(floor_value), False, peak, {}), used_s
    arrival: dict[int, tuple[int, int]] = {}
    for (k, g, w), v in sorted(n.items()):
        members = iter(c for c in kinds[keys[k]] if c not in arrival)
        for _ in range(solver.value(v)):
            arrival[next(members)] = (g, w)
    top = _peak_of(tm, arrival)
    if status == cp_model.OPTIMAL:
        return _PieceResult(solver.objective_value, True, top, arrival, solver.objective_value), used_s
    floor_value = sum(min(costs[c].values()) for c in piece.classes)
    value = max(float(floor_value), solver.best_objective_bound)
    return _PieceResult(value, False, top, arrival, solver.objective_value), used_s


def _peak_of(tm: TimetableModel, arrival: dict[int, tuple[int, int]]) -> int:
    """The peak (‰, rounded up) of the gate-windows of ``arrival``."""
    load: dict[tuple[int, int], int] = defaultdict(int)
    for c, gw in arrival.items():
        load[gw] += tm.scenario.classes[c].students
    return max((-(-1000 * q // max(1, tm.capacity_at(*gw))) for gw, q in load.items()), default=0)


def _add_mixing_rules(
    m: cp_model.CpModel,
    cells: list[tuple[tuple[Any, ...], cp_model.IntVar, int]],
    k_max: int,
    separate_boarders: bool,
) -> None:
    """One gate-window's grades-per-gate-window and boarder rules on counts (key, count, its most)."""
    grades: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
    for key, v, most in cells:
        grades[key[1]].append((v, most))
    if len(grades) > k_max:
        used = []
        for grade, vs in sorted(grades.items()):
            u = m.new_bool_var(f"u{grade}")
            for v, most in vs:
                m.add(v <= most * u)
            used.append(u)
        m.add(sum(used) <= k_max)
    if separate_boarders and len({key[2] for key, _, _ in cells}) == 2:
        b = m.new_bool_var("b")
        for key, v, most in cells:
            m.add(v <= most * (b if key[2] else 1 - b))


def _order_windows(
    tm: TimetableModel,
    m: cp_model.CpModel,
    keys: list[tuple[Any, ...]],
    loads: dict[tuple[int, int], cp_model.LinearExprT],
) -> None:
    """Symmetry breaking: when every kind may use the same windows and a gate's windows hold as
    many, any plan stays a plan with that gate's windows permuted (every rule left is per
    gate-window), so its loads may be taken non-increasing."""
    ranges = {key[3] for key in keys}
    if len(ranges) != 1:
        return
    lo, hi = next(iter(ranges))
    gates = {g for g, _ in loads}
    for g in sorted(gates):
        if len({tm.capacity_at(g, w) for w in range(lo, hi + 1)}) != 1:
            continue
        for w in range(lo, hi):
            if (g, w) in loads and (g, w + 1) in loads:
                m.add(loads[g, w] >= loads[g, w + 1])


@dataclass
class _Scan:
    """What is known of each piece's ``V_k``: results at the peaks asked (best-first refinement)."""

    tm: TimetableModel
    pieces: list[Piece]
    costs: dict[int, dict[int, int]]
    seed: int
    clock: WallClock
    det_s: float
    out: ArrivalBound
    last: int  # the arrival ends by this window
    evals: dict[int, list[_PieceResult]] = field(default_factory=dict)

    def lower(self, k: int, p: int) -> float:
        """A lower bound of ``V_k(p)``: the best value known at any peak ≥ p (V_k does not increase)."""
        floor = float(sum(min(self.costs[c].values()) for c in self.pieces[k].classes))
        return max((r[k].value for q, r in self.evals.items() if q >= p), default=floor)

    def known(self, k: int, p: int) -> _PieceResult | None:
        """An exact result that holds at p (asked at q ≥ p, its plan's peak ≤ p), or an infeasible one."""
        for q, r in self.evals.items():
            if q >= p and (r[k].value == INFEASIBLE or (r[k].exact and r[k].peak <= p)):
                return r[k]
        return None

    def evaluate(self, p: int) -> list[_PieceResult]:
        """Every piece's result at peak p: known ones reused, the others solved side by side."""
        row: list[_PieceResult | None] = [self.known(k, p) for k in range(len(self.pieces))]
        todo = [k for k, r in enumerate(row) if r is None]
        if todo:
            # Fixed before the solves start (not as they end): the results do not depend on timing.
            budget = min(PIECE_S, max(0.01, (self.det_s - self.out.deterministic_time) / len(todo)))
            for k, (res, used) in zip(todo, _solve_all(self, todo, p, budget), strict=True):
                row[k] = res
                self.out.solves += 1
                self.out.deterministic_time += used
        done = [r for r in row if r is not None]
        self.evals[p] = done
        if all(r.arrival for r in done):  # a whole arrival: the relaxation's plan (an upper bound)
            w = self.tm.weights
            peak = max(r.peak for r in done)
            value = w.last_window * self.last + w.peak_utilisation_permille * peak + sum(r.cost for r in done)
            if value < self.out.plan_value:
                self.out.plan_value = value
                self.out.arrival = {c: gw for r in done for c, gw in r.arrival.items()}
        return done

    def spent(self) -> bool:
        """Whether the deterministic budget or the wall clock has run out."""
        return self.out.deterministic_time >= self.det_s or self.clock.expired()


def _solve_all(scan: _Scan, todo: list[int], p: int, det_s: float) -> list[tuple[_PieceResult, float]]:
    """``solve_piece`` for the pieces ``todo`` at peak p, ``PIECE_THREADS`` at a time (each one
    CP-SAT worker, so each result is deterministic whatever the order). Ctrl-C stops every search
    and is re-raised (the main thread waits in short steps, as ``params.solve`` does)."""
    running: list[cp_model.CpSolver] = []
    with ThreadPoolExecutor(max_workers=PIECE_THREADS) as pool:
        futures = [
            pool.submit(
                solve_piece, scan.tm, scan.pieces[k], scan.costs, p, scan.seed, scan.clock, det_s, running
            )
            for k in todo
        ]
        try:
            while wait(futures, timeout=0.2).not_done:
                pass
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            for solver in list(running):
                solver.stop_search()
            raise
        return [f.result() for f in futures]


def _scan_peaks(scan: _Scan, floor_peak: int, cutoff: float = INFEASIBLE) -> tuple[float, int]:
    """min over P of (W_P × P + Σ_k V_k(P)) (point 3), best first: the peaks from the least
    possible (``floor_peak``) to 1000 are kept as intervals [a, b], each bounded below by
    ``W_P × a + Σ_k V_k(b)`` (V_k does not increase with P); the interval with the least bound is
    refined (solved at b, which also settles [the plan's peak, b] when every piece is exact there,
    else split in two) until its bound is attained or the budget ends. Returns the least bound
    and its peak; the relaxation's best plan is kept in ``scan.out``. Stops as soon as the least bound
    reaches ``cutoff`` (another arrival end already does better)."""
    w_p = scan.tm.weights.peak_utilisation_permille
    n = len(scan.pieces)

    def bound(a: int, b: int) -> float:
        return w_p * a + sum(scan.lower(k, b) for k in range(n))

    # (a, b, state): state None = open, "final" = solved at b without proof (nothing finer to
    # learn), "attained" = every piece exact at b, its plans' peak a.
    intervals: list[tuple[int, int, str | None]] = [(floor_peak, 1000, None)]
    while True:
        intervals = [iv for iv in intervals if bound(iv[0], iv[1]) < INFEASIBLE]
        if not intervals:
            return INFEASIBLE, 0
        a, b, state = min(intervals, key=lambda iv: (bound(iv[0], iv[1]), -iv[1]))
        if state is not None or scan.spent() or bound(a, b) >= cutoff:
            return bound(a, b), a
        intervals.remove((a, b, state))
        if b not in scan.evals:
            row = scan.evaluate(b)
            if any(r.value == INFEASIBLE for r in row):
                continue  # every peak ≤ b is infeasible: the interval goes
            if all(r.exact for r in row):
                top = max(a, max(r.peak for r in row))
                intervals.append((top, top, "attained"))
                if top > a:
                    intervals.append((a, top - 1, None))
                continue
        if a == b:
            intervals.append((a, b, "final"))
            continue
        mid = (a + b) // 2
        intervals.extend([(a, mid, None), (mid + 1, b, None)])


def arrival_bound(
    tm: TimetableModel, last_window: int, det_s: float, seed: int, clock: WallClock
) -> ArrivalBound | None:
    """The proven lower bound of the objective (module docstring), given the last window of a plan
    (later ends are bounded cheaply, point 4); None when the school does not decompose or the model
    is an explanation's. At most ``det_s`` deterministic s."""
    if tm.explain or "last_window" not in tm.terms or not tm.x:
        return None
    w = tm.weights
    costs = class_costs(tm)
    if any(not row for row in costs.values()):
        return None
    inc_last = last_window
    least_last = max(0, sum(need for need, _ in arrival_populations(tm)) - 1)
    if components(tm, inc_last) is None:
        return None
    out = ArrivalBound(INFEASIBLE, inc_last, 0, None)
    floor_cost = sum(min(row.values()) for row in costs.values())
    for last in range(least_last, inc_last + 1):
        pieces = components(tm, last)
        if pieces is None or w.last_window * last + floor_cost >= out.bound:
            continue  # no plan ends then, or such plans cost more than the bound so far anyway
        scan = _Scan(tm, pieces, costs, seed, clock, det_s, out, last)
        value, peak = _scan_peaks(scan, _least_peak(tm, last), out.bound - w.last_window * last)
        total = w.last_window * last + value
        if total < out.bound:
            out.bound, out.last_window, out.peak_permille = total, last, peak
    if inc_last + 1 < tm.n_windows:  # a later end than the plan's (point 4)
        # the peak's cut only falls as the arrival ends later: the latest end's is the least
        least = _least_peak(tm, tm.n_windows - 1)
        later = w.last_window * (inc_last + 1) + w.peak_utilisation_permille * least + floor_cost
        if later < out.bound:
            out.bound, out.last_window = float(later), inc_last + 1
    if out.bound == INFEASIBLE:
        return None
    return out


def _least_peak(tm: TimetableModel, last: int) -> int:
    """The model's own cut on the peak when the arrival ends by ``last`` (``add_peak_utilisation_term``)."""
    from reopen_sim.optimizer.model import peak_lower_bound

    groups = arrival_populations(tm)
    need_total = sum(need for need, _ in groups)
    bound = 0
    for need, pops in groups:
        avail = last + 1 - (need_total - need)
        for gates, sizes in pops.items():
            bound = max(bound, peak_lower_bound(tm, gates, sizes, avail))
    return bound


__all__ = ["ArrivalBound", "arrival_bound", "class_costs", "components", "solve_piece"]
