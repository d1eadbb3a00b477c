"""The independent checker: every broken rule of any plan, including a timetable edited by hand.

Written without the solver (no OR-Tools, nothing from ``model.py``): each hard rule of the registry
(``optimizer/rules.py``, which also names the model function enforcing it) has one ``check_<rule>``
function here, re-implemented on the plan's rows with the capacities of ``scenario/capacity.py`` so
both sides use the same numbers. It also catches what only a hand edit produces: a window off the
grid, an unknown gate or room, a class missing or twice, students differing from the scenario.

Every :class:`Violation` carries a catalogue key and fields (``locales/<lang>/check.json``,
``check.*``); its English ``message`` is rendered from the English catalogue, and
:meth:`Violation.render` gives it in another language.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.rules import REGISTRY, RULE_ORDER, Rule, RuleKey
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Entrance, Scenario, SchoolClass, format_hhmm
from reopen_sim.scenario.setting_names import Setting

if TYPE_CHECKING:
    from reopen_sim.i18n import Catalogue

RULES: tuple[str, ...] = tuple(r.key.value for r in REGISTRY)
"""Rule names a :class:`Violation` may carry, in the order they are reported."""


# --------------------------------------------------------------------------------------------
# Messages: a key and fields, rendered in any language
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A piece of a message in the catalogue (``key`` with ``fields``), e.g. "grade 8"."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Parts:
    """Pieces of a message joined by the catalogue's separator ``sep_key``."""

    items: tuple[Part, ...]
    sep_key: str = "check.sep.list"


def _render_value(cat: Catalogue, value: Any) -> Any:
    if isinstance(value, Part):
        return cat(value.key, **_render_fields(cat, value.fields))
    if isinstance(value, Parts):
        return cat(value.sep_key).join(_render_value(cat, p) for p in value.items)
    if isinstance(value, Setting):  # named as the school's own file names it
        return value.render(cat)
    return value


def _render_fields(cat: Catalogue, fields: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _render_value(cat, v) for k, v in fields.items()}


@dataclass(frozen=True)
class Violation:
    """One broken rule: its name (see :data:`RULES`), the classes involved and a plain message.

    ``key`` (``check.<...>`` in the catalogues) and ``fields`` give the same message in any
    language (:meth:`render`); ``message`` is the English one."""

    rule: str
    class_ids: tuple[str, ...]
    message: str
    key: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"

    def render(self, cat: Catalogue) -> str:
        """The violation in the catalogue's language (``str(self)`` in English or without a key)."""
        if cat.lang == "en" or not self.key:
            return str(self)
        return f"[{self.rule}] {cat(self.key, **_render_fields(cat, self.fields))}"


def violation(rule: RuleKey, class_ids: Iterable[str], key: str, **fields: Any) -> Violation:
    """A violation whose English message comes from the English catalogue (``check.<key>``)."""
    full = f"check.{key}"
    message = load_catalogue("en")(full, **_render_fields(load_catalogue("en"), fields))
    return Violation(rule, tuple(class_ids), message, full, fields)


def _ids(items: Iterable[ClassAssignment]) -> tuple[str, ...]:
    return tuple(sorted(a.class_id for a in items))


def _list(ids: Iterable[str], limit: int = 8) -> str | Part:
    ids = list(ids)
    if len(ids) <= limit:
        return ", ".join(ids)
    return Part("check.part.list_more", {"ids": ", ".join(ids[:limit]), "n": len(ids) - limit})


def _grades(grades: Iterable[int], capital: bool = False) -> Part:
    g = list(grades)
    head = "Grade" if capital else "grade"
    if len(g) == 1:
        return Part(f"check.part.{head}_1", {"grade": g[0]})
    return Part(f"check.part.{head}_n", {"grades": ", ".join(map(str, g))})


def _yes_no(flag: bool) -> Part:
    return Part("check.part.yes" if flag else "check.part.no")


# --------------------------------------------------------------------------------------------
# The plan as the checks see it
# --------------------------------------------------------------------------------------------


