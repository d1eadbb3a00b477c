"""Solve the timetable model and turn the solution into a :class:`~reopen_sim.plan.Plan`.

Determinism (docs/design.md, "Search and determinism"): CP-SAT searches with one worker first (a
single search is deterministic by construction), then, if the plan is not proven optimal, with
``num_workers`` workers and ``interleave_search`` (the workers' tasks are interleaved in fixed
batches, so the search does not depend on thread timing). Both stop on a *deterministic* time budget
(``max_deterministic_time``), never on the wall clock. Same scenario + seed + settings → the same
plan on any machine load.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from reopen_sim.errors import InfeasibleError
from reopen_sim.optimizer.hint import add_hint
from reopen_sim.optimizer.model import TimetableModel, Weights, build_model
from reopen_sim.optimizer.notes import changed_classes, unused_gates
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario, format_hhmm

# How ``optimize`` searches (bench/README.md, "Optimizer", has the measurements on the project's
# 2-core machine). One CP-SAT worker first, for up to SINGLE_WORKER_S deterministic seconds: on
# models of a school's size its search proves the optimum soonest (the high school with classes free
# to change rooms in 0.6 deterministic s, 1.4-1.8 s wall in all, against 5-8 s with two interleaved
# workers, whose fixed task batches cost more than the second core brings). A school not proven
# optimal by then continues with ``num_workers`` interleaved workers from the best plan so far: their
# LNS workers close the gap on larger schools where a single search stalls (the generated
# 3,600-student school with 130 free rooms: 2.6 % gap after 30 deterministic seconds of one worker,
# 0.5 % with the second phase).
DEFAULT_NUM_WORKERS = 2
SINGLE_WORKER_S = 2.0

# Full-problem subsolvers left out of an interleaved search: with them, the LNS workers and the LP
# workers that close the gap got a smaller share of each batch. Measured on the high school (time to
# proven optimum 9.5 -> 3.5 deterministic s) and the generated 3,600-student school (within 1 % of
# the bound 6.8 -> 3.4 s wall); see bench/README.md.
IGNORED_SUBSOLVERS = ("core", "max_lp", "no_lp", "quick_restart_no_lp", "reduced_costs")


def make_solver(time_limit_s: float, seed: int, num_workers: int = DEFAULT_NUM_WORKERS) -> cp_model.CpSolver:
    """A CP-SAT solver with deterministic settings: fixed seed and workers (interleaved search when
    more than one), and a deterministic time limit of ``time_limit_s`` deterministic seconds.

    With one worker the presolve is lighter (probing level 1, two presolve rounds instead of three):
    on the high school the third round and the deeper probing cost 0.2-0.3 s of its 1.5 s and the
    search found the optimum no later without them (bench/README.md)."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.random_seed = int(seed)
    p.num_workers = int(num_workers)
    p.interleave_search = num_workers > 1
    p.max_deterministic_time = float(time_limit_s)
    p.log_search_progress = False
    if num_workers == 1:
        p.cp_model_probing_level = 1
        p.max_presolve_iterations = 2
    return solver


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records (wall time s since ``start``, objective) of every improving solution, and the bound's
    progress: time to first feasible plan, to within x % of the bound, to the proven optimum."""

    def __init__(self, start: float) -> None:
        super().__init__()
        self.start = start
        self.solutions: list[tuple[float, float]] = []
        self.bounds: list[tuple[float, float]] = []

    def on_solution_callback(self) -> None:
        self.solutions.append((time.perf_counter() - self.start, self.objective_value))

    def on_bound(self, bound: float) -> None:
        self.bounds.append((time.perf_counter() - self.start, bound))


def _class_choice(
    tm: TimetableModel, solver: cp_model.CpSolver, c: int
) -> tuple[int, int, int, dict[int, int]]:
    g, w = next((g, w) for (ci, g, w), v in tm.x.items() if ci == c and solver.boolean_value(v))
    t = next(t.index for t in tm.room_types if solver.boolean_value(tm.prim[c, t.index]))
    over = {t.index: solver.value(tm.over[c, t.index]) for t in tm.room_types if (c, t.index) in tm.over}
    return g, w, t, {k: v for k, v in over.items() if v}


def assign_room_ids(
    scenario: Scenario,
    tm: TimetableModel,
    prim_type: list[int],
    over_counts: list[dict[int, int]],
    previous: Plan | None,
) -> list[tuple[str, ...]]:
    """Hand out real rooms for the chosen room types (rooms of a type are interchangeable).

    Order of preference: pinned rooms; home rooms kept under ``policy.keep_home_rooms``
    (``capacity.kept_home_rooms``); the class's room in the previous plan (when re-planning); its
    home room; then the first free room of the type in scenario order. Overflow rooms are listed
    largest first, and a room left without students is dropped (it can only happen when the solver
    stops before optimality).
    """
    types = {t.index: t for t in tm.room_types}
    free: dict[int, list[str]] = {t.index: list(t.rooms) for t in tm.room_types}
    caps = cap.room_capacities(scenario)
    prev = previous.by_class() if previous is not None else {}
    n = len(scenario.classes)
    first: list[str | None] = [None] * n
    extra: list[list[str]] = [[] for _ in range(n)]
    need: list[dict[int, int]] = [dict(o) for o in over_counts]
    pinned = {p.class_id: p.rooms for p in scenario.pins if p.rooms}

    def take(c: int, room: str, primary: bool) -> bool:
        t = next(t for t in free if room in types[t].rooms)
        if room not in free[t]:
            return False
        if primary and t == prim_type[c] and first[c] is None:
            first[c] = room
        elif not primary and need[c].get(t, 0) > 0:
            need[c][t] -= 1
            extra[c].append(room)
        else:
            return False
        free[t].remove(room)
        return True

    for c, cls in enumerate(scenario.classes):
        if cls.id in pinned:
            rooms = pinned[cls.id] or ()
            take(c, rooms[0], True)
            for r in rooms[1:]:
                take(c, r, False)
    kept = cap.kept_home_rooms(scenario)
    for c, cls in enumerate(scenario.classes):
        if cls.id in kept:
            take(c, kept[cls.id], True)
    for c, cls in enumerate(scenario.classes):
        p = prev.get(cls.id)
        if p is None or not p.rooms or cls.id in pinned:
            continue
        if p.rooms[0] in caps:
            take(c, p.rooms[0], True)
        for r in p.rooms[1:]:
            if r in caps:
                take(c, r, False)
    for c, cls in enumerate(scenario.classes):
        if first[c] is None and cls.home_room is not None:
            take(c, cls.home_room, True)
    for c in range(n):
        if first[c] is None:
            take(c, free[prim_type[c]][0], True)
        for t, k in sorted(need[c].items()):
            for _ in range(k):
                take(c, free[t][0], False)
    out: list[tuple[str, ...]] = []
    tail: list[str]
    for c, cls in enumerate(scenario.classes):
        head = first[c]
        assert head is not None
        if cls.id in pinned:
            out.append(tuple(pinned[cls.id] or ()))
            continue
        p = prev.get(cls.id)
        if p is not None and tuple(p.rooms[1:]) and sorted(p.rooms[1:]) == sorted(extra[c]):
            tail = list(p.rooms[1:])
        else:
            tail = sorted(extra[c], key=lambda r: (-caps[r], [x.id for x in scenario.rooms].index(r)))
        listed = [head, *tail]
        shares = cap.split_over_rooms(cls.students, [caps[r] for r in listed])
        out.append(tuple(r for r, s in zip(listed, shares, strict=True) if s > 0 or r == head))
    return out


def extract_plan(tm: TimetableModel, solver: cp_model.CpSolver) -> list[ClassAssignment]:
    """The solver's values as class assignments (times in minutes since midnight)."""
    sc = tm.scenario
    day = sc.day
    choices = [_class_choice(tm, solver, c) for c in range(len(sc.classes))]
    rooms = assign_room_ids(sc, tm, [ch[2] for ch in choices], [ch[3] for ch in choices], tm.previous)
    out = []
    for c, cls in enumerate(sc.classes):
        g, w, _, _ = choices[c]
        sitting = None
        if tm.sit:
            sitting = 1 + next(
                s for s in range(sc.canteen.max_sittings) if solver.boolean_value(tm.sit[c, s])
            )
        k = solver.value(tm.dis_idx[c])
        start = day.window_start_min(w)
        out.append(
            ClassAssignment(
                class_id=cls.id,
                grade=cls.grade,
                students=cls.students,
                boarding=cls.boarding,
                arrival_start_min=start,
                arrival_end_min=start + day.window_min,
                gate=tm.gate_ids[g],
                rooms=rooms[c],
                canteen_sitting=sitting,
                dismissal_min=day.dismissal_slot_min(k),
            )
        )
    return out


