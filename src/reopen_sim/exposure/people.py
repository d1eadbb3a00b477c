"""Who is who: student and staff ids, dorm rooms, and how a pair mixes classes or grades.

Ids follow docs/design.md "Students and staff identities": students ``CLASSID-NN`` (01-based,
three digits when a class has 100 or more), dorm rooms ``CLASSID-Dk`` filled in student-number
order with ``policy.dorm_room_size`` each, screening staff ``STAFF-GATE-Lk`` (lane k from 1).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.exposure.model import CROSS_CLASS, CROSS_GRADE, SAME_CLASS, STAFF
from reopen_sim.scenario.schema import Scenario


def student_id(class_id: str, number: int, class_size: int) -> str:
    """``CLASSID-NN``: number within the class from 1, two digits (three when the class has ≥ 100)."""
    width = 3 if class_size >= 100 else 2
    return f"{class_id}-{number:0{width}d}"


def staff_id(gate: str, lane: int) -> str:
    """``STAFF-GATE-Lk``: the screening staff of lane k (from 1) at a gate."""
    return f"STAFF-{gate}-L{int(lane)}"


def roster(scenario: Scenario) -> pd.DataFrame:
    """Every student of the scenario: ``student_id, class_id, grade, boarding, number, dorm``.

    ``dorm`` is ``CLASSID-Dk`` for boarders (k = ⌈number / dorm_room_size⌉), None for day students.
    """
    size = scenario.policy.dorm_room_size
    rows: list[tuple[str, str, int, bool, int, str | None]] = []
    for c in scenario.classes:
        for n in range(1, c.students + 1):
            dorm = f"{c.id}-D{(n - 1) // size + 1}" if c.boarding else None
            rows.append((student_id(c.id, n, c.students), c.id, c.grade, c.boarding, n, dorm))
    return pd.DataFrame(rows, columns=["student_id", "class_id", "grade", "boarding", "number", "dorm"])


def mixing(
    class_a: pd.Series | np.ndarray,
    grade_a: pd.Series | np.ndarray,
    class_b: pd.Series | np.ndarray,
    grade_b: pd.Series | np.ndarray,
) -> np.ndarray:
    """Classify pairs: same_class, cross_class (same grade), cross_grade, or staff (either has no class)."""
    ca = pd.Series(np.asarray(class_a, dtype=object))
    cb = pd.Series(np.asarray(class_b, dtype=object))
    ga = np.asarray(grade_a, dtype=float)
    gb = np.asarray(grade_b, dtype=float)
    staff = (ca.isna() | cb.isna()).to_numpy()
    same_class = (ca == cb).to_numpy() & ~staff
    same_grade = ga == gb
    out = np.where(same_class, SAME_CLASS, np.where(same_grade, CROSS_CLASS, CROSS_GRADE)).astype(object)
    out[staff] = STAFF
    return out


_STAFF = re.compile(r"^STAFF-(?P<gate>.+)-L(?P<lane>\d+)$")


def check_person(
    scenario: Scenario, person: str, source: str = "<arguments>", field: str = "student_id"
) -> str:
    """Return ``"student"`` or ``"staff"`` for a known id, else raise InputError naming the id.

    Students: ``CLASSID-NN`` of a class of the scenario, 1 ≤ NN ≤ class size. Staff:
    ``STAFF-GATE-Lk`` of an entrance of the scenario with 1 ≤ k ≤ its lanes.
    """
    m = _STAFF.match(person)
    if m:
        gate, lane = m.group("gate"), int(m.group("lane"))
        for e in scenario.entrances:
            if e.id == gate and 1 <= lane <= e.lanes:
                return "staff"
    for c in scenario.classes:
        number = person[len(c.id) + 1 :]
        if person.startswith(f"{c.id}-") and number.isdigit() and 1 <= int(number) <= c.students:
            if person == student_id(c.id, int(number), c.students):
                return "student"
    example = student_id(scenario.classes[0].id, 1, scenario.classes[0].students)
    raise InputError(
        [
            InputIssue(
                source,
                field,
                person,
                f"a student id CLASSID-NN of the scenario (e.g. {example}; NN from 01 to the class size) "
                "or a screening staff id STAFF-GATE-Lk",
            )
        ]
    )
