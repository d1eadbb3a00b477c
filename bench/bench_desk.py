"""The planning desk end to end: a real ``reopen-sim serve``, an HTTP client and a real browser.

    MPLBACKEND=Agg .venv/bin/python bench/bench_desk.py              # from the project folder
    MPLBACKEND=Agg .venv/bin/python bench/bench_desk.py --edits 50 --runs 30 --databases sqlite
    MPLBACKEND=Agg .venv/bin/python bench/bench_desk.py --pg-url postgresql+psycopg://me:pw@host/postgres

For each database (``--databases``: SQLite in a temp folder, and PostgreSQL in a throwaway cluster the
script starts from the server binaries like the tests do, tests/pg_support.py, or on the server of
``--pg-url``, in a new database dropped after), starts the server, stores the bundled high school
(3,600 students), plans it, then measures:

1. over HTTP (httpx), request sent to last byte: an edit checked (``PATCH /api/plans/{id}/classes/{c}``,
   a class moved to another window and back, each a new version with ``check_plan``'s violations),
   reading the plan, its analysis, the schools list;
2. the plan job (optimizer budget ``--time-limit``) and the simulate job (``--replications`` mornings,
   with their contacts: what ``simulate`` then ``contacts(...).summary()`` give), submit to done,
   ``--sim-runs`` times;
3. in Debian's chromium driven by Playwright (``--runs`` each, a Chinese-language browser): every page
   from the browser's request (Navigation Timing: navigation start to ``DOMContentLoaded`` end and to
   ``load`` end), and an edit on the board from the drop of a dragged card, or the form's submit, to
   the new board in the page (htmx swap, then the next frame painted).

Figures are wall-clock on a shared machine: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
Times = list[float]  # seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_job(c: httpx.Client, job: str) -> dict[str, Any]:
    while True:
        got: dict[str, Any] = c.get(f"/api/jobs/{job}").json()
        if got["status"] in ("done", "failed", "cancelled"):
            return got
        time.sleep(0.05)


def timed(fn: Callable[[], httpx.Response], n: int) -> Times:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = fn()
        out.append(time.perf_counter() - t0)
        r.raise_for_status()
    return out


def percentile(ms: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile of sorted ``ms``."""
    return ms[min(len(ms) - 1, round(q * (len(ms) - 1)))]


def row(name: str, times: Times) -> str:
    ms = sorted(t * 1000 for t in times)
    return (
        f"| {name} | {len(ms)} | {ms[0]:.0f} | {statistics.median(ms):.0f} | {percentile(ms, 0.95):.0f} "
        f"| {ms[-1]:.0f} |"
    )


# ---------------------------------------------------------------- databases and the server


@contextmanager
def database(kind: str, pg_url: str | None) -> Iterator[str | None]:
    """The ``--db-url`` for ``kind``: None (SQLite in the data folder), or a new PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    sys.path.insert(0, str(ROOT / "tests"))
    import pg_support

    cluster = None
    if pg_url is None:
        bin_dir = pg_support.server_binaries()
        if bin_dir is None:
            raise SystemExit(f"no PostgreSQL: {pg_support.HOW_TO_RUN}")
        cluster = pg_support.PgCluster(bin_dir).start()
        pg_url = cluster.admin_url
    url = pg_support.create_database(pg_url)
    try:
        yield url
    finally:
        pg_support.drop_database(pg_url, url)
        if cluster is not None:
            cluster.stop()


@contextmanager
def desk_server(db_url: str | None, job_processes: int | None = None) -> Iterator[str]:
    """``reopen-sim serve`` on a free port with a fresh data folder; yields its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-desk-") as data:
        cmd = [sys.executable, "-m", "reopen_sim.cli", "serve", "--no-browser", "--port", str(port)]
        cmd += ["--data", data] + (["--db-url", db_url] if db_url else [])
        cmd += ["--job-processes", str(job_processes)] if job_processes else []
        server = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=30)


# ---------------------------------------------------------------- over HTTP


def minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def hhmm(total_min: int) -> str:
    return f"{total_min // 60:02d}:{total_min % 60:02d}"


