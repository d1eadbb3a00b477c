"""Dismissal: classes leave at the plan's time by the gate they arrived through, in single file.

Rule (DOMAIN: younger grades leave first, 5 minutes apart; the plan fixes each class's slot): at its
dismissal time each room empties in single file, one student every ``spacing ÷ walking speed``
seconds in student-number order; students walk to the class's gate (``capacity.walk_m`` at
``policy.walking_speed_m_s``) and pass it through any of the entrance's ``lanes`` in single file,
each lane passing one person every ``spacing ÷ speed`` seconds — the rate behind
``capacity.exit_rate_per_min``. The gate is the same lane engine as in the morning (shortest line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario.schema import Policy
from reopen_sim.simulation.lanes import LaneRun, run_lanes
from reopen_sim.simulation.school import SchoolLayout


def single_file_gap_min(policy: Policy) -> float:
    """Time between two people walking in single file: spacing ÷ walking speed, in minutes."""
    return policy.queue_spacing_m / policy.walking_speed_m_s / 60.0


@dataclass(frozen=True)
class Dismissal:
    """Every student's way out (canonical order): ``exit_lane`` 1-based (0 when not in school), when
    they join the exit line, start passing the gate and are out (NaN when not in school)."""

    exit_lane: NDArray[np.int64]
    t_exit_join: NDArray[np.float64]
    t_exit_start: NDArray[np.float64]
    t_exit: NDArray[np.float64]


def exit_join_times(
    room_code: NDArray[np.int64],
    dismissal_min: NDArray[np.float64],
    walk_min: NDArray[np.float64],
    present: NDArray[np.bool_],
    gap_min: float,
) -> NDArray[np.float64]:
    """When each present student reaches the exit: dismissal time + (position in the room's single
    file) × ``gap_min`` + walk to the gate. Rooms host one class, so the file is in canonical order."""
    t_join = np.full(len(present), np.nan)
    leaving = np.flatnonzero(present)
    if leaving.size:
        order = leaving[np.argsort(room_code[leaving], kind="stable")]
        codes = room_code[order]
        first = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
        pos_in_room = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
        t_join[order] = dismissal_min[order] + pos_in_room * gap_min + walk_min[order]
    return t_join


def pass_exit(t_join_min: NDArray[np.float64], lanes: int, gap_min: float) -> LaneRun:
    """The exit stage of one gate: people pass any of ``lanes`` lanes (shortest line) in single file,
    ``gap_min`` each — the same lane engine as the morning screening."""
    return run_lanes(t_join_min, np.full(t_join_min.size, gap_min), lanes, "shortest")


def dismissal_stage(
    lay: SchoolLayout, present: NDArray[np.bool_], exit_members: list[NDArray[np.int64]], gap_min: float
) -> Dismissal:
    """Dismissal of the present students: rooms empty in single file (:func:`exit_join_times`), each
    gate's ``exit_members`` pass it through all of the entrance's lanes (:func:`pass_exit`)."""
    n = len(present)
    exit_lane = np.zeros(n, np.int64)
    t_start = np.full(n, np.nan)
    t_exit = np.full(n, np.nan)
    t_join = exit_join_times(lay.room_code, lay.dismissal_min, lay.walk_min, present, gap_min)
    for g, idx in enumerate(exit_members):
        if idx.size == 0:
            continue
        res = pass_exit(t_join[idx], lay.gates[g].entrance.lanes, gap_min)
        exit_lane[idx] = res.lane + 1
        t_start[idx] = res.start
        t_exit[idx] = res.end
    return Dismissal(np.where(present, exit_lane, 0), t_join, t_start, t_exit)
