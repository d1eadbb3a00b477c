"""Contacts from the simulated day: who was near whom, for how long, in each setting.

``contacts(scenario, result)`` reads every replication's trace (docs/design.md "Simulation trace")
and builds, per replication,

- explicit pairs for the settings where neighbours are few: gate queue and dismissal queue
  (``exposure.queue``), screening staff, canteen table-mates (``exposure.seating``);
- room and dorm cliques, kept as each student's room presence (``exposure.rooms``) and summarised
  per class, never listed pair by pair (a 3,600-student school has ~10⁵ room pairs a day).

A pair is *close* when it spent at least ``min_minutes`` within ``threshold_m`` (defaults 1 m and
15 min: WHO, *Contact tracing in the context of COVID-19*, interim guidance, 10 May 2020: "face-to-
face contact with a probable or confirmed case within 1 meter and for at least 15 minutes").
Minutes are cumulative over the day (WHO/ECDC: 15 minutes in total over 24 hours). Time shared in
a room or dorm room counts as close-contact time whatever the distance (ECDC closed-environment
rule; see ``exposure.rooms``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.exposure import people
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
from reopen_sim.exposure.queue import queue_pairs
from reopen_sim.exposure.rooms import codes, dorm_matrix, occupancy, overlap_matrix
from reopen_sim.exposure.seating import canteen_pairs
from reopen_sim.plan import Plan
from reopen_sim.scenario.capacity import open_lanes, queue_places_per_lane
from reopen_sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from reopen_sim.exposure.graph import ContactGraph

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
STAT_COLUMNS = ["replication", "setting", "mixing", "contacts", "close_pairs", "contact_min"]


@dataclass(frozen=True)
class ContactResult:
    """Contacts of every replication; build tables, summaries and graphs from it.

    ``pairs``: explicit pair contacts (queue, screening, canteen, exit), one row per pair, setting
    and replication, ``a < b``; ``close`` is closeness *within that setting alone*.
    ``occupancy``: each student's room, dorm and room presence ``[s1,e1) ∪ [s2,e2)`` per replication.
    ``stats``: per replication, setting (plus ``any``: all settings together) and mixing, the number
    of contact pairs, close pairs and contact minutes (pair-minutes: each pair's minutes once).
    """

    scenario: Scenario
    plan: Plan
    threshold_m: float
    min_minutes: float
    model: ContactModel
    replications: tuple[int, ...]
    roster: pd.DataFrame = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)
    occupancy: pd.DataFrame = field(repr=False)
    stats: pd.DataFrame = field(repr=False)

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and confidence interval over replications of each metric, by setting and mixing."""
        from reopen_sim.exposure.metrics import summarise_stats

        return summarise_stats(self.stats, self.replications, confidence)

    def graph(self, replications: Iterable[int] | int | None = None) -> ContactGraph:
        """The networkx contact graph of one replication, some, or all (None)."""
        from reopen_sim.exposure.graph import ContactGraph

        return ContactGraph(self, replications)

    def close_contacts(
        self, student_id: str, replications: Iterable[int] | int | None = None
    ) -> pd.DataFrame:
        """A person's contacts grouped by setting and ranked (see ``ContactGraph.close_contacts``)."""
        return self.graph(replications).close_contacts(student_id)


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


def _check_args(threshold_m: float, min_minutes: float) -> None:
    issues = []
    if not (threshold_m > 0 and np.isfinite(threshold_m)):
        issues.append(InputIssue("<arguments>", "threshold_m", str(threshold_m), "a distance in metres > 0"))
    if not (min_minutes >= 0 and np.isfinite(min_minutes)):
        issues.append(InputIssue("<arguments>", "min_minutes", str(min_minutes), "minutes >= 0"))
    if issues:
        raise InputError(issues)


def _traces(result: Any) -> Iterator[tuple[int, pd.DataFrame]]:
    for rep, trace in result.traces():
        yield int(rep), trace


def contacts(
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
    _check_args(threshold_m, min_minutes)
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
