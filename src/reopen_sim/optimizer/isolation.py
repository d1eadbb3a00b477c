"""Isolation rooms in certification: how many a school needs, and whether a timetable can help.

A confirmed student waits for a parent from confirmation (``t_recheck_end``) to pickup (``t_done``)
in a single-person isolation room, or in the holding area (``held``) when every room is taken
(``simulation.fever``). The stay is the parent's pickup delay: the timetable does not change it; it
can only change *when* confirmed students arrive. Two questions, answered on the simulated mornings:

- **Rooms needed**: the fewest rooms with at most ``max_held`` students held in every simulated
  morning, replaying the room stage of ``fever_path`` with the same confirmations and stays.
- **Does the timetable matter?** The same confirmed students, with the same stays, placed evenly over
  the whole arrival period the day allows (``earliest_arrival_at`` to ``latest_arrival_at``): as far
  apart as any timetable could set them, since who runs a fever is chance. If students are still held
  then, no timetable avoids it (the stays are longer than the gaps between confirmations): only rooms
  or ``policy.service_level.max_held`` can.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.fever import HELD, ISOLATED, fever_path

Stays = tuple[NDArray[np.float64], NDArray[np.float64]]  # (confirmation min, stay min) per student
MAX_ROOMS_TRIED = 100  # the schema's bound on policy.fever.isolation_rooms


@dataclass(frozen=True)
class IsolationNeed:
    """Isolation rooms against the simulated mornings (see the module docstring)."""

    rooms: int
    mornings: int
    held_max: int  # worst morning, this plan
    spread_held_max: int  # worst morning, confirmations spread evenly over the arrival period
    rooms_needed: int  # fewest rooms with held ≤ max_held in every morning
    max_held: int

    @property
    def depends_on_timetable(self) -> bool:
        """A timetable that spreads arrivals could keep held students within ``max_held``."""
        return self.spread_held_max <= self.max_held

    def as_dict(self) -> dict[str, Any]:
        return {
            "rooms": self.rooms,
            "mornings": self.mornings,
            "held_max": self.held_max,
            "held_max_spread_evenly": self.spread_held_max,
            "rooms_needed": self.rooms_needed,
            "depends_on_timetable": self.depends_on_timetable,
        }


def confirmed_stays(trace: Any) -> Stays:
    """Confirmation time and stay (minutes) of every confirmed student of one morning's trace, in
    confirmation order."""
    c = trace[trace["outcome"].isin([ISOLATED, HELD])]
    start = c["t_recheck_end"].to_numpy(float)
    stay = c["t_done"].to_numpy(float) - start
    order = np.argsort(start, kind="stable")
    return start[order], stay[order]


def held_with_rooms(start_min: NDArray[np.float64], stay_min: NDArray[np.float64], rooms: int) -> int:
    """Students held with ``rooms`` isolation rooms: ``fever_path``'s room stage replayed (no
    re-check: every student is confirmed at ``start_min`` and collected ``stay_min`` later)."""
    n = len(start_min)
    if n == 0:
        return 0
    out = fever_path(
        start_min,
        np.zeros(n),
        np.ones(n, dtype=bool),
        stay_min,
        recheck_stations=n,
        isolation_rooms=rooms,
    )
    return sum(o == HELD for o in out.outcome)


def spread_evenly(sc: Scenario, stays: Stays) -> Stays:
    """The same stays, confirmations at the middles of equal slices of the arrival period."""
    start, stay = stays
    a, b = sc.day.earliest_arrival_at, sc.day.latest_arrival_at
    m = len(start)
    return a + (np.arange(m) + 0.5) * (b - a) / max(1, m), stay


def isolation_need(sc: Scenario, mornings: list[Stays], max_held: int) -> IsolationNeed:
    """Rooms needed and whether a timetable matters, over the simulated mornings."""
    rooms = sc.policy.fever.isolation_rooms

    def worst(r: int, ms: list[Stays]) -> int:
        return max((held_with_rooms(s, d, r) for s, d in ms), default=0)

    hardest_first = list(mornings)

    def enough(r: int) -> bool:
        """Every morning within ``max_held`` with ``r`` rooms. Stops at the first that is not, and
        tries it first next time (the mornings that need most rooms fail the smaller counts)."""
        for i, (s, d) in enumerate(hardest_first):
            if held_with_rooms(s, d, r) > max_held:
                hardest_first.insert(0, hardest_first.pop(i))
                return False
        return True

    most = max((len(s) for s, _ in mornings), default=0)
    needed = next(
        (r for r in range(0, min(most, MAX_ROOMS_TRIED) + 1) if enough(r)),
        min(most, MAX_ROOMS_TRIED),
    )
    spread = [spread_evenly(sc, m) for m in mornings]
    return IsolationNeed(
        rooms=rooms,
        mornings=len(mornings),
        held_max=worst(rooms, mornings),
        spread_held_max=worst(rooms, spread),
        rooms_needed=needed,
        max_held=max_held,
    )


def rooms_to_add(need: IsolationNeed) -> int:
    """Rooms to add so that the simulated mornings keep within ``max_held`` (0 when they do)."""
    return max(0, need.rooms_needed - need.rooms)


__all__ = ["IsolationNeed", "confirmed_stays", "held_with_rooms", "isolation_need", "rooms_to_add"]
