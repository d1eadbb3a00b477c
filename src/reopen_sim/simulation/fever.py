"""The fever path, a SimPy model: re-check station, single-person isolation rooms, holding area.

DOMAIN (policy.fever): a student flagged at the gate (≥ 37.3 °C or symptoms; share
``flagged_share``) leaves the lane for a staffed re-check station (``recheck_stations`` stations,
duration ``recheck_time_s``, FIFO). If the re-check clears them (share 1 − ``confirmed_share``) they
enter the school (``cleared_on_recheck``). If confirmed, they are refused entry and wait for a parent
(delay ``parent_pickup_min`` from confirmation) in a single-person isolation room
(``isolated``). When every isolation room is taken they wait in the holding area (``held``, counted)
until a room frees or the parent comes, whichever is first. SimPy models the interaction here
(stations and rooms are shared resources); few students take this path, so it costs little.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from reopen_sim.scenario.schema import FeverPath
from reopen_sim.simulation.sampling import quantile, seconds_to_min

ENTERED = "entered"
CLEARED = "cleared_on_recheck"
ISOLATED = "isolated"
HELD = "held"
OUTCOMES: tuple[str, ...] = (ENTERED, CLEARED, ISOLATED, HELD)


@dataclass(frozen=True)
class FeverOutcome:
    """Per flagged student (input order): outcome, re-check times, when they left the path."""

    outcome: list[str]
    t_recheck_start: NDArray[np.float64]
    t_recheck_end: NDArray[np.float64]
    t_done: NDArray[np.float64]  # entered after re-check, or collected by a parent
    max_holding_people: int
    max_isolation_in_use: int


def fever_path(
    t_flagged: NDArray[np.float64],
    recheck_min: NDArray[np.float64],
    confirmed: NDArray[np.bool_],
    pickup_min: NDArray[np.float64],
    recheck_stations: int,
    isolation_rooms: int,
) -> FeverOutcome:
    """Run the fever path for the flagged students (times in minutes since midnight)."""
    n = len(t_flagged)
    outcome = [CLEARED] * n
    r_start = np.full(n, np.nan)
    r_end = np.full(n, np.nan)
    done = np.full(n, np.nan)
    if n == 0:
        return FeverOutcome(outcome, r_start, r_end, done, 0, 0)
    env = simpy.Environment(initial_time=float(t_flagged.min()))
    stations = simpy.Resource(env, capacity=recheck_stations)
    rooms = simpy.Resource(env, capacity=isolation_rooms) if isolation_rooms > 0 else None
    state = {"holding": 0, "max_holding": 0, "max_rooms": 0}

    def student(i: int) -> Generator[Any, Any, None]:
        yield env.timeout(float(t_flagged[i]) - env.now)
        with stations.request() as req:
            yield req
            r_start[i] = env.now
            yield env.timeout(float(recheck_min[i]))
            r_end[i] = env.now
        if not confirmed[i]:
            done[i] = env.now
            return
        collect_at = env.now + float(pickup_min[i])
        if rooms is not None and rooms.count < rooms.capacity:
            outcome[i] = ISOLATED
            with rooms.request() as room:
                yield room
                state["max_rooms"] = max(state["max_rooms"], rooms.count)
                yield env.timeout(collect_at - env.now)
        else:
            outcome[i] = HELD
            state["holding"] += 1
            state["max_holding"] = max(state["max_holding"], state["holding"])
            parent = env.timeout(collect_at - env.now)
            if rooms is None:
                yield parent
                state["holding"] -= 1
            else:
                with rooms.request() as room:
                    got = yield room | parent
                    state["holding"] -= 1
                    if room in got and env.now < collect_at:
                        state["max_rooms"] = max(state["max_rooms"], rooms.count)
                        yield env.timeout(collect_at - env.now)
        done[i] = env.now

    for i in np.argsort(t_flagged, kind="stable"):
        env.process(student(int(i)))
    env.run()
    return FeverOutcome(outcome, r_start, r_end, done, state["max_holding"], state["max_rooms"])


@dataclass(frozen=True)
class FeverStage:
    """Every student after the fever path (canonical order). ``t_done`` is when they left the gate
    area: the end of screening, of the re-check when cleared, or the parent's arrival."""

    flagged: NDArray[np.bool_]
    outcome: NDArray[np.object_]
    t_done: NDArray[np.float64]
    t_recheck_start: NDArray[np.float64]
    t_recheck_end: NDArray[np.float64]
    max_holding_people: int
    max_isolation_in_use: int

    @property
    def present(self) -> NDArray[np.bool_]:
        """Students who entered the school (directly or after the re-check)."""
        return np.asarray((self.outcome == ENTERED) | (self.outcome == CLEARED), dtype=np.bool_)


def _scatter(n: int, idx: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full(n, np.nan)
    out[idx] = values
    return out


def fever_stage(
    fev: FeverPath,
    t_screened_min: NDArray[np.float64],
    u_flag: NDArray[np.float64],
    u_confirm: NDArray[np.float64],
    u_recheck: NDArray[np.float64],
    u_pickup: NDArray[np.float64],
) -> FeverStage:
    """Flag a share ``flagged_share`` of students (uniform ``u_flag`` below it) as they leave the
    lane at ``t_screened_min`` and run :func:`fever_path` for them: re-check times are the ``u_recheck``
    quantile of ``recheck_time_s`` (seconds → minutes), confirmation has probability
    ``confirmed_share``, the parent comes after the ``u_pickup`` quantile of ``parent_pickup_min``."""
    n = len(t_screened_min)
    flagged = u_flag < fev.flagged_share
    outcome = np.full(n, ENTERED, dtype=object)
    t_done = t_screened_min.copy()
    fl = np.flatnonzero(flagged)
    fo = fever_path(
        t_screened_min[fl],
        seconds_to_min(fev.recheck_time_s, u_recheck[fl]),
        u_confirm[fl] < fev.confirmed_share,
        quantile(fev.parent_pickup_min, u_pickup[fl]),
        fev.recheck_stations,
        fev.isolation_rooms,
    )
    outcome[fl] = fo.outcome
    t_done[fl] = fo.t_done
    return FeverStage(
        flagged,
        outcome,
        t_done,
        _scatter(n, fl, fo.t_recheck_start),
        _scatter(n, fl, fo.t_recheck_end),
        fo.max_holding_people,
        fo.max_isolation_in_use,
    )
