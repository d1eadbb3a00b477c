"""Solve the timetable model and turn the solution into a :class:`~reopen_sim.plan.Plan`.

Determinism and time (docs/design.md, "Search and determinism"): CP-SAT searches with one worker
first (a single search is deterministic by construction), then, if the plan is not proven optimal,
with ``num_workers`` workers and ``interleave_search`` (the workers' tasks are interleaved in fixed
batches, so the search does not depend on thread timing). The caller's ``time_limit_s`` is wall-clock
seconds for the whole call; the search also has a deterministic budget, a fixed fraction of it
(``params.DETERMINISTIC_S_PER_WALL_S``). When that budget ends first, same scenario + seed +
settings → the same plan on any machine load; when the wall clock ends first, ``meta["stopped_by"]``
says so. Large schools (``params.LNS_MIN_CLASSES`` classes or more) replace the single-worker phase
by a decomposition bound with a plan around its relaxation (``optimizer/bounds.py``) and a
large-neighbourhood search by arrival group (``optimizer/lns.py``), one worker per solve.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from reopen_sim.errors import InfeasibleError
from reopen_sim.optimizer.bounds import ArrivalBound, arrival_bound
from reopen_sim.optimizer.capacity_scale import CapacityScale
from reopen_sim.optimizer.certify import CertifyOptions, certify_plan
from reopen_sim.optimizer.decode import extract_plan
from reopen_sim.optimizer.explain import explain_infeasibility
from reopen_sim.optimizer.hint import Hint, add_hint
from reopen_sim.optimizer.lns import LnsResult, from_arrival, improve
from reopen_sim.optimizer.model import TimetableModel, Weights, build_model
from reopen_sim.optimizer.notes import changed_classes, unused_gates
from reopen_sim.optimizer.params import (
    BOUND_DET_SHARE,
    BOUND_WALL_SHARE,
    DEFAULT_NUM_WORKERS,
    DETERMINISTIC_S_PER_WALL_S,
    IGNORED_SUBSOLVERS,
    LNS_DET_SHARE,
    LNS_MIN_CLASSES,
    LNS_WALL_SHARE,
    SINGLE_WORKER_S,
    WallClock,
    make_solver,
)
from reopen_sim.optimizer.params import solve as run_solve
from reopen_sim.optimizer.reasons import Reason
from reopen_sim.plan import Plan
from reopen_sim.scenario.schema import Scenario, format_hhmm


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


# The deterministic seconds a plan without the gate-spread term needs at least (``_gate_spread_trial``).
SPREAD_RETRY_MIN_DET_S = 1.0


def _search(
    tm: TimetableModel,
    det_s: float,
    seed: int,
    workers: int,
    hinted: bool,
    progress: _Progress,
    clock: WallClock,
) -> tuple[cp_model.CpSolver, Any]:
    """One CP-SAT search of the model with ``make_solver``'s settings; returns the solver and status."""
    solver = make_solver(det_s, seed, workers, clock)
    if workers > 1:
        solver.parameters.ignore_subsolvers.extend(IGNORED_SUBSOLVERS)
    elif hinted:
        # The hint is a whole, checked plan that CP-SAT loads as its first solution; a single
        # worker's "hint search" phase would only re-walk it (0.5 s on the high school): skipped.
        solver.parameters.hint_conflict_limit = 0
    solver.best_bound_callback = progress.on_bound
    status = run_solve(solver, tm.model, progress)
    clock.note(solver, status)
    return solver, status


def _phase(solver: cp_model.CpSolver, status: Any, workers: int) -> dict[str, Any]:
    return {
        "workers": workers,
        "status": solver.status_name(status),
        "deterministic_time": solver.deterministic_time,
        "wall_time_s": solver.wall_time,
        "best_bound": solver.best_objective_bound,
    }


