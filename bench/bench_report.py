"""Bench: the main job's steps on a bundled school (optimize, compare, write report), seconds each.

    .venv/bin/python bench/bench_report.py [SCENARIO] [-n REPLICATIONS] [-j PROCESSES]

Prints one row per step; figures are recorded in bench/README.md ("Report / main job").
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import reopen_sim as rs
    from reopen_sim.experiment import compare
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.report.write import write_report

    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="scenarios/junior-middle.yaml")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("-j", type=int, default=1)
    args = ap.parse_args()
    rows: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    sc = rs.load_scenario(args.scenario)
    rows.append(("load", time.perf_counter() - t0))
    t0 = time.perf_counter()
    plan = optimize(sc, time_limit_s=20, seed=0, num_workers=max(1, args.j))
    rows.append((f"optimize ({plan.meta.get('status')})", time.perf_counter() - t0))
    t0 = time.perf_counter()
    cmp = compare(
        sc,
        {"baseline": rs.baseline_plan(sc), "optimized": plan},
        replications=args.n,
        seed=1,
        processes=args.j,
    )
    rows.append((f"compare 2 plans x {args.n} replications, {args.j} process(es)", time.perf_counter() - t0))
    for lang in ("en", "zh"):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            write_report(sc, cmp, Path(d) / "out", lang=lang)
            rows.append((f"write_report --lang {lang}", time.perf_counter() - t0))
    print(f"{sc.school.name}: {sc.n_students} students, {len(sc.classes)} classes")
    print(f"{'step':<58} {'seconds':>8}")
    for name, s in rows:
        print(f"{name:<58} {s:8.2f}")


if __name__ == "__main__":
    main()
