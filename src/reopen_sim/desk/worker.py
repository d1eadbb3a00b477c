"""What runs inside a job's own process: plan or simulate one school, reporting progress on a pipe.

Messages sent: ``("progress", fraction)``, then ``("done", result)`` or ``("failed", error)``;
``error`` is ``{"message": English text, "languages": {lang: {"message", "reasons"}}}`` for errors
the user can act on (no plan fits, bad input), ``{"message", "trace"}`` for others. The process never touches the
database; the server records what it sends.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")

# The end of each sentence saying why a simulated plan breaks the service level (a catalogue key).
CAUSE = "desk.test.cause"


def _ticker(conn: Connection, budget_s: float, stop: threading.Event) -> None:
    """Progress of a search by elapsed time over its wall-clock budget (CP-SAT reports no fraction),
    at most 0.95: ``optimize``'s ``time_limit_s`` bounds the whole call."""
    t0 = time.monotonic()
    while not stop.wait(0.5):
        conn.send(("progress", min(0.95, 0.05 + 0.9 * (time.monotonic() - t0) / max(budget_s, 0.1))))


def _plan(scenario: Any, params: dict[str, Any], conn: Connection) -> dict[str, Any]:
    from reopen_sim.desk.service import jsonable
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import plan_from_rows

    previous = plan_from_rows(params["previous_rows"]) if params.get("previous_rows") else None
    stop = threading.Event()
    tick = threading.Thread(target=_ticker, args=(conn, float(params["time_limit_s"]), stop), daemon=True)
    tick.start()
    try:
        plan = optimize(scenario, time_limit_s=params["time_limit_s"], seed=params["seed"], previous=previous)
    finally:
        stop.set()
        tick.join()
    return {"rows": plan.rows(), "meta": jsonable(dict(plan.meta))}


def _simulate(scenario: Any, params: dict[str, Any], conn: Connection) -> dict[str, Any]:
    """Per gate each metric's mean and interval (``gate_summary``), the queue over the morning per
    gate (``series``), the judgement against the service level, and the mornings' contacts per
    setting and mixing (``contacts(...).summary()``: pairs in contact, close pairs, contact minutes).
    With ``processes`` > 1 the mornings run in a pool and the contacts beside the judgement: the
    same figures, sooner where a second CPU is free."""
    from reopen_sim.desk.series import certification, queue_series
    from reopen_sim.desk.service import jsonable
    from reopen_sim.plan import plan_from_rows
    from reopen_sim.simulation.run import simulate
    from reopen_sim.stats import RECOMMENDED_MIN_N

    plan = plan_from_rows(params["rows"])
    n = int(params["replications"])

    last = [time.monotonic()]

    def told(done: int, total: int) -> None:  # reopen_sim.progress: called after every replication
        # at most every 0.2 s: each message is a database write in the server (30 mornings take ~1 s)
        if time.monotonic() - last[0] >= 0.2:
            last[0] = time.monotonic()
            conn.send(("progress", 0.9 * done / max(total, 1)))  # the rest: judgement and contacts

    processes = int(params.get("processes", 1))
    res = simulate(
        scenario, plan, replications=n, seed=int(params["seed"]), processes=processes, progress=told
    )
    # With a second process, the contacts are counted beside the judgement (each ~0.4 s for 30
    # mornings of the high school; a thread would gain nothing: both hold the GIL).
    contacts_of = _beside(_contact_summary, scenario, res, fork=processes > 1)
    gates = res.gate_summary().to_dict(orient="records")
    # Judged against the service level only with enough mornings for its intervals to mean what
    # they say (stats.RECOMMENDED_MIN_N); the certifier's judgement, not a second one.
    cert = certification(scenario, plan, res, CAUSE) if n >= RECOMMENDED_MIN_N else None

    return jsonable(
        {
            "gates": gates,
            "series": queue_series(scenario, res.timeseries_raw()),
            "certification": cert,
            "contacts": contacts_of(),
        }
    )


def _contact_summary(scenario: Any, res: Any) -> list[dict[Any, Any]]:
    """The mornings' contacts per setting and mixing (``contacts(...).summary()``) as records."""
    from reopen_sim.exposure.contacts import contacts

    return contacts(scenario, res).summary().to_dict(orient="records")


# What the forked helper process runs (set just before it is forked: inherited, never pickled).
_BESIDE: tuple[Any, ...] = ()


def _run_beside() -> Any:
    fn, *args = _BESIDE
    return fn(*args)


def _beside(fn: Callable[..., T], *args: Any, fork: bool) -> Callable[[], T]:
    """Start ``fn(*args)`` in a forked process while this one goes on; returns the function that
    waits for its result. Forked, so ``args`` (a simulation's mornings, tens of MB) are inherited
    rather than pickled; only the result comes back. Not ``fork``, or where there is no fork: run
    here, now."""
    global _BESIDE
    if not fork or "fork" not in mp.get_all_start_methods():
        value = fn(*args)
        return lambda: value
    _BESIDE = (fn, *args)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"))
    future = pool.submit(_run_beside)
    pool.shutdown(wait=False)
    _BESIDE = ()
    return future.result


