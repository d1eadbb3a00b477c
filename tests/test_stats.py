"""The one interval of the project (reopen_sim.stats.mean_ci): rule, fallbacks, reproducibility.
Its coverage on the real pipeline is measured in tests/test_simulate_coverage.py (slow)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats as sps

from reopen_sim.stats import (
    MIN_BOOTSTRAP_N,
    RECOMMENDED_MIN_N,
    FewReplicationsWarning,
    bootstrap_t_interval,
    mean_ci,
    t_interval,
)


def _quiet_mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicationsWarning)
        return mean_ci(x)


def test_t_interval_hand_worked() -> None:
    # 1..5: mean 3, s = sqrt(2.5), t_{0.975,4} = 2.7764 -> half-width 2.7764 * 1.5811 / 2.2361 = 1.9632
    lo, hi = t_interval(np.array([1.0, 2, 3, 4, 5]))
    assert hi - 3.0 == pytest.approx(1.9632, abs=1e-4) and 3.0 - lo == pytest.approx(1.9632, abs=1e-4)


def test_few_values_fall_back_to_student_t_and_warn() -> None:
    x = np.array([1.0, 2.0, 4.0, 7.0])
    assert x.size < MIN_BOOTSTRAP_N
    with pytest.warns(FewReplicationsWarning):
        m, lo, hi = mean_ci(x)
    assert m == 3.5 and (lo, hi) == pytest.approx(t_interval(x))


def test_no_warning_from_enough_replications() -> None:
    x = np.random.default_rng(1).normal(size=RECOMMENDED_MIN_N)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewReplicationsWarning)
        mean_ci(x)


def test_degenerate_cases() -> None:
    assert all(math.isnan(v) for v in mean_ci(np.array([])))
    m, lo, hi = mean_ci(np.array([4.0]))
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi)
    assert _quiet_mean_ci(np.array([2.0, np.nan, 4.0]))[0] == 3.0  # NaN dropped
    assert mean_ci(np.full(12, 0.1)) == (pytest.approx(0.1), pytest.approx(0.1), pytest.approx(0.1))


def test_a_mostly_constant_count_falls_back_to_student_t() -> None:
    """Students held: 0 on 11 days, 1 on one. A third of the resamples are all zeros (no spread,
    t* undefined): the Student-t interval is used."""
    x = np.array([0.0] * 11 + [1.0])
    assert bootstrap_t_interval(x) is None
    assert mean_ci(x)[1:] == pytest.approx(t_interval(x))


def test_same_values_same_interval_in_any_order() -> None:
    x = np.random.default_rng(5).lognormal(0.0, 1.0, 15)
    a = mean_ci(x)
    assert mean_ci(x.copy()) == a
    m, lo, hi = mean_ci(x[::-1])
    assert (lo, hi) == a[1:] and m == pytest.approx(a[0], rel=1e-15)  # the mean's rounding may differ
    assert mean_ci(x * 1.0001)[1:] != a[1:]


def test_right_skewed_values_give_a_longer_upper_side() -> None:
    """Per-replication mean waits are right-skewed; the bootstrap-t interval follows the skew where
    the Student-t interval is symmetric."""
    x = np.random.default_rng(7).lognormal(0.0, 1.0, 20)
    m, lo, hi = mean_ci(x)
    assert hi - m > 1.3 * (m - lo)


def test_large_symmetric_sample_matches_student_t() -> None:
    """Bootstrap-t is second-order correct: on 400 normal values it is the t interval within 5%."""
    x = np.random.default_rng(9).normal(10.0, 2.0, 400)
    m, lo, hi = mean_ci(x)
    t_lo, t_hi = t_interval(x)
    assert hi - lo == pytest.approx(t_hi - t_lo, rel=0.05)
    assert (lo + hi) / 2 == pytest.approx(m, abs=0.05 * (t_hi - t_lo))


def test_coverage_on_normal_data_is_nominal() -> None:
    """2,000 experiments of n = 10 normal replications: coverage within a 99.9% binomial band of 0.95."""
    rng = np.random.default_rng(2024)
    trials, n, true = 2000, 10, 7.0
    hits = sum(lo <= true <= hi for _, lo, hi in (mean_ci(rng.normal(true, 3.0, n)) for _ in range(trials)))
    band = sps.norm.ppf(0.9995) * math.sqrt(0.95 * 0.05 / trials)
    assert abs(hits / trials - 0.95) < band
