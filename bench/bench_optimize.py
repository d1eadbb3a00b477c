"""Optimizer benchmark: time to first plan, to within 1 % of the bound, to proven optimum, and the gap.

Runs :func:`reopen_sim.optimizer` on every bundled school (``scenarios/*.yaml``) and on generated
3,600-student, 72-class, 6-gate schools (``generate_school``): the issue's instance with 90 rooms, and
the same school with 130 rooms (enough for one room per class plus the overflow rooms its split
classes need). Prints one markdown row per school; record the table in bench/README.md.

    .venv/bin/python bench/bench_optimize.py [--time-limit 30] [--seeds 0,1,2] [--only NAME] [--free-rooms]
    .venv/bin/python bench/bench_optimize.py --busy [N] ...   # beside N CPU-bound processes
    .venv/bin/python bench/bench_optimize.py --big --only 000 --time-limit 60   # 6,000 and 10,000 students
    .venv/bin/python bench/bench_optimize.py --big --only 000 --time-limit 600 --det-limit 20  # load-free

Times are wall-clock seconds on this machine for the whole ``optimize`` call (model, greedy hint and
search; imports excluded), counted from its start; ``limit`` is ``time_limit_s`` (wall-clock seconds
for the whole call, docs/design.md), ``wall/limit`` their ratio (the promise: at most 1.1 × limit
+ 1 s), ``stopped by`` what ended the search (``meta["stopped_by"]``); ``det`` is CP-SAT's
deterministic time, ``phases`` the workers and deterministic seconds of each search phase. For a
school without a plan the row gives the time to prove it and the first reason. ``--busy`` starts N
(default: one per core) ``python -c "while True: pass"`` processes first and stops them at the end,
to measure the wall-clock limit on a busy machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reopen_sim.errors import InfeasibleError, InputError
from reopen_sim.generate import generate_school
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.solve import optimize
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def instances(big: bool = False) -> list[tuple[str, Any]]:
    schools = [p for p in sorted((ROOT / "scenarios").glob("*.yaml")) if not p.stem.startswith("district")]
    out: list[tuple[str, Any]] = [(p.stem, p) for p in schools]
    for rooms in (90, 130):
        raw = generate_school(
            0, n_students=3600, n_classes=72, n_gates=6, n_rooms=rooms, kind="high", boarding_share=0.3
        )
        out.append((f"generated-3600-{rooms}rooms", raw))
    if big:  # issue #15's large county high schools: boarders 30 %, a canteen
        for students in (6000, 10000):
            raw = generate_school(0, n_students=students, kind="high", boarding_share=0.3, canteen=True)
            out.append((f"generated-{students}", raw))
    return out


def first_time_within(meta: dict[str, Any], rel_gap: float) -> float | None:
    """First wall time at which the best plan so far was within ``rel_gap`` of the best bound so far."""
    events = sorted([(t, "s", v) for t, v in meta["solutions"]] + [(t, "b", v) for t, v in meta["bounds"]])
    best, bound = None, None
    for t, kind, v in events:
        if kind == "s":
            best = v if best is None else min(best, v)
        else:
            bound = v if bound is None else max(bound, v)
        if best is not None and bound is not None and (best - bound) <= rel_gap * max(1.0, abs(best)):
            return t
    return None


@contextmanager
def busy_machine(n: int) -> Iterator[None]:
    """``n`` CPU-bound processes running for the duration of the block."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def phase_label(p: dict[str, Any]) -> str:
    """One search phase as "1w 2.0", "bound 6.0 (62 solves)" or "relaxation plan 0.0"."""
    kind = p.get("kind")
    if kind == "decomposition bound":
        return f"bound {p['deterministic_time']:.1f} ({p['solves']} solves)"
    if kind:
        return f"{kind} {p['deterministic_time']:.1f}"
    return f"{p['workers']}w {p['deterministic_time']:.1f}"


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seeds", default="0", help="solver seeds, comma-separated: one row per seed")
    ap.add_argument("--only", default=None, help="run only instances whose name contains this")
    ap.add_argument(
        "--free-rooms", action="store_true", help="policy.keep_home_rooms: false (classes may change rooms)"
    )
    ap.add_argument(
        "--lns",
        default="auto",
        help="comma-separated variants run side by side per school: auto (by size), on, off",
    )
    ap.add_argument(
        "--det-limit",
        type=float,
        default=None,
        help="deterministic budget (s) instead of a third of --time-limit: with a long --time-limit, "
        "the figures do not depend on the machine's load",
    )
    ap.add_argument("--big", action="store_true", help="add generated 6,000 and 10,000-student high schools")
    ap.add_argument(
        "--busy",
        nargs="?",
        type=int,
        const=os.cpu_count() or 1,
        default=0,
        help="run beside N CPU-bound processes (default: one per core)",
    )
    args = ap.parse_args()
    if args.busy:
        print(f"Beside {args.busy} CPU-bound process(es); load average before: {os.getloadavg()[0]:.1f}")
        with busy_machine(args.busy):
            return run(args)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """One markdown row per school and seed, then one line per row: the gap at the end, when it was
    first within 1 %, and the load average then."""
    print(f"load average at start: {os.getloadavg()[0]:.1f}\n")
    print(
        "| school | lns | seed | classes | students | status | first plan s | within 1% s | optimal s | wall s | limit s | wall/limit | stopped by | det | phases | objective | bound | gap | check |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    seeds = [int(x) for x in args.seeds.split(",")]
    summary: list[str] = []
    for name, src in instances(args.big):
        if args.only and args.only not in name:
            continue
        try:
            sc: Scenario = load_scenario(src) if isinstance(src, Path) else scenario_from_dict(src, file=name)
        except InputError as exc:
            print(f"| {name} | — | — | invalid: {exc.issues[0]} | | | | | | | | | |")
            continue
        if args.free_rooms:
            sc = sc.model_copy(update={"policy": sc.policy.model_copy(update={"keep_home_rooms": False})})
        for seed, variant in [(s, v) for s in seeds for v in args.lns.split(",")]:
            # "auto" passes no lns argument, so the script also runs against code without it.
            extra: dict[str, Any] = {} if variant == "auto" else {"lns": variant == "on"}
            if args.det_limit is not None:
                extra["deterministic_limit_s"] = args.det_limit
            t0 = time.perf_counter()
            try:
                plan = optimize(sc, time_limit_s=args.time_limit, seed=seed, **extra)
            except InfeasibleError as exc:
                wall = time.perf_counter() - t0
                reason = exc.reasons[0].replace("|", "/")
                print(
                    f"| {name} | {variant} | {seed} | {len(sc.classes)} | {sc.n_students} | {exc.status} | | | | {wall:.2f} | "
                    f"{args.time_limit:g} | {wall / args.time_limit:.2f} | | | | | | | {reason} |"
                )
                continue
            m = plan.meta
            within = first_time_within(dict(m), 0.01)
            optimal = m["wall_time_s"] if m["status"] == "OPTIMAL" else None
            ok = "pass" if not check_plan(sc, plan) else "FAIL"
            phases = " + ".join(phase_label(p) for p in m["phases"])
            if m.get("lns"):
                lns_det = sum(step["deterministic_time"] for step in m["lns"])
                phases = f"lns {len(m['lns'])} steps {lns_det:.1f} + {phases}"
            print(
                f"| {name} | {variant} | {seed} | {len(sc.classes)} | {sc.n_students} | {m['status']} | "
                f"{fmt(m['first_solution_s'])} | {fmt(within)} | {fmt(optimal)} | {m['wall_time_s']:.2f} | "
                f"{args.time_limit:g} | {m['wall_time_s'] / args.time_limit:.2f} | {m['stopped_by']} | "
                f"{m['deterministic_time']:.1f} | {phases} | "
                f"{m['objective']:.0f} | {m['best_bound']:.0f} | {m['gap']:.2%} | {ok} |",
                flush=True,
            )
            summary.append(
                f"{name} (lns {variant}, seed {seed}): gap {m['gap']:.2%} after {m['wall_time_s']:.1f} s wall "
                f"(limit {args.time_limit:g} s, {m['deterministic_time']:.1f} deterministic s, stopped by "
                f"{m['stopped_by']}); within 1 % at {fmt(within)} s; load average {os.getloadavg()[0]:.1f}"
            )
    print()
    for line in summary:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