def _report(scenario: Any, params: dict[str, Any], conn: Connection) -> dict[str, Any]:
    """A published version's printable set, exactly as ``reopen-sim publish`` makes it (``publish``,
    with ``check_plan``'s violations printed on every page when there are any), then its report
    page: ``compare`` with the unplanned baseline (common random numbers) and ``write_report``.
    Both go to folders the server named."""
    from pathlib import Path

    from reopen_sim.optimizer.baseline import baseline_plan
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.plan import plan_from_rows
    from reopen_sim.report.publish import publish
    from reopen_sim.report.write import write_report

    plan = plan_from_rows(params["rows"])
    out = Path(params["out_dir"])
    printable = publish(
        scenario,
        plan,
        out / "printable",
        lang=params["lang"],
        violations=check_plan(scenario, plan),
        force=True,
    )
    conn.send(("progress", 0.1))
    plans = {"published": plan, "baseline": baseline_plan(scenario)}
    cmp = _compared(scenario, plans, params, conn, start=0.1, share=0.85)
    report = write_report(scenario, cmp, out / "report", lang=params["lang"], force=True, plan="published")
    return {
        "printable": sorted(p.relative_to(printable).as_posix() for p in printable.rglob("*") if p.is_file()),
        "report": sorted(p.relative_to(report).as_posix() for p in report.rglob("*") if p.is_file()),
    }


def _compared(
    scenario: Any, plans: dict[str, Any], params: dict[str, Any], conn: Connection, start: float, share: float
) -> Any:
    """``compare`` of ``plans`` with the job's replications, seed and processes; progress goes from
    ``start`` to ``start + share`` as each plan's replications come back (one call each)."""
    from reopen_sim.experiment import compare

    steps = {"done": 0}

    def told(_done: int, total: int) -> None:
        steps["done"] += 1
        conn.send(("progress", start + share * steps["done"] / max(len(plans) * total, 1)))

    return compare(
        scenario,
        plans,
        replications=int(params["replications"]),
        seed=int(params["seed"]),
        processes=int(params.get("processes", 1)),
        progress=told,
    )


def _compare(scenario: Any, params: dict[str, Any], conn: Connection) -> dict[str, Any]:
    """Two or more versions simulated with common random numbers (``compare``): per plan and metric
    the mean with its 95% interval and the paired difference to the first plan."""
    from reopen_sim.desk.series import gate_differences, queue_series
    from reopen_sim.desk.service import jsonable
    from reopen_sim.plan import plan_from_rows

    plans = {name: plan_from_rows(rows) for name, rows in params["plans"].items()}
    cmp = _compared(scenario, plans, params, conn, start=0.0, share=0.99)
    series = {name: queue_series(scenario, cmp.timeseries[cmp.timeseries["plan"] == name]) for name in plans}
    return jsonable(
        {
            "table": cmp.table.to_dict(orient="records"),
            "gates": gate_differences(scenario, cmp.gate_metrics),
            "series": series,
        }
    )


def _in_languages(exc: Any) -> dict[str, dict[str, Any]]:
    """An error in every language (the job's reader chooses): ``{"en": {"message", "reasons"}, "zh": ...}``."""
    from reopen_sim.i18n import LANGUAGES, load_catalogue

    out = {}
    for lang in LANGUAGES:
        text = exc.render(load_catalogue(lang))
        lines = text.splitlines()
        reasons = [line.strip().removeprefix("- ") for line in lines[1:]] or lines
        out[lang] = {"message": text, "reasons": reasons}
    return out


def run_job(
    kind: str, scenario_json: str, source_name: str, params: dict[str, Any], conn: Connection
) -> None:
    """The entry point of a job process."""
    from reopen_sim.errors import InfeasibleError, InputError
    from reopen_sim.scenario.load import scenario_from_dict

    if hasattr(os, "setpgrp"):  # the job and the processes it starts: one group, cancelled together
        os.setpgrp()
    if "fork" in mp.get_all_start_methods():
        # A forkserver's child would start its pools from the forkserver (pickling the scenario, cold
        # processes: 30 mornings of the high school took 1.6 s on 2 processes against 1.0 s on one);
        # forked, they share this process's memory and state.
        mp.set_start_method("fork", force=True)
    try:
        conn.send(("progress", 0.0))
        # The desk's tables follow the workbook layout: advice names its sheets and fields.
        sc = scenario_from_dict(json.loads(scenario_json), file=source_name, source_format="workbook")
        work = {"plan": _plan, "simulate": _simulate, "report": _report, "compare": _compare}[kind]
        result = work(sc, params, conn)
        conn.send(("done", result))
    except InfeasibleError as exc:
        conn.send(("failed", {"message": str(exc), "languages": _in_languages(exc), "status": exc.status}))
    except InputError as exc:
        conn.send(("failed", {"message": str(exc), "languages": _in_languages(exc)}))
    except Exception as exc:  # reported to the user as a failed job, with the trace for the log
        conn.send(("failed", {"message": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}))
    finally:
        conn.close()
