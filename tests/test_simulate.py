"""The school-day simulation: contract, conservation, determinism, common random numbers,
hand-worked cases, and monotonicity with confidence intervals."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import reopen_sim as rs
from reopen_sim.errors import InputError
from reopen_sim.plan import Plan
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.load import load_scenario
from reopen_sim.scenario.schema import ArrivalGroup, Canteen, Scenario
from reopen_sim.simulation.canteen import allowed_seats
from reopen_sim.simulation.fever import fever_path
from reopen_sim.simulation.queue import Line, queue_steps
from reopen_sim.simulation.result import METRICS, TIMESERIES_COLUMNS
from test_simulate_support import simple_plan

TRACE_COLUMNS = (
    "student_id, class_id, grade, boarding, gate, lane, t_arrive, t_service_start, t_service_end, "
    "flagged, outcome, t_done, room, t_room, late, canteen_sitting, table, seat, t_meal_start, t_meal_end, "
    "exit_lane, t_exit_join, t_exit"
).split(", ")


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario("scenarios/tiny-school.yaml")


@pytest.fixture(scope="module")
def junior() -> Scenario:
    return load_scenario("scenarios/junior-middle.yaml")


def with_gate(sc: Scenario, **update: object) -> Scenario:
    """The scenario with every entrance updated (a what-if)."""
    return sc.model_copy(update={"entrances": tuple(e.model_copy(update=update) for e in sc.entrances)})


def with_fever(sc: Scenario, **update: object) -> Scenario:
    pol = sc.policy.model_copy(update={"fever": sc.policy.fever.model_copy(update=update)})
    return sc.model_copy(update={"policy": pol})


def with_canteen(sc: Scenario) -> Scenario:
    ct = Canteen(mode="sittings", tables=12, seats_per_table=8, serving_lanes=2)
    return sc.model_copy(update={"canteen": ct})


# --- contract ----------------------------------------------------------------------------------


def test_result_contract(junior: Scenario) -> None:
    res = rs.simulate(junior, simple_plan(junior), replications=3, seed=7)
    assert isinstance(res, rs.SimulationResult)
    assert res.seed == 7 and len(res.replications) == 3 and res.scenario is junior
    gates = [e.id for e in junior.entrances] + ["all"]
    for i, rep in enumerate(res.replications):
        assert rep.index == i
        assert list(rep.trace.columns[: len(TRACE_COLUMNS)]) == TRACE_COLUMNS
        assert len(rep.trace) == junior.n_students
        assert rep.trace["student_id"].is_unique
    m = res.metrics_raw()
    assert list(m.columns) == ["replication", "gate", *METRICS]
    assert len(m) == 3 * len(gates) and set(m["gate"]) == set(gates)
    typed = res.metrics()
    assert list(typed["gate"].cat.categories) == gates and len(typed) == len(m)
    gs = res.gate_summary()
    assert list(gs["gate"]) == gates
    for name in ("max_queue_people", "p95_wait_min", "last_through_min", "utilisation", "late"):
        ok = gs[f"{name}_lo"].notna()
        assert (gs.loc[ok, f"{name}_lo"] <= gs.loc[ok, f"{name}_mean"]).all()
        assert (gs.loc[ok, f"{name}_mean"] <= gs.loc[ok, f"{name}_hi"]).all()
    ts = res.timeseries_raw()
    assert list(ts.columns) == list(TIMESERIES_COLUMNS)
    assert set(ts["gate"]) == set(gates)
    assert (ts.groupby(["replication", "gate"])["minute"].diff().dropna() == 1).all()
    assert [r for r, _ in res.traces()] == [0, 1, 2]


def test_gate_summary_interval_is_the_projects_interval(tiny: Scenario) -> None:
    """gate_summary reports reopen_sim.stats.mean_ci of the replications' figures, at its level."""
    from reopen_sim.stats import mean_ci

    res = rs.simulate(tiny, simple_plan(tiny), replications=12, seed=3)
    x = res.metrics().query("gate == 'all'")["mean_wait_min"].to_numpy()
    for level in (0.95, 0.99):
        row = res.gate_summary(level).set_index("gate").loc["all"]
        m, lo, hi = mean_ci(x, level)
        assert (
            row["mean_wait_min_mean"] == m and row["mean_wait_min_lo"] == lo and row["mean_wait_min_hi"] == hi
        )
        assert lo < m < hi


