"""One replication of the school day: arrivals, gates, fever path, walk to rooms, lunch, dismissal.

Pure function of (scenario, layout, draws): the same inputs give the same trace on any executor.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.arrivals import arrival_times
from reopen_sim.simulation.canteen import CANTEEN_ARRIVAL_SPREAD_MIN, seat_plan
from reopen_sim.simulation.dismissal import single_file_gap_min
from reopen_sim.simulation.fever import CLEARED, ENTERED, HELD, ISOLATED, fever_path
from reopen_sim.simulation.lanes import LaneChoice, run_lanes
from reopen_sim.simulation.queue import Line, QueueSteps, minute_series, queue_figures, queue_steps
from reopen_sim.simulation.result import METRICS, Replication
from reopen_sim.simulation.sampling import quantile, seconds_to_min
from reopen_sim.simulation.school import SchoolLayout
from reopen_sim.simulation.streams import Draws

ALL = "all"
_NO_PLACES = 10**9  # canteen counters and exits have no marked queue length: no spill


def _wait_figures(wait: NDArray[np.float64]) -> tuple[float, float, float]:
    if wait.size == 0:
        return 0.0, 0.0, 0.0
    return float(wait.mean()), float(np.percentile(wait, 95)), float(wait.max())


def _lines(
    t_join: NDArray[np.float64],
    t_start: NDArray[np.float64],
    lane: NDArray[np.int64],
    lanes: int,
    places_per_lane: int,
    lane_choice: LaneChoice,
) -> list[Line]:
    """Physical lines of one gate: one per lane, or one shared line holding every lane's places."""
    if lane_choice == "shared":
        return [Line(t_join, t_start, places_per_lane * lanes)]
    return [Line(t_join[lane == j], t_start[lane == j], places_per_lane) for j in range(lanes)]


