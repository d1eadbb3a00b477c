"""Executors: run independent tasks in-process, on a local process pool, or on Dask distributed.

Every executor yields ``(index, result)`` as tasks finish; callers put results back in index
order, so the order of completion never shows in the output.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Literal, TypeVar

from reopen_sim.errors import InputError, InputIssue

T = TypeVar("T")
R = TypeVar("R")

ExecutorName = Literal["inprocess", "process", "dask"]
EXECUTORS: tuple[str, ...] = ("inprocess", "process", "dask")


def default_workers() -> int:
    """Worker count when none is given: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def check_executor(executor: str, scheduler: str | None, workers: int | None) -> str:
    """The executor to use (``dask`` when a scheduler is given); InputError for a bad choice."""
    if scheduler is not None:
        executor = "dask"
    if executor not in EXECUTORS:
        raise InputError([InputIssue("sweep", "executor", str(executor), "one of " + ", ".join(EXECUTORS))])
    if workers is not None and workers < 1:
        raise InputError([InputIssue("sweep", "workers", str(workers), "at least 1 worker")])
    return executor


def run_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    executor: str = "process",
    scheduler: str | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, R]]:
    """Apply ``fn`` to every item; yield ``(index, fn(item))`` in completion order.

    ``scheduler`` (a Dask scheduler address) implies the Dask executor; ``executor="dask"`` without
    one starts a ``LocalCluster`` of ``workers`` single-threaded worker processes and closes it after.
    """
    executor = check_executor(executor, scheduler, workers)
    if not items:
        return
    if executor == "inprocess":
        for i, item in enumerate(items):
            yield i, fn(item)
    elif executor == "process":
        yield from _run_pool(fn, items, workers or default_workers())
    else:
        yield from _run_dask(fn, items, scheduler, workers or default_workers())


def _run_pool(fn: Callable[[T], R], items: Sequence[T], workers: int) -> Iterator[tuple[int, R]]:
    # "spawn": fresh interpreters, so no lock or thread state is inherited from the parent
    # (fork with threads - rich's refresher, CP-SAT - can deadlock).
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=ctx)
    try:
        pending: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield pending.pop(fut), fut.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(
    fn: Callable[[T], R], items: Sequence[T], scheduler: str | None, workers: int
) -> Iterator[tuple[int, R]]:
    from distributed import Client, LocalCluster, as_completed

    cluster: Any = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise InputError(
                [InputIssue("sweep", "scheduler", scheduler, f"a reachable Dask scheduler ({exc})")]
            ) from None
    try:
        futures = [client.submit(fn, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            yield index[fut.key], fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
