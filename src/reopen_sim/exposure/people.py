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


class PeopleIndex:
    """Integer codes for everyone met in the contacts: the roster's students first (codes 0..n−1 in
    roster order), then screening staff and any other id a trace names, in the order first met.

    Contacts are computed on these codes (numpy arrays) and turned back into ids once, at the end.
    ``rank`` orders the codes as their ids sort as strings, so ``a < b`` on ids is a comparison of ranks.
    """

    def __init__(self, roster: pd.DataFrame):
        self.ids: list[str] = [str(s) for s in roster["student_id"]]
        self.n_students = len(self.ids)
        self._code = {s: i for i, s in enumerate(self.ids)}
        self._students = pd.Index(self.ids, dtype=object)
        self._student_ids = np.asarray(self.ids, dtype=object)
        classes = roster["class_id"].to_numpy(object)
        self.class_names, class_code = np.unique(classes, return_inverse=True)
        self._class_code = class_code.astype(np.int64)
        self._grade = roster["grade"].to_numpy(float)
        self._rank: np.ndarray | None = None

    def code(self, person: str) -> int:
        """The code of one id, given a new code when first met."""
        c = self._code.get(person)
        if c is None:
            c = self._code[person] = len(self.ids)
            self.ids.append(person)
            self._rank = None
        return c

    def codes(self, ids: np.ndarray) -> np.ndarray:
        """Codes of an array of ids (a trace's ``student_id`` column: usually the roster itself)."""
        if len(ids) == self.n_students and bool(np.all(ids == self._student_ids)):
            return np.arange(self.n_students)
        out = np.asarray(self._students.get_indexer(pd.Index(ids, dtype=object)), dtype=np.int64)
        for k in np.flatnonzero(out < 0):
            out[k] = self.code(str(ids[k]))
        return out

    @property
    def rank(self) -> np.ndarray:
        """Position of each code's id in string order."""
        if self._rank is None or len(self._rank) != len(self.ids):
            order = np.argsort(np.asarray(self.ids, dtype=object), kind="stable")
            self._rank = np.empty(len(order), dtype=np.int64)
            self._rank[order] = np.arange(len(order))
        return self._rank

    def class_code(self, codes: np.ndarray) -> np.ndarray:
        """Index into ``class_names`` of each person, −1 for staff and ids not in the roster."""
        student = codes < self.n_students
        return np.where(student, self._class_code[np.where(student, codes, 0)], -1)

    def grade(self, codes: np.ndarray) -> np.ndarray:
        """Grade of each person as a float, NaN for staff and ids not in the roster."""
        student = codes < self.n_students
        return np.where(student, self._grade[np.where(student, codes, 0)], np.nan)


def mixing_codes(
    class_a: np.ndarray, grade_a: np.ndarray, class_b: np.ndarray, grade_b: np.ndarray
) -> np.ndarray:
    """:func:`mixing` on class codes (−1: no class) and grades: indices into ``MIXINGS``."""
    staff = (class_a < 0) | (class_b < 0)
    same_class = (class_a == class_b) & ~staff
    out = np.where(same_class, 0, np.where(grade_a == grade_b, 1, 2))
    return np.where(staff, 3, out)
