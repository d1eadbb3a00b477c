"""Queue figures read off the step function of people waiting: hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from reopen_sim.simulation.queue import Line, queue_figures, queue_steps, time_weighted_quantile


def _one_line(t_join: list[float], t_start: list[float]) -> dict[str, float]:
    return queue_figures(queue_steps([Line(np.asarray(t_join), np.asarray(t_start), 100)], spacing_m=1.0))


def test_p95_queue_is_weighted_by_time_not_by_events() -> None:
    """A waits [0, 100); B, C, D, E join at 96.0, 96.1, 96.2, 96.3 and all start at 100.
    People waiting: 1 on [0, 96), 2, 3, 4 for 0.1 min each, 5 on [96.3, 100), 0 from 100.
    Over [0, 100] the queue is ≤ 1 for 96% of the time, so the time-weighted p95 is 1; the five steps
    (1, 2, 3, 4, 5) counted per event would put p95 at 5."""
    f = _one_line([0.0, 96.0, 96.1, 96.2, 96.3], [100.0] * 5)
    assert f["p95_queue_people"] == 1.0
    assert f["max_queue_people"] == 5.0
    assert np.percentile([1, 2, 3, 4, 5], 95) > 4  # the unweighted figure the rule must not give


def test_p95_queue_when_the_crowd_lasts_more_than_five_percent() -> None:
    """Same, but B-E join at 94.0-94.3: ≤ 1 for 94%, ≤ 2 94.1%, ≤ 3 94.2%, ≤ 4 94.3% of the time,
    ≤ 5 always: the 95% point is 5."""
    f = _one_line([0.0, 94.0, 94.1, 94.2, 94.3], [100.0] * 5)
    assert f["p95_queue_people"] == 5.0


def test_time_weighted_quantile_hand_worked() -> None:
    """Values 0 for 3 min, 2 for 1 min, 1 for 6 min: the queue is ≤ 0 30% of the time, ≤ 1 90%,
    ≤ 2 always; so q = 0.3 → 0, 0.5 → 1, 0.9 → 1, 0.95 → 2."""
    values = np.array([0, 2, 1, 0])
    times = np.array([0.0, 3.0, 4.0, 10.0])
    got = [time_weighted_quantile(values, times, q) for q in (0.3, 0.5, 0.9, 0.95)]
    assert got == [0.0, 1.0, 1.0, 2.0]


def test_spill_and_metres_hand_worked() -> None:
    """Two lines with 2 places each at 1.5 m: 4 wait in line 1 and 1 in line 2 at the peak.
    Spill: 2 people (line 1), 3 m; reach of the longest line 4 × 1.5 = 6 m."""
    a = Line(np.array([0.0, 0.1, 0.2, 0.3]), np.array([5.0, 5.0, 5.0, 5.0]), 2)
    b = Line(np.array([0.0]), np.array([5.0]), 2)
    f = queue_figures(queue_steps([a, b], spacing_m=1.5))
    assert f["max_queue_people"] == 5.0
    assert f["max_queue_m"] == pytest.approx(6.0)
    assert f["max_spill_people"] == 2.0
    assert f["max_spill_m"] == pytest.approx(3.0)
