"""The printable set for one timetable, exactly as given (no optimizer, no simulation).

``publish`` writes, whole or not at all (:func:`reopen_sim.report.write.atomic_output`):

- ``notices_parents.html``: one A4 page per class for parents (and ``notices_png/<class>.png``,
  the same notice as a portrait picture for class messaging groups);
- ``gate_duty.html``: one page per gate for the staff on duty (windows, classes, lanes, the
  staff who sign, the fever path step by step);
- ``timetable_by_gate.html`` and ``timetable_by_grade.html``: one A4 page per gate and per grade;
- ``timetable.csv`` and ``timetable.xlsx`` (:func:`reopen_sim.report.timetable.write_timetable`);
- ``index.html`` (what each file is for) and ``publish.json`` (what was published, and the broken
  rules when it was published anyway).

Every page carries the school's name, the date (``date`` or a blank to fill in by hand) and a
signature and stamp area. A timetable that breaks rules is published only on request, and then
every page and picture says so, with the list. The rules restated for parents and staff come from
shared/DOMAIN.md: no early arrival, parents stay 50 m from the gate and pick up at marked points,
the fever path (threshold 37.3 °C by default: observation room, re-check with an ear thermometer,
isolation room and school doctor, parents take the student to a fever clinic).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.naming import class_name, class_number, grade_name
from reopen_sim.optimizer.check import Violation
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.report.notices import PARENT_DISTANCE_M
from reopen_sim.report.write import atomic_output, template_env
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Entrance, Scenario, format_hhmm

# The parts of the printable set, in the order index.html lists them.
PAGE_FILES: tuple[str, ...] = (
    "notices_parents.html",
    "gate_duty.html",
    "timetable_by_gate.html",
    "timetable_by_grade.html",
)
PNG_FOLDER = "notices_png"
# Table rows above which a page is set in smaller type to stay on one A4 sheet (checked in
# headless Chromium on every bundled school: one printed page per section).
DENSE_DUTY_ROWS = 9
DENSE_TIMETABLE_ROWS = 16


@dataclass(frozen=True)
class Sheet:
    """What every printed page shares: school, date, language and the rules the timetable breaks."""

    school: str
    date_text: str
    violations: tuple[str, ...]
    t: Catalogue


def date_text(date: dt.date | None, t: Catalogue) -> str:
    """The date as the language writes it (2026年3月2日 / 2026-03-02), or a blank to fill in by hand."""
    if date is None:
        return t("publish.date_blank")
    return t("publish.date", year=date.year, month=date.month, day=date.day)


def _class_key(a: ClassAssignment) -> tuple[int, int, str]:
    """Grade, then the class's number within the grade (2 before 10), then its id."""
    n = class_number(a.class_id)
    return (a.grade, n if n is not None else 10**6, a.class_id)


def _name_of(scenario: Scenario, a: ClassAssignment, lang: str) -> str:
    for c in scenario.classes:
        if c.id == a.class_id:
            return class_name(c, lang)
    return a.class_id  # a row the school does not have (published with --allow-violations)


def class_list(scenario: Scenario, group: Sequence[ClassAssignment], t: Catalogue) -> str:
    """Classes as schools list them, grouped by grade: 初三（1、2、5）班 / Grade 9 classes 1, 2, 5.

    A class with its own name or without a number in its id is listed by its own name.
    """
    known = {c.id: c for c in scenario.classes}
    by_grade: dict[int, list[int]] = {}
    named: list[str] = []
    for a in sorted(group, key=_class_key):
        c = known.get(a.class_id)
        n = class_number(a.class_id)
        if c is None or c.name or n is None:
            named.append(_name_of(scenario, a, t.lang))
        else:
            by_grade.setdefault(a.grade, []).append(n)
    parts = [
        t(
            "publish.classes_of_grade",
            grade=grade_name(g, t.lang),
            numbers=t("publish.list_sep").join(map(str, ns)),
        )
        if len(ns) > 1
        else t("publish.class_of_grade", grade=grade_name(g, t.lang), number=ns[0])
        for g, ns in sorted(by_grade.items())
    ]
    return t("publish.list_sep").join(parts + named)


def _gate(scenario: Scenario, gate_id: str) -> Entrance | None:
    return next((e for e in scenario.entrances if e.id == gate_id), None)


def _gate_name(scenario: Scenario, gate_id: str) -> str:
    e = _gate(scenario, gate_id)
    return (e.name or e.id) if e is not None else gate_id


def sitting_text(scenario: Scenario, sitting: int | None, t: Catalogue, short: bool = False) -> str:
    """ "Canteen sitting 2, 12:05–12:30" (``short``: "2: 12:05–12:30"), or meals delivered."""
    if sitting is None or scenario.canteen.mode != "sittings":
        return t("publish.meals_delivered_short" if short else "publish.meals_delivered")
    start = cap.sitting_start_min(scenario.canteen, sitting)
    end = start + scenario.canteen.sitting_min
    key = "publish.sitting_short" if short else "publish.sitting"
    return t(key, n=sitting, start=format_hhmm(start), end=format_hhmm(end))


