"""Why a school cannot be planned, in the administrator's words, with numbers and what would relax it.

Method (CP-SAT assumptions, then a relaxation search):

1. Build sub-models with a ``relax.Relaxations``: every relaxable rule carries an assumption literal
   (one per gate's capacity, the arrival span, one-grade-per-gate, boarder separation, each entrance
   closed to a group, each consecutive pair of the arrival/dismissal order, the room count, the
   canteen, each gate's exit, each pin and arrival group). Windows past the latest arrival exist
   but are off.
2. Solve with all literals assumed; on INFEASIBLE read ``sufficient_assumptions_for_infeasibility``
   and shrink it by deletion to a minimal set of clashing rules (each test a short solve).
3. For each rule of that set, solve once with only that rule dropped: for those that make the
   sub-model plannable on their own, find the smallest change of the school that relaxes the rule
   and gives the *whole* school a plan, re-solved before it is offered (``fixes.smallest_fix``).
4. Say it with the figures of ``scenario.derived``: demand of a grade group against the gates open
   to it over the windows the arrival order leaves it, and so on, as :class:`~.reasons.Reason` s
   (catalogue keys and fields, ``locales/<lang>/explain.json``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ortools.sat.python import cp_model

from reopen_sim.optimizer.fixes import smallest_fix
from reopen_sim.optimizer.model import TimetableModel, build_model
from reopen_sim.optimizer.params import WallClock, make_solver, plain_solver
from reopen_sim.optimizer.params import solve as run_solve
from reopen_sim.optimizer.reasons import Grades, Joined, Reason
from reopen_sim.optimizer.relax import Relaxable, Relaxations, RuleFamily, RuleKey
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm
from reopen_sim.scenario.setting_names import Setting

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


def _span(sc: Scenario, w0: int, w1: int) -> dict[str, str]:
    day = sc.day
    return {
        "start": format_hhmm(day.window_start_min(w0)),
        "end": format_hhmm(day.window_start_min(w1) + day.window_min),
    }


def _gate_names(ids: Sequence[str]) -> Joined | Reason:
    if len(ids) <= 4:
        return Joined(tuple(ids), "infeasible.list_sep")
    return Reason("infeasible.gate_range", {"first": ids[0], "last": ids[-1], "n": len(ids)})


def _arrival_groups(sc: Scenario) -> list[tuple[tuple[int, ...], int, int]]:
    """Each group of the arrival order (each grade without one) with its first and last window."""
    order, n = sc.policy.arrival_order, sc.day.n_windows
    if order:
        return [(tuple(grp), i, n - (len(order) - i)) for i, grp in enumerate(order)]
    return [((g,), 0, n - 1) for g in sc.grades]


def demand_findings(scenario: Scenario) -> list[Reason]:
    """Arithmetic facts behind gate clashes: each arrival group's students against what the gates open
    to it screen in the windows the arrival order leaves it (one grade per gate and window)."""
    sc, pol = scenario, scenario.policy
    caps = dict(zip((e.id for e in sc.entrances), derived(sc).gate_window, strict=True))
    util = f"{pol.target_utilisation:.0%}"
    out: list[Reason] = []
    for grades, w0, w1 in _arrival_groups(sc):
        members = [c for c in sc.classes if c.grade in grades]
        for part, cls_list in (
            ("boarders", [c for c in members if c.boarding]),
            ("day", [c for c in members if not c.boarding]),
        ):
            if not cls_list:
                continue
            gates = [e.id for e in sc.entrances if sc.entrance_allows(e, cls_list[0])]
            need = sum(c.students for c in cls_list)
            per_window = sum(caps[g] for g in gates)
            supply = per_window * (w1 - w0 + 1)
            biggest = max(c.students for c in cls_list)
            label = Grades(grades)
            who: Grades | Reason = (
                label
                if len(cls_list) == len(members)
                else Reason(f"infeasible.who.{part}", {"grades": label})
            )
            if need > supply:
                fields = {"who": who, "need": need, "gates": _gate_names(gates), **_span(sc, w0, w1)}
                fields |= {
                    "supply": supply,
                    "util": util,
                    "per_window": per_window,
                    "window_min": sc.day.window_min,
                }
                out.append(Reason("infeasible.group_over_gates", fields))
            elif biggest > max(caps[g] for g in gates):
                fields = {
                    "biggest": biggest,
                    "who": who,
                    "capacity": max(caps[g] for g in gates),
                    "util": util,
                }
                out.append(Reason("infeasible.class_over_gate", fields))
    return out


def room_findings(scenario: Scenario) -> list[Reason]:
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
    fields = {
        "classes": len(sc.classes),
        "need": need,
        "have": len(caps),
        "oversize": oversize,
        "largest": caps[0],
    }
    return [Reason("infeasible.rooms_short", fields)]


def _describe_gate(sc: Scenario, g: int) -> Reason:
    d, pol = derived(sc), sc.policy
    lanes = d.open_lanes[g]
    fields = {
        "gate": sc.entrances[g].id,
        "capacity": d.gate_window[g],
        "window_min": sc.day.window_min,
        "lanes": lanes,
        "per_min": f"{d.screen_per_min[g]:.1f}",
        "util": f"{pol.target_utilisation:.0%}",
        "places": d.queue_places[g],
    }
    return Reason("rule.gate_capacity_one" if lanes == 1 else "rule.gate_capacity", fields)


def _describe_pin(sc: Scenario, i: int) -> Reason:
    p = sc.pins[i]
    parts: list[Reason] = []
    if p.gate:
        parts.append(Reason("rule.pin.gate", {"gate": p.gate}))
    if p.window_at is not None:
        parts.append(Reason("rule.pin.window", {"at": format_hhmm(p.window_at)}))
    if p.rooms:
        seats = derived(sc).room_seats
        rooms = tuple(Reason("rule.pin.room", {"room": r, "seats": seats[r]}) for r in p.rooms)
        parts.append(Reason("rule.pin.rooms", {"rooms": Joined(rooms, "rule.pin.room_sep")}))
    if p.canteen_sitting:
        parts.append(Reason("rule.pin.sitting", {"n": p.canteen_sitting}))
    if p.dismissal_at is not None:
        parts.append(Reason("rule.pin.dismissal", {"at": format_hhmm(p.dismissal_at)}))
    n = sc.class_by_id(p.class_id).students
    return Reason(
        "rule.pin", {"cls": p.class_id, "n": n, "what": Joined(tuple(parts), "infeasible.list_sep")}
    )


def _describe(sc: Scenario, key: RuleKey) -> Reason:
    """The rule in words, with the school's figures."""
    family, k = key
    pol, day = sc.policy, sc.day
    if family == F.GATE_CAPACITY:
        return _describe_gate(sc, k[0])
    if family == F.ARRIVAL_SPAN:
        fields = {
            "start": format_hhmm(day.earliest_arrival_at),
            "end": format_hhmm(day.latest_arrival_at),
            "n": day.n_windows,
            "window_min": day.window_min,
        }
        return Reason("rule.arrival_span", fields)
    if family == F.GRADES_PER_GATE:
        k_max = pol.max_grades_per_gate_window
        return Reason("rule.grades_per_gate_one" if k_max == 1 else "rule.grades_per_gate", {"k": k_max})
    if family == F.OPEN_TO:
        e = sc.entrances[k[0]]
        return Reason(f"rule.open_to.{e.open_to.value}", {"gate": e.id})
    if family in (F.ARRIVAL_ORDER, F.DISMISSAL_ORDER):
        groups = getattr(pol, family.value)
        a, b = Grades(tuple(groups[k[0]])), Grades(tuple(groups[k[0] + 1]))
        return Reason(f"rule.{family.value}", {"a": a, "b": b})
    if family == F.ROOMS:
        return Reason("rule.rooms", {"rooms": len(sc.rooms), "per_class": pol.max_rooms_per_class})
    if family == F.HOME_ROOMS:
        setting = Setting("policy.keep_home_rooms", source=sc.source_format)
        return Reason("rule.home_rooms", {"n": len(derived(sc).kept_home_rooms), "setting": setting})
    if family == F.CANTEEN:
        return Reason(
            "rule.canteen", {"seats": derived(sc).canteen_seats, "sittings": sc.canteen.max_sittings}
        )
    if family == F.EXIT:
        return Reason("rule.exit", {"gate": sc.entrances[k[0]].id, "n": derived(sc).exit_per_slot[k[0]]})
    if family == F.PIN:
        return _describe_pin(sc, k[0])
    if family == F.GROUP:
        g = sc.groups[k[0]]
        n = sum(sc.class_by_id(c).students for c in g.classes)
        classes = Joined(tuple(g.classes), "infeasible.list_sep")
        return Reason("rule.group", {"group": g.id, "classes": classes, "n": n})
    return Reason(f"rule.{family.value}")  # every family is described above (RuleFamily)


