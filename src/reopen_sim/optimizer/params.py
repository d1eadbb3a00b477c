"""How CP-SAT is set up for the timetable: solver parameters, the wall-clock budget, and a solve
that Ctrl-C stops.

Determinism and time (docs/design.md, "Search and determinism"): a single search is deterministic
by construction; several workers search with ``interleave_search`` (their tasks are interleaved in
fixed batches, so the search does not depend on thread timing). Each search stops on a
*deterministic* budget (``max_deterministic_time``, :data:`DETERMINISTIC_S_PER_WALL_S` × the
caller's limit) or on the wall clock (``max_time_in_seconds`` = what is left of the caller's limit,
:class:`WallClock`), whichever comes first: when the deterministic budget ends first the plan is
reproducible on any machine; when the wall clock cuts it, the plan says so.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

# Deterministic seconds of search per wall second of the caller's limit. On this project's idle
# 2-core machine one deterministic second of the large schools' search took 1.6-2.9 s of wall time
# (bench/README.md, "Optimizer"): at 1/3 the deterministic budget ends first on an idle machine
# (a reproducible plan), and the wall clock cuts the search only on a busy one.
DETERMINISTIC_S_PER_WALL_S = 1 / 3

# A search is never given less than this much wall time (CP-SAT needs a positive limit).
MIN_SOLVE_S = 0.01


@dataclass
class WallClock:
    """The wall-clock budget of one ``optimize`` call: ``limit_s`` seconds from ``start``
    (``time.monotonic``). Every CP-SAT search of the call (greedy-hint completion, search phases,
    explanation solves) gets what is left of it as ``max_time_in_seconds``; ``cut`` records that the
    clock stopped a search before its deterministic budget ended."""

    limit_s: float
    start: float = field(default_factory=time.monotonic)
    cut: bool = False

    def elapsed_s(self) -> float:
        return time.monotonic() - self.start

    def left_s(self) -> float:
        """Wall seconds left of the budget (never negative)."""
        return max(0.0, self.limit_s - self.elapsed_s())

    def expired(self) -> bool:
        return self.left_s() <= 0.0

    def bound(self, solver: cp_model.CpSolver) -> cp_model.CpSolver:
        """Give ``solver`` what is left of the wall budget; returns it."""
        solver.parameters.max_time_in_seconds = max(MIN_SOLVE_S, self.left_s())
        return solver

    def note(self, solver: cp_model.CpSolver, status: Any) -> None:
        """After a search: record whether the wall clock, not the deterministic budget or a proof,
        stopped it. A search without a proof stops on one of its two limits (no solution limit is
        set, and Ctrl-C raises instead): if less than 99 % of the deterministic budget was used, the
        wall clock stopped it (the interleaved search stops a little before its wall limit rather
        than overrun it, so the wall time alone does not tell)."""
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
            return
        if solver.deterministic_time < 0.99 * solver.parameters.max_deterministic_time:
            self.cut = True


def solve(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> Any:
    """``solver.solve(model, callback)`` such that Ctrl-C stops the search and raises KeyboardInterrupt.

    CP-SAT's own SIGINT handler is off (``make_solver``: ``catch_sigint_signal``); in the main thread
    the search runs in a worker thread while the main thread waits in short, interruptible joins, so
    Python's KeyboardInterrupt arrives within a fraction of a second: the search is stopped
    (``stop_search``), the worker joined, and the interrupt re-raised. In other threads (signals go
    to the main thread only) the solve runs directly."""
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(model, callback)
    out: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            out["status"] = solver.solve(model, callback)
        except BaseException as exc:  # re-raised in the caller's thread
            out["error"] = exc
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a KeyboardInterrupt inside Thread.join can leave the
    # thread marked finished while it still runs (CPython gh-90882), and CP-SAT's threads would then
    # be torn down mid-search at exit.
    threading.Thread(target=work, name="cp-sat-search", daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except KeyboardInterrupt:
        solver.stop_search()
        done.wait()
        raise
    if "error" in out:
        raise out["error"]
    return out["status"]


def plain_solver(time_limit_s: float, clock: WallClock | None = None) -> cp_model.CpSolver:
    """A single-worker CP-SAT solver with seed 0, default presolve and a deterministic limit of
    ``time_limit_s`` (and the wall clock's remainder): for the small solves of the hint completion
    and the explanation's assumption cores."""
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.num_workers = 1
    p.random_seed = 0
    p.max_deterministic_time = float(time_limit_s)
    p.catch_sigint_signal = False
    if clock is not None:
        clock.bound(solver)
    return solver


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

# Large schools (optimizer/bounds.py, optimizer/lns.py, bench/README.md "Large high schools"): from
# this many classes ``optimize`` starts from the greedy plan. A school that decomposes gets the
# decomposition bound (BOUND_DET_SHARE of the deterministic budget, at most BOUND_WALL_SHARE of the
# wall time left), a plan around its relaxation, then the LNS (one arrival group at a time re-solved
# with the rest fixed) for the rest. Otherwise the LNS has LNS_DET_SHARE of the budget and at most
# LNS_WALL_SHARE of the wall time left, then interleaved workers search the whole model from its plan
# (their LP workers give the bound; the single-worker search gave none on these models). The bundled
# schools (at most 72 classes) never take this path.
LNS_MIN_CLASSES = 100
LNS_DET_SHARE = 0.5
LNS_WALL_SHARE = 0.4
# Large schools that decompose (optimizer/bounds.py): the share of the deterministic budget and at
# most the share of the wall time left that the decomposition bound may spend; the LNS gets the rest.
BOUND_DET_SHARE = 0.5
BOUND_WALL_SHARE = 0.7
# Deterministic seconds at most for completing the relaxation's gate-windows into a plan (rooms,
# sittings, dismissal; 0.02–0.07 on the 6,000 and 10,000-student schools).
PLAN_AROUND_BOUND_S = 2.0

# Full-problem subsolvers left out of an interleaved search: with them, the LNS workers and the LP
# workers that close the gap got a smaller share of each batch. Measured on the high school (time to
# proven optimum 9.5 -> 3.5 deterministic s) and the generated 3,600-student school (within 1 % of
# the bound 6.8 -> 3.4 s wall); see bench/README.md.
IGNORED_SUBSOLVERS = ("core", "max_lp", "no_lp", "quick_restart_no_lp", "reduced_costs")


def make_solver(
    time_limit_s: float, seed: int, num_workers: int = DEFAULT_NUM_WORKERS, clock: WallClock | None = None
) -> cp_model.CpSolver:
    """A CP-SAT solver with deterministic settings: fixed seed and workers (interleaved search when
    more than one), and a deterministic time limit of ``time_limit_s`` deterministic seconds; with
    ``clock``, also what is left of its wall budget. CP-SAT's SIGINT handler is off (see :func:`solve`).

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
    p.catch_sigint_signal = False
    if num_workers == 1:
        p.cp_model_probing_level = 1
        p.max_presolve_iterations = 2
    if clock is not None:
        clock.bound(solver)
    return solver


__all__ = [
    "BOUND_DET_SHARE",
    "BOUND_WALL_SHARE",
    "DEFAULT_NUM_WORKERS",
    "DETERMINISTIC_S_PER_WALL_S",
    "IGNORED_SUBSOLVERS",
    "LNS_DET_SHARE",
    "LNS_MIN_CLASSES",
    "LNS_WALL_SHARE",
    "PLAN_AROUND_BOUND_S",
    "SINGLE_WORKER_S",
    "WallClock",
    "make_solver",
    "plain_solver",
    "solve",
]