@dataclass
class PlanView:
    """What every check needs, derived once from the scenario and the plan's rows.

    ``rows`` holds the first row of each class of the scenario (unknown classes and repeats are
    the ``classes`` rule's findings); the capacity rules look only at rows whose window is on the
    grid (``on_grid``) and whose gate exists (``gated``), the exit rule at rows whose dismissal is
    on a slot (``dismiss``), so that one hand edit is reported once, by the rule it breaks.
    """

    sc: Scenario
    plan: Plan
    known: dict[str, SchoolClass]
    gates: dict[str, Entrance]
    caps: dict[str, int]
    seen: dict[str, ClassAssignment]
    rows: list[ClassAssignment]
    window_starts: list[int]
    on_grid: set[str]
    gated: list[ClassAssignment]
    dismissal_slots: list[int]
    dismiss: dict[str, int]
    # (gate id, window start min) → capacity a certified plan was simulated against (certification)
    window_limits: Mapping[tuple[str, int], int] = field(default_factory=dict)


def plan_view(sc: Scenario, plan: Plan) -> PlanView:
    known = {c.id: c for c in sc.classes}
    gates = {e.id: e for e in sc.entrances}
    seen: dict[str, ClassAssignment] = {}
    for a in plan.assignments:
        if a.class_id in known:
            seen.setdefault(a.class_id, a)
    rows = list(seen.values())
    day = sc.day
    starts = [day.window_start_min(w) for w in range(day.n_windows)]
    slots = [day.dismissal_slot_min(k) for k in range(day.dismissal_slots)]
    return PlanView(
        sc=sc,
        plan=plan,
        known=known,
        gates=gates,
        caps=dict(derived(sc).room_seats),
        seen=seen,
        rows=rows,
        window_starts=starts,
        on_grid={a.class_id for a in rows if a.arrival_start_min in starts},
        gated=[a for a in rows if a.gate in gates],
        dismissal_slots=slots,
        dismiss={a.class_id: a.dismissal_min for a in rows if a.dismissal_min in slots},
    )


def _gate_windows(v: PlanView) -> list[tuple[tuple[str, int], list[ClassAssignment]]]:
    """Rows on the grid with an existing gate, by (gate, window start), sorted."""
    by_gw: dict[tuple[str, int], list[ClassAssignment]] = defaultdict(list)
    for a in v.gated:
        if a.class_id in v.on_grid:
            by_gw[a.gate, a.arrival_start_min].append(a)
    return sorted(by_gw.items())


def _window(v: PlanView, start: int) -> str:
    return f"{format_hhmm(start)}–{format_hhmm(start + v.sc.day.window_min)}"


# --------------------------------------------------------------------------------------------
# One check per rule (names listed in optimizer/rules.py)
# --------------------------------------------------------------------------------------------


def check_classes(v: PlanView) -> list[Violation]:
    """Each class of the scenario exactly once, nothing else."""
    out = []
    seen: set[str] = set()
    for a in v.plan.assignments:
        if a.class_id not in v.known:
            out.append(violation(RuleKey.CLASSES, (a.class_id,), "classes.unknown", cid=a.class_id))
        elif a.class_id in seen:
            out.append(violation(RuleKey.CLASSES, (a.class_id,), "classes.repeat", cid=a.class_id))
        seen.add(a.class_id)
    for c in v.sc.classes:
        if c.id not in v.seen:
            out.append(violation(RuleKey.CLASSES, (c.id,), "classes.missing", cid=c.id, students=c.students))
    return out


def check_class_data(v: PlanView) -> list[Violation]:
    """A row's students, grade and boarding are those of the scenario."""
    out = []
    for a in v.rows:
        c = v.known[a.class_id]
        diffs = []
        if a.students != c.students:
            diffs.append(Part("check.part.students_instead", {"got": a.students, "want": c.students}))
        if a.grade != c.grade:
            diffs.append(Part("check.part.grade_instead", {"got": a.grade, "want": c.grade}))
        if a.boarding != c.boarding:
            diffs.append(
                Part("check.part.boarding_instead", {"got": _yes_no(a.boarding), "want": _yes_no(c.boarding)})
            )
        if diffs:
            out.append(
                violation(
                    RuleKey.CLASS_DATA,
                    (a.class_id,),
                    "class_data",
                    cid=a.class_id,
                    diffs=Parts(tuple(diffs), "check.sep.clauses"),
                )
            )
    return out


