"""Why a school cannot be planned, in the administrator's words, with numbers and what would relax it.

Method (CP-SAT assumptions, then a relaxation search):

1. Build the model with ``explain=True``: every relaxable rule carries an assumption literal (one per
   gate's capacity, the arrival span, one-grade-per-gate, boarder separation, each entrance closed to
   a group, each consecutive pair of the arrival/dismissal order, the room count, the canteen, each
   gate's exit, each pin and arrival group). Windows past the latest arrival exist but are off.
2. Solve with all literals assumed; on INFEASIBLE read ``sufficient_assumptions_for_infeasibility``
   and shrink it by deletion to a minimal set of clashing rules (each test a short solve).
3. For each rule of that set, solve once with only that rule relaxed: the ones that make the school
   plannable on their own are offered as fixes (for the arrival span, with the latest arrival
   time that suffices).
4. Translate, with the figures from ``scenario/capacity.py``: demand of a grade group against the
   gates open to it over the windows the arrival order leaves it, and so on.
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from reopen_sim.optimizer.model import TimetableModel, build_model
from reopen_sim.optimizer.params import WallClock, make_solver, plain_solver
from reopen_sim.optimizer.params import solve as run_solve
from reopen_sim.optimizer.relax import Relaxable, Relaxations, RuleFamily, RuleKey
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm

F = RuleFamily


def _literals(tm: TimetableModel) -> dict[RuleKey, Relaxable]:
    """The assumption literals of an explanation model (built with ``Relaxations``)."""
    assert tm.relaxations is not None, "an explanation model"
    return tm.relaxations.literals


def _build(
    scenario: Scenario, parts: frozenset[str], extra: int, enforce: Sequence[RuleKey] | None = None
) -> TimetableModel:
    relax = Relaxations(
        parts=parts, extra_windows=extra, enforce=None if enforce is None else frozenset(enforce)
    )
    return build_model(scenario, relaxations=relax)


def _hard_status(
    scenario: Scenario,
    parts: frozenset[str],
    enforce: Sequence[RuleKey],
    extra: int,
    limit_s: float,
    clock: WallClock | None = None,
) -> int:
    """Status of the sub-model with exactly the rules in ``enforce`` (a plain model: full presolve);
    ``UNKNOWN`` at once when the wall clock has run out."""
    if clock is not None and clock.expired():
        return int(cp_model.UNKNOWN)
    tm = _build(scenario, parts, extra, enforce)
    solver = make_solver(limit_s, seed=0, clock=clock)
    return int(run_solve(solver, tm.model))


def _assumption_core(
    tm: TimetableModel, limit_s: float, clock: WallClock | None = None
) -> list[RuleKey] | None:
    """A core from CP-SAT assumptions (fast on small models), or None if not found in the budget."""
    lits = _literals(tm)
    keys = list(lits)
    tm.model.clear_assumptions()
    tm.model.add_assumptions([lits[k].literal for k in keys])
    solver = plain_solver(limit_s, clock)  # cores of assumptions come from the single-worker search
    if run_solve(solver, tm.model) != cp_model.INFEASIBLE:
        return None
    lit_to_key = {lits[k].literal.index: k for k in keys}
    return [lit_to_key[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lit_to_key]


STAGES: tuple[frozenset[str], ...] = (
    frozenset({"rooms"}),
    frozenset({"canteen"}),
    frozenset({"arrival"}),
    frozenset({"arrival", "dismissal"}),
    frozenset({"arrival", "rooms", "canteen", "dismissal"}),
)
"""Sub-models tried in turn, smallest first: rooms, canteen and arrival are independent of each other,
so the first one without a plan holds the whole clash, and its core comes from a small model."""


def clashing_rules(
    scenario: Scenario, time_limit_s: float = 10.0, clock: WallClock | None = None
) -> tuple[TimetableModel | None, list[RuleKey], list[RuleKey], str]:
    """A minimal set of rules that together admit no plan, and which of them alone would relax it.

    Returns (model, core, fixes, status). ``status`` is ``INFEASIBLE`` when a clash was isolated,
    ``UNKNOWN`` when the search ran out of time, ``FEASIBLE`` when every relaxable rule can hold
    together (the clash then lies in rules never relaxed: rooms per class, one sitting per class).
    Each test is a deterministic solve of at most ``time_limit_s``; a test that runs out of time
    counts as "a plan may exist", so a rule is only dropped from the core when proven unnecessary.
    All solves together stay within ``clock`` (the caller's wall budget) when given.
    """
    extra = scenario.day.n_windows
    found: tuple[TimetableModel, frozenset[str]] | None = None
    for parts in STAGES:
        tm = _build(scenario, parts, extra)
        status = _hard_status(scenario, parts, list(_literals(tm)), extra, time_limit_s, clock)
        if status == cp_model.INFEASIBLE:
            found = (tm, parts)
            break
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return tm, [], [], "UNKNOWN"
    if found is None:
        return None, [], [], "FEASIBLE"
    tm, parts = found
    keys = list(_literals(tm))
    core = _assumption_core(tm, time_limit_s / 4, clock) or keys
    # Deletion filter: drop a rule when the others still clash (proven).
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1 :]
        if _hard_status(scenario, parts, trial, extra, time_limit_s / 4, clock) == cp_model.INFEASIBLE:
            core = trial
        else:
            i += 1
    fixes = []
    for k in core:
        rest = [x for x in keys if x != k]
        if _hard_status(scenario, parts, rest, extra, time_limit_s / 4, clock) in (
            cp_model.OPTIMAL,
            cp_model.FEASIBLE,
        ):
            fixes.append(k)
    return tm, core, fixes, "INFEASIBLE"


def _needed_latest_arrival(
    scenario: Scenario, parts: frozenset[str], max_extra: int, time_limit_s: float, clock: WallClock | None
) -> int | None:
    """With the arrival span relaxed (every other rule kept), the earliest end of arrivals that works."""
    sc = scenario
    for extra in range(1, max_extra + 1):
        tm = _build(sc, parts, extra)
        keep = [k for k in _literals(tm) if k[0] != F.ARRIVAL_SPAN]
        if _hard_status(sc, parts, keep, extra, time_limit_s, clock) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return sc.day.latest_arrival_at + extra * sc.day.window_min
    return None


def _span(sc: Scenario, w0: int, w1: int) -> str:
    return f"{format_hhmm(sc.day.window_start_min(w0))} and {format_hhmm(sc.day.window_start_min(w1) + sc.day.window_min)}"


def _gate_names(ids: Sequence[str]) -> str:
    return ", ".join(ids) if len(ids) <= 4 else f"{ids[0]}–{ids[-1]} ({len(ids)} gates)"


def demand_findings(scenario: Scenario) -> list[str]:
    """Arithmetic facts behind gate clashes: each arrival group's students against what the gates open
    to it screen in the windows the arrival order leaves it (one grade per gate and window)."""
    sc, pol = scenario, scenario.policy
    day = sc.day
    caps = dict(zip((e.id for e in sc.entrances), derived(sc).gate_window, strict=True))
    out: list[str] = []
    order = pol.arrival_order
    n = day.n_windows
    groups: list[tuple[str, list[int], int, int]] = []
    if order:
        for i, grp in enumerate(order):
            groups.append((_grades_label(grp), list(grp), i, n - (len(order) - i)))
    else:
        for g in sc.grades:
            groups.append((f"Grade {g}", [g], 0, n - 1))
    for label, grades, w0, w1 in groups:
        members = [c for c in sc.classes if c.grade in grades]
        for part, cls_list in (
            ("boarders", [c for c in members if c.boarding]),
            ("day students", [c for c in members if not c.boarding]),
        ):
            if not cls_list:
                continue
            gates = [e.id for e in sc.entrances if sc.entrance_allows(e, cls_list[0])]
            need = sum(c.students for c in cls_list)
            windows = w1 - w0 + 1
            per_window = sum(caps[g] for g in gates)
            supply = per_window * windows
            biggest = max(c.students for c in cls_list)
            who = label if len(cls_list) == len(members) else f"{label} {part}"
            if need > supply:
                out.append(
                    f"{who} ({need} students) cannot pass gates {_gate_names(gates)} between {_span(sc, w0, w1)}: "
                    f"together they screen {supply} at {pol.target_utilisation:.0%} load "
                    f"({per_window} a window of {day.window_min} min)."
                )
            elif biggest > max(caps[g] for g in gates):
                out.append(
                    f"Class of {biggest} students ({who}) is larger than any gate open to it screens in one "
                    f"window ({max(caps[g] for g in gates)} at {pol.target_utilisation:.0%} load)."
                )
    return out


def room_findings(scenario: Scenario) -> list[str]:
    """Rooms needed against rooms available: each class needs the fewest rooms whose distanced seats
    hold it (its largest rooms first); each room hosts one class (docs/design.md)."""
    sc = scenario
    caps = sorted((c for c in derived(sc).room_seats.values() if c > 0), reverse=True)
    if not caps:
        return []
    max_rooms = derived(sc).max_rooms_per_class
    need = 0
    oversize = 0
    for cls in sc.classes:
        k, seats = 0, 0
        while seats < cls.students and k < min(max_rooms, len(caps)):
            seats += caps[k]
            k += 1
        need += k
        oversize += k > 1
    if need <= len(caps):
        return []
    return [
        f"{len(sc.classes)} classes need at least {need} rooms but the school has {len(caps)}: "
        f"{oversize} classes have more students than the largest room ({caps[0]} distanced seats) and "
        "need a second room, and each room hosts one class. Add rooms (labs, meeting rooms, halls), "
        "relax the room distancing, or make classes smaller."
    ]


def _grades_label(grades: Sequence[int]) -> str:
    return (
        f"Grade {grades[0]}" if len(grades) == 1 else "Grades " + "–".join(map(str, (grades[0], grades[-1])))
    )


def _describe(sc: Scenario, tm: TimetableModel, key: RuleKey) -> str:
    family, k = key
    pol, day = sc.policy, sc.day
    if family == "gate_capacity":
        e = sc.entrances[k[0]]
        d = derived(sc)
        lanes, per_min, places = d.open_lanes[k[0]], d.screen_per_min[k[0]], d.queue_places[k[0]]
        return (
            f"gate {e.id} takes at most {tm.gate_capacity[k[0]]} students a {day.window_min}-min window "
            f"({lanes} open lane{'s' if lanes != 1 else ''} screening {per_min:.1f}/min at "
            f"{pol.target_utilisation:.0%} load, queue space {places} places)"
        )
    if family == "arrival_span":
        return (
            f"arrivals must fit {format_hhmm(day.earliest_arrival_at)}–{format_hhmm(day.latest_arrival_at)} "
            f"({day.n_windows} windows of {day.window_min} min)"
        )
    if family == "grades_per_gate":
        k_max = pol.max_grades_per_gate_window
        return f"at most {k_max} grade{'s' if k_max != 1 else ''} per gate in a window"
    if family == "boarders":
        return "boarders and day students never share an entrance in the same window"
    if family == "open_to":
        e = sc.entrances[k[0]]
        return f"gate {e.id} is open to {e.open_to.value} only"
    if family in ("arrival_order", "dismissal_order"):
        groups = getattr(pol, family)
        i = k[0]
        a, b = _grades_label(groups[i]), _grades_label(groups[i + 1])
        if family == "arrival_order":
            return f"{a} arrives in a window before {b} (arrival order)"
        return f"{a} is dismissed before {b} (dismissal order)"
    if family == "rooms":
        return f"each room holds one class ({len(sc.rooms)} rooms, up to {pol.max_rooms_per_class} per class)"
    if family == "home_rooms":
        return f"{len(derived(sc).kept_home_rooms)} classes keep their home rooms (policy.keep_home_rooms)"
    if family == "canteen":
        seats = derived(sc).canteen_seats
        return f"the canteen seats {seats} a sitting under the distancing rule, {sc.canteen.max_sittings} sittings"
    if family == "exit":
        e = sc.entrances[k[0]]
        return f"gate {e.id} lets out at most {derived(sc).exit_per_slot[k[0]]} students a dismissal slot"
    if family == "pin":
        p = sc.pins[k[0]]
        parts = []
        if p.gate:
            parts.append(f"gate {p.gate}")
        if p.window_at is not None:
            parts.append(f"window {format_hhmm(p.window_at)}")
        if p.rooms:
            caps = derived(sc).room_seats
            parts.append("rooms " + ";".join(f"{r} ({caps[r]} seats)" for r in p.rooms))
        if p.canteen_sitting:
            parts.append(f"sitting {p.canteen_sitting}")
        if p.dismissal_at is not None:
            parts.append(f"dismissal {format_hhmm(p.dismissal_at)}")
        cls = sc.class_by_id(p.class_id)
        return f"class {p.class_id} ({cls.students} students) is pinned to " + ", ".join(parts)
    if family == "group":
        g = sc.groups[k[0]]
        n = sum(sc.class_by_id(c).students for c in g.classes)
        return f"arrival group {g.id} ({', '.join(g.classes)}; {n} students) arrives in one window"
    return f"{family} {k}"


_FIX = {
    "gate_capacity": "add a lane or staff at gate {gate}, or speed up its screening",
    "grades_per_gate": "let {k} grades share a gate (policy.max_grades_per_gate_window: {k})",
    "boarders": "let boarders and day students share entrances (policy.separate_boarders: false)",
    "open_to": "open gate {gate} to all students",
    "arrival_order": "drop or merge these groups in policy.arrival_order",
    "dismissal_order": "drop or merge these groups in policy.dismissal_order",
    "rooms": "add rooms (labs, meeting rooms) or relax the room distancing",
    "home_rooms": "let classes change rooms (policy.keep_home_rooms: false)",
    "canteen": "add a sitting (canteen.max_sittings) or tables",
    "exit": "open more exit lanes at gate {gate} or more dismissal slots",
    "pin": "release or change this pin",
    "group": "let this group arrive in two windows",
}


def explain_infeasibility(
    scenario: Scenario, time_limit_s: float = 10.0, clock: WallClock | None = None
) -> list[str]:
    """Plain-language reasons why no plan exists: the clashing rules with their numbers, then fixes.
    Each solve has at most ``time_limit_s`` deterministic s; all together stay within ``clock``."""
    sc = scenario
    tm, core, fixes, status = clashing_rules(sc, time_limit_s, clock)
    reasons: list[str] = room_findings(sc)
    families = {f for f, _ in core}
    if families & {
        "gate_capacity",
        "arrival_span",
        "arrival_order",
        "grades_per_gate",
        "open_to",
        "boarders",
    }:
        reasons.extend(demand_findings(sc))
    if tm is None or not core:
        if status == "UNKNOWN":
            reasons.append(
                f"The clash could not be isolated within {time_limit_s:g} s of search; "
                "relax one rule at a time (more windows, lanes, rooms or sittings) to find it."
            )
        elif not reasons:
            reasons.append(
                "Each class must sit in its rooms and eat in one sitting, and no arrangement does it: "
                "check classes larger than their rooms or than a canteen sitting."
            )
        return reasons
    reasons.append("These rules clash: " + "; ".join(_describe(sc, tm, k) for k in core) + ".")
    suggestions = []
    for k in fixes:
        family, key = k
        if family == "arrival_span":
            assert tm.relaxations is not None
            relax = tm.relaxations
            latest = _needed_latest_arrival(sc, relax.parts, relax.extra_windows, time_limit_s / 4, clock)
            if latest is not None:
                suggestions.append(f"allow arrivals until {format_hhmm(latest)} (day.latest_arrival_at)")
            else:
                suggestions.append("allow a longer arrival period (day.latest_arrival_at)")
            continue
        gate = sc.entrances[key[0]].id if family in ("gate_capacity", "open_to", "exit") else ""
        k_more = sc.policy.max_grades_per_gate_window + 1
        text = _FIX.get(family, "relax this rule").format(gate=gate, k=k_more)
        if family == "pin":
            text = f"release or change the pin of class {sc.pins[key[0]].class_id}"
        suggestions.append(text)
    if suggestions:
        reasons.append(
            "Any one of these would make a plan possible: " + "; ".join(_dedupe(suggestions)) + "."
        )
    else:
        reasons.append("No single rule relaxed on its own is enough: relax two of them together.")
    return reasons


def _dedupe(items: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for x in items:
        if x not in seen:
            seen.append(x)
    return seen


__all__ = ["clashing_rules", "demand_findings", "explain_infeasibility"]