def http_calls(c: httpx.Client, plan: int) -> dict[str, Callable[[], httpx.Response]]:
    """Edits and reads over HTTP. The class moved is the middle one, to another window and back."""
    now = c.get(f"/api/plans/{plan}").json()
    rows = now["classes"]
    windows = sorted({r["arrival_start"] for r in rows})
    cls = rows[len(rows) // 2]
    moves = [next(w for w in windows if w != cls["arrival_start"]), cls["arrival_start"]]
    length_min = minutes(cls["arrival_end"]) - minutes(cls["arrival_start"])
    state = {"version": now["version"], "i": 0}

    def edit() -> httpx.Response:
        start = moves[state["i"] % 2]
        r = c.patch(
            f"/api/plans/{plan}/classes/{cls['class_id']}",
            json={"arrival_start": start, "arrival_end": hhmm(minutes(start) + length_min)},
            headers={"If-Match": str(state["version"])},
        )
        state["version"] += 1
        state["i"] += 1
        return r

    def board_edit() -> httpx.Response:  # what the board's form sends: the page answers with the new board
        form = {"class_id": cls["class_id"], "arrival_start": moves[state["i"] % 2]}
        form |= {"version": str(state["version"]), "window_min": str(length_min)}
        r = c.post(f"/plans/{plan}/edit", data=form, headers={"HX-Request": "true"})
        assert f'data-version="{state["version"] + 1}"' in r.text, r.text[:500]
        state["version"] += 1
        state["i"] += 1
        return r

    return {
        EDIT: edit,
        "POST /plans/{id}/edit (the board's edit: PATCH + the board's HTML)": board_edit,
        "GET /api/plans/{id} (rows + check_plan)": lambda: c.get(f"/api/plans/{plan}"),
        "GET /api/plans/{id}/analysis": lambda: c.get(f"/api/plans/{plan}/analysis"),
        "GET /api/schools": lambda: c.get("/api/schools"),
    }


EDIT = "PATCH class (edit + check_plan, new version)"


def interleaved(desks: list[Desk], args: argparse.Namespace) -> None:
    """The HTTP figures of every desk, request by request in turn (so a load change hits them alike)."""
    calls = {d.kind: http_calls(d.client, d.plan) for d in desks}
    for name in calls[desks[0].kind]:
        got: dict[str, Times] = {d.kind: [] for d in desks}
        for _ in range(args.edits if "edit" in name else args.reads):
            for d in desks:
                got[d.kind] += timed(calls[d.kind][name], 1)
        for d in desks:
            d.rows.append(row(name, got[d.kind]))
            d.medians[name] = statistics.median(got[d.kind])


# ---------------------------------------------------------------- in the browser

# Navigation Timing level 2: every time is from the navigation's start (the browser's request).
NAV_TIMES = """() => {
  const e = performance.getEntriesByType("navigation")[0];
  return e && e.loadEventEnd > 0 ? [e.responseEnd, e.domContentLoadedEventEnd, e.loadEventEnd] : null;
}"""

# An edit on the board: t0 at the drop (a dragged card) or the form's submit, captured before the
# page's own handlers; ``swap`` when a board of another version is in the page (MutationObserver);
# ``painted`` at the next animation frame after it.
EDIT_PROBE = """() => {
  const probe = window.__bench = {t0: null, swap: null, painted: null, version: null};
  const start = () => {
    if (probe.t0 !== null) return;
    probe.t0 = performance.now();
    probe.version = document.getElementById("board").dataset.version;
  };
  document.addEventListener("drop", start, true);
  document.addEventListener("submit", start, true);
  new MutationObserver(() => {
    const board = document.getElementById("board");
    if (probe.t0 === null || probe.swap !== null || !board || board.dataset.version === probe.version) return;
    probe.swap = performance.now();
    requestAnimationFrame(() => { probe.painted = performance.now(); });
  }).observe(document.body, {childList: true, subtree: true});
  probe.arm = () => { probe.t0 = probe.swap = probe.painted = probe.version = null; };
}"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def page_times(page: Any, url: str, runs: int) -> tuple[Times, Times, Times]:
    """``runs`` navigations to ``url``: (response end, DOMContentLoaded end, load end), in seconds."""
    got: tuple[Times, Times, Times] = ([], [], [])
    for _ in range(runs):
        page.goto(url, wait_until="load")
        times = page.wait_for_function(NAV_TIMES).json_value()
        for series, ms in zip(got, times, strict=True):
            series.append(ms / 1000)
    return got


def board_edits(page: Any, plan_url: str, runs: int, how: str) -> tuple[Times, Times]:
    """``runs`` edits on the board by ``how`` (``drag`` or ``form``): the middle class moved to the
    next window at its gate and back. Returns (to the swap, to the next frame) in seconds."""
    page.goto(plan_url, wait_until="load")
    page.evaluate(EDIT_PROBE)
    cards = page.locator("#board td.cell .card[data-class]")
    class_id = cards.nth(cards.count() // 2).get_attribute("data-class")
    swaps: Times = []
    painted: Times = []
    for _ in range(runs):
        card = page.locator(f"#board td.cell .card[data-class='{class_id}']")
        cell = card.locator("xpath=ancestor::td[contains(@class, 'cell')]")
        gate, window = cell.get_attribute("data-gate"), cell.get_attribute("data-window")
        starts = [
            w
            for w in page.locator("#edit-form select[name=arrival_start] option").evaluate_all(
                "options => options.map(o => o.value)"
            )
            if w
        ]
        target = starts[(starts.index(window) + 1) % len(starts)]
        page.evaluate("window.__bench.arm()")
        if how == "drag":
            card.drag_to(page.locator(f"#board td.cell[data-gate='{gate}'][data-window='{target}']"))
        else:
            page.select_option("#edit-class", class_id)
            page.select_option("#edit-form select[name=arrival_start]", target)
            page.locator("#edit-form button[type=submit]").click()
        page.wait_for_function("window.__bench.painted !== null")
        t0, swap, paint = page.evaluate("[__bench.t0, __bench.swap, __bench.painted]")
        swaps.append((swap - t0) / 1000)
        painted.append((paint - t0) / 1000)
    return swaps, painted


def browser_figures(base: str, pages: dict[str, str], plan_url: str | None, runs: int) -> list[str]:
    """Table rows measured in chromium: each page, then (``plan_url``) edits on its board by drag and
    by form."""
    exe = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        exe = None
    if exe is None:
        return ["(browser figures skipped: apt-get install chromium; playwright is in the dev extras)"]
    out = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(locale="zh-CN").new_page()
        for name, path in pages.items():
            _, dcl, load = page_times(page, base + path, runs)
            out.append(row(f"page {name}: DOMContentLoaded", dcl))
            out.append(row(f"page {name}: load", load))
        for how in ("drag", "form") if plan_url else ():
            swap, paint = board_edits(page, f"{base}{plan_url}", runs, how)
            out.append(row(f"board edit by {how}: new board swapped in", swap))
            out.append(row(f"board edit by {how}: next frame painted", paint))
        browser.close()
    return out


# ---------------------------------------------------------------- one database


@dataclass
class Desk:
    """A desk server under test: its database kind, client, the high school and its plan, figures."""

    kind: str
    base: str
    client: httpx.Client
    school: int = 0
    plan: int = 0
    rows: list[str] = field(default_factory=list)
    medians: dict[str, float] = field(default_factory=dict)


def plan_high_school(d: Desk, args: argparse.Namespace) -> None:
    school = d.client.post("/api/examples/high-school").json()
    print(f"{d.kind}: school {school}")
    t0 = time.perf_counter()
    body = {"time_limit_s": args.time_limit}
    job = wait_job(d.client, d.client.post(f"/api/schools/{school['id']}/plans", json=body).json()["job"])
    plan_s = time.perf_counter() - t0
    d.rows.append(row(f"plan job ({args.time_limit:g} s budget), submit to done: {job['status']}", [plan_s]))
    d.school, d.plan = school["id"], job["result"]["plan"]


def in_browser(d: Desk, args: argparse.Namespace) -> None:
    """The pages and board edits in chromium; then simulate, and the page with the test results."""
    pages = {
        "schools list (/)": "/",
        "school (/schools/{id})": f"/schools/{d.school}",
        "plan board (/plans/{id})": f"/plans/{d.plan}",
        "why (/plans/{id}/why)": f"/plans/{d.plan}/why",
    }
    if args.runs:
        d.rows += browser_figures(d.base, pages, f"/plans/{d.plan}", args.runs)
    sim_s: Times = []
    body = {"replications": args.replications, "seed": 1}
    for _ in range(max(1, args.sim_runs)):
        t0 = time.perf_counter()
        sim = wait_job(d.client, d.client.post(f"/api/plans/{d.plan}/simulate", json=body).json()["job"])
        sim_s.append(time.perf_counter() - t0)
    with_contacts = "contacts" in (sim.get("result") or {})
    d.rows.append(
        row(
            f"simulate job ({args.replications} mornings, contacts in the result: {with_contacts}), "
            f"submit to done: {sim['status']}",
            sim_s,
        )
    )
    # The test results (queues per gate, waits, late students) show on the plan page once simulated.
    tested = {f"test results ({args.replications} mornings, /plans/{{id}})": f"/plans/{d.plan}"}
    if d.client.get(f"/plans/{d.plan}/test").status_code == 200:
        tested["test (/plans/{id}/test)"] = f"/plans/{d.plan}/test"
    if args.runs:
        d.rows += browser_figures(d.base, tested, None, args.runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=30, help="edits over HTTP")
    ap.add_argument("--reads", type=int, default=10, help="reads over HTTP")
    ap.add_argument("--runs", type=int, default=20, help="browser runs per page and per edit kind; 0: none")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--replications", type=int, default=30)
    ap.add_argument("--sim-runs", type=int, default=3, help="simulate jobs timed, one after another")
    ap.add_argument("--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    ap.add_argument("--pg-url", default=None, help="an existing PostgreSQL server (default: a throwaway one)")
    ap.add_argument(
        "--job-processes", type=int, default=None, help="serve --job-processes (default: the server's, 2)"
    )
    args = ap.parse_args()
    with ExitStack() as stack:
        desks = []
        for kind in args.databases.split(","):
            db_url = stack.enter_context(database(kind, args.pg_url))
            base = stack.enter_context(desk_server(db_url, args.job_processes))
            desks.append(Desk(kind, base, stack.enter_context(httpx.Client(base_url=base, timeout=600))))
        print(f"load average at start: {os.getloadavg()}")
        for d in desks:
            plan_high_school(d, args)
        interleaved(desks, args)
        for d in desks:
            in_browser(d, args)
        print(f"load average at end: {os.getloadavg()}")
    for d in desks:
        print(f"\n{d.kind}\n\n| measure | n | min ms | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|---|")
        print("\n".join(d.rows))
    by_kind = {d.kind: d.medians[EDIT] for d in desks}
    if {"sqlite", "postgresql"} <= by_kind.keys():
        print(
            f"\nedit over HTTP, median PostgreSQL / SQLite: {by_kind['postgresql'] / by_kind['sqlite']:.2f}"
        )


if __name__ == "__main__":
    main()
