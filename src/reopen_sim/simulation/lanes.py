"""The lane engine: FIFO screening lanes at a gate, a serving counter or an exit.

One function serves the morning gates, the canteen counters and the dismissal exits, and the
queueing-theory tests drive the very same function (see :mod:`reopen_sim.simulation.stationary`).

Each lane is a single server with a FIFO line, so a student's times follow Lindley's recursion
(Lindley 1952): ``start = max(arrival, previous departure of the lane)``, ``end = start + service``.
That recursion *is* the discrete-event simulation of a FIFO single-server line — SimPy would schedule
exactly the same events (the test suite checks this against a SimPy ``Resource`` model) — but runs
without per-student process overhead. What couples the lanes is the lane choice rule:

- ``"shortest"`` (default; one person per lane, 单人单道): an arriving student joins the lane with
  the fewest people (waiting plus being screened); ties go to the lowest lane number. Students never
  switch lanes afterwards.
- ``"shared"``: one common line (a double gate's closed queuing zone, DOMAIN) feeding all lanes; the
  student at its head goes to the first lane to become free (ties: the lane free longest, then
  the lowest number). This is the M/M/c discipline of Erlang C.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

LaneChoice = Literal["shortest", "shared"]

# Two instants closer than this (minutes; 60 ns) are the same instant. Without it, floating-point
# rounding in "join = previous join + gap" makes single-file walkers wait 1e-13 min and count as a
# queue at dismissal.
TIME_EPS_MIN = 1e-9
LANE_CHOICES: tuple[str, ...] = ("shortest", "shared")


@dataclass(frozen=True)
class LaneRun:
    """Outcome per customer, aligned with the input order. ``lane`` is 0-based."""

    lane: NDArray[np.int64]
    start: NDArray[np.float64]
    end: NDArray[np.float64]


def _one_lane(ts: list[float], ss: list[float]) -> tuple[list[int], list[float], list[float]]:
    """Lindley's recursion on one lane, customers in arrival order."""
    n = len(ts)
    start_out = [0.0] * n
    end_out = [0.0] * n
    last = -np.inf
    for k in range(n):
        s = ts[k] if ts[k] > last - TIME_EPS_MIN else last
        last = s + ss[k]
        start_out[k] = s
        end_out[k] = last
    return [0] * n, start_out, end_out


def _shortest(ts: list[float], ss: list[float], lanes: int) -> tuple[list[int], list[float], list[float]]:
    """Each arrival joins the lane holding the fewest people (ties: lowest lane), then Lindley per lane.

    A person counts in their lane until an arrival comes at or after their departure (within
    ``TIME_EPS_MIN``). One heap of departures tells, per arrival, who has left: each person is pushed
    and popped once, and the lane counts are a list whose minimum ``min``/``index`` find in C. (A
    scan of every lane per arrival, dropping those who have left from its front, cost twice as much
    at the 12 canteen counters; tests/test_simulate_lanes.py checks both give the same lanes.) The
    two agree although a lane's departures can decrease: only by less than ``TIME_EPS_MIN`` (a start
    taken at an arrival within it of the previous end, with no service time), and every later
    arrival's horizon is past the previous end then, so both are gone at the same arrival."""
    n = len(ts)
    lane_out = [0] * n
    start_out = [0.0] * n
    end_out = [0.0] * n
    count = [0] * lanes  # people in each lane (waiting or being served)
    leaving: list[tuple[float, int]] = []  # (departure, lane) of everyone in a lane
    last_end = [-np.inf] * lanes
    heappop, heappush = heapq.heappop, heapq.heappush
    for k in range(n):
        t = ts[k]
        horizon = t + TIME_EPS_MIN
        while leaving and leaving[0][0] <= horizon:
            count[heappop(leaving)[1]] -= 1
        best = count.index(min(count))
        s = t if t > last_end[best] - TIME_EPS_MIN else last_end[best]
        e = s + ss[k]
        last_end[best] = e
        heappush(leaving, (e, best))
        count[best] += 1
        lane_out[k] = best
        start_out[k] = s
        end_out[k] = e
    return lane_out, start_out, end_out


