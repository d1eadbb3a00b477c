"""The board: gates (rows) × arrival windows (columns), one card per class, load against capacity.

Built from the scenario and a plan version's timetable rows (``timetable.csv`` columns) as the API
returns them, with the violations the API found. Capacities come from
``scenario.capacity.gate_window_capacity`` (what the optimizer and ``check`` use); the words of each
broken rule are ``check_plan``'s as the API renders them in the page's language. The board adds no rule of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reopen_sim.i18n import Catalogue
from reopen_sim.naming import class_name, grade_name
from reopen_sim.scenario.capacity import gate_window_capacity
from reopen_sim.scenario.schema import Scenario, format_hhmm, parse_hhmm


@dataclass
class Card:
    """One class on the board."""

    class_id: str
    name: str
    grade: int
    grade_label: str
    students: int
    boarding: bool
    gate: str
    arrival_start: str
    rooms: str
    canteen_sitting: str
    dismissal_time: str
    pinned: bool = False
    problems: list[str] = field(default_factory=list)


@dataclass
class Cell:
    gate: str
    window: str
    capacity: int
    cards: list[Card] = field(default_factory=list)

    @property
    def load(self) -> int:
        return sum(c.students for c in self.cards)

    @property
    def percent(self) -> int:
        """Load as a whole percentage of the cell's capacity (999 when the capacity is 0)."""
        return round(100 * self.load / self.capacity) if self.capacity else (999 if self.load else 0)


@dataclass
class GateRow:
    gate: str
    name: str
    cells: list[Cell]


@dataclass
class Board:
    windows: list[str]
    window_ends: list[str]
    rows: list[GateRow]
    cards: list[Card]  # every class, in timetable order
    off_board: list[Card]  # classes whose gate or window is not on the grid (a hand edit)
    problems: list[dict[str, Any]]  # every violation: rule, classes, text


def _localised(violations: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The API's violations (already in the page's language) as rule, classes, text."""
    return [
        {
            "rule": str(v.get("rule", "")),
            "classes": [str(c) for c in v.get("classes", ())],
            "text": str(v.get("message", "")),
        }
        for v in violations
    ]


def build_board(
    sc: Scenario,
    rows: Sequence[Mapping[str, str]],
    violations: Iterable[Mapping[str, Any]],
    cat: Catalogue,
    pins: Iterable[str] = (),
) -> Board:
    """The board of one plan version (see the module docstring)."""
    day = sc.day
    starts = [day.window_start_min(w) for w in range(day.n_windows)]
    windows = [format_hhmm(s) for s in starts]
    ends = [format_hhmm(s + day.window_min) for s in starts]
    classes = {c.id: c for c in sc.classes}
    pinned = set(pins)
    problems = _localised(violations)
    gate_rows = [
        GateRow(
            e.id,
            e.name or e.id,
            [Cell(e.id, w, gate_window_capacity(e, sc.policy, day.window_min)) for w in windows],
        )
        for e in sc.entrances
    ]
    cells = {(c.gate, c.window): c for row in gate_rows for c in row.cells}
    cards: list[Card] = []
    off: list[Card] = []
    for r in rows:
        cid = r.get("class_id", "")
        known = classes.get(cid)
        grade = int(r.get("grade") or (known.grade if known else 0) or 0)
        card = Card(
            class_id=cid,
            name=class_name(known, cat.lang) if known else cid,
            grade=grade,
            grade_label=grade_name(grade, cat.lang) if grade else "",
            students=int(r.get("students") or 0),
            boarding=str(r.get("boarding", "")).lower() in ("yes", "true", "1"),
            gate=r.get("gate", ""),
            arrival_start=_hhmm(r.get("arrival_start", "")),
            rooms=r.get("rooms", ""),
            canteen_sitting=r.get("canteen_sitting", ""),
            dismissal_time=r.get("dismissal_time", ""),
            pinned=cid in pinned,
            problems=[p["text"] for p in problems if cid in p["classes"]],
        )
        cards.append(card)
        cell = cells.get((card.gate, card.arrival_start))
        (cell.cards if cell else off).append(card)
    return Board(windows, ends, gate_rows, cards, off, problems)


def _hhmm(text: str) -> str:
    """``7:00`` -> ``07:00``; text that is not a time is kept as written."""
    try:
        return format_hhmm(parse_hhmm(text))
    except Exception:
        return text
