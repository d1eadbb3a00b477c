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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reopen_sim.plan import Plan

OCCUPANCY_COLUMNS = ["student_id", "class_id", "grade", "room", "dorm", "present", "s1", "e1", "s2", "e2"]


def presence(
    t_room: np.ndarray,
    has_room: np.ndarray,
    leave: np.ndarray,
    t_meal_start: np.ndarray,
    t_meal_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``present, s1, e1, s2, e2``: in the room from ``t_room`` to the class's ``leave`` (minutes)
    except during a canteen sitting ``[t_meal_start, t_meal_end)`` (NaN: no sitting); absent
    (no ``t_room`` or no room): empty intervals."""
    present = ~np.isnan(t_room) & has_room
    start = np.where(present, t_room, 0.0)
    end = np.where(present, np.maximum(leave, start), 0.0)
    eats = present & ~np.isnan(t_meal_start) & ~np.isnan(t_meal_end)
    e1 = np.where(eats, np.clip(t_meal_start, start, end), end)
    s2 = np.where(eats, np.clip(t_meal_end, start, end), end)
    return present, start, e1, s2, end


def occupancy(trace: pd.DataFrame, plan: Plan, dorms: pd.Series) -> pd.DataFrame:
    """Each student's room and presence as two intervals ``[s1, e1) ∪ [s2, e2)`` (minutes).

    ``dorms`` maps student_id → dorm id (None for day students). Absent students get empty
    intervals and room None.
    """
    leave_by_class = {a.class_id: float(a.dismissal_min) for a in plan.assignments}
    t = trace
    nan = np.full(len(t), np.nan)
    present, s1, e1, s2, e2 = presence(
        t["t_room"].to_numpy(float),
        t["room"].notna().to_numpy(),
        t["class_id"].map(leave_by_class).to_numpy(float),
        t["t_meal_start"].to_numpy(float) if "t_meal_start" in t else nan,
        t["t_meal_end"].to_numpy(float) if "t_meal_end" in t else nan,
    )
    room = t["room"].where(present, None)
    return pd.DataFrame(
        {
            "student_id": t["student_id"].to_numpy(),
            "class_id": t["class_id"].to_numpy(),
            "grade": t["grade"].to_numpy(),
            "room": room.to_numpy(),
            "dorm": t["student_id"].map(dorms).to_numpy(),
            "present": present,
            "s1": s1,
            "e1": e1,
            "s2": s2,
            "e2": e2,
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


@dataclass(frozen=True)
class ClassPairs:
    """Every pair of classmates ``i < j`` (roster rows), class after class, each class's pairs in
    ``np.triu_indices`` order: the upper triangles of the per-class n×n matrices, laid end to end
    (``bounds[k]:bounds[k + 1]`` are class k's). ``dorm`` lists the pairs sharing a dorm room.
    Depends on the roster only, so it is built once and serves every replication."""

    i: np.ndarray
    j: np.ndarray
    bounds: np.ndarray
    first: np.ndarray
    size: np.ndarray
    dorm: np.ndarray

    @classmethod
    def of(cls, class_ids: np.ndarray, dorm_code: np.ndarray) -> ClassPairs:
        """From the roster's class column (each class a contiguous block) and dorm codes (−1: none)."""
        edges = np.flatnonzero(np.r_[True, class_ids[1:] != class_ids[:-1], True])
        first, size = edges[:-1], np.diff(edges)
        tri = [np.triu_indices(int(n), 1) for n in size]
        none = [np.zeros(0, np.int64)]
        i = np.concatenate([f + iu[0] for f, iu in zip(first, tri, strict=True)] or none).astype(np.int64)
        j = np.concatenate([f + iu[1] for f, iu in zip(first, tri, strict=True)] or none).astype(np.int64)
        bounds = np.r_[0, np.cumsum(size * (size - 1) // 2)]
        dorm = np.flatnonzero((dorm_code[i] == dorm_code[j]) & (dorm_code[i] >= 0))
        return cls(i, j, bounds, first, size, dorm)

    def position(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Index of the pair of classmates at roster rows ``lo < hi``."""
        k = np.searchsorted(self.first, lo, side="right") - 1
        a, b, n = lo - self.first[k], hi - self.first[k], self.size[k]
        return np.asarray(self.bounds[k] + a * (2 * n - a - 1) // 2 + (b - a - 1), dtype=np.int64)

    def room_minutes(self, s: np.ndarray, e: np.ndarray, room_code: np.ndarray) -> np.ndarray:
        """Each pair's minutes in the same room (``overlap_matrix`` of its class, entry for entry:
        the four interval overlaps added in the same order)."""
        total = np.zeros(len(self.i))
        part = np.empty(len(self.i))
        other = np.empty(len(self.i))
        for a in range(2):
            ei, si = e[:, a][self.i], s[:, a][self.i]
            for b in range(2):
                np.minimum(ei, e[:, b][self.j], out=part)
                np.maximum(si, s[:, b][self.j], out=other)
                part -= other
                total += np.clip(part, 0, None, out=part)
        ri = room_code[self.i]
        total[(ri != room_code[self.j]) | (ri < 0)] = 0.0
        return total

    def dorm_minutes(self, present: np.ndarray, dorm_night_min: float) -> np.ndarray:
        """Each pair's minutes in the same dorm room, when both came that day (``dorm_matrix``)."""
        out = np.zeros(len(self.i))
        both = present[self.i[self.dorm]] & present[self.j[self.dorm]]
        out[self.dorm] = np.where(both, float(dorm_night_min), 0.0)
        return out