def check_window(v: PlanView) -> list[Violation]:
    """The arrival window starts on the day's grid and lasts one window."""
    out = []
    day = v.sc.day
    for a in v.rows:
        cid = a.class_id
        if cid not in v.on_grid:
            starts = ", ".join(format_hhmm(s) for s in v.window_starts)
            at = format_hhmm(a.arrival_start_min)
            out.append(violation(RuleKey.WINDOW, (cid,), "window.off_grid", cid=cid, at=at, starts=starts))
        elif a.arrival_end_min != a.arrival_start_min + day.window_min:
            out.append(
                violation(
                    RuleKey.WINDOW,
                    (cid,),
                    "window.length",
                    cid=cid,
                    start=format_hhmm(a.arrival_start_min),
                    end=format_hhmm(a.arrival_end_min),
                    window_min=day.window_min,
                    should=format_hhmm(a.arrival_start_min + day.window_min),
                )
            )
    return out


def check_gate(v: PlanView) -> list[Violation]:
    """The gate is an entrance of the school."""
    return [
        violation(
            RuleKey.GATE, (a.class_id,), "gate", cid=a.class_id, gate=repr(a.gate), gates=", ".join(v.gates)
        )
        for a in v.rows
        if a.gate not in v.gates
    ]


def check_open_to(v: PlanView) -> list[Violation]:
    """The gate is open to the class's group (boarders / day students)."""
    out = []
    for a in v.gated:
        e, c = v.gates[a.gate], v.known[a.class_id]
        if not v.sc.entrance_allows(e, c):
            grp = Part("check.part.boarders" if c.boarding else "check.part.day_students")
            out.append(
                violation(
                    RuleKey.OPEN_TO,
                    (a.class_id,),
                    "open_to",
                    cid=a.class_id,
                    group=grp,
                    gate=a.gate,
                    open_to=Part(f"check.part.open_to.{e.open_to.value}"),
                )
            )
    return out


def check_gate_capacity(v: PlanView) -> list[Violation]:
    """The students of a gate-window fit ``capacity.gate_window_capacity``."""
    out = []
    for (g, start), members in _gate_windows(v):
        e = v.gates[g]
        load = sum(v.known[a.class_id].students for a in members)
        gc = derived(v.sc).gate(e.id)
        limit = v.window_limits.get((g, start), gc.window)
        if load > limit:
            lanes, places = gc.lanes, gc.places
            out.append(
                violation(
                    RuleKey.GATE_CAPACITY,
                    _ids(members),
                    "gate_capacity",
                    gate=g,
                    window=_window(v, start),
                    load=load,
                    ids=_list(_ids(members)),
                    limit=limit,
                    lanes=lanes,
                    util=v.sc.policy.target_utilisation,
                    places=places,
                )
            )
    return out


def check_grades_per_gate(v: PlanView) -> list[Violation]:
    """At most ``policy.max_grades_per_gate_window`` grades share a gate-window."""
    out = []
    k_max = v.sc.policy.max_grades_per_gate_window
    for (g, start), members in _gate_windows(v):
        grades = sorted({v.known[a.class_id].grade for a in members})
        if len(grades) > k_max:
            out.append(
                violation(
                    RuleKey.GRADES_PER_GATE,
                    _ids(members),
                    "grades_per_gate",
                    gate=g,
                    window=_window(v, start),
                    n=len(grades),
                    grades=", ".join(map(str, grades)),
                    k=k_max,
                )
            )
    return out


def check_boarders(v: PlanView) -> list[Violation]:
    """With ``policy.separate_boarders``, boarders and day students never share a gate-window."""
    if not v.sc.policy.separate_boarders:
        return []
    out = []
    for (g, start), members in _gate_windows(v):
        board = sorted(a.class_id for a in members if v.known[a.class_id].boarding)
        day = sorted(a.class_id for a in members if not v.known[a.class_id].boarding)
        if board and day:
            out.append(
                violation(
                    RuleKey.BOARDERS,
                    _ids(members),
                    "boarders",
                    gate=g,
                    window=_window(v, start),
                    boarders=_list(board),
                    day=_list(day),
                )
            )
    return out


