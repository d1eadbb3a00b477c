"""Bench: contacts, summaries, graph and tracing on a bundled school, seconds each.

    .venv/bin/python bench/bench_exposure.py [SCENARIO | generated:N_STUDENTS] [-n REPLICATIONS] [--student ID]

Prints one row per step plus the sizes involved; figures are recorded in bench/README.md
("Exposure"). The plan comes from ``optimize`` (30 s limit, seed 0, not timed here).
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    import scipy.stats  # noqa: F401  (imported up front so its ~1 s import is not timed in summary())

    import reopen_sim as rs
    from reopen_sim.exposure.contacts import contacts

    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="scenarios/high-school.yaml")
    ap.add_argument("-n", type=int, default=10)
    ap.add_argument("--student", default=None)
    args = ap.parse_args()
    if args.scenario.startswith("generated:"):
        # a synthetic school from generate_school: generated:N_STUDENTS
        from reopen_sim.generate import generate_school
        from reopen_sim.scenario.load import scenario_from_dict

        n = int(args.scenario.split(":", 1)[1])
        sc = scenario_from_dict(
            generate_school(0, n_students=n, kind="high", boarding_share=0.3, canteen=True)
        )
    else:
        sc = rs.load_scenario(args.scenario)
    plan = rs.optimize(sc, time_limit_s=60, seed=0)
    t0 = time.perf_counter()
    res = rs.simulate(sc, plan, replications=args.n, seed=1)
    rows = [("simulate (for reference)", time.perf_counter() - t0)]
    t0 = time.perf_counter()
    c = contacts(sc, res)
    rows.append(("contacts()", time.perf_counter() - t0))
    t0 = time.perf_counter()
    summary = c.summary()
    rows.append(("summary()", time.perf_counter() - t0))
    student = args.student or str(c.roster["student_id"].iloc[0])
    t0 = time.perf_counter()
    g = c.graph()
    nxg = g.graph
    rows.append(("networkx MultiGraph build, all replications", time.perf_counter() - t0))
    t0 = time.perf_counter()
    table = g.close_contacts(student)
    rows.append(("close_contacts(student), all replications", time.perf_counter() - t0))
    t0 = time.perf_counter()
    one = c.graph(0).people_graph()
    rows.append(("people_graph() of one replication (cliques expanded)", time.perf_counter() - t0))
    print(f"{sc.school.name}: {sc.n_students} students, {len(sc.classes)} classes, {args.n} replications")
    print(
        f"explicit pair rows: {len(c.pairs):,}; graph: {nxg.number_of_nodes():,} nodes, "
        f"{nxg.number_of_edges():,} edges; people graph (1 replication): {one.number_of_edges():,} edges"
    )
    print(f"{student}: {table['contact_id'].nunique()} contacts listed; summary rows: {len(summary)}")
    print(f"{'step':<55} {'seconds':>8}")
    for name, sec in rows:
        print(f"{name:<55} {sec:8.2f}")


if __name__ == "__main__":
    main()
