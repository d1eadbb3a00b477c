"""Advice that works: for a clashing rule, the smallest change of the school that makes a plan exist.

For each rule of the clash, :func:`smallest_fix` walks that rule's changes from small to large (one
more lane, two more lanes, …), applies each to a copy of the scenario, and re-solves the *whole*
timetable model with it; the first change with a plan is the advice. A change is offered only when
that solve found a plan, so the advice "add a lane at gate east" is never given when it takes two.
A setting the advice names is a :class:`~reopen_sim.scenario.setting_names.Setting`: the YAML key
for a school from YAML, the sheet, field and value for one from a workbook or the desk.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ortools.sat.python import cp_model

from reopen_sim.optimizer.model import build_model
from reopen_sim.optimizer.params import WallClock, make_solver
from reopen_sim.optimizer.params import solve as run_solve
from reopen_sim.optimizer.reasons import Grades, Reason
from reopen_sim.optimizer.relax import RuleFamily, RuleKey
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Entrance, Room, Scenario, StudentGroup, format_hhmm
from reopen_sim.scenario.setting_names import Setting

F = RuleFamily

MAX_LANES_ADDED = 8  # at one gate; more is a new gate, not a fix
MAX_ROOMS_ADDED = 20
MAX_SITTINGS_ADDED = 3
MAX_TABLE_STEPS = 6  # tables tried from the least that could seat a sitting


def plan_exists(scenario: Scenario, time_limit_s: float, clock: WallClock | None = None) -> bool:
    """Whether the whole timetable model of ``scenario`` has a plan (a feasibility solve, one worker,
    at most ``time_limit_s`` deterministic s and what is left of ``clock``). Unknown counts as no."""
    if clock is not None and clock.expired():
        return False
    tm = build_model(scenario)
    tm.model.clear_objective()
    solver = make_solver(time_limit_s, seed=0, num_workers=1, clock=clock)
    return run_solve(solver, tm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def _with(sc: Scenario, **update: Any) -> Scenario:
    return sc.model_copy(update=update)


def _with_entrance(sc: Scenario, g: int, **update: Any) -> Scenario:
    entrances = list(sc.entrances)
    entrances[g] = entrances[g].model_copy(update=update)
    return _with(sc, entrances=tuple(entrances))


def _with_policy(sc: Scenario, **update: Any) -> Scenario:
    return _with(sc, policy=sc.policy.model_copy(update=update))


def _setting(sc: Scenario, path: str, value: Any) -> Setting:
    """The setting at ``path`` set to ``value``, named as ``sc``'s own file names it."""
    return Setting(path, value, sc.source_format)


def _more_lanes(sc: Scenario, g: int) -> Iterator[tuple[Reason, Scenario]]:
    """n more open lanes at gate g, each with its staff (``policy.staff_per_lane``)."""
    e: Entrance = sc.entrances[g]
    per_lane = sc.policy.staff_per_lane
    now = derived(sc).open_lanes[g]
    for n in range(1, MAX_LANES_ADDED + 1):
        lanes, staff = now + n, max(e.staff, (now + n) * per_lane)
        key = "fix.gate_lanes_one" if n == 1 else "fix.gate_lanes"
        fields = {"gate": e.id, "n": n, "lanes": lanes, "staff": staff}
        yield Reason(key, fields), _with_entrance(sc, g, lanes=max(e.lanes, lanes), staff=staff)


def _more_exit_lanes(sc: Scenario, g: int) -> Iterator[tuple[Reason, Scenario]]:
    e: Entrance = sc.entrances[g]
    for n in range(1, MAX_LANES_ADDED + 1):
        key = "fix.exit_lanes_one" if n == 1 else "fix.exit_lanes"
        yield (
            Reason(key, {"gate": e.id, "n": n, "lanes": e.lanes + n}),
            _with_entrance(sc, g, lanes=e.lanes + n),
        )


def _order_changes(sc: Scenario, family: RuleFamily, i: int) -> Iterator[tuple[Reason, Scenario]]:
    """Merge the pair of groups, else drop the order."""
    name = "arrival_order" if family == F.ARRIVAL_ORDER else "dismissal_order"
    groups = getattr(sc.policy, name)
    merged = (*groups[:i], tuple(sorted({*groups[i], *groups[i + 1]})), *groups[i + 2 :])
    order = merged if len(merged) > 1 else ()
    a, b = Grades(tuple(groups[i])), Grades(tuple(groups[i + 1]))
    setting = _setting(sc, f"policy.{name}", order)
    yield Reason(f"fix.{name}_merge", {"a": a, "b": b, "setting": setting}), _with_policy(sc, **{name: order})
    drop = Reason(f"fix.{name}_drop", {"setting": _setting(sc, f"policy.{name}", ())})
    yield drop, _with_policy(sc, **{name: ()})


