"""Plans certified by simulation (``optimize(certify=N)``, ``plan --certify N``), in both directions,
on one-gate schools built in the test; every verdict is checked again on mornings the certification
never saw (a seed of its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import reopen_sim as rs
from cli_support import run_cli
from reopen_sim.optimizer.certify import evaluate, window_limits
from reopen_sim.optimizer.check import check_plan
from reopen_sim.plan import Plan
from reopen_sim.scenario.build import scenario_from_dict
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario

UNSEEN_SEED = 424_242  # neither the search seed nor the certificate's fresh seed
N = 20


def school_dict(
    classes: int,
    size: int,
    service_time_s: dict[str, Any],
    queue_m: float,
    *,
    utilisation: float = 0.85,
    spread: str = "uniform",
    bus: bool = False,
) -> dict[str, Any]:
    """One gate, ``classes`` classes of ``size`` in one grade, 10-minute windows 07:00–09:00."""
    ids = [f"1-{k + 1}" for k in range(classes)]
    raw: dict[str, Any] = {
        "school": {"name": "Certification test school", "kind": "primary"},
        "day": {
            "earliest_arrival_at": "07:00",
            "latest_arrival_at": "09:00",
            "window_min": 10,
            "first_class_at": "10:00",
            "dismissal_start_at": "16:00",
            "dismissal_slots": 1,
        },
        "policy": {
            "queue_spacing_m": 1.0,
            "target_utilisation": utilisation,
            "arrival_behaviour": {"early_share": 0.0, "late_share": 0.0, "spread": spread},
            "fever": {"flagged_share": 0.0},
        },
        "classes": [
            {"id": c, "grade": 1, "students": size, "building": "Main", "floor": 1, "home_room": f"R{c}"}
            for c in ids
        ],
        "entrances": [
            {
                "id": "gate",
                "lanes": 1,
                "staff": 1,
                "service_time_s": service_time_s,
                "queue_length_m": queue_m,
                "walk_m": {"Main": 40},
            }
        ],
        "rooms": [
            {
                "id": f"R{c}",
                "building": "Main",
                "floor": 1,
                "area_m2": 200,
                "desk_grid": {"rows": 12, "cols": 12},
            }
            for c in ids
        ],
        "canteen": {"mode": "delivered"},
    }
    if bus:
        raw["groups"] = [{"id": "bus", "classes": ids, "kind": "bus"}]
    return raw


def holds_unseen(sc: Scenario, plan: Plan) -> bool:
    """The service level judged on mornings the certification never simulated."""
    return evaluate(sc, plan, N, UNSEEN_SEED, sc.policy.service_level).met(sc.policy.service_level)


def test_optimistic_static_capacity_is_tightened_until_the_simulation_meets_the_service_level() -> None:
    # Screening times as variable as their mean (lognormal, cv 1), 4 marked places and pupils who
    # crowd the middle of their window: the static queueing formula (arrivals spread evenly) lets 82
    # pupils through a window; simulated, their queue breaks the markings.
    sc = scenario_from_dict(
        school_dict(8, 20, {"dist": "lognormal", "mean": 4, "sd": 4}, 4, spread="triangular")
    )
    static = rs.optimize(sc, time_limit_s=10)
    plan = rs.optimize(sc, time_limit_s=10, certify=N)
    c = plan.meta["certificate"]
    assert c["rounds"][0]["kind"] == "static" and c["rounds"][0]["met"] is False
    assert c["met"] is True
    assert any(f < 1 for f in c["capacity_scale"].values())
    assert c["gained"]["key"] == "certify.gained.later"
    assert plan.meta["terms"]["last_window"] > static.meta["terms"]["last_window"]
    # On unseen mornings the static plan breaks the service level and the certified one keeps it.
    assert not holds_unseen(sc, static)
    assert holds_unseen(sc, plan)
    # The simulation's own per-gate figures agree: the p95 queue's upper bound is within the places.
    summary = rs.simulate(sc, plan, replications=N, seed=UNSEEN_SEED).gate_summary()
    gate = summary[summary["gate"] == "gate"].iloc[0]
    assert gate["p95_queue_people_hi"] <= derived(sc).queue_places[0]
    assert check_plan(sc, plan, window_limits(plan)) == []


def test_cautious_static_margin_gives_an_earlier_ending_certified_plan() -> None:
    # Deterministic 6 s screening at 60 % target utilisation: the gate could take far more.
    sc = scenario_from_dict(school_dict(12, 30, {"dist": "deterministic", "value": 6}, 30, utilisation=0.6))
    static = rs.optimize(sc, time_limit_s=10)
    plan = rs.optimize(sc, time_limit_s=10, certify=N)
    c = plan.meta["certificate"]
    assert c["met"] is True
    assert c["gained"]["key"] == "certify.gained.earlier"
    assert plan.meta["terms"]["last_window"] < static.meta["terms"]["last_window"]
    assert holds_unseen(sc, plan)
    # Never above the physical throughput of the window (10 a minute × 10 minutes).
    loads: dict[int, int] = {}
    for a in plan.assignments:
        loads[a.arrival_start_min] = loads.get(a.arrival_start_min, 0) + a.students
    assert max(loads.values()) <= 100
    assert max(loads.values()) > derived(sc).gate_window[0]  # the gate is used harder than static
    assert check_plan(sc, plan, window_limits(plan)) == []
    assert check_plan(sc, plan)  # ... which the static rule alone reports


def test_a_school_that_cannot_meet_the_service_level_is_told_which_gate_window_and_why() -> None:
    # One marked place, slow screening, and the two classes come together on one bus: every pupil
    # joins the queue within a minute, so no capacity of the window keeps the queue to one place.
    sc = scenario_from_dict(school_dict(2, 2, {"dist": "lognormal", "mean": 30, "sd": 30}, 1, bus=True))
    plan = rs.optimize(sc, time_limit_s=10, certify=N)
    c = plan.meta["certificate"]
    assert c["met"] is False
    assert c["unmet_reasons"]
    text = c["unmet_reasons"][0]["text"]
    window = (
        f"{plan.assignments[0].arrival_start_min // 60:02d}:{plan.assignments[0].arrival_start_min % 60:02d}"
    )
    assert "Gate gate" in text and window in text and "marked places" in text
    assert not holds_unseen(sc, plan)


def test_plan_certify_writes_the_certificate_and_the_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    school_yaml = tmp_path / "school.yaml"
    raw = school_dict(12, 30, {"dist": "deterministic", "value": 6}, 30, utilisation=0.6)
    school_yaml.write_text(yaml.safe_dump(raw), encoding="utf-8")
    texts = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        res = run_cli("plan", str(school_yaml), "-o", str(out), "--certify", "5", columns=300)
        assert res.returncode == 0, res.stderr
        assert (out / "timetable.csv").exists()
        texts.append((out / "certificate.json").read_text(encoding="utf-8"))
    assert texts[0] == texts[1]
    cert = yaml.safe_load(texts[0])  # JSON is YAML
    assert cert["met"] is True and cert["rounds"] and cert["gates"][0]["gate"] == "gate"
    assert "wall" not in texts[0]


def test_run_certifies_the_optimized_plan_and_the_report_shows_it(tmp_path: Path) -> None:
    school_yaml = tmp_path / "school.yaml"
    raw = school_dict(12, 30, {"dist": "deterministic", "value": 6}, 30, utilisation=0.6)
    school_yaml.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = tmp_path / "report"
    res = run_cli("run", str(school_yaml), "-o", str(out), "-n", "5", "--time-limit", "10", columns=300)
    assert res.returncode == 0, res.stderr
    assert "Certified over 5 simulated mornings" in res.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Certified by simulation" in html and "earlier" in html
    run = yaml.safe_load((out / "run.json").read_text(encoding="utf-8"))
    assert run["plans"]["optimized"]["certificate"]["met"] is True
    assert run["check_plan_violations"] == []  # checked against the limits it was certified at
