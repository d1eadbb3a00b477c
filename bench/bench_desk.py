"""The planning desk end to end over HTTP: a real ``reopen-sim serve`` and an HTTP client.

    MPLBACKEND=Agg .venv/bin/python bench/bench_desk.py              # from the project folder
    MPLBACKEND=Agg .venv/bin/python bench/bench_desk.py --edits 50 --time-limit 10

Starts the server on a free port with a fresh data folder, stores the bundled high school
(3,600 students, 90 classes), plans it, then measures, from the client's request to the last byte
of the answer:

1. an edit checked: ``PATCH /api/plans/{id}/classes/{class}`` (a class moved to another window,
   alternating), which saves a new version and returns it with ``check_plan``'s violations;
2. reading the plan (``GET /api/plans/{id}``), its analysis, the schools list, the start page;
3. the plan job (optimizer budget ``--time-limit``) and the simulate job (``--replications``
   mornings, with their contacts: what ``simulate`` then ``contacts(...).summary()`` give), submit
   to done as the client sees it (polling every 50 ms), ``--sim-runs`` times.

Figures are wall-clock on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_job(c: httpx.Client, job: str, poll_s: float = 0.05) -> dict[str, Any]:
    while True:
        got: dict[str, Any] = c.get(f"/api/jobs/{job}").json()
        if got["status"] in ("done", "failed", "cancelled"):
            return got
        time.sleep(poll_s)


def timed(fn: Callable[[], httpx.Response], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = fn()
        out.append(time.perf_counter() - t0)
        r.raise_for_status()
    return out


def row(name: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return f"| {name} | {len(ms)} | {ms[0]:.0f} | {statistics.median(ms):.0f} | {p95:.0f} | {ms[-1]:.0f} |"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--reads", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--sim-runs", type=int, default=3)
    args = ap.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as data:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reopen_sim.cli",
                "serve",
                "--no-browser",
                "--port",
                str(port),
                "--data",
                data,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            run(f"http://127.0.0.1:{port}", args)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(base: str, args: argparse.Namespace) -> None:
    with httpx.Client(base_url=base, timeout=600) as c:
        for _ in range(300):
            try:
                if c.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        print(f"load average at start: {os.getloadavg()}")
        school = c.post("/api/examples/high-school").json()
        print(f"school: {school}")
        t0 = time.perf_counter()
        job = wait_job(
            c,
            c.post(f"/api/schools/{school['id']}/plans", json={"time_limit_s": args.time_limit}).json()[
                "job"
            ],
        )
        plan_s = time.perf_counter() - t0
        plan = job["result"]["plan"]
        rows = c.get(f"/api/plans/{plan}").json()["classes"]
        windows = sorted({r["arrival_start"] for r in rows})
        cls = rows[len(rows) // 2]
        other = next(w for w in windows if w != cls["arrival_start"])
        moves = [other, cls["arrival_start"]]
        state = {"version": c.get(f"/api/plans/{plan}").json()["version"], "i": 0}

        def minutes(hhmm: str) -> int:
            return int(hhmm[:2]) * 60 + int(hhmm[3:])

        length_min = minutes(cls["arrival_end"]) - minutes(cls["arrival_start"])

        def edit() -> httpx.Response:
            start = moves[state["i"] % 2]
            end_min = minutes(start) + length_min
            r = c.patch(
                f"/api/plans/{plan}/classes/{cls['class_id']}",
                json={"arrival_start": start, "arrival_end": f"{end_min // 60:02d}:{end_min % 60:02d}"},
                headers={"If-Match": str(state["version"])},
            )
            state["version"] += 1
            state["i"] += 1
            return r

        edits = timed(edit, args.edits)
        reads = timed(lambda: c.get(f"/api/plans/{plan}"), args.reads)
        why = timed(lambda: c.get(f"/api/plans/{plan}/analysis"), args.reads)
        schools = timed(lambda: c.get("/api/schools"), args.reads)
        page = timed(lambda: c.get("/"), args.reads) if c.get("/").status_code == 200 else []
        sim_s = []
        for _ in range(args.sim_runs):
            t0 = time.perf_counter()
            body = {"replications": args.replications, "seed": 1}
            sim = wait_job(c, c.post(f"/api/plans/{plan}/simulate", json=body).json()["job"], poll_s=0.05)
            sim_s.append(time.perf_counter() - t0)
            with_contacts = "contacts" in (sim.get("result") or {})
        print(f"load average at end: {os.getloadavg()}")
        print("| request | n | min ms | median ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
        print(row("PATCH class (edit + check_plan, new version)", edits))
        print(row("GET /api/plans/{id} (rows + check_plan)", reads))
        print(row("GET /api/plans/{id}/analysis", why))
        print(row("GET /api/schools", schools))
        if page:
            print(row("GET / (start page)", page))
        print(
            f"plan job ({args.time_limit:g} s budget): {plan_s:.1f} s submit to done, status {job['status']}"
        )
        print(
            f"simulate job ({args.replications} mornings, contacts in the result: {with_contacts}), submit to done: "
            f"{', '.join(f'{s:.2f}' for s in sim_s)} s (best {min(sim_s):.2f}, median "
            f"{statistics.median(sim_s):.2f}), status {sim['status']}"
        )


if __name__ == "__main__":
    main()