def _search_phases(
    tm: TimetableModel,
    det_s: float,
    seed: int,
    num_workers: int,
    single_worker_s: float,
    hinted: bool,
    progress: _Progress,
    clock: WallClock,
    first: tuple[cp_model.CpSolver, Any] | None = None,
) -> tuple[cp_model.CpSolver, Any, list[dict[str, Any]]]:
    """One worker for up to ``single_worker_s`` deterministic s (or ``first``, that search already
    run), then (unless proven) ``num_workers`` interleaved workers from its best plan for the rest of
    ``det_s``; both within the wall clock. Returns the solver whose plan is kept, its status and each
    phase's figures."""
    first_s = det_s if num_workers <= 1 else min(det_s, single_worker_s)
    solver, status = first or _search(tm, first_s, seed, 1, hinted, progress, clock)
    phases = [_phase(solver, status, 1)]
    left_s = det_s - solver.deterministic_time
    if num_workers > 1 and status in (cp_model.FEASIBLE, cp_model.UNKNOWN) and left_s > 0.05:
        if clock.left_s() <= 0.05:  # the wall clock ends the search before the second phase
            clock.cut = True
            return solver, status, phases
        if status == cp_model.FEASIBLE:  # continue from the best plan so far, as a complete hint
            values = list(solver.response_proto.solution)
            tm.model.clear_hints()
            tm.model.proto.solution_hint.vars.extend(range(len(values)))
            tm.model.proto.solution_hint.values.extend(values)
        more, more_status = _search(
            tm, left_s, seed, num_workers, hinted or status == cp_model.FEASIBLE, progress, clock
        )
        phases.append(_phase(more, more_status, num_workers))
        # Keep the second phase's result unless it found nothing better than the first phase's plan.
        if status == cp_model.UNKNOWN or (
            more_status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and more.objective_value <= solver.objective_value
        ):
            solver, status = more, more_status
    return solver, status, phases


def _lns_then_whole(
    tm: TimetableModel,
    start: cp_model.CpSolver,
    det_s: float,
    seed: int,
    num_workers: int,
    progress: _Progress,
    clock: WallClock,
) -> tuple[cp_model.CpSolver, Any, list[dict[str, Any]], LnsResult]:
    """Large schools, from the greedy plan ``start``: the decomposition bound (``optimizer/bounds.py``,
    ``BOUND_DET_SHARE`` of ``det_s``, at most ``BOUND_WALL_SHARE`` of the wall time left) and a plan
    around its relaxation's gate-windows; then the large-neighbourhood search (``optimizer/lns.py``)
    from the better plan. Without that bound (a school that does not decompose) the LNS has
    ``LNS_DET_SHARE`` of the budget and ``num_workers`` interleaved workers search the whole model
    for the rest: their LP workers prove a bound (a single worker reported none on these models).
    Returns the solver holding the best plan, its status, the phases' figures and the LNS record."""
    phases: list[dict[str, Any]] = []
    best, spent = start, 0.0
    own = _bound_phase(tm, start, det_s * BOUND_DET_SHARE, seed, progress, clock, phases)
    if own is not None:
        spent = own.deterministic_time
        if own.arrival is not None and not clock.expired():
            solver, status = from_arrival(
                tm, list(start.response_proto.solution), own.arrival, 2.0, seed, clock
            )
            phases.append(_phase(solver, status, 1) | {"kind": "relaxation plan", "best_bound": 0.0})
            spent += solver.deterministic_time
            if (
                status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                and solver.objective_value < best.objective_value
            ):
                best = solver
                progress.solutions.append((time.perf_counter() - progress.start, solver.objective_value))
        if best.objective_value <= own.bound:
            return best, cp_model.OPTIMAL, phases, LnsResult(None, best.objective_value, [])
    share = 1.0 if own is not None else LNS_DET_SHARE
    part = WallClock(clock.elapsed_s() + LNS_WALL_SHARE * clock.left_s(), start=clock.start)
    if own is not None:
        part = clock
    local = improve(tm, best, max(0.05, (det_s - spent) * share), seed, part)
    clock.cut = clock.cut or part.cut
    if local.solver is not None:
        best = local.solver
        progress.solutions.append((time.perf_counter() - progress.start, local.objective))
    if own is not None:
        status = cp_model.OPTIMAL if best.objective_value <= own.bound else cp_model.FEASIBLE
        return best, status, phases, local
    values = list(best.response_proto.solution)
    tm.model.clear_hints()
    tm.model.proto.solution_hint.vars.extend(range(len(values)))
    tm.model.proto.solution_hint.values.extend(values)
    left_s = max(0.05, det_s - local.deterministic_time)
    solver, status = _search(tm, left_s, seed, max(2, num_workers), True, progress, clock)
    phases.append(_phase(solver, status, max(2, num_workers)))
    if status == cp_model.OPTIMAL or (
        status == cp_model.FEASIBLE and solver.objective_value < local.objective
    ):
        return solver, status, phases, local
    return best, cp_model.FEASIBLE, phases, local


