"""Contacts through the real ``simulate()`` on the tiny school: grade mixing, tracing, the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as st

from cli_support import SRC
from reopen_sim.exposure.contacts import contacts
from reopen_sim.exposure.model import ContactModel
from reopen_sim.plan import ClassAssignment, Plan
from reopen_sim.scenario.load import load_scenario
from reopen_sim.simulation.run import simulate

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "scenarios" / "tiny-school.yaml"
ROOMS = {"1-1": ("R101",), "1-2": ("R102",), "2-1": ("R201",), "2-2": ("R202",)}


def _plan(sc, windows: dict[str, int], sittings: dict[str, int] | None = None) -> Plan:
    return Plan(
        tuple(
            ClassAssignment(
                c.id,
                c.grade,
                c.students,
                c.boarding,
                windows[c.id],
                windows[c.id] + 10,
                "gate",
                ROOMS[c.id],
                (sittings or {}).get(c.id),
                960 if c.grade == 1 else 965,
            )
            for c in sc.classes
        )
    )


def test_mixing_grades_at_the_gate_makes_more_cross_grade_contacts():
    sc = load_scenario(TINY)
    separated = _plan(sc, {"2-1": 470, "2-2": 470, "1-1": 480, "1-2": 480})  # grade 2 first, then grade 1
    mixed = _plan(sc, {"2-1": 470, "1-1": 470, "2-2": 480, "1-2": 480})  # one class of each grade per window
    n = 10

    def cross_grade(plan: Plan) -> np.ndarray:
        res = simulate(sc, plan, replications=n, seed=7)
        s = contacts(sc, res).stats
        q = s[(s["setting"] == "queue") & (s["mixing"] == "cross_grade")].set_index("replication")["contacts"]
        return q.reindex(range(n), fill_value=0).to_numpy(float)

    sep, mix = cross_grade(separated), cross_grade(mixed)
    # replication r of both plans uses the same random numbers (common random numbers): pair them
    diff = mix - sep
    half = st.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n)
    assert diff.mean() - half > 0, (sep, mix)


@pytest.fixture(scope="module")
def boarding_day():
    overrides = {
        "classes": [
            {"id": "1-1", "grade": 1, "students": 20, "building": "Main", "floor": 1, "home_room": "R101"},
            {"id": "1-2", "grade": 1, "students": 22, "building": "Main", "floor": 1, "home_room": "R102"},
            {"id": "2-1", "grade": 2, "students": 21, "building": "Main", "floor": 2, "home_room": "R201"},
            {
                "id": "2-2",
                "grade": 2,
                "students": 26,
                "boarding": True,
                "building": "Main",
                "floor": 2,
                "home_room": "R202",
            },
        ],
        "policy": {"separate_boarders": False},
        "canteen": {"mode": "sittings", "tables": 12, "seats_per_table": 8, "seating_rule": "skip_a_seat"},
    }
    sc = load_scenario(TINY, overrides=overrides)
    plan = _plan(
        sc,
        {"2-1": 470, "2-2": 470, "1-1": 480, "1-2": 480},
        sittings={"2-1": 1, "2-2": 1, "1-1": 2, "1-2": 2},
    )
    res = simulate(sc, plan, replications=3, seed=3)
    return sc, res, contacts(sc, res)


def _queue_neighbours(trace, sid: str) -> set[str]:
    """Independently of exposure.queue: the students just ahead/behind in the lane with overlapping waits."""
    me = trace.set_index("student_id").loc[sid]
    lane = trace[(trace["gate"] == me["gate"]) & (trace["lane"] == me["lane"])]
    lane = lane.sort_values(["t_arrive", "t_service_start"]).reset_index(drop=True)
    i = int(np.flatnonzero(lane["student_id"].to_numpy() == sid)[0])
    out = set()
    for j in (i - 1, i + 1):
        if 0 <= j < len(lane):
            o = lane.iloc[j]
            lo = max(o["t_arrive"], me["t_arrive"])
            hi = min(o["t_service_start"], me["t_service_start"])
            if hi > lo:
                out.add(o["student_id"])
    return out


@pytest.mark.parametrize("sid", ["2-2-08", "1-1-05", "2-2-26"])
def test_tracing_returns_class_dorm_queue_neighbours_and_table(boarding_day, sid):
    sc, res, c = boarding_day
    t = c.close_contacts(sid)
    cid = sid.rsplit("-", 1)[0]
    cls = sc.class_by_id(cid)
    classmates = {f"{cid}-{k:02d}" for k in range(1, cls.students + 1)} - {sid}
    assert set(t.loc[t["setting"] == "room", "contact_id"]) == classmates
    if cls.boarding:
        number = int(sid.rsplit("-", 1)[1])
        d = (number - 1) // sc.policy.dorm_room_size
        size = sc.policy.dorm_room_size
        dorm = {f"{cid}-{k:02d}" for k in range(d * size + 1, min((d + 1) * size, cls.students) + 1)} - {sid}
        assert set(t.loc[t["setting"] == "dorm", "contact_id"]) == dorm
    else:
        assert not (t["setting"] == "dorm").any()
    queue = set(t.loc[t["setting"] == "queue", "contact_id"])
    table = set(t.loc[t["setting"] == "canteen", "contact_id"])
    for _rep, tr in res.traces():
        assert _queue_neighbours(tr, sid) <= queue
        me = tr.set_index("student_id").loc[sid]
        mates = tr[(tr["canteen_sitting"] == me["canteen_sitting"]) & (tr["table"] == me["table"])]
        assert set(mates["student_id"]) - {sid} <= table
    assert t.loc[t["setting"].isin(["room", "dorm"]), "close"].all()


def test_same_seed_same_contacts(boarding_day):
    sc, res, c = boarding_day
    again = contacts(sc, res)
    assert c.pairs.equals(again.pairs)
    assert c.summary().equals(again.summary())


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "120", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(SRC)},
    )


def test_cli_trace_writes_the_contact_list(tmp_path):
    sc = load_scenario(TINY)
    tt = tmp_path / "timetable.csv"
    tt.write_text(_plan(sc, {"2-1": 470, "2-2": 470, "1-1": 480, "1-2": 480}).to_csv_text(), encoding="utf-8")
    out = tmp_path / "sub" / "contacts.csv"
    r = _cli(
        "trace", str(TINY), "--plan", str(tt), "--student", "1-2-03", "-n", "2", "--seed", "4", "-o", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert "same class (room)" in r.stdout and "gate queue neighbour" in r.stdout
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {"contact_id", "setting", "minutes"} <= set(rows[0])
    assert {row["contact_id"] for row in rows if row["setting"] == "room"} == {
        f"1-2-{k:02d}" for k in range(1, 23) if k != 3
    }
    assert not list(out.parent.glob(".contacts.csv.*"))  # no temporary file left behind


def test_cli_trace_unknown_student_exits_2(tmp_path):
    sc = load_scenario(TINY)
    tt = tmp_path / "timetable.csv"
    tt.write_text(_plan(sc, {"2-1": 470, "2-2": 470, "1-1": 480, "1-2": 480}).to_csv_text(), encoding="utf-8")
    r = _cli("trace", str(TINY), "--plan", str(tt), "--student", "3-1-01", "-o", str(tmp_path / "c.csv"))
    assert r.returncode == 2
    assert "--student" in r.stderr and "3-1-01" in r.stderr and "CLASSID-NN" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "c.csv").exists()


def _integral_of_excess(join: np.ndarray, start: np.ndarray, k: int) -> float:
    """∫ max(L(t) − k, 0) dt for the number L(t) waiting in one line (joins +1, service starts −1)."""
    events = np.r_[join, start]
    steps = np.r_[np.ones(len(join)), -np.ones(len(start))]
    order = np.lexsort((-steps, events))  # at equal times, count the join before the start
    t, d = events[order], steps[order]
    level = np.cumsum(d)
    return float(np.sum(np.maximum(level[:-1] - k, 0) * np.diff(t)))


def test_queue_pair_minutes_equal_the_waiting_line_integrals():
    """Exact identities: in a FIFO line of L waiting people there are L−1 neighbour pairs, and
    max(L − places, 0) of them stand past the marked places. So, per lane, the pairs' minutes sum
    to ∫(L−1)⁺dt and their spilled minutes to ∫(L−places)⁺dt, computed here from the trace alone."""
    sc = load_scenario(
        TINY,
        overrides={
            "entrances": [
                {
                    "id": "gate",
                    "lanes": 2,
                    "staff": 2,
                    "service_time_s": {"dist": "lognormal", "mean": 30, "sd": 10},
                    "queue_length_m": 3,
                    "walk_m": {"Main": 40},
                }
            ]
        },
    )
    plan = _plan(sc, {"2-1": 470, "2-2": 470, "1-1": 480, "1-2": 480})
    res = simulate(sc, plan, replications=2, seed=11)
    spill_m = 0.5  # any spacing below the 1 m threshold and the 1 m markers: close minutes = spilled minutes
    c = contacts(sc, res, threshold_m=0.55, min_minutes=15.0, model=ContactModel(spill_spacing_m=spill_m))
    places = 3  # 3 m of queue at 1 m spacing
    for rep, tr in res.traces():
        q = c.pairs[(c.pairs["replication"] == rep) & (c.pairs["setting"] == "queue")]
        lane_of = tr.set_index("student_id")["lane"]
        pair_lane = q["b"].map(lane_of)
        for lane, sub in tr.groupby("lane"):
            join = sub["t_arrive"].to_numpy(float)
            start = sub["t_service_start"].to_numpy(float)
            mine = q[pair_lane == lane]
            assert mine["minutes"].sum() == pytest.approx(_integral_of_excess(join, start, 1), abs=1e-6)
            assert mine["close_minutes"].sum() == pytest.approx(
                _integral_of_excess(join, start, places), abs=1e-6
            )
        # not vacuous: the queue did spill past the markers
        assert q["close_minutes"].sum() > 0