def _shared(ts: list[float], ss: list[float], lanes: int) -> tuple[list[int], list[float], list[float]]:
    """One line; its head takes the lane free first (ties: free longest, then lowest number)."""
    n = len(ts)
    lane_out = [0] * n
    start_out = [0.0] * n
    end_out = [0.0] * n
    free = [(-np.inf, j) for j in range(lanes)]
    heapq.heapify(free)
    for k in range(n):
        t_free, j = heapq.heappop(free)
        s = ts[k] if ts[k] > t_free - TIME_EPS_MIN else t_free
        e = s + ss[k]
        heapq.heappush(free, (e, j))
        lane_out[k] = j
        start_out[k] = s
        end_out[k] = e
    return lane_out, start_out, end_out


def run_lanes(
    t_arrive: NDArray[np.float64],
    service: NDArray[np.float64],
    lanes: int,
    lane_choice: LaneChoice = "shortest",
) -> LaneRun:
    """Serve customers arriving at ``t_arrive`` with durations ``service`` (same time unit) on
    ``lanes`` FIFO lanes under ``lane_choice``. Customers are taken in order of arrival (ties in input
    order)."""
    if lanes < 1:
        raise ValueError("at least one lane must be open")
    order = np.argsort(t_arrive, kind="stable")
    ts = t_arrive[order].tolist()
    ss = service[order].tolist()
    # plain Python loops over floats: the recursion is sequential, and per-element numpy is slower
    if lane_choice == "shortest":
        out = _one_lane(ts, ss) if lanes == 1 else _shortest(ts, ss, lanes)
    elif lane_choice == "shared":
        out = _shared(ts, ss, lanes)
    else:
        raise ValueError(f"lane_choice must be one of {LANE_CHOICES}, got {lane_choice!r}")
    n = len(ts)
    lane_arr = np.empty(n, dtype=np.int64)
    start_arr = np.empty(n, dtype=np.float64)
    end_arr = np.empty(n, dtype=np.float64)
    lane_arr[order], start_arr[order], end_arr[order] = out
    return LaneRun(lane_arr, start_arr, end_arr)


def run_lanes_simpy(
    t_arrive: NDArray[np.float64],
    service: NDArray[np.float64],
    lanes: int,
    lane_choice: LaneChoice = "shortest",
) -> LaneRun:
    """The same rules as :func:`run_lanes`, written as a SimPy process model (one ``Resource`` per
    lane, or one shared ``Resource`` of capacity ``lanes``). Slow; kept as the reference the fast
    engine is tested against."""
    import simpy

    n = len(t_arrive)
    env = simpy.Environment(initial_time=float(np.min(t_arrive)) if n else 0.0)
    lane_out = np.zeros(n, dtype=np.int64)
    start_out = np.zeros(n, dtype=np.float64)
    end_out = np.zeros(n, dtype=np.float64)
    if lane_choice == "shortest":
        res = [simpy.Resource(env, capacity=1) for _ in range(lanes)]
    else:
        shared = simpy.Resource(env, capacity=lanes)
        slots: list[tuple[float, int]] = [(-np.inf, j) for j in range(lanes)]
        heapq.heapify(slots)

    def customer(i: int) -> Generator[Any, Any, None]:
        yield env.timeout(float(t_arrive[i]) - env.now)
        if lane_choice == "shortest":
            sizes = [r.count + len(r.queue) for r in res]
            j = sizes.index(min(sizes))
            with res[j].request() as req:
                yield req
                start_out[i] = env.now
                yield env.timeout(float(service[i]))
                end_out[i] = env.now
            lane_out[i] = j
        else:
            with shared.request() as req:
                yield req
                _, j = heapq.heappop(slots)
                start_out[i] = env.now
                yield env.timeout(float(service[i]))
                end_out[i] = env.now
                heapq.heappush(slots, (env.now, j))
            lane_out[i] = j

    for i in np.argsort(t_arrive, kind="stable"):
        env.process(customer(int(i)))
    env.run()
    return LaneRun(lane_out, start_out, end_out)