def _bound_phase(
    tm: TimetableModel,
    start: cp_model.CpSolver,
    det_s: float,
    seed: int,
    progress: _Progress,
    clock: WallClock,
    phases: list[dict[str, Any]],
) -> ArrivalBound | None:
    """The decomposition bound within ``det_s`` and ``BOUND_WALL_SHARE`` of the wall time left,
    recorded as a phase (its ``best_bound``); None when the school does not decompose."""
    values = start.response_proto.solution
    last = max(w for (_, _, w), v in tm.x.items() if values[v.index])
    part = WallClock(clock.elapsed_s() + BOUND_WALL_SHARE * clock.left_s(), start=clock.start)
    t0 = time.perf_counter()
    own = arrival_bound(tm, last, det_s, seed, part)
    clock.cut = clock.cut or part.cut
    if own is None:
        return None
    progress.bounds.append((time.perf_counter() - progress.start, own.bound))
    phases.append(
        {
            "kind": "decomposition bound",
            "workers": 1,
            "status": "BOUND",
            "deterministic_time": own.deterministic_time,
            "wall_time_s": time.perf_counter() - t0,
            "best_bound": own.bound,
            "solves": own.solves,
            "peak_permille": own.peak_permille,
        }
    )
    return own


def _model_and_hint(
    scenario: Scenario,
    previous: Plan | None,
    weights: Weights | None,
    capacity_scale: CapacityScale | None,
    tightened: bool,
    clock: WallClock,
) -> tuple[TimetableModel, Hint]:
    """The model under ``weights`` and its greedy hint (none when a gate-window was tightened)."""
    tm = build_model(scenario, previous=previous, weights=weights, capacity_scale=capacity_scale)
    return tm, (Hint(False) if tightened else add_hint(tm, clock))


def _gate_spread_trial(
    tm: TimetableModel,
    hint: Hint,
    det_s: float,
    seed: int,
    single_worker_s: float,
    progress: _Progress,
    clock: WallClock,
) -> tuple[dict[str, Any], tuple[cp_model.CpSolver, Any]]:
    """Whether to keep the gate-spread term (``most_classes_at_a_gate``): the first, single-worker
    phase runs with it; kept when that phase proves the optimum (the bundled schools: 0.2
    deterministic s at most) or too little is left to plan again (``SPREAD_RETRY_MIN_DET_S`` of the
    deterministic budget, half of the wall clock). Elsewhere its weak bound leaves the search far from
    proof (generated 3,600-student schools: a 3–5 % gap after 10 deterministic s, against proven
    optimal after ~1.3 s without it; bench/README.md), so the school is planned without it, by the
    decomposition bound and the neighbourhood search. The rule depends on deterministic time only,
    unless the wall clock is short, which the plan then says.

    Returns the trial's record (``kept``, its phase) and that first phase (solver, status)."""
    first_s = min(det_s, single_worker_s)
    solver, status = _search(tm, first_s, seed, 1, hint.added, progress, clock)
    phase = _phase(solver, status, 1) | {"kind": "gate-spread trial"}
    left_s = det_s - solver.deterministic_time
    retry = (
        status != cp_model.OPTIMAL
        and left_s >= SPREAD_RETRY_MIN_DET_S
        and clock.left_s() >= 0.5 * clock.limit_s
    )
    return {"kept": not retry, "phase": phase}, (solver, status)