def _more_rooms(sc: Scenario) -> Iterator[tuple[Reason, Scenario]]:
    """n more rooms like the school's largest (by distanced seats)."""
    seats = derived(sc).room_seats
    largest: Room = max(sc.rooms, key=lambda r: (seats[r.id], -sc.rooms.index(r)))
    for n in range(1, MAX_ROOMS_ADDED + 1):
        extra = tuple(largest.model_copy(update={"id": f"{largest.id}+{k}"}) for k in range(1, n + 1))
        key = "fix.rooms_one" if n == 1 else "fix.rooms"
        yield Reason(key, {"n": n, "seats": seats[largest.id]}), _with(sc, rooms=(*sc.rooms, *extra))


def _canteen_changes(sc: Scenario) -> Iterator[tuple[Reason, Scenario]]:
    """More sittings, else more tables (from the least that could seat the school in its sittings)."""
    ct = sc.canteen
    for k in range(ct.max_sittings + 1, ct.max_sittings + MAX_SITTINGS_ADDED + 1):
        yield (
            Reason("fix.canteen_sittings", {"k": k, "setting": _setting(sc, "canteen.max_sittings", k)}),
            _with(sc, canteen=ct.model_copy(update={"max_sittings": k})),
        )
    per_table = derived(sc).canteen_seats / max(1, ct.tables)
    need = max(math.ceil(sc.n_students / ct.max_sittings), max(c.students for c in sc.classes))
    start = max(ct.tables + 1, math.ceil(need / per_table)) if per_table > 0 else ct.tables + 1
    for tables in range(start, start + MAX_TABLE_STEPS):
        fields = {"n": tables - ct.tables, "setting": _setting(sc, "canteen.tables", tables)}
        yield (
            Reason("fix.canteen_tables", fields),
            _with(sc, canteen=ct.model_copy(update={"tables": tables})),
        )


def candidates(sc: Scenario, key: RuleKey) -> Iterator[tuple[Reason, Scenario]]:
    """The changes that relax rule ``key``, smallest first, each with the scenario it gives."""
    family, idx = key
    if family == F.ARRIVAL_SPAN:
        day = sc.day
        for extra in range(1, day.n_windows + 1):
            at = day.latest_arrival_at + extra * day.window_min
            fields = {
                "at": format_hhmm(at),
                "setting": _setting(sc, "day.latest_arrival_at", format_hhmm(at)),
            }
            yield (
                Reason("fix.arrival_span", fields),
                _with(sc, day=day.model_copy(update={"latest_arrival_at": at})),
            )
    elif family == F.GATE_CAPACITY:
        yield from _more_lanes(sc, idx[0])
    elif family == F.GRADES_PER_GATE:
        for k in range(sc.policy.max_grades_per_gate_window + 1, len(sc.grades) + 1):
            setting = _setting(sc, "policy.max_grades_per_gate_window", k)
            yield (
                Reason("fix.grades_per_gate", {"k": k, "setting": setting}),
                _with_policy(sc, max_grades_per_gate_window=k),
            )
    elif family == F.BOARDERS:
        setting = _setting(sc, "policy.separate_boarders", False)
        yield Reason("fix.boarders", {"setting": setting}), _with_policy(sc, separate_boarders=False)
    elif family == F.OPEN_TO:
        g = idx[0]
        yield (
            Reason("fix.open_to", {"gate": sc.entrances[g].id}),
            _with_entrance(sc, g, open_to=StudentGroup.ALL),
        )
    elif family in (F.ARRIVAL_ORDER, F.DISMISSAL_ORDER):
        yield from _order_changes(sc, family, idx[0])
    elif family == F.ROOMS:
        yield from _more_rooms(sc)
    elif family == F.HOME_ROOMS:
        setting = _setting(sc, "policy.keep_home_rooms", False)
        yield Reason("fix.home_rooms", {"setting": setting}), _with_policy(sc, keep_home_rooms=False)
    elif family == F.CANTEEN:
        yield from _canteen_changes(sc)
    elif family == F.EXIT:
        yield from _more_exit_lanes(sc, idx[0])
    elif family == F.PIN:
        i = idx[0]
        yield Reason("fix.pin", {"cls": sc.pins[i].class_id}), _with(sc, pins=sc.pins[:i] + sc.pins[i + 1 :])
    elif family == F.GROUP:
        i = idx[0]
        yield (
            Reason("fix.group", {"group": sc.groups[i].id}),
            _with(sc, groups=sc.groups[:i] + sc.groups[i + 1 :]),
        )


def smallest_fix(
    sc: Scenario, key: RuleKey, time_limit_s: float, clock: WallClock | None = None
) -> Reason | None:
    """The smallest change of rule ``key`` with which the whole school has a plan (re-solved), or None."""
    for reason, changed in candidates(sc, key):
        if plan_exists(changed, time_limit_s, clock):
            return reason
        if clock is not None and clock.expired():
            return None
    return None


__all__ = ["candidates", "plan_exists", "smallest_fix"]