# --- conservation and consistency ----------------------------------------------------------------


def test_conservation_nobody_is_lost(tiny: Scenario) -> None:
    """Everyone who arrives is entered (directly or after re-check), isolated or held."""
    sc = with_fever(tiny, flagged_share=0.3, confirmed_share=0.5, isolation_rooms=1)
    res = rs.simulate(sc, simple_plan(sc), replications=5, seed=11)
    for _, tr in res.traces():
        counts = tr["outcome"].value_counts()
        assert set(counts.index) <= {"entered", "cleared_on_recheck", "isolated", "held"}
        assert counts.sum() == sc.n_students
        assert (tr.loc[~tr["flagged"], "outcome"] == "entered").all()
        assert (tr.loc[tr["flagged"], "outcome"] != "entered").all()
        inside = tr["outcome"].isin(["entered", "cleared_on_recheck"])
        assert tr.loc[inside, "t_room"].notna().all() and tr.loc[~inside, "t_room"].isna().all()
        assert tr.loc[inside, "t_exit"].notna().all() and tr.loc[~inside, "t_exit"].isna().all()
        assert (tr["t_service_start"] >= tr["t_arrive"] - 1e-9).all()
        assert (tr["t_done"] >= tr["t_service_end"] - 1e-9).all()
    m = res.metrics()
    per_gate = (
        m[m["gate"] != "all"]
        .groupby("replication")[["students", "flagged", "isolated", "held", "late"]]
        .sum()
    )
    total = m[m["gate"] == "all"].set_index("replication")[per_gate.columns]
    pd.testing.assert_frame_equal(per_gate, total, check_names=False)
    assert (m["flagged"] == m["cleared_on_recheck"] + m["isolated"] + m["held"]).all()
    assert m["held"].sum() > 0  # one isolation room for many confirmed students: the holding area is used


def test_queue_metrics_agree_with_the_trace(tiny: Scenario) -> None:
    """Little's law on the sample path (∫ people waiting dt = Σ waits), and the 1-minute series equal
    to a direct count of students with t_arrive ≤ m < t_service_start."""
    sc = with_gate(tiny, queue_length_m=3.0)  # 3 places per lane
    # Everyone in the first window (89 students, ~40 screened in 10 min): spill must happen.
    first = simple_plan(sc).assignments[0]
    crowded = Plan(
        tuple(
            replace(a, arrival_start_min=first.arrival_start_min, arrival_end_min=first.arrival_end_min)
            for a in simple_plan(sc).assignments
        )
    )
    res = rs.simulate(sc, crowded, replications=2, seed=5)
    places = cap.queue_places_per_lane(3.0, sc.policy.queue_spacing_m)
    spilled = []
    for rep in res.replications:
        tr = rep.trace
        lines = [
            Line(g["t_arrive"].to_numpy(), g["t_service_start"].to_numpy(), places)
            for _, g in tr.groupby("lane")
        ]
        steps = queue_steps(lines, 1.0)
        area = float(np.dot(steps.total[:-1], np.diff(steps.times)))
        assert area == pytest.approx((tr["t_service_start"] - tr["t_arrive"]).sum(), rel=1e-9)
        ts = rep.timeseries[rep.timeseries["gate"] == "gate"]
        for minute, q, spill in ts[["minute", "queue_people", "spill_people"]].itertuples(index=False):
            waiting = tr[(tr["t_arrive"] <= minute) & (tr["t_service_start"] > minute)]
            assert q == len(waiting)
            assert spill == sum(max(0, n - places) for n in waiting.groupby("lane").size())
        row = rep.metrics.set_index("gate").loc["gate"]
        assert row["max_queue_people"] >= ts["queue_people"].max()
        # p95 weighted by time, from first join to last service start: the smallest v that the
        # queue stays at or below for 95% of that time
        dt, total = np.diff(steps.times), steps.total[:-1]
        share = [dt[total <= v].sum() / dt.sum() for v in range(int(total.max()) + 1)]
        assert row["p95_queue_people"] == next(v for v, sh in enumerate(share) if sh >= 0.95 - 1e-12)
        assert row["max_spill_m"] == pytest.approx(max(0.0, row["max_queue_m"] - places * 1.0))
        spilled.append(row["max_spill_people"])
    assert max(spilled) > 0


