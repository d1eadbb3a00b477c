"""Large-neighbourhood search by arrival group: re-solve a part of the school with the rest fixed.

On large schools (hundreds of classes) CP-SAT's whole-model search spends most of its budget in
presolve and rarely improves on the greedy plan (bench/README.md, "Large high schools"). The groups
of the arrival order, though, are nearly independent: each has windows of its own, and they share
only rooms, the canteen, the dismissal slots and the peak utilisation (a maximum over all
gate-windows). This loop keeps an incumbent plan (a complete assignment of the model's variables)
and, neighbourhood by neighbourhood — each arrival-order group, the classes outside the order, then
the classes of the gates at the peak — fixes every other class's decisions to the incumbent
(by narrowing variable domains of the one model, restored afterwards) and lets one CP-SAT worker
re-solve the rest, hinted with the incumbent, for a small deterministic budget. A better plan
becomes the incumbent. After a round without improvement, the peak move keeps every group in
turn below the plan's peak less a drop (:func:`_lower_peak`). One worker and deterministic budgets
make the loop deterministic: same model, plan and seed → same result, whatever the machine load,
unless the wall clock cuts it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from reopen_sim.optimizer.model import TimetableModel
from reopen_sim.optimizer.params import WallClock, make_solver
from reopen_sim.optimizer.params import solve as run_solve

# Deterministic seconds of one neighbourhood's solve; a round visits every neighbourhood once.
NEIGHBOURHOOD_S = 1.0
# First step (per mille) of the peak move: every group at once kept below the plan's peak less this;
# halved after each move that does not pay.
PEAK_DROP_PERMILLE = 16


@dataclass
class LnsResult:
    """The best plan the loop found (``solver`` holds it, every variable set) and its record."""

    solver: cp_model.CpSolver | None  # the solve that found the incumbent; None when none improved
    objective: float
    values: list[int]
    deterministic_time: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)


def class_variables(tm: TimetableModel) -> dict[int, list[int]]:
    """The proto indices of each class's decision variables: gate × window, rooms, sitting, dismissal."""
    out: dict[int, list[int]] = defaultdict(list)
    for table in (tm.x, tm.prim, tm.over, tm.sit, tm.dslot):
        for key, v in table.items():
            out[key[0]].append(v.index)
    return dict(out)


