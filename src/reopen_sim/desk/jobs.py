"""Long work (plan, simulate) outside the request: one worker process per job, cancellable.

A job is a row in ``jobs`` (queued -> running -> done | failed | cancelled) and, while it runs, a
process of its own (``multiprocessing``, forkserver: the library is imported once, each job forks
from it), so cancelling a running job is terminating its process group (the job and any processes it
started: a simulate job's pool). At most ``max_jobs`` run at once;
the rest wait in order. The process sends progress and its result on a pipe (:mod:`.worker`); a
thread of the server records them, and on success stores the result (a plan version, a
simulation summary) in the same transaction that marks the job done.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from reopen_sim.desk.models import Job
from reopen_sim.desk.store import Store
from reopen_sim.desk.worker import run_job

log = logging.getLogger("reopen_sim.desk.jobs")

FINISHED = frozenset({"done", "failed", "cancelled"})
# Called with (session, job, result) inside the transaction that marks the job done; returns the
# job's public result (e.g. {"plan": 3, "version": 2}).
OnDone = Callable[[Any, Job, dict[str, Any]], dict[str, Any]]


def _context() -> Any:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "reopen_sim.desk.worker",
            "reopen_sim.desk.service",  # the results' JSON (jsonable): imports sqlalchemy and fastapi, ~0.7 s
            "reopen_sim.optimizer.solve",
            "reopen_sim.simulation.run",
            "reopen_sim.exposure.contacts",
            "scipy.stats",  # intervals of simulate's summaries: ~0.4 s to import, once instead of every job
        ]
    )
    return ctx


def _kill(proc: Any, sig: int = signal.SIGTERM) -> None:
    """End a job's process and the processes it started: ``run_job`` makes the job the leader of
    its own process group. Before it has (or where there are no groups), the process alone."""
    try:
        os.killpg(proc.pid, sig)
    except (AttributeError, ProcessLookupError, PermissionError):
        if sig == signal.SIGTERM:
            proc.terminate()


class JobRunner:
    """Starts queued jobs in worker processes, records their progress, cancels them."""

    def __init__(self, store: Store, max_jobs: int = 2, processes: int = 1):
        self.store = store
        self.max_jobs = max_jobs
        self.processes = processes  # that a simulate, compare or report job may use
        self._ctx = _context()
        self._lock = threading.Lock()
        self._queue: list[tuple[str, str, str, dict[str, Any], OnDone]] = []
        self._running: dict[str, Any] = {}
        self._cancelled: set[str] = set()
        self._closed = False
        with store.write() as s:  # jobs of a server that stopped will never finish
            s.execute(
                update(Job)
                .where(Job.status.in_(("queued", "running")))
                .values(status="failed", error="desk.job.server_restarted", finished_at=datetime.now(UTC))
            )

    def submit(
        self,
        kind: str,
        school_id: int,
        plan_version_id: int | None,
        scenario_json: str,
        source_name: str,
        params: dict[str, Any],
        on_done: OnDone,
        public_params: dict[str, Any],
    ) -> str:
        """Queue a job; returns its id. ``params`` go to the worker, ``public_params`` to the row."""
        job_id = uuid.uuid4().hex
        with self.store.write() as s:
            s.add(
                Job(
                    id=job_id,
                    kind=kind,
                    status="queued",
                    progress=0.0,
                    school_id=school_id,
                    plan_version_id=plan_version_id,
                    params=public_params,
                )
            )
        with self._lock:
            work = {**params, "processes": self.processes, "_source": source_name}
            self._queue.append((job_id, kind, scenario_json, work, on_done))
        self._start_next()
        return job_id

    def _start_next(self) -> None:
        with self._lock:
            if self._closed:
                return
            while self._queue and len(self._running) < self.max_jobs:
                job_id, kind, sc_json, params, on_done = self._queue.pop(0)
                recv, send = self._ctx.Pipe(duplex=False)
                source = params.pop("_source")
                # Not a daemon: a simulate job starts processes of its own (daemons may not). close()
                # ends running jobs when the server stops.
                proc = self._ctx.Process(target=run_job, args=(kind, sc_json, source, params, send))
                proc.start()
                send.close()
                self._running[job_id] = proc
                self._set(job_id, status="running")
                threading.Thread(target=self._watch, args=(job_id, proc, recv, on_done), daemon=True).start()

    def _set(self, job_id: str, **values: Any) -> None:
        with self.store.write() as s:
            s.execute(update(Job).where(Job.id == job_id, Job.status.not_in(FINISHED)).values(**values))

    def _watch(self, job_id: str, proc: Any, recv: Any, on_done: OnDone) -> None:
        outcome: tuple[str, Any] | None = None
        try:
            while outcome is None:
                if recv.poll(0.2):
                    try:
                        kind, payload = recv.recv()
                    except EOFError:
                        break
                    if kind == "progress":
                        self._set(job_id, progress=float(payload))
                    else:
                        outcome = (kind, payload)
                elif not proc.is_alive() and not recv.poll(0):
                    break
            if outcome is None:  # no result: the exit code says why
                proc.join(timeout=5)
                _kill(proc, signal.SIGKILL)  # and any process it had started
            # The result is stored before the process has finished exiting (tearing down a
            # simulation's arrays takes a few tenths of a second): the job is done when its answer is.
            self._finish(job_id, proc, outcome, on_done)
            proc.join(timeout=5)
        except Exception:
            log.exception("job %s: recording its outcome failed", job_id)
            self._set(job_id, status="failed", error="desk.error.internal", finished_at=datetime.now(UTC))
        finally:
            recv.close()
            with self._lock:
                self._running.pop(job_id, None)
            self._start_next()

    def _finish(self, job_id: str, proc: Any, outcome: tuple[str, Any] | None, on_done: OnDone) -> None:
        now = datetime.now(UTC)
        if job_id in self._cancelled:
            self._set(job_id, status="cancelled", finished_at=now)
        elif outcome is None:
            self._set(job_id, status="failed", error=f"desk.job.worker_died:{proc.exitcode}", finished_at=now)
        elif outcome[0] == "failed":
            payload = outcome[1]
            if "trace" in payload:
                log.error("job %s failed:\n%s", job_id, payload.pop("trace"))
            self._set(
                job_id,
                status="failed",
                error=payload["message"],
                result={"languages": payload.get("languages", {})},
                finished_at=now,
            )
        else:
            with self.store.write() as s:
                job = s.get(Job, job_id)
                assert job is not None
                if job.status in FINISHED:
                    return
                job.result = on_done(s, job, outcome[1])
                job.status, job.progress, job.finished_at = "done", 1.0, now

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued job, or terminate a running one. False when the job has already finished."""
        with self._lock:
            for i, item in enumerate(self._queue):
                if item[0] == job_id:
                    del self._queue[i]
                    self._set(job_id, status="cancelled", finished_at=datetime.now(UTC))
                    return True
            proc = self._running.get(job_id)
            if job_id in self._cancelled:  # cancelled already: its process may still be being reaped
                proc = None
            elif proc is not None:
                self._cancelled.add(job_id)
                _kill(proc)
        if proc is not None:
            proc.join(timeout=5)
            self._set(job_id, status="cancelled", finished_at=datetime.now(UTC))
            return True
        with self.store.read() as s:
            job = s.scalars(select(Job).where(Job.id == job_id)).first()
            return job is not None and job.status not in FINISHED

    def close(self) -> None:
        """Terminate every running job (the server is stopping); queued ones are marked failed at next start."""
        with self._lock:
            self._closed = True
            procs = list(self._running.items())
        for job_id, proc in procs:
            self._cancelled.add(job_id)
            _kill(proc)
        for _job_id, proc in procs:
            proc.join(timeout=5)
