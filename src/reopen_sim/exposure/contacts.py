"""Contacts from the simulated day: who was near whom, for how long, in each setting.

``contacts(scenario, result)`` reads every replication's trace (docs/design.md "Simulation trace")
and builds, per replication,

- explicit pairs for the settings where neighbours are few: gate queue and dismissal queue
  (``exposure.queue``), screening staff, canteen table-mates (``exposure.seating``);
- room and dorm cliques, kept as each student's room presence (``exposure.rooms``) and summarised
  per class, never listed pair by pair (a 3,600-student school has ~10⁵ room pairs a day).

People are integer codes (``people.PeopleIndex``) while computing, and every setting is numpy
arrays; ids and the frames are made once, for all replications, at the end. The layout of
classmate pairs (``rooms.ClassPairs``) depends on the roster only and serves every replication.

A pair is *close* when it spent at least ``min_minutes`` within ``threshold_m`` (defaults 1 m and
15 min: WHO, *Contact tracing in the context of COVID-19*, interim guidance, 10 May 2020: "face-to-
face contact with a probable or confirmed case within 1 meter and for at least 15 minutes").
Minutes are cumulative over the day (WHO/ECDC: 15 minutes in total over 24 hours). Time shared in
a room or dorm room counts as close-contact time whatever the distance (ECDC closed-environment
rule; see ``exposure.rooms``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.exposure.model import (
    ANY,
    CANTEEN,
    DISTANCE_TOL_M,
    DORM,
    EXIT,
    MIXINGS,
    QUEUE,
    ROOM,
    SAME_CLASS,
    SCREENING,
    SETTINGS,
    ContactModel,
)
from reopen_sim.exposure.people import PeopleIndex, mixing_codes, staff_id
from reopen_sim.exposure.people import roster as make_roster
from reopen_sim.exposure.queue import LanePairs, lane_neighbours
from reopen_sim.exposure.rooms import ClassPairs, codes, presence
from reopen_sim.exposure.seating import table_pairs
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


_SETTING = {s: k for k, s in enumerate(SETTINGS)}
_SAME = MIXINGS.index(SAME_CLASS)


@dataclass
class _Pairs:
    """Explicit pairs as arrays, one entry a pair, setting and replication (``a`` sorts before ``b``)."""

    setting: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)
    b: list[np.ndarray] = field(default_factory=list)
    minutes: list[np.ndarray] = field(default_factory=list)
    close_minutes: list[np.ndarray] = field(default_factory=list)
    distance_m: list[np.ndarray] = field(default_factory=list)

    def add(self, setting: str, a: np.ndarray, b: np.ndarray, *values: np.ndarray) -> None:
        self.setting.append(np.full(len(a), _SETTING[setting], dtype=np.int64))
        self.a.append(a)
        self.b.append(b)
        for column, v in zip((self.minutes, self.close_minutes, self.distance_m), values, strict=True):
            column.append(np.asarray(v, dtype=float))

    def joined(self) -> dict[str, np.ndarray]:
        """Every column concatenated (empty arrays when there is nothing)."""
        names = ("setting", "a", "b", "minutes", "close_minutes", "distance_m")
        return {
            n: np.concatenate(getattr(self, n))
            if getattr(self, n)
            else np.zeros(0, int if n in ("setting", "a", "b") else float)
            for n in names
        }


def _col(trace: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric trace column as floats (NaN where missing or when the column is absent)."""
    return trace[name].to_numpy(float) if name in trace else np.full(len(trace), np.nan)


