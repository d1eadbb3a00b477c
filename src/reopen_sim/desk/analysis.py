"""Why a plan is as it is: the objective's terms and, per class, the facts that shaped its assignment.

Every figure comes from the scenario's derived capacities (``scenario/capacity.py``, the numbers the
optimizer and the checker use) and the plan's rows; each fact has a sentence from the catalogue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from reopen_sim.i18n import Catalogue
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario, format_hhmm


def _fact(kind: str, cat: Catalogue, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, **fields, "text": cat(f"desk.why.{kind}", **fields)}


def class_facts(
    sc: Scenario, plan: Plan, cat: Catalogue, pins: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Per class: its window, its gate's load against capacity in that window, the walk to its
    room(s), and when students exceed one room's desks, the split over rooms."""
    window_min = sc.day.window_min
    load: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        load[(a.gate, a.arrival_start_min)] += a.students
    gate_cap: dict[str, int] = {}
    for e in sc.entrances:
        gate_cap[e.id] = cap.gate_window_capacity(e, sc.policy, window_min)
    room_caps = cap.room_capacities(sc)
    out = []
    for a in sorted(plan.assignments, key=lambda x: (x.arrival_start_min, x.gate, x.class_id)):
        window = f"{format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)}"
        facts = [_fact("window", cat, window=window, gate=a.gate)]
        capacity = gate_cap.get(a.gate)
        if capacity:
            n = load[(a.gate, a.arrival_start_min)]
            facts.append(
                _fact(
                    "gate_load",
                    cat,
                    gate=a.gate,
                    window=window,
                    students=n,
                    capacity=capacity,
                    percent=round(100 * n / capacity),
                )
            )
        known = [r for r in a.rooms if r in room_caps]
        if a.gate in {e.id for e in sc.entrances} and known:
            entrance = sc.entrance_by_id(a.gate)
            walk = max(cap.walk_m(sc, entrance, sc.room_by_id(r)) for r in known)
            facts.append(_fact("walk", cat, walk_m=round(walk), rooms=";".join(known), gate=a.gate))
        if len(known) > 1:
            desks = room_caps[known[0]]
            facts.append(_fact("split", cat, students=a.students, desks=desks, rooms=len(known)))
        if a.class_id in pins:
            facts.append(_fact("pinned", cat))
        out.append({"class_id": a.class_id, "grade": a.grade, "students": a.students, "facts": facts})
    return out


def objective_terms(meta: Mapping[str, Any], cat: Catalogue) -> list[dict[str, Any]]:
    """The optimizer's objective terms (value × weight) as recorded in the plan's meta."""
    terms = meta.get("terms") or {}
    weights = meta.get("term_weights") or {}
    out = []
    for name, value in terms.items():
        weight = weights.get(name, 0)
        out.append(
            {
                "term": name,
                "value": value,
                "weight": weight,
                "weighted": value * weight,
                "text": cat("desk.why.term", term=name, value=value, weight=weight, weighted=value * weight),
            }
        )
    return out


def summary_facts(sc: Scenario, plan: Plan, meta: Mapping[str, Any], cat: Catalogue) -> list[dict[str, Any]]:
    """Plan-wide facts: when the last class is in, the solver's status."""
    last = max((a.arrival_end_min for a in plan.assignments), default=0)
    facts = [
        _fact(
            "all_in",
            cat,
            time=format_hhmm(last),
            classes=len(plan),
            students=sum(a.students for a in plan.assignments),
        )
    ]
    if meta.get("status"):
        facts.append(
            _fact("solver", cat, status=meta["status"], gap=round(100 * float(meta.get("gap") or 0), 2))
        )
    return facts
