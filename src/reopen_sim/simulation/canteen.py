"""Lunch in canteen sittings, with the lane engine at the serving counters and fixed seats.

- The students of a sitting (classes with that ``canteen_sitting`` in the plan, present in school)
  reach the canteen when it opens, spread uniformly over :data:`CANTEEN_ARRIVAL_SPREAD_MIN`.
- They queue at ``canteen.serving_lanes`` counters (shortest line, 1 m apart as at the gate:
  DOMAIN "1 m in the queue"), served in ``canteen.serving_time_s``.
- Seats are fixed (DOMAIN: fixed seats): the sitting's students take the seats allowed by the
  seating rule class by class (scenario order), in student-number order, table after table. They eat
  from being served until the sitting ends (later if served after the end).

Seat numbering, for the exposure model: a table of ``seats_per_table`` seats with ``sides`` sides of
n seats; seats 1..n are side A left to right, n+1..2n side B, and seat n+k faces seat k. Seats used
under each rule (:func:`allowed_seats`) are exactly ``capacity.seats_per_table`` many.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Canteen
from reopen_sim.simulation.gates import GateRun, screen
from reopen_sim.simulation.queue import (
    NO_PLACES,
    Line,
    lane_lines,
    queue_figures,
    queue_steps,
    wait_figures,
)

# Assumption (no figure in the plans): classes walk over when the sitting opens and all are at the
# counters within 5 minutes.
CANTEEN_ARRIVAL_SPREAD_MIN = 5.0


def allowed_seats(seats: int, sides: int, rule: str) -> list[int]:
    """Seat numbers (1-based, numbering above) a table uses under the seating rule.

    - every_seat: all; - skip_a_seat: odd positions on every side;
    - skip_offset (同桌隔位、对桌错位): odd positions on side A, even on side B, so nobody sits beside
      or opposite anyone; - one_side: odd positions of side A.
    """
    n = seats // sides
    odd = [p for p in range(1, n + 1) if p % 2 == 1]
    even = [p for p in range(1, n + 1) if p % 2 == 0]
    if rule == "every_seat":
        return list(range(1, seats + 1))
    if rule == "skip_a_seat":
        return [side * n + p for side in range(sides) for p in odd]
    if rule == "skip_offset":
        return odd + ([n + p for p in even] if sides == 2 else [])
    if rule == "one_side":
        return odd
    raise ValueError(f"unknown seating rule {rule!r}")


def seat_plan(canteen: Canteen, n_students: int) -> list[tuple[int, int] | None]:
    """(table, seat) for the k-th student of a sitting, tables 1-based; None when out of seats."""
    seats = allowed_seats(canteen.seats_per_table, canteen.sides, canteen.seating_rule)
    out: list[tuple[int, int] | None] = []
    for k in range(n_students):
        table, j = divmod(k, len(seats))
        out.append((table + 1, seats[j]) if table < canteen.tables else None)
    return out


@dataclass(frozen=True)
class Sitting:
    """One sitting's students at the counters (input order): when they join, and the counters' run."""

    t_join_min: NDArray[np.float64]
    counters: GateRun
    closes_min: float


def serve_sitting(
    ct: Canteen, sitting: int, u_arrival: NDArray[np.float64], u_service: NDArray[np.float64]
) -> Sitting:
    """The serving stage of one sitting: students reach the canteen ``u_arrival`` ×
    :data:`CANTEEN_ARRIVAL_SPREAD_MIN` after it opens and queue at ``serving_lanes`` counters (shortest
    line), served in the ``u_service`` quantile of ``serving_time_s`` (seconds, converted by the same
    gate stage as the morning screening)."""
    opens = float(cap.sitting_start_min(ct, sitting))
    t_join = opens + u_arrival * CANTEEN_ARRIVAL_SPREAD_MIN
    counters = screen(t_join, u_service, ct.serving_time_s, ct.serving_lanes, "shortest")
    return Sitting(t_join, counters, opens + ct.sitting_min)


def _nan(n: int) -> NDArray[np.float64]:
    return np.full(n, np.nan)


@dataclass(frozen=True)
class Lunch:
    """Every student's lunch (canonical order; NaN for students without a sitting) and the canteen
    metrics of the day (empty when meals are delivered or nobody eats in the canteen)."""

    t_canteen_join: NDArray[np.float64]
    t_canteen_service_start: NDArray[np.float64]
    t_meal_start: NDArray[np.float64]
    t_meal_end: NDArray[np.float64]
    table: NDArray[np.float64]
    seat: NDArray[np.float64]
    metrics: dict[str, float] = field(default_factory=dict)

    @classmethod
    def empty(cls, n: int) -> Lunch:
        return cls(_nan(n), _nan(n), _nan(n), _nan(n), _nan(n), _nan(n))


def lunch_stage(
    ct: Canteen,
    sitting: NDArray[np.int64],
    present: NDArray[np.bool_],
    u_arrival: NDArray[np.float64],
    u_service: NDArray[np.float64],
    spacing_m: float,
) -> Lunch:
    """Lunch for the students present with a sitting (``sitting`` > 0), sitting by sitting: counters
    (:func:`serve_sitting`), then fixed seats (:func:`seat_plan`, canonical order within a sitting);
    a student eats from being served until the sitting ends, or later when served after it."""
    n = len(sitting)
    out = Lunch.empty(n)
    eats = present & (sitting > 0)
    if ct.mode != "sittings" or not eats.any():
        return out
    lines: list[Line] = []
    waits: list[NDArray[np.float64]] = []
    overrun = unseated = 0
    for s_no in np.unique(sitting[eats]):
        idx = np.flatnonzero(eats & (sitting == s_no))  # canonical order: class, number
        st = serve_sitting(ct, int(s_no), u_arrival[idx], u_service[idx])
        out.t_canteen_join[idx] = st.t_join_min
        out.t_canteen_service_start[idx] = st.counters.t_start
        out.t_meal_start[idx] = st.counters.t_end
        out.t_meal_end[idx] = np.maximum(st.closes_min, st.counters.t_end)
        overrun += int((st.counters.t_end > st.closes_min).sum())
        for k, place in zip(idx, seat_plan(ct, idx.size), strict=True):
            if place is None:
                unseated += 1
            else:
                out.table[k], out.seat[k] = place
        waits.append(st.counters.t_start - st.t_join_min)
        lines += lane_lines(
            st.t_join_min, st.counters.t_start, st.counters.lane, ct.serving_lanes, NO_PLACES, "shortest"
        )
    out.metrics.update(_canteen_metrics(lines, np.concatenate(waits), out.t_meal_start, spacing_m))
    out.metrics["canteen_served_after_sitting"] = float(overrun)
    out.metrics["canteen_unseated"] = float(unseated)
    return out


def _canteen_metrics(
    lines: list[Line], wait_min: NDArray[np.float64], t_served: NDArray[np.float64], spacing_m: float
) -> dict[str, float]:
    cq = queue_figures(queue_steps(lines, spacing_m))
    mean_w, p95_w, max_w = wait_figures(wait_min)
    return {
        "canteen_max_queue_people": cq["max_queue_people"],
        "canteen_max_queue_m": cq["max_queue_m"],
        "canteen_mean_wait_min": mean_w,
        "canteen_p95_wait_min": p95_w,
        "canteen_max_wait_min": max_w,
        "canteen_last_served_min": float(np.nanmax(t_served)),
    }