def test_walk_to_room_and_late(tiny: Scenario) -> None:
    res = rs.simulate(tiny, simple_plan(tiny), replications=1, seed=2)
    tr = res.replications[0].trace
    floors = {r.id: r.floor for r in tiny.rooms}
    walk = (40.0 + 4.0 * (tr["room"].map(floors) - 1)) / 1.2 / 60.0  # walk_m Main 40 m + 4 m a storey
    inside = tr["outcome"].isin(["entered", "cleared_on_recheck"])
    np.testing.assert_allclose((tr["t_room"] - tr["t_done"])[inside], walk[inside])
    assert (tr["late"] == (inside & (tr["t_room"] > tiny.day.first_class_at))).all()


# --- determinism and common random numbers ---------------------------------------------------


def test_same_seed_same_figures_whatever_the_processes(junior: Scenario) -> None:
    plan = simple_plan(junior)
    a = rs.simulate(junior, plan, replications=4, seed=9)
    b = rs.simulate(junior, plan, replications=4, seed=9, processes=2)
    pd.testing.assert_frame_equal(a.metrics(), b.metrics())
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries())
    for (_, ta), (_, tb) in zip(a.traces(), b.traces(), strict=True):
        pd.testing.assert_frame_equal(ta, tb)
    c = rs.simulate(junior, plan, replications=4, seed=10)
    assert not a.metrics()["mean_wait_min"].equals(c.metrics()["mean_wait_min"])
    # replication r does not depend on how many replications are run
    d = rs.simulate(junior, plan, replications=2, seed=9)
    pd.testing.assert_frame_equal(d.replications[1].trace, a.replications[1].trace)
    # and replications are not copies of each other
    assert not np.allclose(a.replications[1].trace["t_arrive"], a.replications[0].trace["t_arrive"])


def test_common_random_numbers_follow_the_student_not_the_plan(tiny: Scenario) -> None:
    """Moving a class to another window keeps its students' arrival position in the window, screening
    quantile and fever flag; other classes' students keep everything they drew."""
    base = simple_plan(tiny)
    moved = Plan(
        tuple(
            a
            if a.class_id != "2-2"
            else type(a)(
                **{
                    **a.__dict__,
                    "arrival_start_min": a.arrival_start_min + 10,
                    "arrival_end_min": a.arrival_end_min + 10,
                }
            )
            for a in base.assignments
        )
    )
    ra = rs.simulate(tiny, base, replications=2, seed=4)
    rb = rs.simulate(tiny, moved, replications=2, seed=4)
    for (_, ta), (_, tb) in zip(ra.traces(), rb.traces(), strict=True):
        shift = np.where(ta["class_id"] == "2-2", 10.0, 0.0)
        np.testing.assert_allclose(tb["t_arrive"] - ta["t_arrive"], shift)
        np.testing.assert_allclose(tb["service_min"], ta["service_min"])
        assert (tb["flagged"] == ta["flagged"]).all()


# --- monotonicity (statistical, paired by common random numbers) -------------------------------


