"""Queue neighbours: who stood next to whom in a single-file lane, for how long, how far apart.

Model (docs/design.md "Exposure"): a lane is FIFO, so neighbours are consecutive students of the
lane ordered by the time they join; the pair is in contact while both wait, over
``[max(join), min(leave))`` (docs/design.md "Simulation trace"). The first ``places`` positions of
a lane are the marked places, one ``spacing_m`` apart (DOMAIN: markers every 1 m); a student
standing further back has spilled past the markers, where people close up to ``spill_spacing_m``
(Fruin's queuing LOS D, see :class:`~reopen_sim.exposure.model.ContactModel`). A pair's gap is
marked once the rear student has reached the marked places. With FIFO service, the student at
rank j (from 0) of a lane stands within the first ``places`` positions from the moment the
student ``places`` ranks ahead leaves the queue, ``leave[j - places]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from reopen_sim.exposure.model import DISTANCE_TOL_M

PAIR_COLUMNS = ["a", "b", "minutes", "close_minutes", "distance_m"]


class LanePairs(NamedTuple):
    """Neighbour pairs in lane queues: rows (into the arrays given) of the student ahead and behind."""

    ahead: np.ndarray
    behind: np.ndarray
    minutes: np.ndarray
    close_minutes: np.ndarray
    distance_m: np.ndarray


def lane_neighbours(
    gate_rank: np.ndarray,
    lane: np.ndarray,
    t_join: np.ndarray,
    t_leave: np.ndarray,
    tiebreak: np.ndarray,
    places: np.ndarray,
    *,
    spacing_m: float,
    spill_spacing_m: float,
    threshold_m: float,
) -> LanePairs:
    """Neighbour pairs of people queueing in lanes, in (gate, lane, join, leave, tiebreak) order.

    One entry per person, none missing: ``gate_rank`` (gates in the order their ids sort),
    ``lane``, ``t_join``/``t_leave`` (minutes), ``tiebreak`` (distinct per person: the order ids
    sort), ``places`` (the gate's marked places per lane; 0: all spilled).
    """
    order = np.lexsort((tiebreak, t_leave, t_join, lane, gate_rank))
    g, ln, join, leave, p = gate_rank[order], lane[order], t_join[order], t_leave[order], places[order]
    n = len(order)
    row = np.arange(n)
    first = np.r_[True, (g[1:] != g[:-1]) | (ln[1:] != ln[:-1])] if n else np.zeros(0, bool)
    rank = row - np.maximum.accumulate(np.where(first, row, 0)) if n else row
    # When the rear student reaches the marked places: leave time of the student p ranks ahead.
    marked_from = np.where(rank >= p, leave[np.maximum(row - p, 0)], -np.inf)
    marked_from = np.where(p == 0, np.inf, marked_from)  # no marked space at all: always spilled
    ahead_leave = np.r_[np.nan, leave[:-1]] if n else leave
    lo = join  # sorted by join time, so the rear student joined last
    hi = np.minimum(ahead_leave, leave)
    has = (rank >= 1) & (hi > lo)
    lo, hi, mf = lo[has], hi[has], marked_from[has]
    spill_min = np.clip(np.minimum(hi, mf) - lo, 0.0, None)
    marked_min = np.clip(hi - np.maximum(lo, mf), 0.0, None)
    minutes = hi - lo
    close = np.zeros_like(minutes)
    if spacing_m <= threshold_m + DISTANCE_TOL_M:
        close += marked_min
    if spill_spacing_m <= threshold_m + DISTANCE_TOL_M:
        close += spill_min
    distance = np.where(spill_min > 0, min(spill_spacing_m, spacing_m), spacing_m)
    behind = order[has]
    return LanePairs(order[row[has] - 1], behind, minutes, close, distance)


def queue_pairs(
    people: pd.DataFrame,
    *,
    places: Mapping[str, int],
    spacing_m: float,
    spill_spacing_m: float,
    threshold_m: float,
    join: str = "t_join",
    leave: str = "t_leave",
) -> pd.DataFrame:
    """Neighbour pairs in lane queues.

    ``people`` has ``student_id, gate, lane`` and the ``join``/``leave`` time columns (minutes);
    ``places`` maps gate → marked places per lane. Returns one row per pair that overlapped:
    ``a`` (ahead), ``b`` (behind), ``minutes`` (time both waited), ``close_minutes`` (part of it at a
    spacing ≤ ``threshold_m``), ``distance_m`` (the smallest spacing they stood at).
    """
    df = people.dropna(subset=[join, leave, "lane"])
    if df.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    gate_rank, gates = pd.factorize(df["gate"], sort=True)
    ids = df["student_id"].to_numpy(object)
    q = lane_neighbours(
        np.where(gate_rank < 0, len(gates), gate_rank),  # a missing gate sorts last
        df["lane"].to_numpy(float),
        df[join].to_numpy(float),
        df[leave].to_numpy(float),
        pd.factorize(ids, sort=True)[0],
        df["gate"].map(places).fillna(0).to_numpy(int),
        spacing_m=spacing_m,
        spill_spacing_m=spill_spacing_m,
        threshold_m=threshold_m,
    )
    return pd.DataFrame(
        {
            "a": ids[q.ahead],
            "b": ids[q.behind],
            "minutes": q.minutes,
            "close_minutes": q.close_minutes,
            "distance_m": q.distance_m,
        }
    )