def _room_row(v: PlanView, a: ClassAssignment, max_rooms: int) -> list[Violation]:
    """The ``rooms`` findings of one row: unknown, repeated, too many and needless rooms."""
    out = []
    cid, rooms = a.class_id, ";".join(a.rooms)
    unknown = [r for r in a.rooms if r not in v.caps]
    if unknown:
        out.append(violation(RuleKey.ROOMS, (cid,), "rooms.unknown", cid=cid, rooms=", ".join(unknown)))
    if len(set(a.rooms)) != len(a.rooms):
        out.append(violation(RuleKey.ROOMS, (cid,), "rooms.twice", cid=cid, rooms=rooms))
    if len(a.rooms) > max_rooms:
        pol = v.sc.policy
        why = (
            Part("check.part.split_off")
            if not pol.allow_split_classes
            else Part("check.part.max_rooms", {"max": max_rooms})
        )
        out.append(
            violation(RuleKey.ROOMS, (cid,), "rooms.too_many", cid=cid, n=len(a.rooms), rooms=rooms, why=why)
        )
    if unknown or not a.rooms:
        return out
    students = v.known[cid].students
    shares = cap.split_over_rooms(students, [v.caps[r] for r in a.rooms])
    for r, n in zip(a.rooms, shares, strict=True):
        if n <= 0:
            out.append(violation(RuleKey.ROOMS, (cid,), "rooms.empty", cid=cid, students=students, room=r))
    return out


def check_rooms(v: PlanView) -> list[Violation]:
    """Rooms exist, are listed once, at most ``max_rooms_per_class``, each needed, one class a room."""
    max_rooms = derived(v.sc).max_rooms_per_class
    out = []
    users: dict[str, list[str]] = defaultdict(list)
    for a in v.rows:
        out.extend(_room_row(v, a, max_rooms))
        for r in dict.fromkeys(a.rooms):
            users[r].append(a.class_id)
    for r, cids in sorted(users.items()):
        if len(cids) > 1:
            ids = sorted(cids)
            out.append(violation(RuleKey.ROOMS, ids, "rooms.shared", room=r, n=len(ids), ids=", ".join(ids)))
    return out


def check_room_capacity(v: PlanView) -> list[Violation]:
    """No room holds more than its distanced capacity (students fill the rooms in the listed order)."""
    out = []
    for a in v.rows:
        if not a.rooms or any(r not in v.caps for r in a.rooms):
            continue
        students = v.known[a.class_id].students
        shares = cap.split_over_rooms(students, [v.caps[r] for r in a.rooms])
        for r, n in zip(a.rooms, shares, strict=True):
            if n > v.caps[r]:
                out.append(
                    violation(
                        RuleKey.ROOM_CAPACITY,
                        (a.class_id,),
                        "room_capacity",
                        cid=a.class_id,
                        students=students,
                        rooms=";".join(a.rooms),
                        n=n,
                        room=r,
                        seats=v.caps[r],
                    )
                )
    return out


def check_home_room(v: PlanView) -> list[Violation]:
    """With ``policy.keep_home_rooms``, a class's first room is its home room."""
    out = []
    for cid, room in sorted(derived(v.sc).kept_home_rooms.items()):
        row = v.seen.get(cid)
        if row is not None and row.rooms and row.rooms[0] != room:
            out.append(
                violation(
                    RuleKey.HOME_ROOM,
                    (cid,),
                    "home_room",
                    cid=cid,
                    rooms=";".join(row.rooms),
                    room=room,
                    setting=Setting("policy.keep_home_rooms", source=v.sc.source_format),
                )
            )
    return out


