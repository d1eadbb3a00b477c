"""The fast lane engine: same events as a SimPy model of the same rules; pathwise properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reopen_sim.simulation.lanes import run_lanes, run_lanes_simpy


def _case(seed: int, n: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = 400.0 + np.cumsum(rng.exponential(1.0 / rate, n))
    s = rng.lognormal(-1.0, 0.6, n)
    return rng.permutation(t), s  # input order must not matter


@pytest.mark.parametrize("lane_choice", ["shortest", "shared"])
@pytest.mark.parametrize("lanes", [1, 2, 3, 5])
def test_fast_engine_schedules_the_same_events_as_simpy(lanes: int, lane_choice: str) -> None:
    t, s = _case(lanes, 800, rate=lanes * 2.5)  # load ≈ 0.9 per lane: long queues, many ties of choice
    fast = run_lanes(t, s, lanes, lane_choice)  # type: ignore[arg-type]
    ref = run_lanes_simpy(t, s, lanes, lane_choice)  # type: ignore[arg-type]
    np.testing.assert_array_equal(fast.lane, ref.lane)
    np.testing.assert_allclose(fast.start, ref.start, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.end, ref.end, rtol=0, atol=1e-9)


def test_hand_worked_two_lanes_shortest_line() -> None:
    """Arrivals 0, 0.1, 0.2, 0.3; service 1, 1, 1, 0.5 min; 2 lanes.
    A→lane1 [0,1]; B→lane2 [0.1,1.1]; C: both lanes hold 1 → lane1, starts 1; D: lane1 holds 2,
    lane2 holds 1 → lane2, starts 1.1."""
    t = np.array([0.0, 0.1, 0.2, 0.3])
    s = np.array([1.0, 1.0, 1.0, 0.5])
    r = run_lanes(t, s, 2, "shortest")
    assert r.lane.tolist() == [0, 1, 0, 1]
    np.testing.assert_allclose(r.start, [0.0, 0.1, 1.0, 1.1])
    np.testing.assert_allclose(r.end, [1.0, 1.1, 2.0, 1.6])
    shared = run_lanes(t, s, 2, "shared")
    np.testing.assert_allclose(shared.start, [0.0, 0.1, 1.0, 1.1])


arrivals = st.lists(st.floats(0, 60, allow_nan=False), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(arrivals, st.integers(1, 4), st.floats(0.3, 1.0), st.integers(0, 10_000))
def test_shared_line_faster_screening_or_more_lanes_never_delays_anyone(
    t: list[float], lanes: int, factor: float, seed: int
) -> None:
    """FCFS multi-server (Kiefer–Wolfowitz recursion) is monotone: shorter service times or one more
    lane never make any student start later, path by path."""
    ta = np.asarray(t)
    s = np.random.default_rng(seed).exponential(1.0, ta.size)
    base = run_lanes(ta, s, lanes, "shared")
    faster = run_lanes(ta, s * factor, lanes, "shared")
    more = run_lanes(ta, s, lanes + 1, "shared")
    assert np.all(faster.start <= base.start + 1e-9)
    assert np.all(more.start <= base.start + 1e-9)


@settings(max_examples=60, deadline=None)
@given(arrivals, st.integers(1, 4), st.integers(0, 10_000))
def test_conservation_and_fifo_per_lane(t: list[float], lanes: int, seed: int) -> None:
    ta = np.asarray(t)
    s = np.random.default_rng(seed).exponential(1.0, ta.size)
    for rule in ("shortest", "shared"):
        r = run_lanes(ta, s, lanes, rule)  # type: ignore[arg-type]
        assert np.all(r.start >= ta - 1e-9)
        np.testing.assert_allclose(r.end - r.start, s)
        for j in range(lanes):
            on = np.flatnonzero(r.lane == j)
            order = on[np.argsort(r.start[on], kind="stable")]
            # one at a time per lane, served in order of arrival
            assert np.all(r.start[order][1:] >= r.end[order][:-1] - 1e-9)
            assert np.all(np.diff(ta[order]) >= -1e-12)


def _shortest_by_scanning(t: list[float], s: list[float], lanes: int) -> list[int]:
    """The rule as first written: at each arrival, drop from every lane those who have left
    (departures ≤ now, FIFO from the front), then join the lane holding fewest (lowest on ties)."""
    from collections import deque

    from reopen_sim.simulation.lanes import TIME_EPS_MIN

    present: list[deque[float]] = [deque() for _ in range(lanes)]
    last_end = [-np.inf] * lanes
    out = []
    for ti, si in zip(t, s, strict=True):
        for d in present:
            while d and d[0] <= ti + TIME_EPS_MIN:
                d.popleft()
        best = min(range(lanes), key=lambda j: len(present[j]))
        start = ti if ti > last_end[best] - TIME_EPS_MIN else last_end[best]
        last_end[best] = start + si
        present[best].append(start + si)
        out.append(best)
    return out


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 400), min_size=1, max_size=300),
    st.lists(st.integers(0, 30), min_size=1, max_size=300),
    st.integers(2, 13),
)
def test_the_shortest_lane_rule_matches_a_scan_of_every_lane(
    t_tenths: list[int], s_tenths: list[int], lanes: int
) -> None:
    """Times on a 0.1-min grid: many simultaneous arrivals, departures at arrival instants and
    zero service times, where a heap of departures could part from the rule."""
    t = sorted(x / 10 for x in t_tenths)
    s = [s_tenths[i % len(s_tenths)] / 10 for i in range(len(t))]
    fast = run_lanes(np.array(t), np.array(s), lanes, "shortest")
    assert fast.lane.tolist() == _shortest_by_scanning(t, s, lanes)