def _search(
    tm: TimetableModel, time_limit_s: float, seed: int, workers: int, hinted: bool, progress: _Progress
) -> tuple[cp_model.CpSolver, Any]:
    """One CP-SAT search of the model with ``make_solver``'s settings; returns the solver and status."""
    solver = make_solver(time_limit_s, seed, workers)
    if workers > 1:
        solver.parameters.ignore_subsolvers.extend(IGNORED_SUBSOLVERS)
    elif hinted:
        # The hint is a whole, checked plan that CP-SAT loads as its first solution; a single
        # worker's "hint search" phase would only re-walk it (0.5 s on the high school): skipped.
        solver.parameters.hint_conflict_limit = 0
    solver.best_bound_callback = progress.on_bound
    status = solver.solve(tm.model, progress)
    return solver, status


def _phase(solver: cp_model.CpSolver, status: Any, workers: int) -> dict[str, Any]:
    return {
        "workers": workers,
        "status": solver.status_name(status),
        "deterministic_time": solver.deterministic_time,
        "wall_time_s": solver.wall_time,
        "best_bound": solver.best_objective_bound,
    }


def optimize(
    scenario: Scenario,
    time_limit_s: float = 30,
    seed: int = 0,
    previous: Plan | None = None,
    *,
    num_workers: int = DEFAULT_NUM_WORKERS,
    weights: Weights | None = None,
    single_worker_s: float = SINGLE_WORKER_S,
) -> Plan:
    """Assign every class a window, gate, room(s), canteen sitting and dismissal time (CP-SAT).

    Minimises the weighted objective of :class:`~reopen_sim.optimizer.model.Weights` under every hard
    rule of ``docs/design.md``. ``previous`` (a published plan) adds the "few changes" term.
    ``time_limit_s`` is a deterministic time budget (see the module docstring), spent by one worker
    for up to ``single_worker_s`` deterministic seconds, then, unless the plan is proven optimal, by
    ``num_workers`` interleaved workers from the best plan so far (see ``DEFAULT_NUM_WORKERS``).
    ``Plan.meta`` records status, objective, each term's value, best bound, gap, seed, workers and
    each search phase, and wall times: ``wall_time_s`` for the whole call (model, greedy hint and
    search), ``solver_time_s`` for the search alone, and the time of each improving plan and bound
    since the call began.

    Raises :class:`~reopen_sim.errors.InfeasibleError` with plain-language reasons when no plan exists
    (or none was found in the budget).
    """
    t_start = time.perf_counter()
    tm = build_model(scenario, previous=previous, weights=weights)
    hinted = add_hint(tm)
    progress = _Progress(t_start)
    first_s = time_limit_s if num_workers <= 1 else min(float(time_limit_s), single_worker_s)
    t0 = time.perf_counter()
    solver, status = _search(tm, first_s, seed, 1, hinted, progress)
    phases = [_phase(solver, status, 1)]
    left_s = float(time_limit_s) - solver.deterministic_time
    if num_workers > 1 and status in (cp_model.FEASIBLE, cp_model.UNKNOWN) and left_s > 0.05:
        if status == cp_model.FEASIBLE:  # continue from the best plan so far, as a complete hint
            values = list(solver.response_proto.solution)
            tm.model.clear_hints()
            tm.model.proto.solution_hint.vars.extend(range(len(values)))
            tm.model.proto.solution_hint.values.extend(values)
        more, more_status = _search(
            tm, left_s, seed, num_workers, hinted or status == cp_model.FEASIBLE, progress
        )
        phases.append(_phase(more, more_status, num_workers))
        # Keep the second phase's result unless it found nothing better than the first phase's plan.
        if status == cp_model.UNKNOWN or (
            more_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and more.objective_value <= solver.objective_value
        ):
            solver, status = more, more_status
    t_end = time.perf_counter()
    # Each phase's bound is a valid lower bound of the same model: report the best of them, and a
    # plan that reaches it is optimal even when the phase that found it did not prove it.
    bound = max(p["best_bound"] for p in phases)
    if status == cp_model.FEASIBLE and solver.objective_value <= bound:
        status = cp_model.OPTIMAL
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        from reopen_sim.optimizer.explain import explain_infeasibility

        # Each explanation solve gets at most the caller's budget (and at least 2 s, at most 10 s).
        budget = min(10.0, max(2.0, float(time_limit_s)))
        raise InfeasibleError(explain_infeasibility(scenario, time_limit_s=budget), status="INFEASIBLE")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status == cp_model.MODEL_INVALID:  # a bug in the model, not the user's fault
            raise RuntimeError(f"CP-SAT rejected the timetable model: {tm.model.validate()}")
        raise InfeasibleError(
            [
                f"No plan was found within the time budget of {time_limit_s:g} s "
                f"({len(scenario.classes)} classes); the rules may clash or the search needs longer: "
                "run again with a longer time limit, or relax a rule to let the explanation find the clash."
            ],
            status=name,
        )
    objective = solver.objective_value
    terms = {k: int(solver.value(expr)) for k, (expr, _) in tm.terms.items()}
    last_w = terms["last_window"]
    meta: dict[str, Any] = {
        "status": name,
        "objective": objective,
        "best_bound": bound,
        "gap": abs(objective - bound) / max(1.0, abs(objective)),
        "terms": terms,
        "term_weights": {k: w for k, (_, w) in tm.terms.items()},
        "arrival_ends": format_hhmm(scenario.day.window_start_min(last_w) + scenario.day.window_min),
        "peak_utilisation": terms["peak_utilisation_permille"] / 1000,
        "wall_time_s": t_end - t_start,
        "solver_time_s": t_end - t0,
        "deterministic_time": sum(p["deterministic_time"] for p in phases),
        "phases": phases,  # per search phase: workers, status, deterministic s, wall s, bound
        "first_solution_s": progress.solutions[0][0] if progress.solutions else None,
        "greedy_hint": hinted,
        "solutions": progress.solutions,  # (wall s, objective) of each improving plan
        "bounds": progress.bounds,  # (wall s, best bound) as the bound improved
        "seed": seed,
        "num_workers": num_workers,
        "time_limit_s": time_limit_s,
        "solver": "OR-Tools CP-SAT",
    }
    plan = Plan(tuple(extract_plan(tm, solver)), meta=meta)
    meta["unused_gates"] = unused_gates(scenario, plan)  # open, staffed gates left unused, and why
    if previous is not None:
        meta["changed_classes"] = changed_classes(previous, plan)
    return plan


def summarise_by_gate_window(plan: Plan) -> dict[tuple[str, int], int]:
    """Students per (gate, window start): a helper for reports and tests."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        out[a.gate, a.arrival_start_min] += a.students
    return dict(out)
