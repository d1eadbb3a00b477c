"""Every report path survives a gate, sitting, room or window that nobody uses.

A realistic case first: a 24-class primary school with a wide main gate and a side gate too narrow
for any class (one manual lane screens fewer students in a window than the smallest class), so every
plan sends nobody through it; ``run`` must write every document in English and Chinese. Then the
school generator's variants, each given an extra unused gate, window and sitting, with a staggered
plan and the baseline (which leaves most windows, sittings and spare rooms empty).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

import reopen_sim as rs
from cli_support import run_cli
from reopen_sim.generate import generate_school
from reopen_sim.plan import Plan
from reopen_sim.report.write import figure_names, write_report
from reopen_sim.scenario import capacity as cap

DOCUMENTS = (
    "report.html",
    "notices_parents.html",
    "notices_staff.html",
    "timetable.csv",
    "timetable.xlsx",
    "comparison.csv",
    "run.json",
)


def primary_with_narrow_side_gate() -> dict[str, Any]:
    """24 classes of ~40; main gate: 6 thermal-kiosk lanes; side gate: 1 manual lane (30 s a person)."""
    raw = generate_school(3, n_classes=24, n_students=24 * 40, n_gates=2, kind="primary", name="实验小学")
    main, side = raw["entrances"]
    main.update(
        name="正门",
        lanes=6,
        staff=6,
        screening_method="thermal_kiosk",
        service_time_s={"dist": "lognormal", "mean": 3.0, "sd": 1.0},
    )
    side.update(
        name="侧门",
        lanes=1,
        staff=2,
        queue_length_m=10.0,
        screening_method="manual_thermometer",
        service_time_s={"dist": "lognormal", "mean": 30.0, "sd": 10.0},
    )
    return raw


def _assert_documents(out: Path, sc: rs.Scenario) -> None:
    for name in DOCUMENTS:
        assert (out / name).is_file(), name
    for name in figure_names(sc):
        assert (out / "figures" / f"{name}.svg").is_file(), name
    json.loads((out / "run.json").read_text(encoding="utf-8"))
    load_workbook(out / "timetable.xlsx")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_with_a_gate_nobody_uses(tmp_path: Path, lang: str) -> None:
    raw = primary_with_narrow_side_gate()
    path = tmp_path / "school.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    sc = rs.load_scenario(path)
    side = sc.entrances[1]
    # The premise: the side gate screens fewer students in a window than the smallest class.
    per_window = cap.gate_window_capacity(side, sc.policy, sc.day.window_min)
    assert per_window < min(c.students for c in sc.classes)
    out = tmp_path / "out"
    res = run_cli("run", str(path), "-o", str(out), "-n", "2", "--time-limit", "10", "--lang", lang)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    _assert_documents(out, sc)
    plan = rs.read_timetable(out / "timetable.csv", sc)
    assert side.id not in {a.gate for a in plan.assignments}
    staff = (out / "notices_staff.html").read_text(encoding="utf-8")
    assert "侧门" in staff  # the unused gate still gets its (empty) duty page
    from reopen_sim.i18n import load_catalogue

    report = (out / "report.html").read_text(encoding="utf-8")
    assert load_catalogue(lang)("summary.unused") in report


def _with_unused_parts(raw: dict[str, Any]) -> dict[str, Any]:
    """Add a far, narrow gate, one more arrival window and (with a canteen) one more sitting."""
    raw = json.loads(json.dumps(raw))
    buildings = {r["building"] for r in raw["rooms"]}
    raw["entrances"].append(
        {
            "id": "GX",
            "name": '=HYPERLINK("http://x","unused")',
            "lanes": 1,
            "staff": 2,
            "walk_m": {b: 4000.0 for b in buildings},
        }
    )
    h, m = map(int, raw["day"]["latest_arrival_at"].split(":"))
    raw["day"]["latest_arrival_at"] = f"{h + (m + 10) // 60:02d}:{(m + 10) % 60:02d}"
    if raw["canteen"]["mode"] == "sittings":
        raw["canteen"]["max_sittings"] += 1
    return raw


def _staggered(plan: Plan, sc: rs.Scenario) -> Plan:
    """The baseline with classes spread over every window but the last (which stays unused)."""
    n = max(1, sc.day.n_windows - 1)
    out = []
    for i, a in enumerate(sorted(plan.assignments, key=lambda a: a.class_id)):
        start = sc.day.window_start_min(i % n)
        out.append(dataclasses.replace(a, arrival_start_min=start, arrival_end_min=start + sc.day.window_min))
    return Plan(tuple(out), meta={"source": "test"})


VARIANTS = [
    ("primary", 0.0, None),
    ("junior_middle", 0.0, None),
    ("junior_middle", 0.4, None),
    ("high", 0.6, True),
    ("nine_year", 0.0, False),
]


@pytest.mark.parametrize(("kind", "boarding", "canteen"), VARIANTS)
def test_generated_schools_with_unused_parts(
    tmp_path: Path, kind: str, boarding: float, canteen: bool | None
) -> None:
    raw = generate_school(11, n_students=320, kind=kind, boarding_share=boarding, canteen=canteen)  # type: ignore[arg-type]
    sc = rs.scenario_from_dict(_with_unused_parts(raw))
    base = rs.baseline_plan(rs.scenario_from_dict(raw))
    plans = {"baseline": base, "optimized": _staggered(base, sc)}
    assert "GX" not in {a.gate for p in plans.values() for a in p.assignments}
    cmp = rs.compare(sc, plans, replications=2, seed=3)
    for lang in ("en", "zh"):
        out = write_report(sc, cmp, tmp_path / lang, lang=lang)
        _assert_documents(out, sc)
