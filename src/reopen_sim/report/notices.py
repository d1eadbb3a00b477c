"""Notices: one page per class for parents, one page per gate for duty staff (printable HTML).

Built from a Plan alone (plus, for staff, the simulated queue at their gate when available). The
rules restated on them come from shared/DOMAIN.md: no early arrival, no gathering, parents stay
50 m from the gate, one person per marked lane with markers every ``queue_spacing_m``, the fever
threshold (37.3 °C by default) and the path a febrile student takes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from reopen_sim.i18n import Catalogue
from reopen_sim.naming import class_name
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm

# DOMAIN: "parents stay 50 m from the gate and pick up at marked points".
PARENT_DISTANCE_M = 50


def _sitting_text(scenario: Scenario, sitting: int | None, t: Catalogue) -> str:
    if sitting is None or scenario.canteen.mode != "sittings":
        return t("notice.meals_delivered")
    start = cap.sitting_start_min(scenario.canteen, sitting)
    return t(
        "notice.sitting_at",
        n=sitting,
        start=format_hhmm(start),
        end=format_hhmm(start + scenario.canteen.sitting_min),
    )


def display_name(scenario: Scenario, class_id: str, lang: str) -> str:
    """The class as schools write it (naming.class_name), or its id when the scenario lacks it."""
    for c in scenario.classes:
        if c.id == class_id:
            return class_name(c, lang)
    return class_id


def class_notices(scenario: Scenario, plan: Plan, t: Catalogue) -> list[dict[str, Any]]:
    """One page per class, in class-id order: when, where, which room, sitting, dismissal, rules."""
    spacing = scenario.policy.queue_spacing_m
    pages = []
    for a in sorted(plan.assignments, key=lambda a: (a.grade, a.class_id)):
        gate = scenario.entrance_by_id(a.gate) if a.gate in {e.id for e in scenario.entrances} else None
        gate_name = (gate.name or gate.id) if gate is not None else a.gate
        pages.append(
            {
                "class_id": a.class_id,
                "grade": a.grade,
                "title": t("notice.class_title", name=display_name(scenario, a.class_id, t.lang)),
                "rows": [
                    (
                        t("notice.arrival"),
                        f"{format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)}",
                    ),
                    (t("notice.gate"), f"{gate_name} ({a.gate})"),
                    (t("notice.rooms"), ", ".join(a.rooms)),
                    (t("notice.canteen"), _sitting_text(scenario, a.canteen_sitting, t)),
                    (t("notice.dismissal"), format_hhmm(a.dismissal_min)),
                ],
                "where_to_wait": t("notice.where_to_wait", gate=gate_name, spacing=spacing),
                "rules": [
                    t("notice.rule_no_early", start=format_hhmm(a.arrival_start_min)),
                    t("notice.rule_spacing", spacing=spacing),
                    t("notice.rule_parents", distance=PARENT_DISTANCE_M),
                    t("notice.rule_fever", threshold=scenario.policy.fever.threshold_c),
                    t("notice.rule_pickup", time=format_hhmm(a.dismissal_min), gate=gate_name),
                ],
            }
        )
    return pages


def gate_notices(
    scenario: Scenario,
    plan: Plan,
    t: Catalogue,
    gate_metrics: pd.DataFrame | None = None,
    plan_name: str | None = None,
) -> list[dict[str, Any]]:
    """One page per gate: lanes and staff, each arrival window's classes, dismissals, expected queue."""
    pol = scenario.policy
    pages = []
    for e in scenario.entrances:
        mine = [a for a in plan.assignments if a.gate == e.id]
        gate = derived(scenario).gate(e.id)  # the figures the optimizer used
        lanes, places = gate.lanes, gate.places
        windows: dict[tuple[int, int], list[Any]] = {}
        for a in mine:
            windows.setdefault((a.arrival_start_min, a.arrival_end_min), []).append(a)
        arrivals = [
            {
                "window": f"{format_hhmm(s)}–{format_hhmm(f)}",
                "classes": ", ".join(
                    display_name(scenario, a.class_id, t.lang)
                    for a in sorted(group, key=lambda a: a.class_id)
                ),
                "students": sum(a.students for a in group),
                "rooms": ", ".join(r for a in sorted(group, key=lambda a: a.class_id) for r in a.rooms),
            }
            for (s, f), group in sorted(windows.items())
        ]
        exits: dict[int, list[Any]] = {}
        for a in mine:
            exits.setdefault(a.dismissal_min, []).append(a)
        dismissals = [
            {
                "time": format_hhmm(m),
                "classes": ", ".join(
                    display_name(scenario, a.class_id, t.lang)
                    for a in sorted(group, key=lambda a: a.class_id)
                ),
                "students": sum(a.students for a in group),
            }
            for m, group in sorted(exits.items())
        ]
        expected = ""
        if gate_metrics is not None and not gate_metrics.empty and plan_name is not None:
            sub = gate_metrics[(gate_metrics["plan"] == plan_name) & (gate_metrics["gate"] == e.id)]
            if not sub.empty and "max_queue_people" in sub.columns:
                expected = t(
                    "notice.expected_queue",
                    people=round(float(sub["max_queue_people"].mean()), 1),
                    people_p95=round(float(sub["max_queue_people"].quantile(0.95)), 1),
                    last=format_hhmm(float(sub["last_through_min"].mean()))
                    if "last_through_min" in sub
                    else "–",
                )
        pages.append(
            {
                "gate": e.id,
                "title": t("notice.gate_title", gate=e.name or e.id),
                "summary": t(
                    "notice.gate_summary",
                    lanes=lanes,
                    staff=e.staff,
                    places=places,
                    spacing=pol.queue_spacing_m,
                    method=t(f"method.{e.screening_method}"),
                ),
                "arrivals": arrivals,
                "dismissals": dismissals,
                "expected": expected,
                "students": sum(a.students for a in mine),
                "rules": [
                    t("notice.staff_rule_lanes", spacing=pol.queue_spacing_m),
                    t("notice.staff_rule_fever", threshold=pol.fever.threshold_c),
                    t("notice.staff_rule_parents", distance=PARENT_DISTANCE_M),
                    t("notice.staff_rule_disinfect"),
                ],
            }
        )
    return pages