def run_day(
    scenario: Scenario,
    lay: SchoolLayout,
    draws: Draws,
    index: int,
    lane_choice: LaneChoice = "shortest",
) -> Replication:
    """Simulate one day and return its trace, 1-minute queue series and metrics per gate."""
    pol = scenario.policy
    fev = pol.fever
    n = lay.roster.n
    spacing = pol.queue_spacing_m

    # --- arrivals and screening ---------------------------------------------------------------
    t_arrive = arrival_times(
        lay.window_start_min,
        lay.window_end_min,
        pol.arrival_behaviour,
        draws.col("arrival_position"),
        draws.col("arrival_kind"),
        draws.col("arrival_offset"),
        lay.bus_group,
        draws.group_u,
        draws.col("bus_disembark"),
    )
    lane = np.zeros(n, np.int64)
    t_start = np.zeros(n)
    t_end = np.zeros(n)
    service = np.zeros(n)
    members = [np.flatnonzero(lay.gate_index == g) for g in range(len(lay.gates))]
    for g, idx in enumerate(members):
        if idx.size == 0:
            continue
        info = lay.gates[g]
        s = seconds_to_min(info.entrance.service_time_s, draws.col("service")[idx])
        res = run_lanes(t_arrive[idx], s, info.open_lanes, lane_choice)
        lane[idx] = res.lane + 1
        t_start[idx] = res.start
        t_end[idx] = res.end
        service[idx] = s

    # --- fever path ---------------------------------------------------------------------------
    flagged = draws.col("flag") < fev.flagged_share
    outcome = np.full(n, ENTERED, dtype=object)
    t_done = t_end.copy()
    fl = np.flatnonzero(flagged)
    fo = fever_path(
        t_end[fl],
        seconds_to_min(fev.recheck_time_s, draws.col("recheck")[fl]),
        draws.col("confirm")[fl] < fev.confirmed_share,
        quantile(fev.parent_pickup_min, draws.col("pickup")[fl]),
        fev.recheck_stations,
        fev.isolation_rooms,
    )
    outcome[fl] = fo.outcome
    t_done[fl] = fo.t_done
    present = (outcome == ENTERED) | (outcome == CLEARED)
    t_room = np.where(present, t_done + lay.walk_min, np.nan)
    late = present & (t_room > scenario.day.first_class_at)

    # --- lunch --------------------------------------------------------------------------------
    table = np.full(n, np.nan)
    seat = np.full(n, np.nan)
    t_c_join = np.full(n, np.nan)
    t_c_start = np.full(n, np.nan)
    t_meal_start = np.full(n, np.nan)
    t_meal_end = np.full(n, np.nan)
    canteen: dict[str, float] = {}
    eats = present & (lay.sitting > 0)
    if scenario.canteen.mode == "sittings" and eats.any():
        ct = scenario.canteen
        lines: list[Line] = []
        waits: list[NDArray[np.float64]] = []
        overrun = 0
        unseated = 0
        for s_no in np.unique(lay.sitting[eats]):
            idx = np.flatnonzero(eats & (lay.sitting == s_no))  # canonical order: class, number
            opens = float(cap.sitting_start_min(ct, int(s_no)))
            closes = opens + ct.sitting_min
            tj = opens + draws.col("canteen_arrival")[idx] * CANTEEN_ARRIVAL_SPREAD_MIN
            sv = seconds_to_min(ct.serving_time_s, draws.col("canteen_service")[idx])
            res = run_lanes(tj, sv, ct.serving_lanes, "shortest")
            t_c_join[idx] = tj
            t_c_start[idx] = res.start
            t_meal_start[idx] = res.end
            t_meal_end[idx] = np.maximum(closes, res.end)
            overrun += int((res.end > closes).sum())
            for k, place in zip(idx, seat_plan(ct, idx.size), strict=True):
                if place is None:
                    unseated += 1
                else:
                    table[k], seat[k] = place
            waits.append(res.start - tj)
            lines += _lines(tj, res.start, res.lane, ct.serving_lanes, _NO_PLACES, "shortest")
        cq = queue_figures(queue_steps(lines, spacing))
        w = np.concatenate(waits)
        mean_w, p95_w, max_w = _wait_figures(w)
        canteen = {
            "canteen_max_queue_people": cq["max_queue_people"],
            "canteen_max_queue_m": cq["max_queue_m"],
            "canteen_mean_wait_min": mean_w,
            "canteen_p95_wait_min": p95_w,
            "canteen_max_wait_min": max_w,
            "canteen_last_served_min": float(np.nanmax(t_meal_start)),
            "canteen_served_after_sitting": float(overrun),
            "canteen_unseated": float(unseated),
        }

    # --- dismissal ----------------------------------------------------------------------------
    gap = single_file_gap_min(pol)
    exit_lane = np.zeros(n, np.int64)
    t_x_join = np.full(n, np.nan)
    t_x_start = np.full(n, np.nan)
    t_exit = np.full(n, np.nan)
    leaving = np.flatnonzero(present)
    if leaving.size:
        # position in the single file out of each room (rooms host one class: canonical = number order)
        order = leaving[np.argsort(lay.room_code[leaving], kind="stable")]
        codes = lay.room_code[order]
        first = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
        pos_in_room = np.arange(order.size) - np.repeat(first, np.diff(np.r_[first, order.size]))
        t_x_join[order] = lay.dismissal_min[order] + pos_in_room * gap + lay.walk_min[order]
    exit_members = [idx[present[idx]] for idx in members]
    for g, idx in enumerate(exit_members):
        if idx.size == 0:
            continue
        lanes = lay.gates[g].entrance.lanes
        res = run_lanes(t_x_join[idx], np.full(idx.size, gap), lanes, "shortest")
        exit_lane[idx] = res.lane + 1
        t_x_start[idx] = res.start
        t_exit[idx] = res.end

    # --- trace --------------------------------------------------------------------------------
    gate_names = np.asarray([gi.entrance.id for gi in lay.gates], dtype=object)
    sitting_col = np.where(lay.sitting > 0, lay.sitting.astype(float), np.nan)
    trace = pd.DataFrame(
        {
            "student_id": np.asarray(lay.roster.student_id, dtype=object),
            "class_id": lay.class_id,
            "grade": lay.grade,
            "boarding": lay.boarding,
            "gate": gate_names[lay.gate_index],
            "lane": lane,
            "t_arrive": t_arrive,
            "t_service_start": t_start,
            "t_service_end": t_end,
            "flagged": flagged,
            "outcome": outcome,
            "t_done": t_done,
            "room": lay.room,
            "t_room": t_room,
            "late": late,
            "canteen_sitting": sitting_col,
            "table": table,
            "seat": seat,
            "t_meal_start": t_meal_start,
            "t_meal_end": t_meal_end,
            "exit_lane": np.where(present, exit_lane, 0),
            "t_exit_join": t_x_join,
            "t_exit": t_exit,
            # extra columns (allowed by the contract)
            "service_min": service,
            "t_recheck_start": _scatter(n, fl, fo.t_recheck_start),
            "t_recheck_end": _scatter(n, fl, fo.t_recheck_end),
            "t_canteen_join": t_c_join,
            "t_canteen_service_start": t_c_start,
            "t_exit_start": t_x_start,
        }
    )

    # --- metrics and 1-minute series ----------------------------------------------------------
    t0 = math.floor(float(t_arrive.min()))
    t1 = math.ceil(float(t_start.max())) + 1
    minutes = np.arange(t0, t1 + 1, dtype=np.float64)
    rows: list[dict[str, float | str]] = []
    series: list[pd.DataFrame] = []
    all_lines: list[Line] = []
    all_exit_lines: list[Line] = []
    busy_total = 0.0
    capacity_total = 0.0
    for g, idx in enumerate(members):
        info = lay.gates[g]
        name = info.entrance.id
        gl = _lines(
            t_arrive[idx], t_start[idx], lane[idx] - 1, info.open_lanes, info.places_per_lane, lane_choice
        )
        xi = exit_members[g]
        xl = _lines(
            t_x_join[xi], t_x_start[xi], exit_lane[xi] - 1, info.entrance.lanes, _NO_PLACES, "shortest"
        )
        all_lines += gl
        all_exit_lines += xl
        busy = float(service[idx].sum())
        span = float(t_end[idx].max() - t_arrive[idx].min()) if idx.size else 0.0
        busy_total += busy
        capacity_total += info.open_lanes * span
        rows.append(
            _gate_row(
                name,
                idx,
                xi,
                gl,
                xl,
                spacing,
                t_arrive,
                t_start,
                t_end,
                t_x_join,
                t_x_start,
                t_exit,
                flagged,
                outcome,
                late,
                busy,
                info.open_lanes * span,
            )
        )
        series.append(_series(name, queue_steps(gl, spacing), minutes))
    everyone = np.arange(n)
    all_row = _gate_row(
        ALL,
        everyone,
        np.flatnonzero(present),
        all_lines,
        all_exit_lines,
        spacing,
        t_arrive,
        t_start,
        t_end,
        t_x_join,
        t_x_start,
        t_exit,
        flagged,
        outcome,
        late,
        busy_total,
        capacity_total,
    )
    all_row.update(canteen)
    all_row["max_holding_people"] = float(fo.max_holding_people)
    all_row["max_isolation_rooms_in_use"] = float(fo.max_isolation_in_use)
    rows.append(all_row)
    series.append(_series(ALL, queue_steps(all_lines, spacing), minutes))
    metrics = pd.DataFrame(rows).reindex(columns=["gate", *METRICS])
    return Replication(
        index=index, trace=trace, timeseries=pd.concat(series, ignore_index=True), metrics=metrics
    )


