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

import numpy as np
import pandas as pd

from reopen_sim.exposure.model import DISTANCE_TOL_M

PAIR_COLUMNS = ["a", "b", "minutes", "close_minutes", "distance_m"]


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
    df = df.sort_values(["gate", "lane", join, leave, "student_id"], kind="mergesort")
    grp = df.groupby(["gate", "lane"], sort=False)
    t_join = df[join].to_numpy(float)
    t_leave = df[leave].to_numpy(float)
    ahead_id = grp["student_id"].shift(1)
    ahead_leave = grp[leave].shift(1).to_numpy(float)
    rank = grp.cumcount().to_numpy()
    p = df["gate"].map(places).fillna(0).to_numpy(int)
    # When the rear student reaches the marked places: leave time of the student p ranks ahead.
    marked_from = np.full(len(df), -np.inf)
    for n_places in np.unique(p):
        sel = p == n_places
        if n_places == 0:
            marked_from[sel] = np.inf  # no marked space at all: always spilled
            continue
        if n_places >= len(df):
            continue  # more places than people: nobody spills
        shifted = grp[leave].shift(int(n_places)).to_numpy(float)
        marked_from[sel] = np.where(rank[sel] >= n_places, shifted[sel], -np.inf)
    lo = t_join  # sorted by join time, so the rear student joined last
    hi = np.minimum(ahead_leave, t_leave)
    has = ahead_id.notna().to_numpy() & (hi > lo)
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
    return pd.DataFrame(
        {
            "a": ahead_id.to_numpy()[has],
            "b": df["student_id"].to_numpy()[has],
            "minutes": minutes,
            "close_minutes": close,
            "distance_m": distance,
        }
    )
