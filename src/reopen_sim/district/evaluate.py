"""What the sweep does with one school × what-if: optimize a plan, then simulate it.

An *evaluator* is any picklable callable ``(scenario, replications, seed, time_limit_s) ->
Evaluation``; the sweep takes one as an argument so executors, resume and status handling can be
tested with a cheap fake, and the default :func:`optimize_and_simulate` runs the real models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from reopen_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Evaluation:
    """A plan's timetable rows (the timetable.csv contract) and its per-replication metrics.

    ``metrics`` has one row per replication × gate (gate ``"all"`` for the whole school) and the
    metric columns of ``SimulationResult.metrics()``.
    """

    timetable: Sequence[Mapping[str, str]]
    metrics: pd.DataFrame


class Evaluator(Protocol):
    def __call__(
        self, scenario: Scenario, replications: int, seed: int, time_limit_s: float
    ) -> Evaluation: ...


def optimize_and_simulate(
    scenario: Scenario, replications: int, seed: int, time_limit_s: float
) -> Evaluation:
    """Optimize with CP-SAT (fixed seed, deterministic time limit), then simulate ``replications`` days.

    CP-SAT runs one search worker: a sweep is parallel across schools, not inside one solve, and
    a single worker's search is deterministic. A district plan may therefore differ from
    ``reopen-sim plan`` (two workers) for the same school; both are deterministic.
    """
    from reopen_sim.optimize.solve import optimize
    from reopen_sim.simulate.run import simulate

    plan = optimize(scenario, time_limit_s=time_limit_s, seed=seed, num_workers=1)
    result = simulate(scenario, plan, replications=replications, seed=seed)
    metrics: Any = result.metrics()
    return Evaluation(timetable=plan.rows(), metrics=metrics)