def _settle(
    solver: cp_model.CpSolver, status: Any, phases: list[dict[str, Any]], hint: Hint
) -> tuple[cp_model.CpSolver, Any, float, bool]:
    """The plan kept, its status, the bound, and whether the plan is the greedy one."""
    # Each phase's bound is a valid lower bound of the same model: report the best of them, and a
    # plan that reaches it is optimal even when the phase that found it did not prove it.
    bound = max(p["best_bound"] for p in phases)
    if status == cp_model.FEASIBLE and solver.objective_value <= bound:
        status = cp_model.OPTIMAL
    from_hint = status == cp_model.UNKNOWN and hint.complete is not None
    if from_hint and hint.complete is not None:
        # The budget ended before CP-SAT reported a plan (on a short limit or a busy machine its
        # presolve can take all of it): the greedy plan passed the checker, and it is returned.
        solver, status = hint.complete, cp_model.FEASIBLE
    return solver, status, bound, from_hint


def _no_plan(
    scenario: Scenario, tm: TimetableModel, status: Any, name: str, time_limit_s: float, clock: WallClock
) -> InfeasibleError | RuntimeError:
    """The error for a search that ended without a plan: an explanation when none exists."""
    if status == cp_model.INFEASIBLE:
        # Each explanation solve gets at most the caller's budget (and at least 2, at most 10
        # deterministic s), and all of them together what is left of the wall clock.
        budget = min(10.0, max(2.0, float(time_limit_s)))
        return InfeasibleError(explain_infeasibility(scenario, time_limit_s=budget, clock=clock), status=name)
    if status == cp_model.MODEL_INVALID:  # a bug in the model, not the user's fault
        return RuntimeError(f"CP-SAT rejected the timetable model: {tm.model.validate()}")
    return InfeasibleError(
        [
            Reason(
                "infeasible.no_plan_in_time",
                {"limit_s": f"{time_limit_s:g}", "classes": len(scenario.classes)},
            )
        ],
        status=name,
    )


def _stopped_by(status: Any, clock: WallClock, det_s: float, gap: float) -> dict[str, Any]:
    """Why the search ended, as a code, an English sentence and the catalogue key + fields of it."""
    if status == cp_model.OPTIMAL:
        kind = "optimal"
    elif clock.cut:
        kind = "wall_clock"
    else:
        kind = "deterministic_budget"
    fields = {"limit_s": f"{clock.limit_s:g}", "det_s": f"{det_s:.1f}", "gap": f"{gap:.1%}"}
    return {
        "stopped_by": kind,
        "stopped_by_text": str(Reason(f"optimize.stopped_by.{kind}", fields)),
        "stopped_by_key": f"optimize.stopped_by.{kind}",
        "stopped_by_fields": fields,
    }


def _certified(
    scenario: Scenario,
    time_limit_s: float,
    seed: int,
    previous: Plan | None,
    settings: dict[str, Any],
    options: CertifyOptions,
) -> Plan:
    """``optimize`` with certification: this module's solve is handed to ``certify.certify_plan``
    as the re-solve function (certify.py does not import the solver)."""

    def resolve(scale: CapacityScale, prev: Plan | None) -> Plan:
        return _solve_once(scenario, time_limit_s, seed, prev, capacity_scale=scale, **settings)

    return certify_plan(scenario, resolve, options, previous=previous)


