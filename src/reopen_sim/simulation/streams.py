"""Students in a canonical order, and the random numbers each one carries (common random numbers).

Replication ``r`` of a run with ``seed`` uses ``SeedSequence(seed).spawn(replications)[r]``. From it,
one ``numpy`` Generator draws a matrix of uniforms with one row per student and one column per use
(:data:`STREAMS`), then one uniform per arrival group. Students are ordered by the scenario — its
classes in file order, then student number — never by the plan, so student ``7-1-05`` holds the same
row of uniforms in replication ``r`` whatever plan is simulated: the same arrival position in their
window, the same screening-time quantile, the same fever flag. Two plans compared replication by
replication are therefore paired (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario.schema import Scenario

# One column of uniforms per random decision a student makes (order fixed: appending is safe,
# reordering changes every figure).
STREAMS: tuple[str, ...] = (
    "arrival_position",  # where in the window the student arrives
    "arrival_kind",  # early / on time / late
    "arrival_offset",  # how early or late
    "service",  # screening-time quantile
    "flag",  # flagged at screening (fever or symptoms)
    "confirm",  # confirmed at the re-check
    "recheck",  # re-check duration quantile
    "pickup",  # parent pick-up delay quantile
    "canteen_arrival",  # when the student reaches the canteen after the sitting opens
    "canteen_service",  # serving-time quantile
    "bus_disembark",  # position in the line getting off the bus
)
COL: dict[str, int] = {name: j for j, name in enumerate(STREAMS)}


def student_id(class_id: str, number: int, class_size: int) -> str:
    """``CLASSID-NN``: two digits, 01-based within the class; three when the class has ≥ 100."""
    width = 3 if class_size >= 100 else 2
    return f"{class_id}-{number:0{width}d}"


@dataclass(frozen=True)
class Roster:
    """Every student of a scenario in canonical order (classes in file order, then number)."""

    student_id: tuple[str, ...]
    class_index: NDArray[np.int64]  # index into scenario.classes
    number: NDArray[np.int64]  # 1-based number within the class

    @property
    def n(self) -> int:
        return len(self.student_id)


def roster(scenario: Scenario) -> Roster:
    """The canonical student order of a scenario."""
    ids: list[str] = []
    cls_idx: list[int] = []
    num: list[int] = []
    for i, c in enumerate(scenario.classes):
        for k in range(1, c.students + 1):
            ids.append(student_id(c.id, k, c.students))
            cls_idx.append(i)
            num.append(k)
    return Roster(tuple(ids), np.asarray(cls_idx, dtype=np.int64), np.asarray(num, dtype=np.int64))


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Independent seed sequences, one per replication (``SeedSequence(seed).spawn``)."""
    return np.random.SeedSequence(seed).spawn(replications)


@dataclass(frozen=True)
class Draws:
    """The uniforms of one replication: ``u[student, COL[name]]`` and one per arrival group."""

    u: NDArray[np.float64]
    group_u: NDArray[np.float64]

    def col(self, name: str) -> NDArray[np.float64]:
        return self.u[:, COL[name]]


def draw(seed_seq: np.random.SeedSequence, n_students: int, n_groups: int) -> Draws:
    """All uniforms of one replication, in a fixed order (students first, then groups)."""
    rng = np.random.Generator(np.random.PCG64(seed_seq))
    u = rng.random((n_students, len(STREAMS)))
    group_u = rng.random(n_groups)
    return Draws(u, group_u)