def paired_ci(a: np.ndarray, b: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    d = b - a
    half = stats.t.ppf((1 + level) / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean() - half), float(d.mean() + half)


@pytest.mark.parametrize(
    "change",
    [{"lanes": 3, "staff": 3}, {"service_time_s": {"dist": "lognormal", "mean": 24.0, "sd": 8.0}}],
    ids=["one-more-lane", "faster-screening"],
)
def test_more_lanes_or_faster_screening_never_lengthen_the_expected_queue(
    tiny: Scenario, change: dict
) -> None:
    """Paired over 20 replications: the 99% interval of (changed − base) lies below zero for the mean
    wait and the largest queue."""
    from reopen_sim.scenario.load import scenario_from_dict

    raw = tiny.model_dump(mode="json")
    raw["entrances"] = [{**e, **change} for e in raw["entrances"]]
    better = scenario_from_dict(raw)
    plan = simple_plan(tiny)
    a = rs.simulate(tiny, plan, replications=20, seed=21).metrics().query("gate == 'all'")
    b = rs.simulate(better, plan, replications=20, seed=21).metrics().query("gate == 'all'")
    for metric in ("mean_wait_min", "max_queue_people", "p95_wait_min"):
        lo, hi = paired_ci(a[metric].to_numpy(), b[metric].to_numpy())
        assert hi < 0, f"{metric}: paired difference CI [{lo:.3g}, {hi:.3g}] not below 0"


# --- fever path, lunch, dismissal, arrivals: hand-worked cases -----------------------------------


def test_fever_path_hand_worked() -> None:
    """Three confirmed at 0; one station (1 min each), one room, parents after 10 min.
    A: re-check 0-1, room 1-11. B: re-check 1-2, held (room taken), room frees at 11 → room, parent
    at 12. C: re-check 2-3, held, waits: the room goes to B at 11 (FIFO) and frees at 12 → parent at 13.
    Holding area peaks at 2 (from 3 to 11)."""
    out = fever_path(
        np.zeros(3), np.ones(3), np.ones(3, bool), np.full(3, 10.0), recheck_stations=1, isolation_rooms=1
    )
    assert out.outcome == ["isolated", "held", "held"]
    np.testing.assert_allclose(out.t_recheck_start, [0, 1, 2])
    np.testing.assert_allclose(out.t_done, [11, 12, 13])
    assert out.max_holding_people == 2
    cleared = fever_path(np.array([5.0]), np.array([2.0]), np.array([False]), np.array([10.0]), 1, 0)
    assert cleared.outcome == ["cleared_on_recheck"] and cleared.t_done[0] == 7.0
    none = fever_path(np.array([5.0, 5.0]), np.ones(2), np.ones(2, bool), np.full(2, 3.0), 2, 0)
    assert none.outcome == ["held", "held"] and none.max_holding_people == 2


def test_flagged_share_matches_policy(junior: Scenario) -> None:
    sc = with_fever(junior, flagged_share=0.05)
    res = rs.simulate(sc, simple_plan(sc), replications=10, seed=8)
    k = int(res.metrics().query("gate == 'all'")["flagged"].sum())
    n = 10 * sc.n_students
    lo, hi = stats.binomtest(k, n).proportion_ci(0.99)
    assert lo <= 0.05 <= hi


@pytest.mark.parametrize("rule", ["every_seat", "skip_a_seat", "skip_offset", "one_side"])
@pytest.mark.parametrize(("seats", "sides"), [(8, 2), (6, 2), (10, 2), (5, 1), (4, 1)])
def test_seating_rule_uses_as_many_seats_as_capacity_counts(rule: str, seats: int, sides: int) -> None:
    assert len(allowed_seats(seats, sides, rule)) == cap.seats_per_table(seats, sides, rule)


def test_lunch_fixed_seats_nobody_beside_or_opposite(tiny: Scenario) -> None:
    sc = with_canteen(tiny)
    res = rs.simulate(sc, simple_plan(sc), replications=2, seed=6)
    n = sc.canteen.seats_per_table // 2
    for _, tr in res.traces():
        d = tr.dropna(subset=["seat"])
        assert len(d) == tr["outcome"].isin(["entered", "cleared_on_recheck"]).sum()
        assert not d.duplicated(["canteen_sitting", "table", "seat"]).any()
        for _, t in d.groupby(["canteen_sitting", "table"]):
            side, pos = (t["seat"].to_numpy(int) - 1) // n, (t["seat"].to_numpy(int) - 1) % n
            for i in range(len(t)):
                for j in range(i + 1, len(t)):
                    assert abs(pos[i] - pos[j]) != 1 or side[i] != side[j]  # not beside
                    assert pos[i] != pos[j]  # not opposite
        start = d["canteen_sitting"].map(lambda s: cap.sitting_start_min(sc.canteen, int(s)))
        assert (d["t_canteen_join"] >= start).all() and (d["t_meal_start"] >= d["t_canteen_join"]).all()
        assert (d["t_meal_end"] >= start + sc.canteen.sitting_min).all()
    m = res.metrics().query("gate == 'all'")
    assert (m["canteen_unseated"] == 0).all()
    for (_, tr), wait in zip(res.traces(), m["canteen_mean_wait_min"], strict=True):
        waits = (tr["t_canteen_service_start"] - tr["t_canteen_join"]).dropna()
        assert wait == pytest.approx(waits.mean()) and wait > 0  # two counters, a sitting in 5 min: some wait


def test_dismissal_single_file_hand_worked(tiny: Scenario) -> None:
    """Class 2-2 alone in the last slot: students file out one spacing apart (1 m at 1.2 m/s = 1/72
    min), walk 44 m to the gate (40 m + a storey) and pass it at once, each taking 1/72 min."""
    base = simple_plan(tiny)
    last = tiny.day.dismissal_slot_min(tiny.day.dismissal_slots - 1)
    plan = Plan(
        tuple(
            type(a)(**{**a.__dict__, "dismissal_min": last}) if a.class_id == "2-2" else a
            for a in base.assignments
        )
    )
    assert all(a.dismissal_min < last for a in plan.assignments if a.class_id != "2-2")
    res = rs.simulate(tiny, plan, replications=1, seed=1)
    tr = res.replications[0].trace
    gap = 1.0 / 1.2 / 60.0
    inside = tr["outcome"].isin(["entered", "cleared_on_recheck"])
    c = tr[(tr["class_id"] == "2-2") & inside & (tr["room"] == "R202")]  # 25 seats; the 26th sits elsewhere
    k = np.arange(len(c))
    walk = 44.0 / 1.2 / 60.0
    np.testing.assert_allclose(c["t_exit_join"], last + k * gap + walk)
    np.testing.assert_allclose(c["t_exit"], last + k * gap + walk + gap)
    m = res.metrics_raw().set_index("gate")  # minutes since midnight, hand-worked
    assert m.loc["all", "dismissal_last_out_min"] == pytest.approx(c["t_exit"].max())
    assert m.loc["all", "dismissal_mean_wait_min"] == pytest.approx(0.0, abs=1e-9)


def test_dismissal_queue_when_two_classes_share_a_one_lane_exit(tiny: Scenario) -> None:
    """Two rooms emptying at once into one exit lane: arrivals at twice the lane's rate, so the
    second of each pair waits; the last one is out after 2 × class size × gap (hand count)."""
    sc = with_gate(tiny, lanes=1, staff=2)
    base = simple_plan(sc)
    t = sc.day.dismissal_start_at
    plan = Plan(
        tuple(
            type(a)(**{**a.__dict__, "dismissal_min": t})
            for a in base.assignments
            if a.class_id in ("1-1", "1-2")
        )
        + tuple(
            type(a)(**{**a.__dict__, "dismissal_min": t + 5})
            for a in base.assignments
            if a.class_id not in ("1-1", "1-2")
        )
    )
    res = rs.simulate(sc, plan, replications=1, seed=1)
    tr = res.replications[0].trace
    g1 = tr[tr["class_id"].isin(["1-1", "1-2"]) & tr["t_exit"].notna()]
    gap = 1.0 / 1.2 / 60.0
    walk = 40.0 / 1.2 / 60.0
    assert g1["t_exit"].max() == pytest.approx(t + walk + len(g1) * gap)
    assert res.metrics().set_index("gate").loc["gate", "dismissal_max_queue_people"] >= 1


def test_arrival_shares_early_and_late(junior: Scenario) -> None:
    beh = junior.policy.arrival_behaviour.model_copy(update={"early_share": 0.2, "late_share": 0.1})
    sc = junior.model_copy(update={"policy": junior.policy.model_copy(update={"arrival_behaviour": beh})})
    plan = simple_plan(sc)
    res = rs.simulate(sc, plan, replications=5, seed=12)
    w0 = {a.class_id: a.arrival_start_min for a in plan.assignments}
    w1 = {a.class_id: a.arrival_end_min for a in plan.assignments}
    early = late = n = 0
    for _, tr in res.traces():
        t0 = tr["class_id"].map(w0)
        t1 = tr["class_id"].map(w1)
        early += int((tr["t_arrive"] < t0).sum())
        late += int((tr["t_arrive"] > t1).sum())
        n += len(tr)
        assert (tr["t_arrive"] >= t0 - beh.early_max_min).all() and (
            tr["t_arrive"] <= t1 + beh.late_max_min
        ).all()
    for k, share in ((early, 0.2), (late, 0.1)):
        lo, hi = stats.binomtest(k, n).proportion_ci(0.99)
        assert lo <= share <= hi


def test_bus_group_arrives_together(tiny: Scenario) -> None:
    sc = tiny.model_copy(update={"groups": (ArrivalGroup(id="bus1", classes=("1-1", "1-2"), kind="bus"),)})
    base = simple_plan(sc).by_class()
    # The bus brings both classes in one window (the optimizer keeps groups together; so must this plan).
    w0, w1 = base["1-1"].arrival_start_min, base["1-1"].arrival_end_min
    plan = Plan(
        tuple(
            replace(a, arrival_start_min=w0, arrival_end_min=w1) if a.class_id == "1-2" else a
            for a in base.values()
        )
    )
    res = rs.simulate(sc, plan, replications=3, seed=13)
    for _, tr in res.traces():
        t = tr.loc[tr["class_id"].isin(["1-1", "1-2"]), "t_arrive"]
        assert t.max() - t.min() <= 1.0 + 1e-9  # one bus, everyone off within a minute


# --- bad input ---------------------------------------------------------------------------------


def test_plan_that_does_not_fit_the_scenario_is_an_input_error(tiny: Scenario) -> None:
    base = simple_plan(tiny)
    rows = [a.__dict__ | ({"gate": "nowhere"} if a.class_id == "1-1" else {}) for a in base.assignments[1:]]
    bad = Plan(tuple(type(base.assignments[0])(**r) for r in rows), meta={"source": "tt.csv"})
    with pytest.raises(InputError) as e:
        rs.simulate(tiny, bad, replications=1)
    text = str(e.value)
    assert "tt.csv" in text and "1-1" in text  # the missing class is named with the file
    rows = [a.__dict__ | ({"gate": "nowhere"} if a.class_id == "2-1" else {}) for a in base.assignments]
    bad = Plan(tuple(type(base.assignments[0])(**r) for r in rows), meta={"source": "tt.csv"})
    with pytest.raises(InputError, match="nowhere"):
        rs.simulate(tiny, bad, replications=1)
