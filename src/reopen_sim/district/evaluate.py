"""What the sweep does with one school × what-if: optimize a plan, then simulate it.

An *evaluator* is any picklable callable ``(scenario, replications, seed, time_limit_s) ->
Evaluation``; the sweep takes one as an argument so executors, resume and status handling can be
tested with a cheap fake, and the default :func:`optimize_and_simulate` runs the real models.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from reopen_sim.signals import python_sigint_kept

if TYPE_CHECKING:
    import pandas as pd

    from reopen_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Evaluation:
    """A plan's timetable rows (the timetable.csv contract) and its per-replication metrics.

    ``metrics`` has one row per replication × gate (gate ``"all"`` for the whole school) and the
    metric columns of ``SimulationResult.metrics_raw()`` (numbers).
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
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.simulation.run import simulate

    # time_limit_s is a deterministic budget here (a sweep must not depend on machine load):
    # no wall-clock limit, the whole budget deterministic.
    with python_sigint_kept():  # Ctrl-C after the solve still raises KeyboardInterrupt
        plan = optimize(
            scenario, time_limit_s=math.inf, deterministic_limit_s=time_limit_s, seed=seed, num_workers=1
        )
    result = simulate(scenario, plan, replications=replications, seed=seed)
    metrics: Any = result.metrics_raw()
    return Evaluation(timetable=plan.rows(), metrics=metrics)


CONTACT_METRICS: tuple[str, ...] = ("close_pairs", "cross_class_close_pairs")


def optimize_simulate_contacts(
    scenario: Scenario, replications: int, seed: int, time_limit_s: float
) -> Evaluation:
    """:func:`optimize_and_simulate`, plus close contacts on the gate ``"all"`` rows.

    ``close_pairs``: pairs of people close over the whole day in any setting (``exposure.contacts``
    with its defaults: WHO, within 1 m for 15 min in total, or sharing a room or dorm);
    ``cross_class_close_pairs``: those that are not classmates (other class, other grade, or staff)
    - the mixing a staggered plan is meant to prevent; classmates are close contacts by rule.
    """
    import pandas as pd

    from reopen_sim.exposure.contacts import contacts
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.simulation.run import simulate

    # time_limit_s is a deterministic budget here (a sweep must not depend on machine load):
    # no wall-clock limit, the whole budget deterministic.
    with python_sigint_kept():  # Ctrl-C after the solve still raises KeyboardInterrupt
        plan = optimize(
            scenario, time_limit_s=math.inf, deterministic_limit_s=time_limit_s, seed=seed, num_workers=1
        )
    result = simulate(scenario, plan, replications=replications, seed=seed)
    metrics = result.metrics_raw()
    stats = contacts(scenario, result).stats
    anyrows = stats[stats["setting"] == "any"]
    per_rep = pd.DataFrame(
        {
            "close_pairs": anyrows.groupby("replication")["close_pairs"].sum(),
            "cross_class_close_pairs": anyrows[anyrows["mixing"] != "same_class"]
            .groupby("replication")["close_pairs"]
            .sum(),
        }
    )
    reps = metrics["replication"]
    for col in CONTACT_METRICS:
        values = reps.map(per_rep[col]).fillna(0.0).astype(float)
        metrics[col] = values.where(metrics["gate"] == "all")
    return Evaluation(timetable=plan.rows(), metrics=metrics)
