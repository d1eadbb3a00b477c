"""Room-mates and dorm-mates: cliques, summarised per class instead of listed pair by pair.

A room hosts one class (docs/design.md, rules shared by optimizer and checker), so room-mates are
classmates in the same room. A student is in the room from ``t_room`` until the class's dismissal
time in the plan, except during their canteen sitting ``[t_meal_start, t_meal_end)``; two
students share the room for the overlap of those presences. A student who never reached a room
(isolated, held) shares none. Boarders of a class share dorm rooms (``people.roster``) for
``ContactModel.dorm_night_min`` when both came to school that day. Time shared in a closed room
counts as close-contact time whatever the distance: ECDC counts "in a closed environment
(e.g. classroom …) with a case for more than 15 minutes" as a high-risk exposure (ECDC, *Contact
tracing: public health management of persons … who have had contact with COVID-19 cases*,
3rd update, Nov 2020), and the school plans name "the same class, dormitory room" (DOMAIN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from reopen_sim.plan import Plan

OCCUPANCY_COLUMNS = ["student_id", "class_id", "grade", "room", "dorm", "present", "s1", "e1", "s2", "e2"]


def occupancy(trace: pd.DataFrame, plan: Plan, dorms: pd.Series) -> pd.DataFrame:
    """Each student's room and presence as two intervals ``[s1, e1) ∪ [s2, e2)`` (minutes).

    ``dorms`` maps student_id → dorm id (None for day students). Absent students get empty
    intervals and room None.
    """
    leave_by_class = {a.class_id: float(a.dismissal_min) for a in plan.assignments}
    t = trace
    present = t["t_room"].notna().to_numpy() & t["room"].notna().to_numpy()
    leave = t["class_id"].map(leave_by_class).to_numpy(float)
    t_room = t["t_room"].to_numpy(float)
    start = np.where(present, t_room, 0.0)
    end = np.where(present, np.maximum(leave, start), 0.0)
    ms = t["t_meal_start"].to_numpy(float) if "t_meal_start" in t else np.full(len(t), np.nan)
    me = t["t_meal_end"].to_numpy(float) if "t_meal_end" in t else np.full(len(t), np.nan)
    eats = present & ~np.isnan(ms) & ~np.isnan(me)
    e1 = np.where(eats, np.clip(ms, start, end), end)
    s2 = np.where(eats, np.clip(me, start, end), end)
    room = t["room"].where(present, None)
    return pd.DataFrame(
        {
            "student_id": t["student_id"].to_numpy(),
            "class_id": t["class_id"].to_numpy(),
            "grade": t["grade"].to_numpy(),
            "room": room.to_numpy(),
            "dorm": t["student_id"].map(dorms).to_numpy(),
            "present": present,
            "s1": start,
            "e1": e1,
            "s2": s2,
            "e2": end,
        }
    )


def codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer codes of ids (rooms, dorms), −1 for missing: cheap equality tests in matrices."""
    c, _ = pd.factorize(pd.Series(np.asarray(values, dtype=object)), use_na_sentinel=True)
    return np.asarray(c, dtype=np.int64)


def overlap_matrix(s: np.ndarray, e: np.ndarray, room_code: np.ndarray) -> np.ndarray:
    """n×n shared minutes of presences ``[s[:,0],e[:,0]) ∪ [s[:,1],e[:,1])`` in the same room (code ≥ 0)."""
    total = np.zeros((len(s), len(s)))
    for i in range(2):
        for j in range(2):
            total += np.clip(
                np.minimum(e[:, i, None], e[None, :, j]) - np.maximum(s[:, i, None], s[None, :, j]), 0, None
            )
    same = (room_code[:, None] == room_code[None, :]) & (room_code >= 0)[:, None]
    total = np.where(same, total, 0.0)
    np.fill_diagonal(total, 0.0)
    return total


def dorm_matrix(dorm_code: np.ndarray, present: np.ndarray, dorm_night_min: float) -> np.ndarray:
    """n×n minutes shared in a dorm room: same dorm (code ≥ 0) and both came to school that day."""
    here = present & (dorm_code >= 0)
    same = (dorm_code[:, None] == dorm_code[None, :]) & here[:, None] & here[None, :]
    out = np.where(same, float(dorm_night_min), 0.0)
    np.fill_diagonal(out, 0.0)
    return out


def shared_room_minutes(occ: pd.DataFrame) -> np.ndarray:
    """n×n minutes each pair of ``occ`` rows shared a room (0 on the diagonal and across rooms)."""
    return overlap_matrix(
        occ[["s1", "s2"]].to_numpy(float), occ[["e1", "e2"]].to_numpy(float), codes(occ["room"])
    )


def shared_dorm_minutes(occ: pd.DataFrame, dorm_night_min: float) -> np.ndarray:
    """n×n minutes each pair of ``occ`` rows shared a dorm room (both came to school that day)."""
    return dorm_matrix(codes(occ["dorm"]), occ["present"].to_numpy(bool), dorm_night_min)