def _scale_meta(scenario: Scenario, tm: TimetableModel, scale: CapacityScale) -> dict[str, Any]:
    """The factors a plan was solved with and the gate-window limits they gave (for ``check_plan``)."""
    return {
        "capacity_scale": {f"{gid}@{w}": f for (gid, w), f in sorted(scale.items())},
        "window_limits": [
            {"gate": tm.gate_ids[g], "window_start_min": scenario.day.window_start_min(w), "limit": n}
            for (g, w), n in sorted(tm.window_capacity.items())
        ],
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
    deterministic_limit_s: float | None = None,
    lns: bool | None = None,
    capacity_scale: CapacityScale | None = None,
    certify: int | None = None,
    service_level: Any = None,
    certify_seed: int = 1,
) -> Plan:
    """Assign every class a window, gate, room(s), canteen sitting and dismissal time (CP-SAT).

    Minimises the weighted objective of :class:`~reopen_sim.optimizer.model.Weights` under every hard
    rule of ``docs/design.md``. ``previous`` (a published plan) adds the "few changes" term.

    ``time_limit_s`` is wall-clock seconds for the whole call (model, greedy hint, search and, when
    no plan exists, the explanation). Within it the search has a deterministic budget of
    ``deterministic_limit_s`` deterministic seconds (by default ``DETERMINISTIC_S_PER_WALL_S ×
    time_limit_s``), spent by one worker for up
    to ``single_worker_s`` of them, then, unless the plan is proven optimal, by ``num_workers``
    interleaved workers from the best plan so far. When the deterministic budget ends first the plan
    is reproducible (same scenario, seed and settings → same plan on any machine);
    ``meta["stopped_by"]`` says which ended the search (``optimal``, ``deterministic_budget`` or
    ``wall_clock``) and ``meta["stopped_by_text"]`` says it in a sentence. Ctrl-C stops the search
    within a fraction of a second and raises ``KeyboardInterrupt``.

    ``Plan.meta`` also records status, objective, each term's value, best bound, gap, seed, workers
    and each search phase, and wall times: ``wall_time_s`` for the whole call, ``solver_time_s`` for
    the search alone, and the time of each improving plan and bound since the call began.

    ``lns`` (default: ``LNS_MIN_CLASSES`` classes or more) searches by arrival group first
    (docs/design.md, "Large schools"); ``meta["lns"]`` records each neighbourhood's solve.

    ``capacity_scale`` ((gate id, window index) → factor) scales those gate-windows' capacity
    (``optimizer.capacity_scale``). ``certify=N`` then certifies the plan by simulating N mornings
    against ``service_level`` (default ``scenario.policy.service_level``), tightening or loosening
    gate-windows and re-solving with few changes (``optimizer.certify``); the plan returned is the
    certified one and ``meta["certificate"]`` holds the certificate (``certify_seed`` seeds the
    simulation).

    Raises :class:`~reopen_sim.errors.InfeasibleError` with plain-language reasons when no plan exists
    (or none was found in the budget).
    """
    settings: dict[str, Any] = {
        "num_workers": num_workers,
        "weights": weights,
        "single_worker_s": single_worker_s,
        "deterministic_limit_s": deterministic_limit_s,
        "lns": lns,
    }
    if certify:
        options = CertifyOptions(replications=certify, seed=certify_seed, service_level=service_level)
        return _certified(scenario, time_limit_s, seed, previous, settings, options)
    return _solve_once(scenario, time_limit_s, seed, previous, capacity_scale=capacity_scale, **settings)


