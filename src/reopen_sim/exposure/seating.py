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

from typing import NamedTuple

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


def table_mates(table_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i, j) of rows with the same table key (i = j included), in the order of a
    self-join: by i, then by j (what ``DataFrame.merge`` on the key gives)."""
    order = np.argsort(table_key, kind="stable")
    keys = table_key[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, int)
    sizes = np.diff(np.r_[starts, len(keys)])
    group = np.empty(len(keys), dtype=np.int64)
    group[order] = np.repeat(np.arange(len(starts)), sizes)
    n_mates = sizes[group]  # per row i, its table's size
    left = np.repeat(np.arange(len(table_key)), n_mates)
    offset = np.arange(len(left)) - np.repeat(np.cumsum(n_mates) - n_mates, n_mates)
    right = order[starts[group[left]] + offset]
    return left, right


class TablePairs(NamedTuple):
    """Table-mates of a sitting: rows (into the arrays given) of the two diners, ``a`` before ``b``."""

    a: np.ndarray
    b: np.ndarray
    minutes: np.ndarray
    close_minutes: np.ndarray
    distance_m: np.ndarray


def table_pairs(
    table_key: np.ndarray,
    rank: np.ndarray,
    seat: np.ndarray,
    t_start: np.ndarray,
    t_end: np.ndarray,
    *,
    seats_per_table: int,
    sides: int,
    seat_pitch_m: float,
    table_width_m: float,
    threshold_m: float,
) -> TablePairs:
    """Every pair of diners at one table (same ``table_key``: sitting and table) who sat at the same
    time, with the overlap of ``[t_start, t_end)`` and their seat distance; ``rank`` orders the
    diners (ids as strings): ``a`` ranks before ``b``. The whole overlap is close when the seats
    are within ``threshold_m``."""
    left, right = table_mates(table_key)
    keep = rank[left] < rank[right]
    left, right = left[keep], right[keep]
    lo = np.maximum(t_start[left], t_start[right])
    hi = np.minimum(t_end[left], t_end[right])
    minutes = np.clip(hi - lo, 0.0, None)
    dist = seat_distance_m(
        seat[left],
        seat[right],
        seats_per_table=seats_per_table,
        sides=sides,
        seat_pitch_m=seat_pitch_m,
        table_width_m=table_width_m,
    )
    close = np.where(dist <= threshold_m + DISTANCE_TOL_M, minutes, 0.0)
    keep = minutes > 0
    return TablePairs(left[keep], right[keep], minutes[keep], close[keep], dist[keep])


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
    ids = d["student_id"].to_numpy(object)
    t = table_pairs(
        d.groupby(["canteen_sitting", "table"], sort=False).ngroup().to_numpy(),
        pd.factorize(ids, sort=True)[0],
        d["seat"].to_numpy(),
        d["t_meal_start"].to_numpy(float),
        d["t_meal_end"].to_numpy(float),
        seats_per_table=seats_per_table,
        sides=sides,
        seat_pitch_m=seat_pitch_m,
        table_width_m=table_width_m,
        threshold_m=threshold_m,
    )
    return pd.DataFrame(
        {
            "a": ids[t.a],
            "b": ids[t.b],
            "minutes": t.minutes,
            "close_minutes": t.close_minutes,
            "distance_m": t.distance_m,
        }
    )
