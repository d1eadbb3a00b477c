"""Advice that works: every change the explanation suggests, applied to the school as the sentence
says (editing the scenario file's content, validated like a user's edit), gives a plan; and the
reasons read in Chinese without English sentences."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import reopen_sim as rs
from reopen_sim.errors import InfeasibleError
from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.reasons import Reason
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.load import scenario_from_dict
from test_optimize_schools import gate, room, school

ROOT = Path(__file__).resolve().parents[1]
Row = tuple[str, int, int] | tuple[str, int, int, bool]  # a class: id, grade, students[, boarding]


def _grade7() -> dict[str, Any]:
    classes: list[Row] = [(f"{g}-{i}", g, 40) for g in (9, 8) for i in range(1, 6)]
    classes += [(f"7-{i}", 7, 42) for i in range(1, 11)]
    return school(
        classes,
        gates=[gate(g) for g in "ABCD"],
        rooms=[room(f"R{i}", 48) for i in range(22)],
        n_windows=3,
        policy={"arrival_order": [9, 8, 7]},
    )


def _boarders() -> dict[str, Any]:
    return school(
        [("8-1", 8, 60, True), ("8-2", 8, 60, True), ("7-1", 7, 40)],
        gates=[gate("DAY", open_to="day"), gate("BRD", open_to="boarders")],
        n_windows=2,
        policy={"arrival_order": [8, 7], "separate_boarders": True},
    )


def _pins() -> dict[str, Any]:
    return school(
        [("8-1", 8, 30), ("7-1", 7, 30)],
        gates=[gate("A"), gate("B")],
        pins=[
            {"class_id": "8-1", "gate": "A", "window_at": "07:10"},
            {"class_id": "7-1", "gate": "A", "window_at": "07:10"},
        ],
    )


def _pinned_room() -> dict[str, Any]:
    return school(
        [("10-1", 10, 50), ("10-2", 10, 40)],
        gates=[gate("A", lanes=6)],
        rooms=[room("R1", 48), room("R2", 48), room("LAB", 36, kind="lab")],
        pins=[{"class_id": "10-1", "rooms": ["R1"]}],
    )


def _canteen() -> dict[str, Any]:
    return school(
        [("7-1", 7, 40), ("7-2", 7, 40), ("7-3", 7, 40)],
        gates=[gate("A", lanes=4), gate("B", lanes=4)],
        canteen={"mode": "sittings", "tables": 15, "seats_per_table": 8, "max_sittings": 2},
    )


def _tiny_three_windows() -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "scenarios/tiny-school.yaml").read_text(encoding="utf-8"))
    raw["day"]["latest_arrival_at"] = "08:20"
    return dict(raw)


def _exit_squeeze() -> dict[str, Any]:
    # One gate of 1 lane lets out 1.2 m/s ÷ 1 m × 60 × 5 min = 360 students a dismissal slot; with
    # two slots and grade 7 leaving before grade 8, grade 8's 400 students must leave in one slot.
    classes: list[Row] = [(f"8-{i}", 8, 40) for i in range(1, 11)]
    classes += [(f"7-{i}", 7, 20) for i in range(1, 3)]
    return school(
        classes,
        gates=[gate("A", lanes=1, service_s=2.0, queue_m=200)],
        rooms=[room(f"R{i}", 48) for i in range(13)],
        n_windows=6,
        policy={"dismissal_order": [7, 8], "max_grades_per_gate_window": 2},
        dismissal_slots=2,
    )


SCHOOLS: dict[str, Callable[[], dict[str, Any]]] = {
    "grade7": _grade7,
    "boarders": _boarders,
    "pins": _pins,
    "pinned_room": _pinned_room,
    "canteen": _canteen,
    "tiny": _tiny_three_windows,
    "exit": _exit_squeeze,
}


def _build(raw: dict[str, Any]) -> rs.Scenario:
    return scenario_from_dict(raw, base_dir=ROOT / "scenarios")


def _suggestions(raw: dict[str, Any]) -> list[Reason]:
    with pytest.raises(InfeasibleError) as info:
        rs.optimize(_build(raw), time_limit_s=20)
    last = info.value.details[-1]
    assert isinstance(last, Reason)
    if last.key == "infeasible.no_single_fix":
        return []
    assert last.key == "infeasible.fixes"
    return list(last.fields["fixes"].items)


def _entrance(raw: dict[str, Any], gid: str) -> dict[str, Any]:
    return next(e for e in raw["entrances"] if e["id"] == gid)


def _merge(order: list[Any], a: tuple[int, ...], b: tuple[int, ...]) -> list[Any]:
    groups = [tuple(g) if isinstance(g, list) else (g,) for g in order]
    i = groups.index(a)
    assert groups[i + 1] == b
    return [list(g) for g in [*groups[:i], tuple(sorted({*a, *b})), *groups[i + 2 :]]]


def apply(raw: dict[str, Any], fix: Reason) -> dict[str, Any]:
    """Edit the scenario's content as the sentence says (written here, independently of the explainer)."""
    out = copy.deepcopy(raw)
    f, key = fix.fields, fix.key
    pol = out.setdefault("policy", {})
    if key == "fix.arrival_span":
        out["day"]["latest_arrival_at"] = f["at"]
    elif key in ("fix.gate_lanes", "fix.gate_lanes_one"):
        e = _entrance(out, f["gate"])
        e["lanes"], e["staff"] = max(e["lanes"], f["lanes"]), max(e["staff"], f["staff"])
    elif key in ("fix.exit_lanes", "fix.exit_lanes_one"):
        _entrance(out, f["gate"])["lanes"] = f["lanes"]
    elif key == "fix.grades_per_gate":
        pol["max_grades_per_gate_window"] = f["k"]
    elif key == "fix.boarders":
        pol["separate_boarders"] = False
    elif key == "fix.open_to":
        _entrance(out, f["gate"])["open_to"] = "all"
    elif key in ("fix.arrival_order_merge", "fix.dismissal_order_merge"):
        name = key.removeprefix("fix.").removesuffix("_merge")
        pol[name] = _merge(pol[name], f["a"].grades, f["b"].grades)
    elif key in ("fix.arrival_order_drop", "fix.dismissal_order_drop"):
        pol[key.removeprefix("fix.").removesuffix("_drop")] = []
    elif key == "fix.home_rooms":
        pol["keep_home_rooms"] = False
    elif key == "fix.canteen_sittings":
        out["canteen"]["max_sittings"] = f["k"]
    elif key == "fix.canteen_tables":
        out["canteen"]["tables"] = f["tables"]
    elif key == "fix.pin":
        out["pins"] = [p for p in out["pins"] if p["class_id"] != f["cls"]]
    elif key == "fix.group":
        out["groups"] = [g for g in out["groups"] if g["id"] != f["group"]]
    elif key in ("fix.rooms", "fix.rooms_one"):
        seats = derived(_build(raw)).room_seats
        model = next(r for r in out["rooms"] if seats[r["id"]] == f["seats"])
        n = f.get("n", 1)
        out["rooms"] += [{**model, "id": f"NEW{k}"} for k in range(n)]
    else:
        raise AssertionError(f"no edit known for {key}")
    return out