def _solve_once(
    scenario: Scenario,
    time_limit_s: float,
    seed: int,
    previous: Plan | None,
    *,
    num_workers: int,
    weights: Weights | None,
    single_worker_s: float,
    deterministic_limit_s: float | None,
    lns: bool | None,
    capacity_scale: CapacityScale | None,
) -> Plan:
    """One solve of :func:`optimize` (its docstring says what the settings do)."""
    clock = WallClock(float(time_limit_s))
    t_start = time.perf_counter()
    det_s = (
        float(time_limit_s) * DETERMINISTIC_S_PER_WALL_S
        if deterministic_limit_s is None
        else float(deterministic_limit_s)
    )
    use_lns = lns if lns is not None else len(scenario.classes) >= LNS_MIN_CLASSES
    if use_lns:  # the gate-spread term slows every neighbourhood's solve ~100× (bench/README.md)
        weights = dataclasses.replace(weights or Weights(), most_classes_at_a_gate=0)
    # A tightened gate-window may reject the greedy plan (checked against static capacities): no hint.
    tightened = any(f < 1 for f in (capacity_scale or {}).values())
    tm, hint = _model_and_hint(scenario, previous, weights, capacity_scale, tightened, clock)
    progress = _Progress(t_start)
    t0 = time.perf_counter()
    local = None
    trial = None
    first = None
    search_s = det_s
    if lns is None and not use_lns and num_workers > 1 and tm.weights.most_classes_at_a_gate > 0:
        trial, first = _gate_spread_trial(tm, hint, det_s, seed, single_worker_s, progress, clock)
        if not trial["kept"]:  # planned without the term, by decomposition, with the budget left
            weights = dataclasses.replace(tm.weights, most_classes_at_a_gate=0)
            tm, hint = _model_and_hint(scenario, previous, weights, capacity_scale, tightened, clock)
            search_s = det_s - trial["phase"]["deterministic_time"]
            progress, first, use_lns = _Progress(t_start), None, True  # earlier plans: another objective
    if use_lns and hint.complete is not None:
        solver, status, phases, local = _lns_then_whole(
            tm, hint.complete, search_s, seed, num_workers, progress, clock
        )
    else:
        solver, status, phases = _search_phases(
            tm, search_s, seed, num_workers, single_worker_s, hint.added, progress, clock, first
        )
    t_end = time.perf_counter()
    solver, status, bound, from_hint = _settle(solver, status, phases, hint)
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE and capacity_scale:
        # Certification's own tightening left no plan: it says so itself (no explanation search).
        raise InfeasibleError([Reason("certify.tightened_infeasible", {})], status=name)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise _no_plan(scenario, tm, status, name, time_limit_s, clock)
    objective = solver.objective_value
    terms = {k: int(solver.value(expr)) for k, (expr, _) in tm.terms.items()}
    last_w = terms["last_window"]
    gap = abs(objective - bound) / max(1.0, abs(objective))
    meta: dict[str, Any] = {
        "status": name,
        "objective": objective,
        "best_bound": bound,
        "gap": gap,
        "terms": terms,
        "term_weights": {k: w for k, (_, w) in tm.terms.items()},
        "arrival_ends": format_hhmm(scenario.day.window_start_min(last_w) + scenario.day.window_min),
        "peak_utilisation": terms["peak_utilisation_permille"] / 1000,
        **_stopped_by(status, clock, det_s, gap),
        "solver_time_s": t_end - t0,
        "deterministic_time": sum(p["deterministic_time"] for p in phases)
        + (local.deterministic_time if local is not None else 0.0)
        + (trial["phase"]["deterministic_time"] if trial is not None and not trial["kept"] else 0.0),
        "lns": local.steps if local is not None else [],
        "deterministic_limit": det_s,
        "phases": phases,  # per search phase: workers, status, deterministic s, wall s, bound
        "first_solution_s": progress.solutions[0][0] if progress.solutions else None,
        "greedy_hint": hint.added,
        "plan_from": "greedy_hint" if from_hint else "search",
        "solutions": progress.solutions,  # (wall s, objective) of each improving plan
        "bounds": progress.bounds,  # (wall s, best bound) as the bound improved
        "seed": seed,
        "num_workers": num_workers,
        "time_limit_s": time_limit_s,
        "solver": "OR-Tools CP-SAT",
    }
    if trial is not None:
        meta["gate_spread"] = trial
    assignments = tuple(extract_plan(tm, solver))
    meta["wall_time_s"] = time.perf_counter() - t_start
    plan = Plan(assignments, meta=meta)
    meta["unused_gates"] = unused_gates(scenario, plan)  # open, staffed gates left unused, and why
    if previous is not None:
        meta["changed_classes"] = changed_classes(previous, plan)
    if capacity_scale:
        meta.update(_scale_meta(scenario, tm, capacity_scale))
    return plan


def summarise_by_gate_window(plan: Plan) -> dict[tuple[str, int], int]:
    """Students per (gate, window start): a helper for reports and tests."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        out[a.gate, a.arrival_start_min] += a.students
    return dict(out)
