"""What runs inside a job's own process: plan or simulate one school, reporting progress on a pipe.

Messages sent: ``("progress", fraction)``, then ``("done", result)`` or ``("failed", error)``;
``error`` is ``{"message": English text, "reasons": [...]}``. The process never touches the
database; the server records what it sends.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any


def _ticker(conn: Connection, budget_s: float, stop: threading.Event) -> None:
    """Progress of a search by elapsed time over its budget (CP-SAT reports no fraction), at most 0.95."""
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
    from reopen_sim.desk.service import jsonable
    from reopen_sim.plan import plan_from_rows
    from reopen_sim.simulation.run import simulate

    plan = plan_from_rows(params["rows"])
    n = int(params["replications"])
    stop = threading.Event()
    # About 0.03 s per replication of the high school on an idle machine (bench/README.md).
    tick = threading.Thread(target=_ticker, args=(conn, 0.05 * n + 0.5, stop), daemon=True)
    tick.start()
    try:
        res = simulate(scenario, plan, replications=n, seed=int(params["seed"]))
    finally:
        stop.set()
        tick.join()
    gates = res.gate_summary().to_dict(orient="records")
    return {"gates": jsonable(gates)}


def run_job(
    kind: str, scenario_json: str, source_name: str, params: dict[str, Any], conn: Connection
) -> None:
    """The entry point of a job process."""
    from reopen_sim.errors import InfeasibleError, InputError
    from reopen_sim.scenario.load import scenario_from_dict

    try:
        conn.send(("progress", 0.0))
        sc = scenario_from_dict(json.loads(scenario_json), file=source_name)
        work = _plan if kind == "plan" else _simulate
        result = work(sc, params, conn)
        conn.send(("done", result))
    except InfeasibleError as exc:
        conn.send(("failed", {"message": str(exc), "reasons": list(exc.reasons), "status": exc.status}))
    except InputError as exc:
        conn.send(("failed", {"message": str(exc), "reasons": [str(i) for i in exc.issues]}))
    except Exception as exc:  # reported to the user as a failed job, with the trace for the log
        conn.send(("failed", {"message": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()}))
    finally:
        conn.close()
