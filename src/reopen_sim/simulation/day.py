"""One replication of the school day, as stages over one per-student record of arrays.

arrivals → gates → fever path → rooms → canteen → dismissal → metrics. Each stage is a function of
the layout, the random numbers the students carry and the earlier stages' arrays
(:class:`reopen_sim.simulation.record.StudentDay`). Pure function of (scenario, layout, draws): the
same inputs give the same trace on any executor.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.arrivals import arrival_times
from reopen_sim.simulation.canteen import lunch_stage
from reopen_sim.simulation.dismissal import dismissal_stage, single_file_gap_min
from reopen_sim.simulation.fever import fever_stage
from reopen_sim.simulation.gates import gate_members, gate_stage
from reopen_sim.simulation.lanes import LaneChoice
from reopen_sim.simulation.metrics import ALL, metrics_stage
from reopen_sim.simulation.record import StudentDay, trace_frame
from reopen_sim.simulation.result import Replication
from reopen_sim.simulation.school import SchoolLayout
from reopen_sim.simulation.streams import Draws

__all__ = ["ALL", "arrival_stage", "room_stage", "run_day", "simulate_day"]


def arrival_stage(scenario: Scenario, lay: SchoolLayout, draws: Draws) -> NDArray[np.float64]:
    """When each student joins their gate's line (:func:`reopen_sim.simulation.arrivals.arrival_times`)."""
    return arrival_times(
        lay.window_start_min,
        lay.window_end_min,
        scenario.policy.arrival_behaviour,
        draws.col("arrival_position"),
        draws.col("arrival_kind"),
        draws.col("arrival_offset"),
        lay.bus_group,
        draws.group_u,
        draws.col("bus_disembark"),
    )


def room_stage(
    present: NDArray[np.bool_],
    t_done_min: NDArray[np.float64],
    walk_min: NDArray[np.float64],
    first_class_min: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """(t_room, late): students in school walk to their room (``t_room = t_done + walk``); late when
    they reach it after the first class starts. NaN / not late for students not in school."""
    t_room = np.where(present, t_done_min + walk_min, np.nan)
    return t_room, present & (t_room > first_class_min)


def simulate_day(
    scenario: Scenario, lay: SchoolLayout, draws: Draws, lane_choice: LaneChoice = "shortest"
) -> StudentDay:
    """Run the stages of one day and return the per-student record."""
    t_arrive = arrival_stage(scenario, lay, draws)
    screening = gate_stage(lay, t_arrive, draws.col("service"), lane_choice)
    fever = fever_stage(
        scenario.policy.fever,
        screening.t_service_end,
        draws.col("flag"),
        draws.col("confirm"),
        draws.col("recheck"),
        draws.col("pickup"),
    )
    present = fever.present
    t_room, late = room_stage(present, fever.t_done, lay.walk_min, scenario.day.first_class_at)
    lunch = lunch_stage(
        scenario.canteen,
        lay.sitting,
        present,
        draws.col("canteen_arrival"),
        draws.col("canteen_service"),
        scenario.policy.queue_spacing_m,
    )
    exit_members = [idx[present[idx]] for idx in gate_members(lay)]
    dismissal = dismissal_stage(lay, present, exit_members, single_file_gap_min(scenario.policy))
    return StudentDay(t_arrive, screening, fever, t_room, late, lunch, dismissal)


def run_day(
    scenario: Scenario,
    lay: SchoolLayout,
    draws: Draws,
    index: int,
    lane_choice: LaneChoice = "shortest",
) -> Replication:
    """Simulate one day and return its trace, 1-minute queue series and metrics per gate."""
    day = simulate_day(scenario, lay, draws, lane_choice)
    members = gate_members(lay)
    exit_members = [idx[day.present[idx]] for idx in members]
    metrics, series = metrics_stage(
        lay, day, members, exit_members, scenario.policy.queue_spacing_m, lane_choice
    )
    return Replication(index=index, trace=trace_frame(lay, day), timeseries=series, metrics=metrics)