@pytest.mark.parametrize("name", sorted(SCHOOLS))
def test_every_suggested_change_gives_a_plan(name: str) -> None:
    raw = SCHOOLS[name]()
    fixes = _suggestions(raw)
    assert fixes, "an explanation with no advice"
    for fix in fixes:
        changed = _build(apply(raw, fix))
        plan = rs.optimize(changed, time_limit_s=20)
        assert check_plan(changed, plan) == [], str(fix)


def test_chinese_reasons_have_no_english_sentences() -> None:
    with pytest.raises(InfeasibleError) as info:
        rs.optimize(_build(_grade7()), time_limit_s=20)
    zh = info.value.render(load_catalogue("zh"))
    assert "初三须在初二之前的时段到校" in zh
    assert "在 A 门增加 2 条通道及相应人员" in zh
    for english in ("cannot pass", "These rules clash", "Any one of these", "Grade ", "students"):
        assert english not in zh
    assert str(info.value).startswith("No plan fits this school (INFEASIBLE):")  # str() stays English


def test_plan_command_explains_in_the_users_language(tmp_path: Path) -> None:
    school_file = tmp_path / "tiny.yaml"
    school_file.write_text(yaml.safe_dump(_tiny_three_windows(), allow_unicode=True), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", "plan", str(school_file), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"LANG": "zh_CN.UTF-8", "PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 1
    assert "以下规则互相冲突" in proc.stderr
    assert "允许到校时间延长到 08:30" in proc.stderr
    assert "These rules clash" not in proc.stderr and "Any one of these" not in proc.stderr