def check_canteen(v: PlanView) -> list[Violation]:
    """One existing sitting a class and the sitting fits its seats; no sitting when meals are delivered."""
    sc = v.sc
    if sc.canteen.mode != "sittings":
        return [
            violation(
                RuleKey.CANTEEN, (a.class_id,), "canteen.delivered", cid=a.class_id, s=a.canteen_sitting
            )
            for a in v.rows
            if a.canteen_sitting is not None
        ]
    out = []
    seats = derived(sc).canteen_seats
    by_s: dict[int, list[ClassAssignment]] = defaultdict(list)
    for a in v.rows:
        s = a.canteen_sitting
        if s is None or not 1 <= s <= sc.canteen.max_sittings:
            got = Part("check.part.no_sitting") if s is None else Part("check.part.sitting", {"s": s})
            out.append(
                violation(
                    RuleKey.CANTEEN,
                    (a.class_id,),
                    "canteen.sitting",
                    cid=a.class_id,
                    got=got,
                    max=sc.canteen.max_sittings,
                )
            )
            continue
        by_s[s].append(a)
    for s, members in sorted(by_s.items()):
        n = sum(v.known[a.class_id].students for a in members)
        if n > seats:
            at = format_hhmm(cap.sitting_start_min(sc.canteen, s))
            out.append(
                violation(RuleKey.CANTEEN, _ids(members), "canteen.seats", s=s, at=at, n=n, seats=seats)
            )
    return out


def _order(
    sc: Scenario, groups: tuple[tuple[int, ...], ...], when: dict[str, int], rule: RuleKey, verb: str
) -> list[Violation]:
    """Consecutive grade groups: the latest time of the earlier group strictly before the earliest of the next."""
    out = []
    for i in range(len(groups) - 1):
        early = [c.id for c in sc.classes if c.grade in groups[i] and c.id in when]
        late = [c.id for c in sc.classes if c.grade in groups[i + 1] and c.id in when]
        if not early or not late:
            continue
        last_early = max(when[c] for c in early)
        first_late = min(when[c] for c in late)
        if last_early >= first_late:
            bad_early = sorted(c for c in early if when[c] >= first_late)
            bad_late = sorted(c for c in late if when[c] <= last_early)
            out.append(
                violation(
                    rule,
                    sorted(bad_early + bad_late),
                    rule.value,
                    early=_grades(groups[i], capital=True),
                    late=_grades(groups[i + 1]),
                    bad_early=_list(bad_early),
                    verb_early=Part(f"check.part.{verb}_{1 if len(bad_early) == 1 else 'n'}"),
                    t_early=format_hhmm(max(when[c] for c in bad_early)),
                    bad_late=_list(bad_late),
                    verb_late=Part(f"check.part.{verb}_{1 if len(bad_late) == 1 else 'n'}"),
                    t_late=format_hhmm(first_late),
                )
            )
    return out


def check_arrival_order(v: PlanView) -> list[Violation]:
    """Groups of ``policy.arrival_order`` arrive in strictly earlier windows than the next group."""
    arrive = {a.class_id: a.arrival_start_min for a in v.rows}
    return _order(v.sc, v.sc.policy.arrival_order, arrive, RuleKey.ARRIVAL_ORDER, "arrive")


def check_dismissal(v: PlanView) -> list[Violation]:
    """Each class is dismissed in a slot of the day's dismissal grid."""
    slots = ", ".join(format_hhmm(s) for s in v.dismissal_slots)
    return [
        violation(
            RuleKey.DISMISSAL,
            (a.class_id,),
            "dismissal",
            cid=a.class_id,
            at=format_hhmm(a.dismissal_min),
            slots=slots,
        )
        for a in v.rows
        if a.class_id not in v.dismiss
    ]


def check_dismissal_order(v: PlanView) -> list[Violation]:
    """Groups of ``policy.dismissal_order`` leave in strictly earlier slots than the next group."""
    return _order(v.sc, v.sc.policy.dismissal_order, v.dismiss, RuleKey.DISMISSAL_ORDER, "leave")


