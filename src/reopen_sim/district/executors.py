"""Executors: run independent tasks in-process, on a local process pool, or on Dask distributed.

Every executor yields ``(index, result)`` as tasks finish; callers put results back in index
order, so the order of completion never shows in the output.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, Literal, TypeVar

from reopen_sim.errors import InputError, InputIssue

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

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
        choices = ", ".join(EXECUTORS)
        raise InputError(
            [
                InputIssue(
                    "sweep",
                    "executor",
                    str(executor),
                    "one of " + choices,
                    key="one_of",
                    fields={"choices": choices},
                )
            ]
        )
    if workers is not None and workers < 1:
        raise InputError(
            [InputIssue("sweep", "workers", str(workers), "at least 1 worker", key="sweep_workers")]
        )
    return executor


def run_tasks(
    fn: Callable[[T], R],
    items: Sequence[T],
    executor: str = "process",
    scheduler: str | None = None,
    workers: int | None = None,
    on_lost: Callable[[T, str], R] | None = None,
) -> Generator[tuple[int, R]]:
    """Apply ``fn`` to every item; yield ``(index, fn(item))`` in completion order.

    ``scheduler`` (a Dask scheduler address) implies the Dask executor; ``executor="dask"`` without
    one starts a ``LocalCluster`` of ``workers`` single-threaded worker processes and closes it after.
    A task whose worker process dies (killed, out of memory) is run again; one that keeps killing
    its worker gives ``on_lost(item, reason)`` (re-raised when ``on_lost`` is None). On an interrupt
    (Ctrl-C) the workers are killed before the exception goes on.
    """
    executor = check_executor(executor, scheduler, workers)
    if not items:
        return
    if executor == "inprocess":
        for i, item in enumerate(items):
            yield i, fn(item)
    elif executor == "process":
        yield from _run_pool(fn, items, workers or default_workers(), on_lost)
    else:
        yield from _run_dask(fn, items, scheduler, workers or default_workers())


SHARED_POOL_BREAKS = 3
"""Worker deaths tolerated in the shared pool; after that the remaining tasks run one at a time,
each alone in its pool, so the task that kills its worker is known and the others still finish."""
ISOLATED_ATTEMPTS = 2
"""Attempts of one task alone in a pool before it is given up (``on_lost``)."""


def _pool(workers: int) -> Any:
    """loky's reusable process pool (started once, kept between sweeps, idle workers leave).

    loky rather than ``concurrent.futures``: a dead worker breaks only the running pool, which is
    replaced (``TerminatedWorkerError``), and its start method re-imports nothing from ``__main__``
    (functions travel by cloudpickle), so a sweep works from a script without a main guard and
    with an evaluator written in a notebook cell.
    """
    from loky import get_reusable_executor

    return get_reusable_executor(max_workers=workers, timeout=60)


def _run_batch(fn: Callable[[T], R], items: dict[int, T], workers: int) -> Iterator[tuple[int, R]]:
    """Run ``items`` on one pool; yield results; raise BrokenProcessPool when a worker dies
    (after yielding every result that finished before it)."""
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(min(workers, len(items)))
    futures: dict[Future[R], int] = {}
    try:
        for i, item in items.items():
            futures[pool.submit(fn, item)] = i
        broken: BaseException | None = None
        for fut in as_completed(list(futures)):
            i = futures.pop(fut)  # forget the future once done: it holds its result (memory)
            exc = fut.exception()
            if isinstance(exc, BrokenProcessPool):
                broken = exc
                continue
            result = fut.result()
            del fut
            yield i, result
        if broken is not None:
            raise broken
    except BaseException:
        # interrupted or broken: kill the workers now, do not wait for their tasks
        pool.shutdown(wait=False, kill_workers=True)
        raise


def _run_pool(
    fn: Callable[[T], R], items: Sequence[T], workers: int, on_lost: Callable[[T, str], R] | None
) -> Iterator[tuple[int, R]]:
    """The local pool, with retries: see :data:`SHARED_POOL_BREAKS` and :data:`ISOLATED_ATTEMPTS`."""
    from concurrent.futures.process import BrokenProcessPool

    remaining = dict(enumerate(items))
    breaks = 0
    while remaining and breaks < SHARED_POOL_BREAKS:
        try:
            for i, r in _run_batch(fn, remaining, workers):
                del remaining[i]
                yield i, r
        except BrokenProcessPool:
            breaks += 1
            log.warning("a worker process died; running the %d unfinished task(s) again", len(remaining))
    for i in sorted(remaining):
        for attempt in range(1, ISOLATED_ATTEMPTS + 1):
            try:
                ((_, r),) = tuple(_run_batch(fn, {i: remaining[i]}, 1))
                break
            except BrokenProcessPool as exc:
                if attempt < ISOLATED_ATTEMPTS:
                    continue
                if on_lost is None:
                    raise
                codes = re.findall(r"SIG[A-Z]+|exit code \S+", str(exc))
                why = f" ({', '.join(codes)})" if codes else ""
                r = on_lost(remaining[i], f"its worker process died {ISOLATED_ATTEMPTS} times{why}")
        yield i, r


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
                [
                    InputIssue(
                        "sweep",
                        "scheduler",
                        scheduler,
                        f"a reachable Dask scheduler ({exc})",
                        key="sweep_scheduler",
                        fields={"detail": str(exc)},
                    )
                ]
            ) from None
    futures: list[Any] = []
    try:
        futures = [client.submit(fn, item, pure=False) for item in items]
        index = {f.key: i for i, f in enumerate(futures)}
        for fut in as_completed(futures):
            yield index[fut.key], fut.result()
    except BaseException:
        client.cancel(futures)  # interrupted: the cluster stops working for this sweep
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