def _orient(people: PeopleIndex, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pair as (the id that sorts first, the other): the order of ``ContactResult.pairs``."""
    rank = people.rank
    first = rank[x] < rank[y]
    return np.where(first, x, y), np.where(first, y, x)


def _queue(
    people: PeopleIndex,
    codes: np.ndarray,
    gate: np.ndarray,
    lane: np.ndarray,
    t_join: np.ndarray,
    t_leave: np.ndarray,
    places: Mapping[str, int],
    *,
    spacing_m: float,
    spill_spacing_m: float,
    threshold_m: float,
) -> tuple[np.ndarray, np.ndarray, LanePairs]:
    """Lane neighbours (``queue.lane_neighbours``) of the trace rows with both times and a lane."""
    rows = np.flatnonzero(~np.isnan(t_join) & ~np.isnan(t_leave) & ~np.isnan(lane))
    gate_rank, gates = pd.factorize(gate[rows], sort=True)
    gate_places = np.array([places.get(g, 0) for g in gates] + [0], dtype=np.int64)
    q = lane_neighbours(
        np.where(gate_rank < 0, len(gates), gate_rank),  # a missing gate sorts last
        lane[rows],
        t_join[rows],
        t_leave[rows],
        people.rank[codes[rows]],
        gate_places[gate_rank],
        spacing_m=spacing_m,
        spill_spacing_m=spill_spacing_m,
        threshold_m=threshold_m,
    )
    a, b = _orient(people, codes[rows[q.ahead]], codes[rows[q.behind]])
    return a, b, q


def _screening(
    people: PeopleIndex, codes: np.ndarray, trace: pd.DataFrame, within: bool, distance_m: float, out: _Pairs
) -> None:
    """The lane's staff (``STAFF-GATE-Lk``) with each screened student for the service time."""
    start, end, lane = _col(trace, "t_service_start"), _col(trace, "t_service_end"), _col(trace, "lane")
    rows = np.flatnonzero(~np.isnan(start) & ~np.isnan(end) & ~np.isnan(lane))
    rows = rows[lane[rows] > 0]
    rows = rows[(end[rows] - start[rows]) > 0]
    minutes = end[rows] - start[rows]
    gate_code, gates = pd.factorize(trace["gate"].to_numpy(object)[rows], use_na_sentinel=False)
    lanes = lane[rows].astype(np.int64)
    width = int(lanes.max(initial=0)) + 1
    inverse, uniq = pd.factorize(gate_code.astype(np.int64) * width + lanes)
    staff = np.array([people.code(staff_id(gates[k // width], int(k % width))) for k in uniq], dtype=np.int64)
    a, b = _orient(people, staff[inverse], codes[rows])
    out.add(
        SCREENING,
        a,
        b,
        minutes,
        minutes if within else np.zeros_like(minutes),
        np.full(len(rows), distance_m),
    )


def _canteen(
    people: PeopleIndex,
    codes: np.ndarray,
    trace: pd.DataFrame,
    scenario: Scenario,
    model: ContactModel,
    threshold_m: float,
    out: _Pairs,
) -> None:
    """Table-mates of each sitting (``seating.table_pairs``)."""
    sitting, table, seat = _col(trace, "canteen_sitting"), _col(trace, "table"), _col(trace, "seat")
    t_start, t_end = _col(trace, "t_meal_start"), _col(trace, "t_meal_end")
    known = trace["student_id"].notna().to_numpy()
    rows = np.flatnonzero(
        known
        & ~np.isnan(sitting)
        & ~np.isnan(table)
        & ~np.isnan(seat)
        & ~np.isnan(t_start)
        & ~np.isnan(t_end)
    )
    if not len(rows):
        return
    by_sitting, tables = pd.factorize(sitting[rows])[0], pd.factorize(table[rows])
    who = codes[rows]
    p = table_pairs(
        by_sitting * len(tables[1]) + tables[0],
        people.rank[who],
        seat[rows],
        t_start[rows],
        t_end[rows],
        seats_per_table=scenario.canteen.seats_per_table,
        sides=scenario.canteen.sides,
        seat_pitch_m=model.seat_pitch_m,
        table_width_m=model.table_width_m,
        threshold_m=threshold_m,
    )
    out.add(CANTEEN, who[p.a], who[p.b], p.minutes, p.close_minutes, p.distance_m)


def _explicit(
    scenario: Scenario,
    people: PeopleIndex,
    codes: np.ndarray,
    trace: pd.DataFrame,
    *,
    threshold_m: float,
    model: ContactModel,
    lane_choice: str,
) -> _Pairs:
    """Queue, screening, canteen and exit pairs of one replication, in that order.

    ``lane_choice="shared"`` (one common line per gate feeding every lane) makes the gate's
    neighbours consecutive over the whole gate, with ``lanes × places`` marked places.
    """
    pol = scenario.policy
    out = _Pairs()
    gate = trace["gate"].to_numpy(object)
    places = {e.id: queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m) for e in scenario.entrances}
    lane = _col(trace, "lane")
    if lane_choice == "shared":
        lane = np.ones(len(trace))
        places = {e.id: places[e.id] * open_lanes(e, pol.staff_per_lane) for e in scenario.entrances}
    geometry = {
        "spacing_m": pol.queue_spacing_m,
        "spill_spacing_m": model.spill_spacing_m,
        "threshold_m": threshold_m,
    }
    a, b, q = _queue(
        people, codes, gate, lane, _col(trace, "t_arrive"), _col(trace, "t_service_start"), places, **geometry
    )
    out.add(QUEUE, a, b, q.minutes, q.close_minutes, q.distance_m)
    within = model.screening_distance_m <= threshold_m + DISTANCE_TOL_M
    _screening(people, codes, trace, within, model.screening_distance_m, out)
    if scenario.canteen.mode == "sittings" and "seat" in trace:
        _canteen(people, codes, trace, scenario, model, threshold_m, out)
    # Dismissal queue: people file out one spacing apart; exits have no marked length, so no spill
    # (as in the simulation). The wait ends when the student starts through the gate.
    exit_lane = _col(trace, "exit_lane")
    exit_lane = np.where(exit_lane > 0, exit_lane, np.nan)
    no_spill = {e.id: 10**9 for e in scenario.entrances}
    end_col = "t_exit_start" if "t_exit_start" in trace else "t_exit"
    a, b, x = _queue(
        people, codes, gate, exit_lane, _col(trace, "t_exit_join"), _col(trace, end_col), no_spill, **geometry
    )
    out.add(EXIT, a, b, x.minutes, x.close_minutes, x.distance_m)
    return out


def _room_days(
    people: PeopleIndex, codes: np.ndarray, trace: pd.DataFrame, leave_by_class: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One replication's room presence in roster order: ``present``, starts ``s`` (n×2), ends ``e``
    (n×2) and the room (object array, NaN when absent); students missing from the trace are absent."""
    n = people.n_students
    cls_code, classes = pd.factorize(trace["class_id"].to_numpy(object))
    leave = np.array([leave_by_class.get(c, np.nan) for c in classes] + [np.nan], dtype=float)[cls_code]
    room = trace["room"].to_numpy(object)
    present, s1, e1, s2, e2 = presence(
        _col(trace, "t_room"),
        trace["room"].notna().to_numpy(),
        leave,
        _col(trace, "t_meal_start"),
        _col(trace, "t_meal_end"),
    )
    row = np.full(n, -1)
    student = np.flatnonzero(codes < n)
    row[codes[student]] = student
    found = row >= 0
    at = np.where(found, row, 0)
    present = found & present[at]
    s = np.stack([np.where(found, s1[at], 0.0), np.where(found, s2[at], 0.0)], axis=1)
    e = np.stack([np.where(found, e1[at], 0.0), np.where(found, e2[at], 0.0)], axis=1)
    s[np.isnan(s)] = 0.0
    e[np.isnan(e)] = 0.0
    return present, s, e, np.where(present, room[at], np.nan)


def _class_stats(
    cp: ClassPairs,
    room: np.ndarray,
    days: tuple[np.ndarray, np.ndarray, np.ndarray],
    same: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    *,
    min_minutes: float,
    dorm_night_min: float,
) -> list[tuple[str, str, int, int, float]]:
    """Room, dorm and all-settings (``any``) figures for pairs of classmates.

    ``room`` holds room codes (−1: none) in roster order, ``days`` the replication's presence
    ``(present, s, e)``, ``same`` its explicit classmate pairs ``(a, b, minutes, close_minutes)``.
    Classmate pairs' explicit minutes (queue, canteen, …) are added to their room and dorm
    minutes, so ``any`` counts each classmate pair once. Minutes are summed class by class, in
    the order of each class's upper triangle, as the per-class matrices did (same float sums).
    """
    present, s, e = days
    r = cp.room_minutes(s, e, room)
    d = cp.dorm_minutes(present, dorm_night_min)
    xm = np.zeros(len(cp.i))
    xc = np.zeros(len(cp.i))
    a, b, minutes, close_minutes = same
    where = cp.position(np.minimum(a, b), np.maximum(a, b))
    np.add.at(xm, where, minutes)
    np.add.at(xc, where, close_minutes)
    rows: list[tuple[str, str, int, int, float]] = []
    for key, m, c in ((ROOM, r, r), (DORM, d, d), (ANY, r + d + xm, r + d + xc)):
        total = 0.0
        for lo, hi in itertools.pairwise(cp.bounds):
            if hi > lo:
                total += float(m[lo:hi].sum())
        close = int(np.count_nonzero((c >= min_minutes) & (c > 0)))
        rows.append((key, SAME_CLASS, int(np.count_nonzero(m > 0)), close, total))
    return rows


def _pair_stats(
    setting: np.ndarray, mixing: np.ndarray, close: np.ndarray, minutes: np.ndarray
) -> list[tuple[str, str, int, int, float]]:
    """Per setting and mixing figures of one replication's explicit pairs (groups in the order first met)."""
    key = setting * len(MIXINGS) + mixing
    rows: list[tuple[str, str, int, int, float]] = []
    for k in pd.unique(key):  # in the order first met
        sel = key == k
        rows.append(
            (
                SETTINGS[k // len(MIXINGS)],
                MIXINGS[k % len(MIXINGS)],
                int(np.count_nonzero(sel)),
                int(close[sel].sum()),
                float(minutes[sel].sum()),
            )
        )
    return rows


def _any_other(
    rep: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    mixing: np.ndarray,
    cols: dict[str, np.ndarray],
    min_minutes: float,
) -> dict[int, list[tuple[str, str, int, int, float]]]:
    """``any`` figures for pairs of different classes and staff, per replication position: each pair
    once, its minutes summed over settings (pandas' grouped sum, as before)."""
    other = np.flatnonzero(mixing != _SAME)
    if not len(other):
        return {}
    n = max(int(a.max(initial=0)), int(b.max(initial=0))) + 1
    key = (rep[other] * n + a[other]) * n + b[other]
    per_pair = pd.DataFrame(
        {"k": key, "minutes": cols["minutes"][other], "close_minutes": cols["close_minutes"][other]}
    ).groupby("k", sort=False)
    sums = per_pair.sum()
    first = per_pair.head(1).index.to_numpy()  # each pair's first row, in the order pairs are met
    pair_rep = rep[other][first]
    pair_mix = mixing[other][first]
    minutes = sums["minutes"].to_numpy(float)
    cm = sums["close_minutes"].to_numpy(float)
    close = (cm >= min_minutes) & (cm > 0)
    out: dict[int, list[tuple[str, str, int, int, float]]] = {}
    bounds = np.flatnonzero(np.r_[True, pair_rep[1:] != pair_rep[:-1], True])
    for lo, hi in itertools.pairwise(bounds):
        mix = pair_mix[lo:hi]
        out[int(pair_rep[lo])] = [
            (
                ANY,
                MIXINGS[m],
                int(np.count_nonzero(mix == m)),
                int(np.count_nonzero(close[lo:hi][mix == m])),
                float(minutes[lo:hi][mix == m].sum()),
            )
            for m in pd.unique(mix)  # in the order first met
        ]
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
    roster = make_roster(scenario)
    people = PeopleIndex(roster)
    leave_by_class = {a.class_id: float(a.dismissal_min) for a in plan.assignments}
    found = _Pairs()
    counts: list[int] = []
    days: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    reps: list[int] = []
    for rep, trace in _traces(result):
        reps.append(rep)
        codes = people.codes(trace["student_id"].to_numpy(object))
        day = _explicit(
            scenario, people, codes, trace, threshold_m=threshold_m, model=model, lane_choice=lane_choice
        )
        counts.append(sum(len(a) for a in day.a))
        for name in ("setting", "a", "b", "minutes", "close_minutes", "distance_m"):
            getattr(found, name).extend(getattr(day, name))
        days.append(_room_days(people, codes, trace, leave_by_class))
    cols = found.joined()
    notes = _annotation(people, cols, min_minutes)
    return ContactResult(
        scenario=scenario,
        plan=plan,
        threshold_m=float(threshold_m),
        min_minutes=float(min_minutes),
        model=model,
        replications=tuple(reps),
        roster=roster,
        pairs=_pairs_table(people, cols, notes, reps, counts),
        occupancy=_occupancy_table(roster, days, reps),
        stats=_stats_table(roster, cols, notes, reps, counts, days, min_minutes, model.dorm_night_min),
    )


def _annotation(
    people: PeopleIndex, cols: dict[str, np.ndarray], min_minutes: float
) -> dict[str, np.ndarray]:
    """Class codes, grades, mixing (index into ``MIXINGS``) and closeness of every pair."""
    class_a, class_b = people.class_code(cols["a"]), people.class_code(cols["b"])
    grade_a, grade_b = people.grade(cols["a"]), people.grade(cols["b"])
    cm = cols["close_minutes"]
    return {
        "class_a": class_a,
        "class_b": class_b,
        "grade_a": grade_a,
        "grade_b": grade_b,
        "mixing": mixing_codes(class_a, grade_a, class_b, grade_b),
        "close": (cm >= min_minutes) & (cm > 0),
    }


def _stats_table(
    roster: pd.DataFrame,
    cols: dict[str, np.ndarray],
    notes: dict[str, np.ndarray],
    reps: list[int],
    counts: list[int],
    days: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
    min_minutes: float,
    dorm_night_min: float,
) -> pd.DataFrame:
    """``ContactResult.stats``: per replication, the explicit pairs' figures, ``any`` for pairs of
    different classes and staff, then room, dorm and ``any`` for classmates."""
    rep_pos = np.repeat(np.arange(len(reps)), counts)
    other = _any_other(rep_pos, cols["a"], cols["b"], notes["mixing"], cols, min_minutes)
    cp = ClassPairs.of(roster["class_id"].to_numpy(object), codes(roster["dorm"]))
    bounds = np.r_[0, np.cumsum(counts)]
    rows: list[tuple[int, str, str, int, int, float]] = []
    for k, rep in enumerate(reps):
        at = slice(bounds[k], bounds[k + 1])
        mixing, minutes = notes["mixing"][at], cols["minutes"][at]
        rows += [(rep, *r) for r in _pair_stats(cols["setting"][at], mixing, notes["close"][at], minutes)]
        rows += [(rep, *r) for r in other.get(k, [])]
        present, s, e, room = days[k]
        same = np.flatnonzero(mixing == _SAME)
        explicit = (cols["a"][at][same], cols["b"][at][same], minutes[same], cols["close_minutes"][at][same])
        rows += [
            (rep, *r)
            for r in _class_stats(
                cp,
                codes(room),
                (present, s, e),
                explicit,
                min_minutes=min_minutes,
                dorm_night_min=dorm_night_min,
            )
        ]
    return pd.DataFrame(rows, columns=STAT_COLUMNS)


def _pairs_table(
    people: PeopleIndex,
    cols: dict[str, np.ndarray],
    notes: dict[str, np.ndarray],
    reps: list[int],
    counts: list[int],
) -> pd.DataFrame:
    """``ContactResult.pairs``: ids, classes and grades looked up once for all replications."""
    if not reps:
        empty = pd.DataFrame(columns=PAIR_COLUMNS)
        empty["setting"] = pd.Categorical(empty["setting"], categories=list(SETTINGS))
        return empty
    ids = pd.array(people.ids, dtype="str")
    classes = pd.array(list(people.class_names), dtype="str")

    def grade(g: np.ndarray) -> np.ndarray:
        return g if np.isnan(g).any() else g.astype(np.int64)

    return pd.DataFrame(
        {
            "replication": np.repeat(np.asarray(reps, dtype=np.int64), counts),
            "setting": pd.Categorical.from_codes(cols["setting"], categories=pd.Index(list(SETTINGS))),
            "a": ids.take(cols["a"]),
            "b": ids.take(cols["b"]),
            "minutes": cols["minutes"],
            "close_minutes": cols["close_minutes"],
            "distance_m": cols["distance_m"],
            "class_a": classes.take(notes["class_a"], allow_fill=True),
            "grade_a": grade(notes["grade_a"]),
            "class_b": classes.take(notes["class_b"], allow_fill=True),
            "grade_b": grade(notes["grade_b"]),
            "mixing": pd.array(list(MIXINGS), dtype="str").take(notes["mixing"]),
            "close": notes["close"],
        }
    )


def _occupancy_table(
    roster: pd.DataFrame, days: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], reps: list[int]
) -> pd.DataFrame:
    """``ContactResult.occupancy``: every student of the roster in every replication, roster order."""
    if not days:
        return pd.DataFrame()
    n = len(roster)
    again = np.tile(np.arange(n), len(days))
    s = np.concatenate([d[1] for d in days])
    e = np.concatenate([d[2] for d in days])
    return pd.DataFrame(
        {
            "student_id": roster["student_id"].to_numpy(object)[again],
            "class_id": roster["class_id"].to_numpy(object)[again],
            "grade": roster["grade"].to_numpy()[again],
            "room": pd.array(np.concatenate([d[3] for d in days]), dtype="str"),
            "dorm": roster["dorm"].to_numpy(object)[again],
            "present": np.concatenate([d[0] for d in days]),
            "s1": s[:, 0],
            "e1": e[:, 0],
            "s2": s[:, 1],
            "e2": e[:, 1],
            "replication": np.repeat(np.asarray(reps, dtype=np.int64), n),
        }
    )
