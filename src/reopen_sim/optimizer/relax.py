"""Relaxable rules: their names (a real type) and the explanation's state while it builds sub-models.

A plain :class:`~reopen_sim.optimizer.model.TimetableModel` has no relaxations: every rule is hard.
The explanation (``explain.py``) builds models with a :class:`Relaxations` that guards each
relaxable rule with an assumption literal (one per rule family and gate, order pair, pin or group),
so that CP-SAT can name the rules that clash; the state lives here, not on the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ortools.sat.python import cp_model


class RuleFamily(StrEnum):
    """The rule families the explanation may relax (``docs/design.md``, "Explanations")."""

    GATE_CAPACITY = "gate_capacity"
    ARRIVAL_SPAN = "arrival_span"
    GRADES_PER_GATE = "grades_per_gate"
    BOARDERS = "boarders"
    OPEN_TO = "open_to"
    ARRIVAL_ORDER = "arrival_order"
    DISMISSAL_ORDER = "dismissal_order"
    ROOMS = "rooms"
    HOME_ROOMS = "home_rooms"
    CANTEEN = "canteen"
    EXIT = "exit"
    PIN = "pin"
    GROUP = "group"


RuleKey = tuple[RuleFamily, tuple[int, ...]]
"""A relaxable rule: its family and its index (gate, order pair, pin or group index; empty for a
rule of the whole school)."""

ALL_PARTS = frozenset({"arrival", "rooms", "canteen", "dismissal"})
"""The parts of a timetable model: rooms, the canteen and the arrival (gates, windows) are
independent of each other; dismissal depends on the arrival gate."""


@dataclass(frozen=True)
class Relaxable:
    """A rule the explanation may switch off: an assumption literal and what it stands for."""

    family: RuleFamily
    key: tuple[int, ...]
    literal: cp_model.IntVar


@dataclass
class Relaxations:
    """What an explanation model relaxes, and the literals it created.

    ``parts``: the sub-model built (see :data:`ALL_PARTS`); ``extra_windows``: windows past the
    latest arrival that exist but are switched off by the ``arrival_span`` rule; ``enforce``: when
    set, the relaxable rules listed are hard and the others dropped (a plain model, full presolve);
    when ``None`` they are left to assumption literals."""

    parts: frozenset[str] = ALL_PARTS
    extra_windows: int = 0
    enforce: frozenset[RuleKey] | None = None
    literals: dict[RuleKey, Relaxable] = field(default_factory=dict)

    def guard(
        self, model: cp_model.CpModel, family: RuleFamily, key: tuple[int, ...]
    ) -> list[cp_model.IntVar]:
        """The enforcement literal of a relaxable rule (created on first use)."""
        k = (family, key)
        if k not in self.literals:
            lit = model.new_bool_var(f"assume_{family}_{'_'.join(map(str, key))}")
            self.literals[k] = Relaxable(family, key, lit)
            if self.enforce is not None:  # a plain model: the rule is hard, or dropped
                model.add(lit == int(k in self.enforce))
        return [self.literals[k].literal]


__all__ = ["ALL_PARTS", "Relaxable", "Relaxations", "RuleFamily", "RuleKey"]
