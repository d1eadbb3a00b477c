"""How CP-SAT is set up for the timetable: solver parameters and search phases' constants.

Determinism (docs/design.md, "Search and determinism"): a single search is deterministic by
construction; several workers search with ``interleave_search`` (their tasks are interleaved in
fixed batches, so the search does not depend on thread timing). Both stop on a *deterministic* time
budget (``max_deterministic_time``).
"""

from __future__ import annotations

from ortools.sat.python import cp_model

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


__all__ = ["DEFAULT_NUM_WORKERS", "IGNORED_SUBSOLVERS", "SINGLE_WORKER_S", "make_solver"]
