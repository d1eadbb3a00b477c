"""Coverage of the project's interval (reopen_sim.stats.mean_ci) on the real pipeline.

``rs.simulate`` on a one-gate school near saturation (ρ = 0.9 over a 33-minute window, 300
students): each day's mean wait is right-skewed (skewness ≈ 2), the case where the Student-t
interval over 10 replications covered the mean only ~91% of the time. 5,000 independent days give
the long-run mean (its own standard error is ~1/7 of a 10-replication interval's half-width); 500
disjoint experiments of 10 days each count how often the 95% interval covers it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import reopen_sim as rs
from one_gate import one_gate_school
from reopen_sim.stats import FewReplicationsWarning, mean_ci, t_interval

N_PER_EXPERIMENT = 10
EXPERIMENTS = 500


def _daily_mean_waits(total: int) -> np.ndarray:
    sc, plan = one_gate_school(3, 100, round(300 / (0.9 * 10.0)), {"dist": "exponential", "mean": 6.0})
    chunks = []
    for k in range(total // 1000):  # in chunks, so that the traces of 5,000 days are never all in memory
        res = rs.simulate(sc, plan, replications=1000, seed=500 + k)
        m = res.metrics()
        chunks.append(m.loc[m["gate"] == "gate", "mean_wait_min"].to_numpy())
    return np.concatenate(chunks)


@pytest.mark.slow
def test_mean_ci_keeps_its_coverage_at_ten_replications_on_skewed_days() -> None:
    x = _daily_mean_waits(N_PER_EXPERIMENT * EXPERIMENTS)
    reference = float(x.mean())
    groups = x.reshape(EXPERIMENTS, N_PER_EXPERIMENT)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewReplicationsWarning)  # 10 is enough: no warning
        ours = np.mean([lo <= reference <= hi for _, lo, hi in (mean_ci(g) for g in groups)])
    student = np.mean([lo <= reference <= hi for lo, hi in (t_interval(g) for g in groups)])
    # Bootstrap-t narrows the gap but does not close it on figures this skewed: 20,000 days gave
    # 0.933 ± 0.010 against Student-t's 0.914 (docs/design.md). Checked: within 3 points of 0.95 up
    # to the 99% binomial noise of 500 experiments, and above Student-t on the same experiments.
    floor = 0.92 - 2.576 * math.sqrt(0.92 * 0.08 / EXPERIMENTS)
    assert ours >= floor, f"coverage {ours:.3f} below {floor:.3f} (Student-t: {student:.3f})"
    assert ours > student, f"coverage {ours:.3f} not above Student-t's {student:.3f}"