GATE_FAMILIES = frozenset(
    {F.GATE_CAPACITY, F.ARRIVAL_SPAN, F.ARRIVAL_ORDER, F.GRADES_PER_GATE, F.OPEN_TO, F.BOARDERS}
)


def explain_infeasibility(
    scenario: Scenario, time_limit_s: float = 10.0, clock: WallClock | None = None
) -> list[Reason]:
    """Plain-language reasons why no plan exists: the clashing rules with their numbers, then the
    smallest change of each that makes a plan possible — each change re-solved on the whole school
    before it is offered (``fixes.smallest_fix``). Each solve has at most ``time_limit_s``
    deterministic s; all together stay within ``clock``."""
    sc = scenario
    tm, core, fixes, status = clashing_rules(sc, time_limit_s, clock)
    reasons: list[Reason] = room_findings(sc)
    if {f for f, _ in core} & GATE_FAMILIES:
        reasons.extend(demand_findings(sc))
    if tm is None or not core:
        if status == "UNKNOWN":
            reasons.append(Reason("infeasible.not_isolated", {"limit_s": f"{time_limit_s:g}"}))
        elif not reasons:
            reasons.append(Reason("infeasible.never_relaxed"))
        return reasons
    reasons.append(Reason("infeasible.clash", {"rules": Joined(tuple(_describe(sc, k) for k in core))}))
    suggestions: list[Reason] = []
    for k in fixes:
        fix = smallest_fix(sc, k, time_limit_s / 4, clock)
        if fix is not None and fix not in suggestions:
            suggestions.append(fix)
    out_of_time = clock is not None and clock.expired()
    if suggestions:
        reasons.append(Reason("infeasible.fixes", {"fixes": Joined(tuple(suggestions))}))
    elif not out_of_time:
        reasons.append(Reason("infeasible.no_single_fix"))
    if out_of_time:  # some changes could not be re-solved: say so rather than "none works"
        assert clock is not None
        reasons.append(Reason("infeasible.fixes_unchecked", {"limit_s": f"{clock.limit_s:g}"}))
    return reasons


__all__ = ["clashing_rules", "demand_findings", "explain_infeasibility", "room_findings"]
