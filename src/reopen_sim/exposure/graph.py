"""The contact graph (networkx) and tracing: a person's close contacts, grouped and ranked.

Graph layout: people are nodes (``kind`` = student or staff, with ``class_id``, ``grade``, ``dorm``);
explicit contacts are edges of a ``networkx.MultiGraph`` keyed by setting (queue, screening,
canteen, exit) with ``minutes`` and ``close_minutes`` (means over the graph's replications, a day
without the contact counting 0), ``distance_m`` (closest) and ``p_contact`` (share of replications
with the contact). Rooms and dorm rooms are cliques, so instead of ~n² edges each class and dorm
room is a group node (``kind`` = class / dorm, id ``class:ID`` / ``dorm:ID``) linked to its members
by ``member`` edges; :meth:`ContactGraph.people_graph` expands them into person-to-person edges
when wanted, and tracing computes a member's shared room time from the room presences.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd

from reopen_sim.exposure.model import CANTEEN, DORM, EXIT, GROUP_LABELS, QUEUE, ROOM, SCREENING

if TYPE_CHECKING:
    from reopen_sim.exposure.contacts import ContactResult

TRACE_ORDER: tuple[str, ...] = (ROOM, DORM, QUEUE, CANTEEN, EXIT, SCREENING)
TRACE_COLUMNS = [
    "contact_id",
    "setting",
    "group",
    "class_id",
    "grade",
    "minutes",
    "close_minutes",
    "distance_m",
    "p_contact",
    "p_close",
    "close",
]


class ContactGraph:
    """Contacts of one or several replications as a graph, and tracing from it."""

    def __init__(self, result: ContactResult, replications: Iterable[int] | int | None = None):
        if replications is None:
            reps = tuple(result.replications)
        elif isinstance(replications, int | np.integer):
            reps = (int(replications),)
        else:
            reps = tuple(int(r) for r in replications)
        unknown = sorted(set(reps) - set(result.replications))
        if unknown or not reps:
            raise ValueError(f"replications {unknown or reps} not in the result {result.replications}")
        self.result = result
        self.replications = reps
        self._pairs = result.pairs[result.pairs["replication"].isin(reps)]
        occ = result.occupancy
        self._occ = occ[occ["replication"].isin(reps)] if not occ.empty else occ

    # ---------------------------------------------------------------------------------- graph
    def _edge_table(self) -> pd.DataFrame:
        n = len(self.replications)
        p = self._pairs
        g = p.groupby(["a", "b", "setting"], observed=True, sort=True)
        return pd.DataFrame(
            {
                "minutes": g["minutes"].sum() / n,
                "close_minutes": g["close_minutes"].sum() / n,
                "distance_m": g["distance_m"].min(),
                "p_contact": g["minutes"].size() / n,
            }
        ).reset_index()

    @cached_property
    def graph(self) -> nx.MultiGraph:
        """The networkx MultiGraph (built on first use)."""
        g = nx.MultiGraph(
            replications=self.replications,
            threshold_m=self.result.threshold_m,
            min_minutes=self.result.min_minutes,
        )
        r = self.result.roster
        g.add_nodes_from(
            (sid, {"kind": "student", "class_id": c, "grade": int(gr), "dorm": d})
            for sid, c, gr, d in zip(r["student_id"], r["class_id"], r["grade"], r["dorm"], strict=True)
        )
        scr = self._pairs[self._pairs["setting"] == SCREENING]
        staff = sorted((set(scr["a"]) | set(scr["b"])) - set(r["student_id"]))
        g.add_nodes_from((s, {"kind": "staff"}) for s in staff)
        for cid, members in r.groupby("class_id", sort=False)["student_id"]:
            g.add_node(f"class:{cid}", kind="class")
            g.add_edges_from((f"class:{cid}", m, "member") for m in members)
        for dorm, members in r.dropna(subset=["dorm"]).groupby("dorm", sort=False)["student_id"]:
            g.add_node(f"dorm:{dorm}", kind="dorm")
            g.add_edges_from((f"dorm:{dorm}", m, "member") for m in members)
        e = self._edge_table()
        g.add_edges_from(
            (
                a,
                b,
                str(s),
                {"setting": str(s), "minutes": m, "close_minutes": cm, "distance_m": d, "p_contact": pc},
            )
            for a, b, s, m, cm, d, pc in e.itertuples(index=False, name=None)
        )
        return g

    def people_graph(self) -> nx.Graph:
        """People only, one edge per pair: ``minutes`` in total and per setting (``minutes_<setting>``).

        Room and dorm cliques are expanded here (mean shared minutes over the replications), so
        this graph has up to n²/2 edges per class: fine for a school, heavy for a district.
        """
        n = len(self.replications)
        g = nx.Graph()
        g.add_nodes_from((v, d) for v, d in self.graph.nodes(data=True) if d["kind"] in ("student", "staff"))

        def add(a: str, b: str, setting: str, minutes: float) -> None:
            if minutes <= 0:
                return
            data = g.get_edge_data(a, b) or {"minutes": 0.0}
            data["minutes"] += minutes
            data[f"minutes_{setting}"] = data.get(f"minutes_{setting}", 0.0) + minutes
            g.add_edge(a, b, **data)

        for a, b, s, m, *_ in self._edge_table().itertuples(index=False, name=None):
            add(a, b, str(s), float(m))
        from reopen_sim.exposure.rooms import shared_dorm_minutes, shared_room_minutes

        model = self.result.model
        for _cid, occ_c in self._occ.groupby("class_id", sort=False):
            ids = occ_c["student_id"].unique()
            k = len(ids)
            room = np.zeros((k, k))
            dorm = np.zeros((k, k))
            for _rep, o in occ_c.groupby("replication", sort=False):
                room += shared_room_minutes(o)
                dorm += shared_dorm_minutes(o, model.dorm_night_min)
            iu = np.triu_indices(k, 1)
            for i, j in zip(*iu, strict=True):
                add(ids[i], ids[j], ROOM, room[i, j] / n)
                add(ids[i], ids[j], DORM, dorm[i, j] / n)
        return g

    # -------------------------------------------------------------------------------- tracing
    def _check_person(self, person: str) -> bool:
        """Raise InputError for an id unknown to the scenario; False when known but without contacts."""
        from reopen_sim.exposure.people import check_person

        check_person(self.result.scenario, person)
        return bool(self.graph.has_node(person))

    def _per_replication(self, person: str) -> pd.DataFrame:
        """Contacts of ``person`` per replication and setting (before averaging)."""
        p = self._pairs
        mine = p[(p["a"] == person) | (p["b"] == person)]
        frames = [
            pd.DataFrame(
                {
                    "replication": mine["replication"].to_numpy(),
                    "contact_id": np.where(mine["a"] == person, mine["b"], mine["a"]),
                    "setting": mine["setting"].astype(str).to_numpy(),
                    "minutes": mine["minutes"].to_numpy(float),
                    "close_minutes": mine["close_minutes"].to_numpy(float),
                    "distance_m": mine["distance_m"].to_numpy(float),
                }
            )
        ]
        node = self.graph.nodes[person]
        if node["kind"] == "student":
            occ = self._occ[self._occ["class_id"] == node["class_id"]]
            dorm_min = self.result.model.dorm_night_min
            for rep, o in occ.groupby("replication", sort=False):
                me = o[o["student_id"] == person].iloc[0]
                others = o[o["student_id"] != person]
                s = others[["s1", "s2"]].to_numpy(float)
                e = others[["e1", "e2"]].to_numpy(float)
                shared = np.zeros(len(others))
                for i in range(2):
                    for ms, mend in ((me["s1"], me["e1"]), (me["s2"], me["e2"])):
                        shared += np.clip(np.minimum(e[:, i], mend) - np.maximum(s[:, i], ms), 0, None)
                same_room = (
                    bool(me["present"])
                    & others["present"].to_numpy(bool)
                    & (others["room"].to_numpy(object) == me["room"])
                )
                shared = np.where(same_room, shared, 0.0)
                frames.append(
                    pd.DataFrame(
                        {
                            "replication": rep,
                            "contact_id": others["student_id"].to_numpy(),
                            "setting": ROOM,
                            "minutes": shared,
                            "close_minutes": shared,
                            "distance_m": np.nan,
                        }
                    )
                )
                if node["dorm"] is not None and pd.notna(node["dorm"]):
                    mates = others[others["dorm"] == node["dorm"]]
                    both = bool(me["present"]) & mates["present"].to_numpy(bool)
                    m = np.where(both, dorm_min, 0.0)
                    frames.append(
                        pd.DataFrame(
                            {
                                "replication": rep,
                                "contact_id": mates["student_id"].to_numpy(),
                                "setting": DORM,
                                "minutes": m,
                                "close_minutes": m,
                                "distance_m": np.nan,
                            }
                        )
                    )
        return pd.concat(frames, ignore_index=True)

    def close_contacts(self, student_id: str) -> pd.DataFrame:
        """Everyone ``student_id`` was in contact with, grouped by setting and ranked.

        Columns: ``contact_id, setting, group, class_id, grade, minutes, close_minutes, distance_m,
        p_contact, p_close, close``. ``minutes``/``close_minutes`` are means over the replications
        (0 on a day without the contact); ``p_contact`` the share of replications with the contact;
        ``p_close`` the share in which the pair was close over all settings together (cumulative
        minutes within the threshold ≥ min_minutes). The whole class and dorm room are always
        listed and ``close`` is True for them: the school plans name "the same class, dormitory
        room" as close contacts (DOMAIN); for other settings ``close`` means p_close ≥ 0.5.
        Groups follow :data:`TRACE_ORDER`; within a group, close first, then by p_close and minutes.
        """
        if not self._check_person(student_id):
            return pd.DataFrame(columns=TRACE_COLUMNS)
        n = len(self.replications)
        per = self._per_replication(student_id)
        res = self.result
        if per.empty:
            return pd.DataFrame(columns=TRACE_COLUMNS)
        cum = per.groupby(["replication", "contact_id"])["close_minutes"].sum()
        closed = (cum >= res.min_minutes) & (cum > 0)
        p_close = closed.groupby(level="contact_id").sum() / n
        g = per.groupby(["contact_id", "setting"], sort=False)
        out = pd.DataFrame(
            {
                "minutes": g["minutes"].sum() / n,
                "close_minutes": g["close_minutes"].sum() / n,
                "distance_m": g["distance_m"].min(),
                "p_contact": g["minutes"].agg(lambda m: float((m > 0).sum())) / n,
            }
        ).reset_index()
        out["p_close"] = out["contact_id"].map(p_close).fillna(0.0)
        out["close"] = out["setting"].isin([ROOM, DORM]) | (out["p_close"] >= 0.5)
        out["group"] = out["setting"].map(GROUP_LABELS)
        roster = res.roster.set_index("student_id")
        out["class_id"] = out["contact_id"].map(roster["class_id"])
        out["grade"] = out["contact_id"].map(roster["grade"]).astype("Int64")
        out["order"] = out["setting"].map({s: i for i, s in enumerate(TRACE_ORDER)})
        out = out.sort_values(
            ["order", "close", "p_close", "minutes", "contact_id"],
            ascending=[True, False, False, False, True],
            kind="mergesort",
        )
        return out[TRACE_COLUMNS].reset_index(drop=True)
