"""The metrics stage: per-gate and whole-school figures of one day, and the 1-minute queue series.

Definitions are in docs/design.md ("Metrics"); every queue figure is read off the exact step function
of people waiting (:mod:`reopen_sim.simulation.queue`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from reopen_sim.simulation.fever import CLEARED, HELD, ISOLATED
from reopen_sim.simulation.lanes import LaneChoice
from reopen_sim.simulation.queue import (
    NO_PLACES,
    Line,
    QueueSteps,
    lane_lines,
    minute_series,
    queue_figures,
    queue_steps,
    wait_figures,
)
from reopen_sim.simulation.record import StudentDay
from reopen_sim.simulation.result import METRICS
from reopen_sim.simulation.school import SchoolLayout

ALL = "all"


@dataclass(frozen=True)
class GateGroup:
    """Students counted together (one gate, or the whole school) and their physical lines.

    ``students`` came in by the group's gates; ``leaving`` (the present ones) leave by them.
    ``busy_min`` is the total screening time, ``lane_min`` the open lanes × the morning's span.
    """

    name: str
    students: NDArray[np.int64]
    leaving: NDArray[np.int64]
    lines: list[Line]
    exit_lines: list[Line]
    busy_min: float
    lane_min: float


def gate_group(
    lay: SchoolLayout,
    day: StudentDay,
    g: int,
    members: NDArray[np.int64],
    leaving: NDArray[np.int64],
    lane_choice: LaneChoice,
) -> GateGroup:
    """Gate ``g``'s group: morning lines by lane (or one shared line), exit lines by lane."""
    info = lay.gates[g]
    sc, dm = day.screening, day.dismissal
    lines = lane_lines(
        day.t_arrive_min[members],
        sc.t_service_start[members],
        sc.lane[members] - 1,
        info.open_lanes,
        info.places_per_lane,
        lane_choice,
    )
    exit_lines = lane_lines(
        dm.t_exit_join[leaving],
        dm.t_exit_start[leaving],
        dm.exit_lane[leaving] - 1,
        info.entrance.lanes,
        NO_PLACES,
        "shortest",
    )
    busy = float(sc.service_min[members].sum())
    span = float(sc.t_service_end[members].max() - day.t_arrive_min[members].min()) if members.size else 0.0
    return GateGroup(info.entrance.id, members, leaving, lines, exit_lines, busy, info.open_lanes * span)


def school_group(groups: list[GateGroup], n: int, present: NDArray[np.bool_]) -> GateGroup:
    """The whole school: every student, every gate's lines, summed screening and lane time."""
    busy = lane = 0.0
    lines: list[Line] = []
    exit_lines: list[Line] = []
    for gr in groups:
        lines += gr.lines
        exit_lines += gr.exit_lines
        busy += gr.busy_min
        lane += gr.lane_min
    return GateGroup(ALL, np.arange(n), np.flatnonzero(present), lines, exit_lines, busy, lane)


def gate_row(gr: GateGroup, day: StudentDay, spacing_m: float) -> dict[str, float | str]:
    """One row of :data:`reopen_sim.simulation.result.METRICS` (without the school-only extras)."""
    idx, xi = gr.students, gr.leaving
    sc, dm = day.screening, day.dismissal
    mean_w, p95_w, max_w = wait_figures(sc.t_service_start[idx] - day.t_arrive_min[idx])
    xq = queue_figures(queue_steps(gr.exit_lines, spacing_m))
    x_mean_w, _, x_max_w = wait_figures(dm.t_exit_start[xi] - dm.t_exit_join[xi])
    oc = day.fever.outcome[idx]
    return {
        "gate": gr.name,
        "students": float(idx.size),
        **queue_figures(queue_steps(gr.lines, spacing_m)),
        "mean_wait_min": mean_w,
        "p95_wait_min": p95_w,
        "max_wait_min": max_w,
        "last_through_min": float(sc.t_service_end[idx].max()) if idx.size else math.nan,
        "utilisation": gr.busy_min / gr.lane_min if gr.lane_min > 0 else math.nan,
        "flagged": float(day.fever.flagged[idx].sum()),
        "cleared_on_recheck": float((oc == CLEARED).sum()),
        "isolated": float((oc == ISOLATED).sum()),
        "held": float((oc == HELD).sum()),
        "late": float(day.late[idx].sum()),
        "dismissal_last_out_min": float(dm.t_exit[xi].max()) if xi.size else math.nan,
        "dismissal_max_queue_people": xq["max_queue_people"],
        "dismissal_mean_wait_min": x_mean_w,
        "dismissal_max_wait_min": x_max_w,
    }


def _series(gate: str, steps: QueueSteps, minutes: NDArray[np.float64]) -> pd.DataFrame:
    cols = minute_series(steps, minutes)
    return pd.DataFrame({"gate": gate, "minute": minutes.astype(np.int64), **cols})


def metrics_stage(
    lay: SchoolLayout,
    day: StudentDay,
    members: list[NDArray[np.int64]],
    exit_members: list[NDArray[np.int64]],
    spacing_m: float,
    lane_choice: LaneChoice,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(metrics, 1-minute series): one row per gate plus "all"; the series covers every whole minute
    from the first arrival to one minute after the last screening start."""
    t0 = math.floor(float(day.t_arrive_min.min()))
    t1 = math.ceil(float(day.screening.t_service_start.max())) + 1
    minutes = np.arange(t0, t1 + 1, dtype=np.float64)
    groups = [gate_group(lay, day, g, idx, exit_members[g], lane_choice) for g, idx in enumerate(members)]
    school = school_group(groups, lay.roster.n, day.present)
    rows = [gate_row(gr, day, spacing_m) for gr in groups]
    all_row = gate_row(school, day, spacing_m)
    all_row.update(day.lunch.metrics)
    all_row["max_holding_people"] = float(day.fever.max_holding_people)
    all_row["max_isolation_rooms_in_use"] = float(day.fever.max_isolation_in_use)
    rows.append(all_row)
    series = [_series(gr.name, queue_steps(gr.lines, spacing_m), minutes) for gr in [*groups, school]]
    metrics = pd.DataFrame(rows).reindex(columns=["gate", *METRICS])
    return metrics, pd.concat(series, ignore_index=True)
