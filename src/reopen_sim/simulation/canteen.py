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

from reopen_sim.scenario.schema import Canteen

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