def window_text(a: ClassAssignment) -> str:
    return f"{format_hhmm(a.arrival_start_min)}–{format_hhmm(a.arrival_end_min)}"


def route_text(scenario: Scenario, a: ClassAssignment, t: Catalogue) -> str:
    """The way from the gate to the room(s): building, floor, room, and the walk when it is known."""
    gate = _gate(scenario, a.gate)
    rooms = {r.id: r for r in scenario.rooms}
    legs = []
    for rid in a.rooms:
        room = rooms.get(rid)
        if room is None:
            legs.append(rid)
            continue
        place = t("publish.room_place", building=room.building, floor=room.floor, room=rid)
        walk = gate.walk_m.get(room.building) if gate is not None else None
        legs.append(place if walk is None else t("publish.room_walk", place=place, walk_m=round(walk)))
    return t("publish.route", gate=_gate_name(scenario, a.gate), rooms=t("publish.list_sep").join(legs))


def class_pages(scenario: Scenario, plan: Plan, t: Catalogue) -> list[dict[str, Any]]:
    """One notice per class for parents: when, where, the way to the room, lunch, pick-up, the rules."""
    fever = scenario.policy.fever
    pages = []
    for a in sorted(plan.assignments, key=_class_key):
        gate_name = _gate_name(scenario, a.gate)
        start = format_hhmm(a.arrival_start_min)
        pages.append(
            {
                "class_id": a.class_id,
                "name": _name_of(scenario, a, t.lang),
                "rows": [
                    (t("publish.arrival"), window_text(a)),
                    (t("publish.gate"), gate_name),
                    (t("publish.way"), route_text(scenario, a, t)),
                    (t("publish.rooms"), t("publish.list_sep").join(a.rooms)),
                    (t("publish.lunch"), sitting_text(scenario, a.canteen_sitting, t)),
                    (t("publish.dismissal"), format_hhmm(a.dismissal_min)),
                ],
                "rules": [
                    t("publish.rule_no_early", start=start),
                    t("publish.rule_parents", distance=PARENT_DISTANCE_M),
                    t("publish.rule_pickup", time=format_hhmm(a.dismissal_min), gate=gate_name),
                    t("publish.rule_fever", threshold=fever.threshold_c),
                ],
            }
        )
    return pages


def fever_steps(scenario: Scenario, t: Catalogue) -> list[str]:
    """The fever path as numbered steps for gate staff (DOMAIN: observation room, re-check, isolation)."""
    fever = scenario.policy.fever
    return [
        t("publish.fever_1", threshold=fever.threshold_c),
        t("publish.fever_2"),
        t("publish.fever_3", rooms=fever.isolation_rooms),
        t("publish.fever_4"),
        t("publish.fever_5"),
    ]


def staff_rows(e: Entrance, lanes: int, staff_per_lane: int, t: Catalogue) -> list[str]:
    """Posts to sign for at one gate: every screener of every open lane, then the gate's other staff."""
    posts = [t("publish.post_lane", lane=k) for k in range(1, lanes + 1) for _ in range(staff_per_lane)]
    posts += [t("publish.post_gate")] * max(0, e.staff - len(posts))
    return [t("publish.post_leader"), *posts]


def gate_pages(scenario: Scenario, plan: Plan, t: Catalogue) -> list[dict[str, Any]]:
    """One duty sheet per gate: windows with classes and students, lanes, staff to sign, fever path."""
    pol = scenario.policy
    steps = fever_steps(scenario, t)
    pages = []
    for e in scenario.entrances:
        mine = sorted((a for a in plan.assignments if a.gate == e.id), key=_class_key)
        lanes = derived(scenario).gate(e.id).lanes  # the lanes the optimizer counted on
        windows: dict[tuple[int, int], list[ClassAssignment]] = {}
        for a in mine:
            windows.setdefault((a.arrival_start_min, a.arrival_end_min), []).append(a)
        exits: dict[int, list[ClassAssignment]] = {}
        for a in mine:
            exits.setdefault(a.dismissal_min, []).append(a)
        posts = staff_rows(e, lanes, pol.staff_per_lane, t)
        pages.append(
            {
                "gate": e.id,
                "name": e.name or e.id,
                "summary": t(
                    "publish.gate_summary",
                    lanes=lanes,
                    staff=e.staff,
                    method=t.get(f"method.{e.screening_method}", e.screening_method),
                    spacing=pol.queue_spacing_m,
                ),
                "arrivals": [
                    {
                        "window": f"{format_hhmm(s)}–{format_hhmm(f)}",
                        "classes": class_list(scenario, group, t),
                        "students": sum(a.students for a in group),
                        "lanes": lanes,
                    }
                    for (s, f), group in sorted(windows.items())
                ],
                "dismissals": [
                    {
                        "time": format_hhmm(m),
                        "classes": class_list(scenario, group, t),
                        "students": sum(a.students for a in group),
                    }
                    for m, group in sorted(exits.items())
                ],
                "students": sum(a.students for a in mine),
                "dense": len(windows) + len(exits) + len(posts) > DENSE_DUTY_ROWS,
                "posts": posts,
                "fever": steps,
                "rules": [
                    t("publish.staff_rule_lanes", spacing=pol.queue_spacing_m),
                    t("publish.staff_rule_parents", distance=PARENT_DISTANCE_M),
                ],
            }
        )
    return pages


