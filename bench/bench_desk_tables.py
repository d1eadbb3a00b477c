"""The school's editable tables end to end over HTTP: a real ``reopen-sim serve`` and an HTTP client.

    MPLBACKEND=Agg .venv/bin/python bench/bench_desk_tables.py          # from the project folder
    MPLBACKEND=Agg .venv/bin/python bench/bench_desk_tables.py --edits 30

Starts the server on a free port with a fresh data folder, stores the bundled high school (the
largest tables: ~2,000 cells), then measures, from the client's request to the last byte:

1. the school page and its tables fragment (``GET /schools/{id}/tables``, every cell rendered);
2. a cell edited as the page sends it (``POST /schools/{id}/tables/classes/cell``: read the cell,
   ``PATCH /api/schools/{id}`` in-process, a new school version, the edited table rendered again);
3. the same change sent to the API directly (``PATCH /api/schools/{id}`` with the classes table).

Figures are wall-clock on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import httpx
from bench_desk import ROOT, free_port, row, timed


def run(base: str, edits: int, reads: int) -> None:
    with httpx.Client(base_url=base, timeout=600) as c:
        for _ in range(300):
            try:
                if c.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        print(f"load average at start: {os.getloadavg()}")
        school = c.post("/api/examples/high-school").json()
        sid = school["id"]
        print(f"school: {school}")
        state = {
            "version": 1,
            "students": c.get(f"/api/schools/{sid}").json()["scenario"]["classes"][0]["students"],
        }
        origin = {"Origin": base}

        def page_edit() -> httpx.Response:
            state["students"] += 1 if state["version"] % 2 else -1
            r = c.post(
                f"/schools/{sid}/tables/classes/cell",
                data={
                    "key": "students",
                    "row": "0",
                    "value": str(state["students"]),
                    "version": str(state["version"]),
                },
                headers=origin,
            )
            assert "school-version" in r.text and f'value="{state["version"] + 1}"' in r.text, r.text[:300]
            state["version"] += 1
            return r

        def api_edit() -> httpx.Response:
            classes = c.get(f"/api/schools/{sid}").json()["scenario"]["classes"]
            classes[0]["students"] += 1 if state["version"] % 2 else -1
            t0 = time.perf_counter()
            r = c.patch(
                f"/api/schools/{sid}", json={"classes": classes}, headers={"If-Match": str(state["version"])}
            )
            api_times.append(time.perf_counter() - t0)
            state["version"] += 1
            return r

        school_page = timed(lambda: c.get(f"/schools/{sid}"), reads)
        tables = timed(lambda: c.get(f"/schools/{sid}/tables"), reads)
        size_kb = len(c.get(f"/schools/{sid}/tables").content) / 1024
        page_edits = timed(page_edit, edits)
        api_times: list[float] = []
        timed(api_edit, edits)
        print(f"load average at end: {os.getloadavg()}")
        print("| request | n | min ms | median ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
        print(row("GET /schools/{id} (school page)", school_page))
        print(row(f"GET /schools/{{id}}/tables ({size_kb:.0f} KB)", tables))
        print(row("POST a cell from the page (PATCH + the edited table)", page_edits))
        print(row("PATCH /api/schools/{id} (classes table, new version)", api_times))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--reads", type=int, default=10)
    args = ap.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-desk-tables-") as data:
        cmd = [
            sys.executable,
            "-m",
            "reopen_sim.cli",
            "serve",
            "--no-browser",
            "--port",
            str(port),
            "--data",
            data,
        ]
        server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            run(f"http://127.0.0.1:{port}", args.edits, args.reads)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
