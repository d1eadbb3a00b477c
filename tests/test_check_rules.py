"""The rule registry: every hard rule has a model function, a checker function and a hand-edited
timetable that breaks it alone, which ``check_plan`` reports by the rule's name and nothing else.

A rule added to ``optimizer/rules.py`` without all three fails here. The timetables are the CSV an
administrator saves: a sound one written by hand, then one or two cells changed (or a row deleted or
pasted twice), read back the way ``reopen-sim check`` reads it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from cli_support import run_cli
from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer import check, model
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.rules import REGISTRY, RuleKey
from reopen_sim.plan import read_timetable
from reopen_sim.scenario.schema import Scenario
from test_optimize_schools import build, gate, room, school

POLICY: dict[str, Any] = {
    "arrival_order": [8, 7],
    "dismissal_order": [7, 8],
    "separate_boarders": True,
    "max_rooms_per_class": 2,
    "walking_speed_m_s": 0.1,  # 6 a minute a lane leave: 60 a 5-minute slot at a 2-lane gate
}


def scenario_data(**policy: Any) -> dict[str, Any]:
    """Two grades in order, boarders with their own gate, a slow all-groups gate A (51 a window),
    a canteen of 112 seats a sitting, a home room, a pinned room and a bus group."""
    data = school(
        [("8-1", 8, 20, True), ("8-2", 8, 30), ("7-1", 7, 60), ("7-2", 7, 30), ("7-3", 7, 20)],
        gates=[gate("D", open_to="day"), gate("B", open_to="boarders"), gate("A", service_s=20.0)],
        rooms=[*(room(f"R{i}", 48) for i in range(1, 7)), room("LAB", 36, kind="lab")],
        n_windows=3,
        policy={**POLICY, **policy},
        canteen={"mode": "sittings", "tables": 28, "seats_per_table": 8, "max_sittings": 2},
        pins=[{"class_id": "7-2", "rooms": ["R4"]}],
        groups=[{"id": "bus", "classes": ["7-1", "7-2"], "kind": "bus"}],
    )
    data["classes"][0]["home_room"] = "R1"
    return data


SOUND_CSV = """\
class_id,grade,students,boarding,arrival_start,arrival_end,gate,rooms,canteen_sitting,dismissal_time
8-1,8,20,yes,07:00,07:10,B,R1,1,16:10
8-2,8,30,no,07:00,07:10,D,R2,1,16:10
7-2,7,30,no,07:10,07:20,A,R4,2,16:05
7-1,7,60,no,07:10,07:20,D,R3;LAB,2,16:00
7-3,7,20,no,07:10,07:20,D,R5,2,16:05
"""


@dataclass(frozen=True)
class Edit:
    """What the administrator changed: cells per class, rows deleted or pasted twice; ``policy``
    changes the school (for a rule another rule would otherwise hide)."""

    cells: dict[str, dict[str, str]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    repeat: tuple[str, ...] = ()
    policy: dict[str, Any] = field(default_factory=dict)

    def apply(self, text: str) -> str:
        rows = list(csv.DictReader(io.StringIO(text)))
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        for row in rows:
            if row["class_id"] in self.drop:
                continue
            row.update(self.cells.get(row["class_id"], {}))
            w.writerow(row)
            if row["class_id"] in self.repeat:
                w.writerow(row)
        return out.getvalue()


# Each case: the rule it breaks alone, the edit, and words the message must hold.
CASES: list[tuple[RuleKey, Edit, list[str]]] = [
    (RuleKey.CLASSES, Edit(drop=("7-3",)), ["7-3 (20 students) has no row"]),
    (RuleKey.CLASSES, Edit(repeat=("7-3",)), ["7-3 appears more than once"]),
    (RuleKey.CLASS_DATA, Edit(cells={"7-3": {"students": "21"}}), ["21 students instead of 20"]),
    (RuleKey.WINDOW, Edit(cells={"7-3": {"arrival_start": "07:05", "arrival_end": "07:15"}}), ["07:05"]),
    (RuleKey.WINDOW, Edit(cells={"7-3": {"arrival_end": "07:30"}}), ["should end at 07:20"]),
    (RuleKey.GATE, Edit(cells={"7-3": {"gate": "Z"}}), ["'Z'", "does not exist"]),
    (RuleKey.OPEN_TO, Edit(cells={"7-1": {"gate": "B"}}), ["open to boarders only"]),
    (RuleKey.GATE_CAPACITY, Edit(cells={"7-1": {"gate": "A"}}), ["Gate A, 07:10–07:20: 90 students", "51"]),
    (
        RuleKey.GRADES_PER_GATE,
        # With both grades in one arrival group, grade 7 may come at 07:00, but not at 8-2's gate.
        Edit(
            cells={"7-3": {"arrival_start": "07:00", "arrival_end": "07:10"}},
            policy={"arrival_order": [[8, 7]]},
        ),
        ["2 grades (7, 8) share the gate"],
    ),
    (RuleKey.BOARDERS, Edit(cells={"8-1": {"gate": "A"}, "8-2": {"gate": "A"}}), ["boarders (8-1)", "(8-2)"]),
    (RuleKey.ROOMS, Edit(cells={"7-3": {"rooms": "R9"}}), ["R9", "do not exist"]),
    (RuleKey.ROOMS, Edit(cells={"7-3": {"rooms": "R4"}}), ["Room R4 is used by 2 classes (7-2, 7-3)"]),
    (RuleKey.ROOM_CAPACITY, Edit(cells={"7-1": {"rooms": "R3"}}), ["puts 60 in room R3, which seats 48"]),
    (RuleKey.HOME_ROOM, Edit(cells={"8-1": {"rooms": "R6"}}), ["not its home room R1"]),
    (RuleKey.CANTEEN, Edit(cells={"7-3": {"canteen_sitting": "3"}}), ["sitting 3", "1–2"]),
    (
        RuleKey.ARRIVAL_ORDER,
        Edit(cells={"8-2": {"arrival_start": "07:20", "arrival_end": "07:30"}}),
        ["Grade 8 must arrive before grade 7", "8-2 arrives at 07:20"],
    ),
    (RuleKey.DISMISSAL, Edit(cells={"7-3": {"dismissal_time": "16:02"}}), ["16:02", "not a dismissal slot"]),
    (
        RuleKey.DISMISSAL_ORDER,
        Edit(cells={"8-2": {"dismissal_time": "16:05"}}),
        ["Grade 7 must leave before grade 8"],
    ),
    (
        RuleKey.EXIT,
        Edit(cells={"7-3": {"dismissal_time": "16:00"}}),
        ["Gate D at 16:00: 80 students", "lets out 60"],
    ),
    (RuleKey.PIN, Edit(cells={"7-2": {"rooms": "R6"}}), ["rooms R6 instead of R4"]),
    (
        RuleKey.GROUP,
        Edit(cells={"7-2": {"arrival_start": "07:20", "arrival_end": "07:30"}}),
        ["Arrival group bus", "7-1 at 07:10", "7-2 at 07:20"],
    ),
]


def read_back(tmp_path: Path, sc: Scenario, text: str) -> list[check.Violation]:
    path = tmp_path / "timetable.csv"
    path.write_text(text, encoding="utf-8")
    return check_plan(sc, read_timetable(path, sc))


@pytest.mark.parametrize("rule", list(REGISTRY), ids=[r.key.value for r in REGISTRY])
def test_every_rule_is_on_both_sides_or_says_why(rule: Any) -> None:
    assert callable(getattr(check, rule.check_fn, None)), f"no checker function {rule.check_fn}"
    assert rule.check_fn == f"check_{rule.key.value}"
    if rule.model_fn is None:
        assert rule.one_sided and rule.one_sided.startswith("checker only: "), rule
    else:
        assert rule.model_fn.startswith("add_")
        assert callable(getattr(model, rule.model_fn, None)), f"no model function {rule.model_fn}"
    assert any(key == rule.key for key, _, _ in CASES), f"no hand-edited timetable breaks {rule.key} alone"


def test_every_hard_rule_of_the_model_is_in_the_registry() -> None:
    listed = {r.model_fn for r in REGISTRY}
    assert {fn.__name__ for fn in model.HARD_RULES} <= listed


@pytest.mark.parametrize(
    ("rule", "edit", "words"), CASES, ids=[f"{k.value}-{i}" for i, (k, _, _) in enumerate(CASES)]
)
def test_a_hand_edit_breaking_one_rule_is_reported_by_that_rule_alone(
    tmp_path: Path, rule: RuleKey, edit: Edit, words: list[str]
) -> None:
    sc = build(scenario_data(**edit.policy))
    assert read_back(tmp_path, sc, SOUND_CSV) == []
    found = read_back(tmp_path, sc, edit.apply(SOUND_CSV))
    assert {v.rule for v in found} == {rule}, found
    msg = " ".join(v.message for v in found)
    for w in words:
        assert w in msg, msg
    # The same finding in Chinese: catalogue text, no English sentence left.
    zh = load_catalogue("zh")
    for v in found:
        text = v.render(zh)
        assert text.startswith(f"[{rule}] ") and text != str(v)
        assert not any(w in text for w in ("Class ", "Gate ", "students", "instead of", "must ")), text


def test_check_in_chinese_reports_a_missing_class_as_a_finding(tmp_path: Path) -> None:
    school_yaml = tmp_path / "school.yaml"
    import yaml

    school_yaml.write_text(yaml.safe_dump(scenario_data(), allow_unicode=True), encoding="utf-8")
    csv_path = tmp_path / "timetable.csv"
    csv_path.write_text(Edit(drop=("7-3",), cells={"7-1": {"gate": "A"}}).apply(SOUND_CSV), encoding="utf-8")
    res = run_cli("check", str(school_yaml), str(csv_path), "--lang", "zh")
    assert res.returncode == 1, res.stderr
    assert "[classes] 班级 7-3（20 人）在计划中没有对应的行。" in res.stderr
    assert "[gate_capacity] 校门 A" in res.stderr and "违反 2 条规则" in res.stderr
    assert "Traceback" not in res.stderr
    en = run_cli("check", str(school_yaml), str(csv_path), "--lang", "en")
    assert "[classes] Class 7-3 (20 students) has no row in the plan." in en.stderr
