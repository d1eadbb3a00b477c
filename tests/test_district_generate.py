"""The district generator: reproducible, mixed kinds in the stated shares, valid schools."""

from __future__ import annotations

import numpy as np
from scipy import stats

from reopen_sim.district.generate import KIND_SHARES, STUDENTS_RANGE, generate_district
from reopen_sim.district.sweep import prepare
from reopen_sim.scenario.schema import Scenario


def test_same_seed_same_district_and_prefix_stable() -> None:
    a, b = generate_district(8, seed=5), generate_district(8, seed=5)
    assert [s.raw for s in a.schools] == [s.raw for s in b.schools]
    longer = generate_district(12, seed=5)
    assert [s.raw for s in longer.schools[:8]] == [s.raw for s in a.schools]
    assert [s.raw for s in generate_district(8, seed=6).schools] != [s.raw for s in a.schools]


def test_kinds_follow_the_stated_shares() -> None:
    d = generate_district(400, seed=1)
    kinds = [s.raw["school"]["kind"] for s in d.schools]  # type: ignore[index]
    observed = np.array([kinds.count(k) for k in KIND_SHARES])
    expected = np.array(list(KIND_SHARES.values())) * len(kinds)
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_every_school_is_valid_and_sized_by_kind() -> None:
    d = generate_district(30, seed=2)
    for s in d.schools:
        sc = prepare(s, d.what_ifs[0])
        assert isinstance(sc, Scenario), (s.name, getattr(sc, "reason", ""))
        lo, hi = STUDENTS_RANGE[sc.school.kind]
        assert lo <= sc.n_students <= hi
    small = generate_district(10, seed=2, max_students=300)
    assert all(sum(c["students"] for c in s.raw["classes"]) <= 300 for s in small.schools)  # type: ignore[index]
    assert len({s.name for s in d.schools}) == 30