def timetable_pages(scenario: Scenario, plan: Plan, t: Catalogue, by: str) -> list[dict[str, Any]]:
    """One A4 page per gate (``by="gate"``) or per grade (``by="grade"``): its classes in order."""
    groups: dict[Any, list[ClassAssignment]] = {}
    if by == "gate":
        order = [e.id for e in scenario.entrances]
        for a in plan.assignments:
            groups.setdefault(a.gate, []).append(a)
        keys = order + sorted(k for k in groups if k not in order)
        titles = {k: t("publish.tt_gate_title", gate=_gate_name(scenario, k)) for k in keys}
        sort_key: Any = lambda a: (a.arrival_start_min, _class_key(a))  # noqa: E731
    else:
        for a in plan.assignments:
            groups.setdefault(a.grade, []).append(a)
        keys = sorted(groups)
        titles = {k: t("publish.tt_grade_title", grade=grade_name(k, t.lang)) for k in keys}
        sort_key = _class_key
    pages = []
    for k in keys:
        rows = [
            {
                "class": _name_of(scenario, a, t.lang),
                "students": a.students,
                "window": window_text(a),
                "gate": _gate_name(scenario, a.gate),
                "rooms": t("publish.list_sep").join(a.rooms),
                "lunch": sitting_text(scenario, a.canteen_sitting, t, short=True),
                "dismissal": format_hhmm(a.dismissal_min),
            }
            for a in sorted(groups.get(k, []), key=sort_key)
        ]
        pages.append(
            {
                "key": str(k),
                "title": titles[k],
                "rows": rows,
                "dense": len(rows) > DENSE_TIMETABLE_ROWS,
                "students": sum(a.students for a in groups.get(k, [])),
            }
        )
    return pages


def png_names(pages: Sequence[dict[str, Any]]) -> list[str]:
    """``<class id>.png`` per notice; a class listed twice (published anyway) gets ``-2``, ``-3``…"""
    seen: dict[str, int] = {}
    names = []
    for p in pages:
        n = seen[p["class_id"]] = seen.get(p["class_id"], 0) + 1
        names.append(f"{p['class_id']}.png" if n == 1 else f"{p['class_id']}-{n}.png")
    return names


def publish(
    scenario: Scenario,
    plan: Plan,
    out_dir: str | Path,
    *,
    lang: str = "en",
    violations: Sequence[Violation] = (),
    date: dt.date | None = None,
    force: bool = False,
) -> Path:
    """Write the printable set for ``plan`` to ``out_dir`` (whole or not at all); return the folder.

    ``violations`` are the rules the timetable breaks (from ``check_plan``); when there are any,
    every page and picture carries a warning with the list. ``date`` is printed on every page
    (a blank line to fill in when None). Same inputs give byte-identical files.
    """
    from reopen_sim.report.notice_png import write_notice_png
    from reopen_sim.report.timetable import write_timetable

    t = load_catalogue(lang)
    sheet = Sheet(scenario.school.name, date_text(date, t), tuple(v.render(t) for v in violations), t)
    env = template_env()
    common: dict[str, Any] = {"sheet": sheet, "t": t, "lang": t.html_lang}
    parents = class_pages(scenario, plan, t)
    docs: dict[str, tuple[str, dict[str, Any]]] = {
        "notices_parents.html": ("publish_notices.html.j2", {"pages": parents}),
        "gate_duty.html": ("publish_gates.html.j2", {"pages": gate_pages(scenario, plan, t)}),
        "timetable_by_gate.html": (
            "publish_timetable.html.j2",
            {"pages": timetable_pages(scenario, plan, t, "gate"), "by": "gate"},
        ),
        "timetable_by_grade.html": (
            "publish_timetable.html.j2",
            {"pages": timetable_pages(scenario, plan, t, "grade"), "by": "grade"},
        ),
    }

    def build(tmp: Path) -> None:
        for name, (template, ctx) in docs.items():
            html = env.get_template(template).render(**common, **ctx)
            (tmp / name).write_text(html, encoding="utf-8")
        pngs = tmp / PNG_FOLDER
        pngs.mkdir()
        for page, name in zip(parents, png_names(parents), strict=True):
            write_notice_png(page, sheet, pngs / name)
        write_timetable(plan, scenario, tmp, lang=lang)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        index = env.get_template("publish_index.html.j2").render(
            **common, pages=PAGE_FILES, png_folder=PNG_FOLDER, n_png=len(parents)
        )
        (tmp / "index.html").write_text(index, encoding="utf-8")
        meta = {
            "school": scenario.school.name,
            "scenario_sha256": scenario.source_sha256,
            "timetable": plan.meta.get("source"),
            "classes": len(plan),
            "lang": lang,
            "date": date.isoformat() if date is not None else None,
            "violations": [str(v) for v in violations],  # English, for tools; pages are in `lang`
            "files": sorted([*files, "index.html", "publish.json"]),
        }
        (tmp / "publish.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    return atomic_output(Path(out_dir), force, build)
