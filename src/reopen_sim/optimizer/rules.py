"""The hard rules of a timetable: one registry that the model and the checker are both listed in.

Each :class:`Rule` names the ``add_<rule>`` function of ``optimizer/model.py`` that enforces it and
the ``check_<rule>`` function of ``optimizer/check.py`` that finds it broken. Both are named, not
imported: this module imports neither side, so the model (and its explanation) can import the
rule keys, while the checker stays independent of the solver. A rule that lives on one side only
says why (``one_sided``). ``tests/test_check_rules.py`` walks :data:`REGISTRY` and requires, for
every rule, both functions and a hand-edited timetable that breaks that rule alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RuleKey(StrEnum):
    """The name of a hard rule, as a :class:`~reopen_sim.optimizer.check.Violation` carries it."""

    CLASSES = "classes"
    CLASS_DATA = "class_data"
    WINDOW = "window"
    GATE = "gate"
    OPEN_TO = "open_to"
    GATE_CAPACITY = "gate_capacity"
    GRADES_PER_GATE = "grades_per_gate"
    BOARDERS = "boarders"
    ROOMS = "rooms"
    ROOM_CAPACITY = "room_capacity"
    HOME_ROOM = "home_room"
    CANTEEN = "canteen"
    ARRIVAL_ORDER = "arrival_order"
    DISMISSAL = "dismissal"
    DISMISSAL_ORDER = "dismissal_order"
    EXIT = "exit"
    PIN = "pin"
    GROUP = "group"


@dataclass(frozen=True)
class Rule:
    """One hard rule: its key, the model function enforcing it (``None`` when checker only), the
    checker function finding it broken, why it has one side only (``None`` when on both), and what
    it asks in one sentence."""

    key: RuleKey
    model_fn: str | None
    check_fn: str
    one_sided: str | None
    description: str


_CHOICE = "add_arrival_choice"

REGISTRY: tuple[Rule, ...] = (
    Rule(
        RuleKey.CLASSES,
        None,
        "check_classes",
        "checker only: the model has one arrival choice per class of the scenario by construction; "
        "only a hand-edited timetable can omit, repeat or invent a class",
        "Every class of the school has exactly one row, and no row names another class.",
    ),
    Rule(
        RuleKey.CLASS_DATA,
        None,
        "check_class_data",
        "checker only: the model reads students, grade and boarding from the scenario; only a "
        "hand-edited row can differ from it",
        "A row's students, grade and boarding are those of the scenario.",
    ),
    Rule(
        RuleKey.WINDOW,
        _CHOICE,
        "check_window",
        None,
        "A class arrives in one window of the day's grid (the window's end is start + window_min: "
        "checker only, the model has no end to get wrong).",
    ),
    Rule(
        RuleKey.GATE,
        _CHOICE,
        "check_gate",
        None,
        "A class arrives through an entrance of the school.",
    ),
    Rule(
        RuleKey.OPEN_TO,
        _CHOICE,
        "check_open_to",
        None,
        "A class uses only entrances open to its group (boarders / day students).",
    ),
    Rule(
        RuleKey.GATE_CAPACITY,
        "add_gate_capacity",
        "check_gate_capacity",
        None,
        "The students of a gate-window fit what its lanes screen and its marked places hold.",
    ),
    Rule(
        RuleKey.GRADES_PER_GATE,
        "add_grades_per_gate_window",
        "check_grades_per_gate",
        None,
        "At most policy.max_grades_per_gate_window grades share a gate in one window.",
    ),
    Rule(
        RuleKey.BOARDERS,
        "add_boarder_separation",
        "check_boarders",
        None,
        "With policy.separate_boarders, boarders and day students never share a gate-window.",
    ),
    Rule(
        RuleKey.ROOMS,
        "add_room_choice",
        "check_rooms",
        None,
        "Rooms exist, are listed once, are at most policy.max_rooms_per_class, each is needed, and "
        "each hosts one class.",
    ),
    Rule(
        RuleKey.ROOM_CAPACITY,
        "add_room_choice",
        "check_room_capacity",
        None,
        "No room holds more students than its distanced capacity.",
    ),
    Rule(
        RuleKey.HOME_ROOM,
        "add_home_rooms",
        "check_home_room",
        None,
        "With policy.keep_home_rooms, a class's first room is its home room.",
    ),
    Rule(
        RuleKey.CANTEEN,
        "add_canteen_choice",
        "check_canteen",
        None,
        "Each class eats in one sitting that exists and a sitting fits its distanced seats; no "
        "sitting when meals are delivered.",
    ),
    Rule(
        RuleKey.ARRIVAL_ORDER,
        "add_arrival_order",
        "check_arrival_order",
        None,
        "Groups of policy.arrival_order arrive in strictly earlier windows than the next group.",
    ),
    Rule(
        RuleKey.DISMISSAL,
        "add_dismissal_choice",
        "check_dismissal",
        None,
        "A class is dismissed in one slot of the day's dismissal grid.",
    ),
    Rule(
        RuleKey.DISMISSAL_ORDER,
        "add_dismissal_order",
        "check_dismissal_order",
        None,
        "Groups of policy.dismissal_order leave in strictly earlier slots than the next group.",
    ),
    Rule(
        RuleKey.EXIT,
        "add_exit_capacity",
        "check_exit",
        None,
        "The students leaving by a gate in one slot fit its exit rate times the slot.",
    ),
    Rule(
        RuleKey.PIN,
        "add_pins",
        "check_pin",
        None,
        "What the administrator pinned (gate, window, rooms, sitting, dismissal) is kept.",
    ),
    Rule(
        RuleKey.GROUP,
        "add_arrival_groups",
        "check_group",
        None,
        "The classes of an arrival group arrive in the same window.",
    ),
)
"""Every hard rule, in the order :func:`~reopen_sim.optimizer.check.check_plan` reports them."""

RULE_ORDER: dict[str, int] = {r.key: i for i, r in enumerate(REGISTRY)}

__all__ = ["REGISTRY", "RULE_ORDER", "Rule", "RuleKey"]
