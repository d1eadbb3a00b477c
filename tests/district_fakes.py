"""A cheap stand-in for optimize + simulate, so executors, resume and status handling are tested fast.

Its figures are a deterministic function of the scenario and the seed (a numpy Generator seeded
from the task's seed), like the real evaluator's; a school named "... unsolvable ..." raises
InfeasibleError, like CP-SAT finding no plan, and "... crashes ..." raises a plain error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopen_sim.district.evaluate import Evaluation
from reopen_sim.errors import InfeasibleError
from reopen_sim.scenario.schema import Scenario


def fake_evaluator(scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
    if "unsolvable" in scenario.school.name:
        raise InfeasibleError(["gate G1 cannot screen grade 9 in one window"])
    if "crashes" in scenario.school.name:
        raise RuntimeError("boom")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    rows = []
    spacing = scenario.policy.queue_spacing_m
    for r in range(replications):
        per_gate = []
        for e in scenario.entrances:
            load = scenario.n_students / (len(scenario.entrances) * e.lanes)
            q = float(rng.poisson(load / 4))
            per_gate.append(q)
            rows.append(
                {
                    "replication": r,
                    "gate": e.id,
                    "max_queue_people": q,
                    "max_queue_m": q * spacing,
                    "late": float(rng.integers(0, 3)),
                }
            )
        rows.append(
            {
                "replication": r,
                "gate": "all",
                "max_queue_people": sum(per_gate),
                "max_queue_m": sum(per_gate) * spacing,
                "late": float(rng.integers(0, 5)),
            }
        )
    timetable = [
        {"class_id": c.id, "grade": str(c.grade), "gate": scenario.entrances[0].id} for c in scenario.classes
    ]
    return Evaluation(timetable=timetable, metrics=pd.DataFrame(rows))


class CountingEvaluator:
    """Counts its calls (in-process executor only); otherwise the fake evaluator."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
        self.calls.append(scenario.school.name)
        return fake_evaluator(scenario, replications, seed, time_limit_s)


class KillsItsWorkerOnce:
    """The fake evaluator, except that the first evaluation of ``school`` SIGKILLs its own process.

    "First" is recorded by a marker file in ``marker_dir`` (workers share no memory), so the retry
    of the same task runs normally. Only for worker processes: in-process it would kill the caller.
    """

    def __init__(self, marker_dir: str, school: str) -> None:
        self.marker_dir = marker_dir
        self.school = school

    def __call__(self, scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
        import os
        import signal
        from pathlib import Path

        if scenario.school.name == self.school:
            marker = Path(self.marker_dir) / "killed-once"
            try:
                marker.touch(exist_ok=False)
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        return fake_evaluator(scenario, replications, seed, time_limit_s)


class AlwaysKillsItsWorker:
    """SIGKILLs its process whenever it evaluates ``school`` (a task that can never finish)."""

    def __init__(self, school: str) -> None:
        self.school = school

    def __call__(self, scenario: Scenario, replications: int, seed: int, time_limit_s: float) -> Evaluation:
        import os
        import signal

        if scenario.school.name == self.school:
            os.kill(os.getpid(), signal.SIGKILL)
        return fake_evaluator(scenario, replications, seed, time_limit_s)


class Blob:
    """A task result that can be weakly referenced (to see whether the executor still holds it)."""

    def __init__(self, i: int) -> None:
        self.i = i
        self.payload = np.full(1000, float(i))


def make_blob(i: int) -> Blob:
    return Blob(i)
