"""Bench: the desk's queue charts, hand-written SVG (desk/charts.py) against the report's matplotlib
figure (report.figures.queue_over_time saved as SVG), per gate, on a bundled school; and what the
simulate job adds to the simulation (the per-minute series and the service-level judgement).

    .venv/bin/python bench/bench_desk_charts.py [SCENARIO] [-n REPLICATIONS]

Prints milliseconds per gate for each way of drawing and seconds for the job's steps; figures are
recorded in bench/README.md ("Desk charts").
"""

from __future__ import annotations

import argparse
import io
import os
import time


def main() -> None:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import reopen_sim as rs
    from reopen_sim.desk.charts import queue_charts
    from reopen_sim.desk.pages_common import environment
    from reopen_sim.desk.series import certification, queue_series
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.report.figures import gate_limits_people, queue_over_time
    from reopen_sim.simulation.run import simulate

    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", nargs="?", default="scenarios/high-school.yaml")
    ap.add_argument("-n", type=int, default=30)
    args = ap.parse_args()
    sc = rs.load_scenario(args.scenario)
    plan = rs.optimize(sc, time_limit_s=10, seed=0)
    t0 = time.perf_counter()
    res = simulate(sc, plan, replications=args.n, seed=1)
    t1 = time.perf_counter()
    series = queue_series(sc, res.timeseries_raw())
    t2 = time.perf_counter()
    certification(sc, plan, res, "desk.test.cause")
    t3 = time.perf_counter()
    print(f"simulate {args.n} mornings   {t1 - t0:7.2f} s")
    print(f"  + queue series          {t2 - t1:7.2f} s")
    print(f"  + service-level judgement {t3 - t2:5.2f} s")

    cat = load_catalogue("en")
    names = {e.id: e.name or e.id for e in sc.entrances}
    macro = environment().from_string(
        '{% from "_queue_chart.html" import queue_chart %}{% for c in charts %}{{ queue_chart(c, t) }}{% endfor %}'
    )
    rounds = 20
    t = time.perf_counter()
    for _ in range(rounds):
        html = macro.render(charts=queue_charts({"plan": series}, names), t=cat)
    svg_ms = 1000 * (time.perf_counter() - t) / rounds / len(sc.entrances)
    ts = res.timeseries_raw().assign(plan="plan")
    limits = gate_limits_people(sc)
    queue_over_time(ts, sc.entrances[0].id, limits[sc.entrances[0].id], cat).savefig(
        io.StringIO(), format="svg"
    )
    t = time.perf_counter()  # matplotlib warmed up (fonts, imports): per gate as a page would pay it
    size = 0
    for e in sc.entrances:
        fig = queue_over_time(ts, e.id, limits[e.id], cat)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        size += len(buf.getvalue())
    mpl_ms = 1000 * (time.perf_counter() - t) / len(sc.entrances)
    print(
        f"inline SVG (desk/charts.py)    {svg_ms:8.2f} ms a gate, {len(html) // len(sc.entrances):7d} bytes"
    )
    print(f"matplotlib SVG (report figure) {mpl_ms:8.2f} ms a gate, {size // len(sc.entrances):7d} bytes")


if __name__ == "__main__":
    main()
