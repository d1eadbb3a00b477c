"""When students reach their gate, relative to the window the plan gives their class.

Arrival-behaviour model (``policy.arrival_behaviour``):

- a share ``early_share`` comes early, up to ``early_max_min`` before the window opens, uniformly;
- a share ``late_share`` comes late, up to ``late_max_min`` after it closes, uniformly;
- everyone else arrives inside the window: ``uniform``, or ``triangular`` (symmetric, peak at the
  middle of the window);
- classes of an arrival group of kind ``bus`` come on one bus: the bus reaches the gate at one
  point of the window (uniform; one draw per group and replication) and its students get off in
  single file over :data:`BUS_DISEMBARK_MIN` minutes. They do not come early or late on their own.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from reopen_sim.scenario.schema import ArrivalBehaviour

# Assumption (no figure in the plans): a half-loaded bus (DOMAIN: buses run at half load, ≲ 30
# pupils) empties through one door in about a minute, ~2 s a child.
BUS_DISEMBARK_MIN = 1.0


def window_position(u: NDArray[np.float64], spread: str) -> NDArray[np.float64]:
    """Where in the window (0 = opening, 1 = closing) a student with uniform ``u`` arrives.

    Triangular(0, ½, 1) quantile: √(u/2) for u < ½, 1 − √((1−u)/2) otherwise.
    """
    if spread == "uniform":
        return u
    return np.where(u < 0.5, np.sqrt(u / 2.0), 1.0 - np.sqrt((1.0 - u) / 2.0))


def arrival_times(
    window_start_min: NDArray[np.float64],
    window_end_min: NDArray[np.float64],
    behaviour: ArrivalBehaviour,
    u_position: NDArray[np.float64],
    u_kind: NDArray[np.float64],
    u_offset: NDArray[np.float64],
    bus_group: NDArray[np.int64],
    group_u: NDArray[np.float64],
    u_disembark: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Arrival time at the gate of every student (minutes since midnight).

    ``bus_group`` is the index of the student's bus group, or −1; ``group_u`` one uniform per group.
    """
    length = window_end_min - window_start_min
    t = window_start_min + window_position(u_position, behaviour.spread) * length
    early = u_kind < behaviour.early_share
    late = (~early) & (u_kind < behaviour.early_share + behaviour.late_share)
    t = np.where(early, window_start_min - u_offset * behaviour.early_max_min, t)
    t = np.where(late, window_end_min + u_offset * behaviour.late_max_min, t)
    on_bus = bus_group >= 0
    if on_bus.any():
        gu = group_u[np.where(on_bus, bus_group, 0)]
        t_bus = window_start_min + gu * length
        t = np.where(on_bus, t_bus + u_disembark * BUS_DISEMBARK_MIN, t)
    return t