def check_exit(v: PlanView) -> list[Violation]:
    """Students leaving by a gate in one slot: at most ⌊exit rate × dismissal gap⌋ (capacity.py)."""
    out = []
    day, pol = v.sc.day, v.sc.policy
    by_exit: dict[tuple[str, int], list[ClassAssignment]] = defaultdict(list)
    for a in v.gated:
        if a.class_id in v.dismiss:
            by_exit[a.gate, a.dismissal_min].append(a)
    for (g, t), members in sorted(by_exit.items()):
        rate = cap.exit_rate_per_min(v.gates[g], pol)  # for the message
        limit = derived(v.sc).gate(g).exit_per_slot  # ⌊exit rate × dismissal gap⌋
        n = sum(v.known[a.class_id].students for a in members)
        if n > limit:
            out.append(
                violation(
                    RuleKey.EXIT,
                    _ids(members),
                    "exit",
                    gate=g,
                    at=format_hhmm(t),
                    n=n,
                    limit=limit,
                    gap=day.dismissal_gap_min,
                    rate=rate,
                )
            )
    return out


def check_pin(v: PlanView) -> list[Violation]:
    """What the administrator pinned (gate, window, rooms, sitting, dismissal) is kept."""
    out = []
    for pin in v.sc.pins:
        a = v.seen.get(pin.class_id)
        if a is None:
            continue
        broken = []
        if pin.gate is not None and a.gate != pin.gate:
            broken.append(Part("check.part.pin_gate", {"got": a.gate, "want": pin.gate}))
        if pin.window_at is not None and a.arrival_start_min != pin.window_at:
            got, want = format_hhmm(a.arrival_start_min), format_hhmm(pin.window_at)
            broken.append(Part("check.part.pin_window", {"got": got, "want": want}))
        if pin.rooms is not None and tuple(a.rooms) != tuple(pin.rooms):
            broken.append(
                Part("check.part.pin_rooms", {"got": ";".join(a.rooms), "want": ";".join(pin.rooms)})
            )
        if pin.canteen_sitting is not None and a.canteen_sitting != pin.canteen_sitting:
            broken.append(
                Part("check.part.pin_sitting", {"got": a.canteen_sitting, "want": pin.canteen_sitting})
            )
        if pin.dismissal_at is not None and a.dismissal_min != pin.dismissal_at:
            got, want = format_hhmm(a.dismissal_min), format_hhmm(pin.dismissal_at)
            broken.append(Part("check.part.pin_dismissal", {"got": got, "want": want}))
        if broken:
            out.append(
                violation(
                    RuleKey.PIN,
                    (a.class_id,),
                    "pin",
                    cid=a.class_id,
                    broken=Parts(tuple(broken), "check.sep.clauses"),
                )
            )
    return out


def check_group(v: PlanView) -> list[Violation]:
    """The classes of an arrival group arrive in the same window."""
    out = []
    arrive = {a.class_id: a.arrival_start_min for a in v.rows}
    for grp in v.sc.groups:
        times = {cid: arrive[cid] for cid in grp.classes if cid in arrive}
        if len(set(times.values())) > 1:
            detail = Parts(
                tuple(
                    Part("check.part.at", {"cid": c, "at": format_hhmm(t)}) for c, t in sorted(times.items())
                )
            )
            out.append(
                violation(RuleKey.GROUP, sorted(times), "group", group=grp.id, kind=grp.kind, detail=detail)
            )
    return out


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def check_function(rule: Rule) -> Callable[[PlanView], list[Violation]]:
    """The ``check_<rule>`` function the registry names for a rule."""
    fn: Callable[[PlanView], list[Violation]] = globals()[rule.check_fn]
    return fn


def check_plan(
    scenario: Scenario, plan: Plan, window_limits: Mapping[tuple[str, int], int] | None = None
) -> list[Violation]:
    """Every rule the plan breaks, in the order of :data:`RULES`; ``[]`` when the plan is sound.

    ``window_limits`` ((gate id, window start min) → students) replaces the static gate-window
    capacity where a certified plan's simulation set it (``optimizer.certify.window_limits``).

    A timetable that omits, repeats or invents a class is a finding (rule ``classes``), not an error."""
    v = plan_view(scenario, plan)
    if window_limits:
        v.window_limits = dict(window_limits)
    out: list[Violation] = []
    for rule in REGISTRY:
        out.extend(check_function(rule)(v))
    return sorted(out, key=lambda x: RULE_ORDER[x.rule])


__all__ = ["RULES", "Part", "Parts", "PlanView", "Violation", "check_plan", "plan_view"]