def _scatter(n: int, idx: NDArray[np.int64], values: NDArray[np.float64]) -> NDArray[np.float64]:
    out = np.full(n, np.nan)
    out[idx] = values
    return out


def _series(gate: str, steps: QueueSteps, minutes: NDArray[np.float64]) -> pd.DataFrame:
    cols = minute_series(steps, minutes)
    return pd.DataFrame({"gate": gate, "minute": minutes.astype(np.int64), **cols})


def _gate_row(
    name: str,
    idx: NDArray[np.int64],
    xi: NDArray[np.int64],
    lines: list[Line],
    exit_lines: list[Line],
    spacing: float,
    t_arrive: NDArray[np.float64],
    t_start: NDArray[np.float64],
    t_end: NDArray[np.float64],
    t_x_join: NDArray[np.float64],
    t_x_start: NDArray[np.float64],
    t_exit: NDArray[np.float64],
    flagged: NDArray[np.bool_],
    outcome: NDArray[np.object_],
    late: NDArray[np.bool_],
    busy_min: float,
    lane_min: float,
) -> dict[str, float | str]:
    q = queue_figures(queue_steps(lines, spacing))
    mean_w, p95_w, max_w = _wait_figures(t_start[idx] - t_arrive[idx])
    xq = queue_figures(queue_steps(exit_lines, spacing))
    x_mean_w, _, x_max_w = _wait_figures(t_x_start[xi] - t_x_join[xi])
    oc = outcome[idx]
    return {
        "gate": name,
        "students": float(idx.size),
        **q,
        "mean_wait_min": mean_w,
        "p95_wait_min": p95_w,
        "max_wait_min": max_w,
        "last_through_min": float(t_end[idx].max()) if idx.size else math.nan,
        "utilisation": busy_min / lane_min if lane_min > 0 else math.nan,
        "flagged": float(flagged[idx].sum()),
        "cleared_on_recheck": float((oc == CLEARED).sum()),
        "isolated": float((oc == ISOLATED).sum()),
        "held": float((oc == HELD).sum()),
        "late": float(late[idx].sum()),
        "dismissal_last_out_min": float(t_exit[xi].max()) if xi.size else math.nan,
        "dismissal_max_queue_people": xq["max_queue_people"],
        "dismissal_mean_wait_min": x_mean_w,
        "dismissal_max_wait_min": x_max_w,
    }
