"""The gate stage: screening at the entrances, the one function every caller of a gate goes through.

The school day (:mod:`reopen_sim.simulation.day`) and the queueing-theory harness
(:mod:`reopen_sim.simulation.stationary`) both screen students with :func:`screen`, so the unit
conversion of the scenario's ``service_time_s`` (seconds) to the simulation clock (minutes) happens in
one place that the theory tests exercise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.simulation.lanes import LaneChoice, LaneRun, run_lanes
from reopen_sim.simulation.sampling import AnyDistribution, seconds_to_min
from reopen_sim.simulation.school import SchoolLayout


@dataclass(frozen=True)
class GateRun:
    """Students of one gate after screening, in input order: ``lane`` 0-based, times in minutes."""

    lane: NDArray[np.int64]
    t_start: NDArray[np.float64]
    t_end: NDArray[np.float64]
    service_min: NDArray[np.float64]


@dataclass(frozen=True)
class Screening:
    """Every student after the morning gates (canonical order): ``lane`` 1-based, times in minutes."""

    lane: NDArray[np.int64]
    t_service_start: NDArray[np.float64]
    t_service_end: NDArray[np.float64]
    service_min: NDArray[np.float64]


def screen(
    t_arrive_min: NDArray[np.float64],
    u_service: NDArray[np.float64],
    service_time_s: AnyDistribution,
    lanes: int,
    lane_choice: LaneChoice,
) -> GateRun:
    """Screen people arriving at ``t_arrive_min`` on ``lanes`` lanes: each one's screening time is the
    ``u_service`` quantile of ``service_time_s`` (seconds), converted to minutes, then the lane engine
    (:func:`reopen_sim.simulation.lanes.run_lanes`) serves them under ``lane_choice``."""
    service_min = seconds_to_min(service_time_s, u_service)
    res: LaneRun = run_lanes(t_arrive_min, service_min, lanes, lane_choice)
    return GateRun(res.lane, res.start, res.end, service_min)


def gate_members(lay: SchoolLayout) -> list[NDArray[np.int64]]:
    """Students (canonical indices) who come in by each gate, in the scenario's gate order."""
    return [np.flatnonzero(lay.gate_index == g) for g in range(len(lay.gates))]


def gate_stage(
    lay: SchoolLayout,
    t_arrive_min: NDArray[np.float64],
    u_service: NDArray[np.float64],
    lane_choice: LaneChoice,
) -> Screening:
    """Screen every student at the gate the plan gives their class, through the gate's open lanes."""
    n = lay.roster.n
    lane = np.zeros(n, np.int64)
    t_start = np.zeros(n)
    t_end = np.zeros(n)
    service = np.zeros(n)
    for g, idx in enumerate(gate_members(lay)):
        if idx.size == 0:
            continue
        info = lay.gates[g]
        run = screen(
            t_arrive_min[idx], u_service[idx], info.entrance.service_time_s, info.open_lanes, lane_choice
        )
        lane[idx] = run.lane + 1
        t_start[idx] = run.t_start
        t_end[idx] = run.t_end
        service[idx] = run.service_min
    return Screening(lane, t_start, t_end, service)
