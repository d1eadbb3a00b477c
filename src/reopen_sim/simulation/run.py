"""``simulate(scenario, plan, replications, seed)``: independent replications, common random numbers,
in this process or in a process pool, with the same figures either way."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from reopen_sim.plan import Plan
from reopen_sim.progress import ProgressArg, as_progress
from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.day import run_day
from reopen_sim.simulation.lanes import LANE_CHOICES, LaneChoice
from reopen_sim.simulation.result import Replication, SimulationResult
from reopen_sim.simulation.school import SchoolLayout, layout
from reopen_sim.simulation.streams import draw, replication_seeds


@dataclass(frozen=True)
class _Job:
    scenario: Scenario
    layout: SchoolLayout
    seeds: tuple[np.random.SeedSequence, ...]
    lane_choice: LaneChoice

    def run(self, r: int) -> Replication:
        d = draw(self.seeds[r], self.layout.roster.n, len(self.scenario.groups))
        return run_day(self.scenario, self.layout, d, r, self.lane_choice)


_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _JOB
    _JOB = job


def _run_in_worker(r: int) -> Replication:
    assert _JOB is not None
    return _JOB.run(r)


def _replications(job: _Job, replications: int, processes: int) -> Iterator[Replication]:
    """Replications 0..n-1 in order, here or in a process pool (chunks of about n / (4 × processes))."""
    if processes == 1 or replications == 1:
        yield from (job.run(r) for r in range(replications))
        return
    chunk = max(1, replications // (4 * processes))
    with ProcessPoolExecutor(
        max_workers=min(processes, replications), initializer=_init_worker, initargs=(job,)
    ) as pool:
        yield from pool.map(_run_in_worker, range(replications), chunksize=chunk)


def simulate(
    scenario: Scenario,
    plan: Plan,
    replications: int = 100,
    seed: int = 1,
    processes: int = 1,
    progress: ProgressArg = False,
    lane_choice: LaneChoice = "shortest",
    progress_label: str = "Simulating",
) -> SimulationResult:
    """Simulate ``replications`` days of ``plan``.

    Replication r draws every random number from ``SeedSequence(seed).spawn(replications)[r]``,
    per student in scenario order (common random numbers: replication r of two plans is paired).
    With ``processes > 1`` replications run in a ``ProcessPoolExecutor``; results are identical.
    ``progress``: ``True`` shows a ``tqdm`` bar named ``progress_label``, ``False``/``None`` nothing; a
    :class:`reopen_sim.progress.Progress` or a function ``f(done, total)`` is told of every replication
    (:mod:`reopen_sim.progress`).
    Raises :class:`reopen_sim.errors.InputError` when the plan does not fit the scenario.
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    if processes < 1:
        raise ValueError("processes must be at least 1")
    if lane_choice not in LANE_CHOICES:
        raise ValueError(f"lane_choice must be one of {LANE_CHOICES}, got {lane_choice!r}")
    job = _Job(scenario, layout(scenario, plan), tuple(replication_seeds(seed, replications)), lane_choice)
    reps: list[Replication] = []
    report = as_progress(progress)
    report.start(replications, progress_label)
    try:
        for rep in _replications(job, replications, processes):
            reps.append(rep)
            report.advance(1)
    finally:
        report.close()
    return SimulationResult(scenario, plan, seed, reps, lane_choice)
