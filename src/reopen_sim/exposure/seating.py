"""Canteen table geometry: where each seat is, which seats a rule uses, and table-mate pairs.

A table has ``sides`` long sides of n = seats_per_table / sides seats. Seats are numbered from 1:
side A holds seats 1..n, side B seats n+1..2n, and seat n+k faces seat k. Seat centres are
``seat_pitch_m`` apart along a side and ``table_width_m`` across the table, so two seats at
positions i, j are |i−j|·pitch apart on the same side and √(width² + ((i−j)·pitch)²) across.
With the defaults (0.6 m, 0.8 m): beside 0.6 m, facing 0.8 m, diagonal 1.0 m.
Seating rules (DOMAIN 同桌隔位、对桌错位, as counted in ``capacity.seats_per_table``):
every_seat uses all; skip_a_seat uses positions 1,3,5… on each side (people face each other);
skip_offset uses 1,3,5… on side A and 2,4,6… on side B (only diagonal neighbours);
one_side uses 1,3,5… on side A only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopen_sim.exposure.model import DISTANCE_TOL_M

PAIR_COLUMNS = ["a", "b", "minutes", "close_minutes", "distance_m"]


def seat_side_position(
    seat: np.ndarray | int, seats_per_table: int, sides: int
) -> tuple[np.ndarray, np.ndarray]:
    """Side (0 = A, 1 = B) and position along the side (0-based) of 1-based seat numbers."""
    n = seats_per_table // sides
    s = np.asarray(seat, dtype=int) - 1
    return s // n, s % n


def seat_distance_m(
    seat_a: np.ndarray | int,
    seat_b: np.ndarray | int,
    *,
    seats_per_table: int,
    sides: int,
    seat_pitch_m: float,
    table_width_m: float,
) -> np.ndarray:
    """Centre-to-centre distance between two seats of one table, metres."""
    side_a, pos_a = seat_side_position(seat_a, seats_per_table, sides)
    side_b, pos_b = seat_side_position(seat_b, seats_per_table, sides)
    along = np.abs(pos_a - pos_b) * seat_pitch_m
    across = np.where(side_a != side_b, table_width_m, 0.0)
    return np.round(np.hypot(along, across), 9)


def used_seats(seats_per_table: int, sides: int, rule: str) -> list[int]:
    """1-based seat numbers a seating rule uses at one table (same counts as ``seats_per_table``)."""
    n = seats_per_table // sides
    odd = list(range(0, n, 2))  # positions 1, 3, 5… (0-based 0, 2, 4…)
    even = list(range(1, n, 2))
    if rule == "every_seat":
        per_side = [list(range(n))] * sides
    elif rule == "skip_a_seat":
        per_side = [odd] * sides
    elif rule == "skip_offset":
        per_side = [odd, even][:sides]
    elif rule == "one_side":
        per_side = [odd]
    else:
        raise ValueError(f"unknown seating rule {rule!r}")
    return [side * n + pos + 1 for side, positions in enumerate(per_side) for pos in positions]


def canteen_pairs(
    diners: pd.DataFrame,
    *,
    seats_per_table: int,
    sides: int,
    seat_pitch_m: float,
    table_width_m: float,
    threshold_m: float,
) -> pd.DataFrame:
    """Every pair of table-mates of a sitting, with the time both sat and their seat distance.

    ``diners`` has ``student_id, canteen_sitting, table, seat, t_meal_start, t_meal_end``. The whole
    overlap counts as close when the seats are within ``threshold_m``.
    """
    cols = ["student_id", "canteen_sitting", "table", "seat", "t_meal_start", "t_meal_end"]
    d = diners.dropna(subset=cols)[cols]
    if d.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    m = d.merge(d, on=["canteen_sitting", "table"], suffixes=("_a", "_b"))
    m = m[m["student_id_a"] < m["student_id_b"]]
    lo = np.maximum(m["t_meal_start_a"].to_numpy(float), m["t_meal_start_b"].to_numpy(float))
    hi = np.minimum(m["t_meal_end_a"].to_numpy(float), m["t_meal_end_b"].to_numpy(float))
    minutes = np.clip(hi - lo, 0.0, None)
    dist = seat_distance_m(
        m["seat_a"].to_numpy(),
        m["seat_b"].to_numpy(),
        seats_per_table=seats_per_table,
        sides=sides,
        seat_pitch_m=seat_pitch_m,
        table_width_m=table_width_m,
    )
    close = np.where(dist <= threshold_m + DISTANCE_TOL_M, minutes, 0.0)
    keep = minutes > 0
    return pd.DataFrame(
        {
            "a": m["student_id_a"].to_numpy()[keep],
            "b": m["student_id_b"].to_numpy()[keep],
            "minutes": minutes[keep],
            "close_minutes": close[keep],
            "distance_m": dist[keep],
        }
    )
