"""Bench: simulated mornings with contacts, as the desk's simulate job runs them; summaries, graph, tracing.

    .venv/bin/python bench/bench_exposure.py [SCENARIO | generated:N_STUDENTS] [-n REPLICATIONS]
        [--repeat K] [--reference] [--student ID]

Prints one row per step (best and median of ``--repeat`` runs, wall seconds, and the CPU seconds of
the best run) plus the sizes involved; figures are recorded in bench/README.md ("Exposure"). The
plan comes from ``optimize`` (60 s limit, seed 0, not timed). ``simulate + contacts`` is what the
desk's simulate job computes (``simulate`` then ``contacts(...).summary()``), without the job's
process and HTTP around it (``bench_desk.py`` measures those). ``--reference`` also times the
contact code as it was before it was vectorised (kept in tests/exposure_reference.py) on the same
mornings, checks that both give the same frames, and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, list[float], float]:
    """(last result, wall seconds of each run, CPU seconds of the fastest run)."""
    walls: list[float] = []
    cpus: list[float] = []
    out = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return out, walls, cpus[walls.index(min(walls))]


def load_school(name: str) -> Any:
    import reopen_sim as rs

    if name.startswith("generated:"):
        # a synthetic school from generate_school: generated:N_STUDENTS
        from reopen_sim.generate import generate_school
        from reopen_sim.scenario.load import scenario_from_dict

        n = int(name.split(":", 1)[1])
        return scenario_from_dict(
            generate_school(0, n_students=n, kind="high", boarding_share=0.3, canteen=True)
        )
    return rs.load_scenario(name)


def main() -> None:
    import scipy.stats  # noqa: F401  (imported up front so its ~1 s import is not timed in summary())

    import reopen_sim as rs
    from reopen_sim.exposure.contacts import contacts

    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="scenarios/high-school.yaml")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--student", default=None)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    sc = load_school(args.scenario)
    plan = rs.optimize(sc, time_limit_s=60, seed=0)
    rs.simulate(sc, plan, replications=1, seed=1)  # warm-up: imports, first calls
    rows: list[tuple[str, list[float], float]] = []

    def step(name: str, fn: Callable[[], Any], repeat: int = args.repeat) -> Any:
        out, walls, cpu = timed(fn, repeat)
        rows.append((name, walls, cpu))
        return out

    res = step("simulate", lambda: rs.simulate(sc, plan, replications=args.n, seed=1))
    c = step("contacts()", lambda: contacts(sc, res))
    step("summary()", c.summary)
    step(
        "simulate + contacts + summary (the desk job's work)",
        lambda: contacts(sc, rs.simulate(sc, plan, replications=args.n, seed=1)).summary(),
    )
    if args.reference:
        sys.path.insert(0, str(ROOT / "tests"))
        from exposure_reference import reference_contacts
        from test_exposure_reference import assert_same

        old = step("contacts() before vectorising (reference)", lambda: reference_contacts(sc, res), 1)
        assert_same(c, old)
    student = args.student or str(c.roster["student_id"].iloc[0])
    g = c.graph()
    step("networkx MultiGraph build, all replications", lambda: g.graph, 1)
    table = step("close_contacts(student), all replications", lambda: g.close_contacts(student), 1)
    one = step("people_graph() of one replication (cliques expanded)", lambda: c.graph(0).people_graph(), 1)
    nxg = g.graph
    print(f"{sc.school.name}: {sc.n_students} students, {len(sc.classes)} classes, {args.n} replications")
    print(
        f"explicit pair rows: {len(c.pairs):,}; graph: {nxg.number_of_nodes():,} nodes, "
        f"{nxg.number_of_edges():,} edges; people graph (1 replication): {one.number_of_edges():,} edges"
    )
    print(f"{student}: {table['contact_id'].nunique()} contacts listed; summary rows: {len(c.summary())}")
    print("| step | runs | best s | median s | CPU s (best run) |\n|---|---:|---:|---:|---:|")
    for name, walls, cpu in rows:
        print(f"| {name} | {len(walls)} | {min(walls):.3f} | {statistics.median(walls):.3f} | {cpu:.3f} |")
    if args.reference:
        new_s = min(rows[1][1])
        old_s = min(next(r for r in rows if r[0].startswith("contacts() before"))[1])
        print(f"contacts: reference ÷ now = {old_s / new_s:.1f} (same frames: checked)")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
