"""The contact computation as it was before it was vectorised, kept to pin the library's output.

A frozen copy (queue neighbours, canteen table-mates, room occupancy, per-class room and dorm
summaries, per-replication pandas pipeline) of ``reopen_sim.exposure`` at the commit before the
vectorised ``contacts``: ``test_exposure_reference.py`` checks that both give identical frames. Do
not "fix" this file; it is the reference.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reopen_sim.exposure import people
from reopen_sim.exposure.contacts import ContactResult
from reopen_sim.exposure.model import (
    ANY,
    CANTEEN,
    DISTANCE_TOL_M,
    DORM,
    EXIT,
    QUEUE,
    ROOM,
    SAME_CLASS,
    SCREENING,
    SETTINGS,
    ContactModel,
)
from reopen_sim.exposure.seating import seat_distance_m
from reopen_sim.plan import Plan
from reopen_sim.scenario.capacity import open_lanes, queue_places_per_lane
from reopen_sim.scenario.schema import Scenario

PAIR_COLUMNS = [
    "replication",
    "setting",
    "a",
    "b",
    "minutes",
    "close_minutes",
    "distance_m",
    "class_a",
    "grade_a",
    "class_b",
    "grade_b",
    "mixing",
    "close",
]
SIDE_COLUMNS = ["a", "b", "minutes", "close_minutes", "distance_m"]
STAT_COLUMNS = ["replication", "setting", "mixing", "contacts", "close_pairs", "contact_min"]


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
        return pd.DataFrame(columns=SIDE_COLUMNS)
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
        return pd.DataFrame(columns=SIDE_COLUMNS)
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


def _pairs_frame(setting: str, df: pd.DataFrame) -> pd.DataFrame:
    a = df["a"].astype(str).to_numpy()
    b = df["b"].astype(str).to_numpy()
    lo = np.where(a < b, a, b)
    hi = np.where(a < b, b, a)
    out = df.assign(a=lo, b=hi)
    out.insert(0, "setting", setting)
    return out


def explicit_pairs(
    scenario: Scenario,
    trace: pd.DataFrame,
    *,
    threshold_m: float,
    model: ContactModel,
    lane_choice: str = "shortest",
) -> pd.DataFrame:
    """Queue, screening, canteen and exit pairs of one replication (columns of ``queue_pairs``).

    ``lane_choice="shared"`` (one common line per gate feeding every lane) makes the gate's
    neighbours consecutive over the whole gate, with ``lanes × places`` marked places.
    """
    pol = scenario.policy
    frames: list[pd.DataFrame] = []
    places = {e.id: queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m) for e in scenario.entrances}
    gate_q = trace[["student_id", "gate", "lane", "t_arrive", "t_service_start"]].rename(
        columns={"t_arrive": "t_join", "t_service_start": "t_leave"}
    )
    if lane_choice == "shared":
        gate_q = gate_q.assign(lane=1)
        places = {e.id: places[e.id] * open_lanes(e, pol.staff_per_lane) for e in scenario.entrances}
    q = queue_pairs(
        gate_q,
        places=places,
        spacing_m=pol.queue_spacing_m,
        spill_spacing_m=model.spill_spacing_m,
        threshold_m=threshold_m,
    )
    frames.append(_pairs_frame(QUEUE, q))

    # Screening: the lane's staff with each student for the service time.
    s = trace.dropna(subset=["t_service_start", "t_service_end", "lane"])
    s = s[s["lane"] > 0]
    minutes = (s["t_service_end"] - s["t_service_start"]).to_numpy(float)
    within = model.screening_distance_m <= threshold_m + DISTANCE_TOL_M
    staff = [people.staff_id(g, ln) for g, ln in zip(s["gate"], s["lane"], strict=True)]
    scr = pd.DataFrame(
        {
            "a": staff,
            "b": s["student_id"].to_numpy(),
            "minutes": minutes,
            "close_minutes": minutes if within else np.zeros_like(minutes),
            "distance_m": model.screening_distance_m,
        }
    )
    frames.append(_pairs_frame(SCREENING, scr[scr["minutes"] > 0]))

    if scenario.canteen.mode == "sittings" and "seat" in trace:
        c = canteen_pairs(
            trace,
            seats_per_table=scenario.canteen.seats_per_table,
            sides=scenario.canteen.sides,
            seat_pitch_m=model.seat_pitch_m,
            table_width_m=model.table_width_m,
            threshold_m=threshold_m,
        )
        frames.append(_pairs_frame(CANTEEN, c))

    # Dismissal queue: people file out one spacing apart; exits have no marked length, so no spill
    # (as in the simulation). The wait ends when the student starts through the gate.
    end_col = "t_exit_start" if "t_exit_start" in trace else "t_exit"
    ex = trace[["student_id", "gate", "exit_lane", "t_exit_join", end_col]].rename(
        columns={"exit_lane": "lane", "t_exit_join": "t_join", end_col: "t_leave"}
    )
    ex = ex[ex["lane"] > 0]
    no_spill = {e.id: 10**9 for e in scenario.entrances}
    x = queue_pairs(
        ex,
        places=no_spill,
        spacing_m=pol.queue_spacing_m,
        spill_spacing_m=model.spill_spacing_m,
        threshold_m=threshold_m,
    )
    frames.append(_pairs_frame(EXIT, x))
    return pd.concat([f for f in frames if not f.empty] or [frames[0]], ignore_index=True)


def _class_stats(
    occ: pd.DataFrame, pairs: pd.DataFrame, *, min_minutes: float, dorm_night_min: float
) -> list[tuple[str, str, int, int, float]]:
    """Room, dorm and all-settings (``any``) figures for pairs of classmates, one class at a time.

    ``occ`` is in roster order (each class a contiguous block). Classmate pairs' explicit minutes
    (queue, canteen, …) are added to their room and dorm minutes, so ``any`` counts each classmate
    pair once.
    """
    s = occ[["s1", "s2"]].to_numpy(float)
    e = occ[["e1", "e2"]].to_numpy(float)
    room = codes(occ["room"])
    dorm = codes(occ["dorm"])
    present = occ["present"].to_numpy(bool)
    cls = occ["class_id"].to_numpy(object)
    bounds = np.flatnonzero(np.r_[True, cls[1:] != cls[:-1], True])
    same = pairs[pairs["mixing"] == SAME_CLASS]
    index = pd.Index(occ["student_id"])
    ia = index.get_indexer(same["a"])
    ib = index.get_indexer(same["b"])
    lo_ab, hi_ab = np.minimum(ia, ib), np.maximum(ia, ib)
    minutes_x = same["minutes"].to_numpy(float)
    close_x = same["close_minutes"].to_numpy(float)
    order = np.argsort(lo_ab, kind="stable")
    lo_ab, hi_ab, minutes_x, close_x = lo_ab[order], hi_ab[order], minutes_x[order], close_x[order]
    tot = {ROOM: [0, 0, 0.0], DORM: [0, 0, 0.0], ANY: [0, 0, 0.0]}
    for lo, hi in itertools.pairwise(bounds):
        n = int(hi - lo)
        if n < 2:
            continue
        iu = np.triu_indices(n, 1)
        r = overlap_matrix(s[lo:hi], e[lo:hi], room[lo:hi])[iu]
        d = dorm_matrix(dorm[lo:hi], present[lo:hi], dorm_night_min)[iu]
        xm = np.zeros((n, n))
        xc = np.zeros((n, n))
        k0, k1 = np.searchsorted(lo_ab, [lo, hi])
        if k1 > k0:
            np.add.at(xm, (lo_ab[k0:k1] - lo, hi_ab[k0:k1] - lo), minutes_x[k0:k1])
            np.add.at(xc, (lo_ab[k0:k1] - lo, hi_ab[k0:k1] - lo), close_x[k0:k1])
        xm_u, xc_u = xm[iu], xc[iu]
        for key, minutes, close_min in ((ROOM, r, r), (DORM, d, d), (ANY, r + d + xm_u, r + d + xc_u)):
            tot[key][0] += int(np.count_nonzero(minutes > 0))
            tot[key][1] += int(np.count_nonzero((close_min >= min_minutes) & (close_min > 0)))
            tot[key][2] += float(minutes.sum())
    return [(k, SAME_CLASS, int(v[0]), int(v[1]), float(v[2])) for k, v in tot.items()]


def _pair_stats(pairs: pd.DataFrame, min_minutes: float) -> list[tuple[str, str, int, int, float]]:
    """Per setting and mixing figures of explicit pairs, and ``any`` for pairs of different classes."""
    rows: list[tuple[str, str, int, int, float]] = []
    for (setting, mix), g in pairs.groupby(["setting", "mixing"], sort=False, observed=True):
        rows.append((str(setting), str(mix), len(g), int(g["close"].sum()), float(g["minutes"].sum())))
    other = pairs[pairs["mixing"] != SAME_CLASS]
    if not other.empty:
        per_pair = other.groupby(["a", "b"], sort=False).agg(
            minutes=("minutes", "sum"), close_minutes=("close_minutes", "sum"), mixing=("mixing", "first")
        )
        per_pair["close"] = (per_pair["close_minutes"] >= min_minutes) & (per_pair["close_minutes"] > 0)
        for mix, g in per_pair.groupby("mixing", sort=False):
            rows.append((ANY, str(mix), len(g), int(g["close"].sum()), float(g["minutes"].sum())))
    return rows


def _annotate(pairs: pd.DataFrame, roster: pd.DataFrame, min_minutes: float) -> pd.DataFrame:
    cls = roster.set_index("student_id")
    out = pairs.assign(
        class_a=pairs["a"].map(cls["class_id"]),
        grade_a=pairs["a"].map(cls["grade"]),
        class_b=pairs["b"].map(cls["class_id"]),
        grade_b=pairs["b"].map(cls["grade"]),
    )
    out["mixing"] = people.mixing(out["class_a"], out["grade_a"], out["class_b"], out["grade_b"])
    out["close"] = (out["close_minutes"] >= min_minutes) & (out["close_minutes"] > 0)
    return out


def _traces(result):
    for rep, trace in result.traces():
        yield int(rep), trace


def reference_contacts(
    scenario: Scenario,
    result: Any,
    threshold_m: float = 1.0,
    min_minutes: float = 15.0,
    *,
    model: ContactModel | None = None,
) -> ContactResult:
    """Contacts of every replication of a simulated day (see the module docstring for the rules).

    ``result`` is a ``SimulationResult`` (anything with ``plan`` and ``traces()`` yielding
    ``(replication, trace DataFrame)``). ``threshold_m`` and ``min_minutes`` define a close
    contact (WHO 2020: within 1 m for at least 15 minutes); ``model`` holds the geometry.
    """
    model = model or ContactModel()
    plan: Plan = result.plan
    lane_choice = str(getattr(result, "lane_choice", "shortest"))
    roster = people.roster(scenario)
    dorms = roster.set_index("student_id")["dorm"]
    pair_frames: list[pd.DataFrame] = []
    occ_frames: list[pd.DataFrame] = []
    stat_rows: list[tuple[int, str, str, int, int, float]] = []
    reps: list[int] = []
    for rep, trace in _traces(result):
        reps.append(rep)
        pairs = _annotate(
            explicit_pairs(scenario, trace, threshold_m=threshold_m, model=model, lane_choice=lane_choice),
            roster,
            min_minutes,
        )
        occ = occupancy(trace, plan, dorms)
        # roster order inside each class, so matrix rows follow student numbers
        occ = occ.set_index("student_id").reindex(roster["student_id"]).reset_index()
        occ["class_id"] = roster["class_id"].to_numpy()
        occ["grade"] = roster["grade"].to_numpy()
        occ["dorm"] = roster["dorm"].to_numpy()
        occ["present"] = occ["present"].fillna(False).astype(bool)
        for col in ("s1", "e1", "s2", "e2"):
            occ[col] = occ[col].fillna(0.0)
        stat_rows += [(rep, *r) for r in _pair_stats(pairs, min_minutes)]
        stat_rows += [
            (rep, *r)
            for r in _class_stats(occ, pairs, min_minutes=min_minutes, dorm_night_min=model.dorm_night_min)
        ]
        pair_frames.append(pairs.assign(replication=rep))
        occ_frames.append(occ.assign(replication=rep))
    all_pairs = (
        pd.concat(pair_frames, ignore_index=True)[PAIR_COLUMNS]
        if pair_frames
        else pd.DataFrame(columns=PAIR_COLUMNS)
    )
    all_pairs["setting"] = pd.Categorical(all_pairs["setting"], categories=list(SETTINGS))
    return ContactResult(
        scenario=scenario,
        plan=plan,
        threshold_m=float(threshold_m),
        min_minutes=float(min_minutes),
        model=model,
        replications=tuple(reps),
        roster=roster,
        pairs=all_pairs,
        occupancy=pd.concat(occ_frames, ignore_index=True) if occ_frames else pd.DataFrame(),
        stats=pd.DataFrame(stat_rows, columns=STAT_COLUMNS),
    )