def neighbourhoods(tm: TimetableModel, values: Sequence[int]) -> list[tuple[str, list[int]]]:
    """The classes re-solved together, in a fixed order: each group of the arrival order, the classes
    in no group, and every class using a gate that some window loads within 20 ‰ of the plan's
    peak (lowering the peak needs those gates' classes to move together)."""
    sc = tm.scenario
    out: list[tuple[str, list[int]]] = []
    grouped: set[int] = set()
    for i, grp in enumerate(sc.policy.arrival_order):
        members = [c for c, cls in enumerate(sc.classes) if cls.grade in grp]
        grouped.update(members)
        if members:
            out.append((f"arrival group {i + 1}", members))
    rest = [c for c in range(len(sc.classes)) if c not in grouped]
    if rest:
        out.append(("others", rest))
    load: dict[tuple[int, int], int] = defaultdict(int)
    where: dict[int, tuple[int, int]] = {}
    for (c, g, w), v in tm.x.items():
        if values[v.index]:
            load[g, w] += sc.classes[c].students
            where[c] = (g, w)
    if load:
        top = max(1000 * n // max(1, tm.gate_capacity[g]) for (g, _), n in load.items())
        hot = {gw for gw, n in load.items() if 1000 * n // max(1, tm.gate_capacity[gw[0]]) >= top - 20}
        gates = {g for g, _ in hot}
        members = sorted(c for c, gw in where.items() if gw[0] in gates)
        if members:
            out.append(("peak gates", members))
    return out


def improve(
    tm: TimetableModel,
    start: cp_model.CpSolver,
    det_s: float,
    seed: int,
    clock: WallClock,
    neighbourhood_s: float | None = None,
) -> LnsResult:
    """Improve the plan held by ``start`` (a solve of ``tm.model`` with a solution) neighbourhood by
    neighbourhood within ``det_s`` deterministic seconds and the wall clock; stops early after a
    whole round without improvement. Each neighbourhood gets ``neighbourhood_s`` deterministic s
    (default ``NEIGHBOURHOOD_S``)."""
    step_s = NEIGHBOURHOOD_S if neighbourhood_s is None else neighbourhood_s
    proto = tm.model.proto
    per_class = class_variables(tm)
    best = LnsResult(None, start.objective_value, list(start.response_proto.solution))
    saved_hint = (list(proto.solution_hint.vars), list(proto.solution_hint.values))
    idle = 0
    step = 0
    drop = PEAK_DROP_PERMILLE
    try:
        while best.deterministic_time < det_s and not clock.expired():
            hoods = neighbourhoods(tm, best.values)
            if idle >= len(hoods):  # a round brought nothing: the peak move, then smaller drops
                if drop < 1:
                    break
                if _lower_peak(tm, best, per_class, hoods, drop, det_s, seed + step, clock):
                    idle = 0
                else:
                    drop //= 2
                step += 1
                continue
            name, members = hoods[step % len(hoods)]
            step += 1
            free = set(members)
            fixed = [i for c, idx in per_class.items() if c not in free for i in idx]
            budget = min(step_s, det_s - best.deterministic_time)
            solver, status = _solve_fixed(tm, best.values, fixed, budget, seed + step, clock)
            best.deterministic_time += solver.deterministic_time
            better = (
                status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                and solver.objective_value < best.objective - 0.5
            )
            best.steps.append(
                {
                    "neighbourhood": name,
                    "classes": len(members),
                    "status": solver.status_name(status),
                    "objective": solver.objective_value if better else best.objective,
                    "deterministic_time": solver.deterministic_time,
                }
            )
            if better:
                best.solver = solver
                best.objective = solver.objective_value
                best.values = list(solver.response_proto.solution)
                idle = 0
            else:
                idle += 1
    finally:
        tm.model.clear_hints()
        proto.solution_hint.vars.extend(saved_hint[0])
        proto.solution_hint.values.extend(saved_hint[1])
    return best


def _solve_fixed(
    tm: TimetableModel,
    values: list[int],
    fixed: list[int],
    det_s: float,
    seed: int,
    clock: WallClock,
    peak_cap: tuple[list[int], int] | None = None,
) -> tuple[cp_model.CpSolver, Any]:
    """One single-worker solve with the variables ``fixed`` set to ``values`` (their domains
    narrowed in place and restored afterwards), hinted with the whole of ``values``. With
    ``peak_cap`` = (classes, P), those classes may not load a gate-window above P ‰ of its capacity
    with the load already there (a copy of the model carries that constraint)."""
    if peak_cap is not None:
        model = tm.model.clone()
        members, cap_permille = peak_cap
        inside = set(members)
        base: dict[tuple[int, int], int] = defaultdict(int)
        terms: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for (c, g, w), v in tm.x.items():
            n = tm.scenario.classes[c].students
            if c in inside:
                terms[g, w].append((v.index, n))
            elif values[v.index]:
                base[g, w] += n
        for (g, w), row in terms.items():
            expr = sum(n * model.get_bool_var_from_proto_index(i) for i, n in row)
            # A gate-window the fixed classes already load above P (another group's, re-solved
            # in its turn) only takes no more of these classes.
            limit = max(cap_permille * tm.gate_capacity[g], 1000 * base[g, w])
            model.add(1000 * (expr + base[g, w]) <= limit)
        return _solve_in(model, values, fixed, det_s, seed, clock)
    return _solve_in(tm.model, values, fixed, det_s, seed, clock)


def _solve_in(
    model: cp_model.CpModel, values: list[int], fixed: list[int], det_s: float, seed: int, clock: WallClock
) -> tuple[cp_model.CpSolver, Any]:
    """``_solve_fixed`` on ``model`` (the timetable model or a copy with more constraints)."""
    proto = model.proto
    saved = [(i, list(proto.variables[i].domain)) for i in fixed]
    for i in fixed:
        dom = proto.variables[i].domain
        dom.clear()
        dom.extend((values[i], values[i]))
    model.clear_hints()
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)
    try:
        solver = make_solver(det_s, seed, 1, clock)
        solver.parameters.hint_conflict_limit = 0
        status = run_solve(solver, model)
        clock.note(solver, status)
    finally:
        for i, dom_values in saved:
            dom = proto.variables[i].domain
            dom.clear()
            dom.extend(dom_values)
    return solver, status


def _peak_permille(tm: TimetableModel, values: Sequence[int]) -> int:
    """The plan's peak gate-window load ÷ capacity, per mille rounded up."""
    load: dict[tuple[int, int], int] = defaultdict(int)
    for (c, g, w), v in tm.x.items():
        if values[v.index]:
            load[g, w] += tm.scenario.classes[c].students
    return max((-(-1000 * n // max(1, tm.gate_capacity[g])) for (g, _), n in load.items()), default=0)


def _lower_peak(
    tm: TimetableModel,
    best: LnsResult,
    per_class: dict[int, list[int]],
    hoods: list[tuple[str, list[int]]],
    drop: int,
    det_s: float,
    seed: int,
    clock: WallClock,
) -> bool:
    """The peak move: a step that re-solves one group cannot lower a peak another group also
    reaches, so every group (and the classes in no group) is re-solved in turn with its gate-windows
    kept at or below the plan's peak less ``drop`` ‰; the resulting plan replaces the incumbent when
    its objective is lower. Returns whether it did."""
    target = _peak_permille(tm, best.values) - drop
    values = best.values
    solver: cp_model.CpSolver | None = None
    for name, members in hoods:
        if name == "peak gates" or best.deterministic_time >= det_s or clock.expired():
            continue
        free = set(members)
        fixed = [i for c, idx in per_class.items() if c not in free for i in idx]
        budget = min(NEIGHBOURHOOD_S, det_s - best.deterministic_time)
        solver, status = _solve_fixed(tm, values, fixed, budget, seed, clock, (members, target))
        best.deterministic_time += solver.deterministic_time
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best.steps.append(_record(f"peak {target} ‰: {name}", members, solver, status, best.objective))
            return False
        values = list(solver.response_proto.solution)
        seed += 1
    if (
        solver is None
        or _peak_permille(tm, values) > target
        or solver.objective_value >= best.objective - 0.5
    ):
        objective = best.objective
        better = False
    else:
        best.solver, best.objective, best.values = solver, solver.objective_value, values
        objective, better = best.objective, True
    best.steps.append(_record(f"peak {target} ‰: all groups", [], None, None, objective))
    return better


def _record(
    name: str, members: list[int], solver: cp_model.CpSolver | None, status: Any, objective: float
) -> dict[str, Any]:
    return {
        "neighbourhood": name,
        "classes": len(members),
        "status": solver.status_name(status) if solver is not None and status is not None else "",
        "objective": objective,
        "deterministic_time": solver.deterministic_time if solver is not None else 0.0,
    }


def from_arrival(
    tm: TimetableModel,
    values: list[int],
    arrival: dict[int, tuple[int, int]],
    det_s: float,
    seed: int,
    clock: WallClock,
) -> tuple[cp_model.CpSolver, Any]:
    """A plan around the gate-windows of ``arrival`` (class → (gate, window), e.g. the bound's
    relaxation, ``bounds.arrival_bound``): every ``x`` is fixed to it, rooms, sittings and dismissal
    are solved by one worker (hinted with ``values``, a complete plan) within ``det_s``."""
    start = list(values)
    fixed = []
    for (c, g, w), v in tm.x.items():
        start[v.index] = int(arrival.get(c) == (g, w))
        fixed.append(v.index)
    return _solve_in(tm.model, start, fixed, det_s, seed, clock)
