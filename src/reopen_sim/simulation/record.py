"""The per-student record of one simulated day, stage by stage, and the trace built from it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from reopen_sim.simulation.canteen import Lunch
from reopen_sim.simulation.dismissal import Dismissal
from reopen_sim.simulation.fever import FeverStage
from reopen_sim.simulation.gates import Screening
from reopen_sim.simulation.school import SchoolLayout


@dataclass(frozen=True)
class StudentDay:
    """One replication, every array in canonical student order (times in minutes since midnight).

    Each stage of the day fills one part: ``t_arrive_min`` (arrivals), ``screening`` (gates),
    ``fever`` (fever path), ``t_room_min``/``late`` (walk to the rooms), ``lunch`` (canteen),
    ``dismissal`` (exits).
    """

    t_arrive_min: NDArray[np.float64]
    screening: Screening
    fever: FeverStage
    t_room_min: NDArray[np.float64]
    late: NDArray[np.bool_]
    lunch: Lunch
    dismissal: Dismissal

    @property
    def present(self) -> NDArray[np.bool_]:
        return self.fever.present

    @property
    def wait_min(self) -> NDArray[np.float64]:
        """Wait in the gate's line: from joining it to the start of screening."""
        return self.screening.t_service_start - self.t_arrive_min


def trace_frame(lay: SchoolLayout, day: StudentDay) -> pd.DataFrame:
    """The trace (docs/design.md "Simulation trace"): contract columns first, then extras."""
    gate_names = np.asarray([gi.entrance.id for gi in lay.gates], dtype=object)
    sitting_col = np.where(lay.sitting > 0, lay.sitting.astype(float), np.nan)
    sc, fv, ln, dm = day.screening, day.fever, day.lunch, day.dismissal
    return pd.DataFrame(
        {
            "student_id": np.asarray(lay.roster.student_id, dtype=object),
            "class_id": lay.class_id,
            "grade": lay.grade,
            "boarding": lay.boarding,
            "gate": gate_names[lay.gate_index],
            "lane": sc.lane,
            "t_arrive": day.t_arrive_min,
            "t_service_start": sc.t_service_start,
            "t_service_end": sc.t_service_end,
            "flagged": fv.flagged,
            "outcome": fv.outcome,
            "t_done": fv.t_done,
            "room": lay.room,
            "t_room": day.t_room_min,
            "late": day.late,
            "canteen_sitting": sitting_col,
            "table": ln.table,
            "seat": ln.seat,
            "t_meal_start": ln.t_meal_start,
            "t_meal_end": ln.t_meal_end,
            "exit_lane": dm.exit_lane,
            "t_exit_join": dm.t_exit_join,
            "t_exit": dm.t_exit,
            # extra columns (allowed by the contract)
            "service_min": sc.service_min,
            "t_recheck_start": fv.t_recheck_start,
            "t_recheck_end": fv.t_recheck_end,
            "t_canteen_join": ln.t_canteen_join,
            "t_canteen_service_start": ln.t_canteen_service_start,
            "t_exit_start": dm.t_exit_start,
        }
    )
