"""What-ifs in one line: each edit equals the same change made by hand in the scenario file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

import reopen_sim as rs
from reopen_sim.i18n import load_catalogue
from reopen_sim.scenario.whatif import apply_what_if

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """junior-middle.yaml as its author wrote it."""
    data: dict[str, Any] = yaml.safe_load((SCENARIOS / "junior-middle.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def sc() -> rs.Scenario:
    return rs.load_scenario(SCENARIOS / "junior-middle.yaml")


def by_hand(sc: rs.Scenario, raw: dict[str, Any], edit: Any) -> rs.Scenario:
    data = copy.deepcopy(raw)
    edit(data)
    out = rs.scenario_from_dict(data, file="by hand", base_dir=SCENARIOS)
    return out.model_copy(update={"source_path": sc.source_path, "source_sha256": None})


def test_gate_closed_with_its_pins_released(sc: rs.Scenario, raw: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["entrances"] = [{**e, "lanes": 3, "staff": 3} for e in d["entrances"] if e["id"] != "west"]
        d["pins"] = [p for p in d["pins"] if p["gate"] != "west"]

    with pytest.raises(rs.InputError):  # three gates of two lanes cannot screen everyone in time
        sc.with_gate_closed("west", pins="release")
    got = sc.with_lanes(3).with_gate_closed("west", pins="release")
    assert got == by_hand(sc, raw, edit)
    assert [e.id for e in got.entrances] == ["front", "east", "north"]
    assert sc.entrance_by_id("west")  # the original is unchanged


def test_closing_a_pinned_gate_is_refused_naming_the_edit(sc: rs.Scenario) -> None:
    with pytest.raises(rs.InputError) as exc:
        sc.with_gate_closed("west")
    issue = exc.value.issues[0]
    assert issue.file == "what-if with_gate_closed('west')"
    assert "7-7" in issue.expected and "7-8" in issue.expected
    zh = issue.render(load_catalogue("zh"))
    assert "7-7" in zh and "pinned" not in zh


def test_unknown_gate_and_grade_are_refused(sc: rs.Scenario) -> None:
    with pytest.raises(rs.InputError) as exc:
        sc.with_gate_closed("south")
    assert exc.value.issues[0].value == "south"
    assert "front" in exc.value.issues[0].expected
    with pytest.raises(rs.InputError) as exc:
        sc.with_grades([9, 12])
    assert exc.value.issues[0].value == "12" and exc.value.issues[0].key == "whatif_grades"


def test_grades(sc: rs.Scenario, raw: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["roster"] = None
        del d["roster"]
        d["classes"] = [c.model_dump() for c in sc.classes if c.grade in (8, 9)]
        d["pins"] = [p for p in d["pins"] if not p["class_id"].startswith("7-")]
        d["policy"]["arrival_order"] = [9, 8]
        d["policy"]["dismissal_order"] = [8, 9]

    got = sc.with_grades([9, 8])
    assert got == by_hand(sc, raw, edit)
    assert got.grades == (8, 9)


def test_screening_method_brings_its_time(sc: rs.Scenario, raw: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        for e in d["entrances"]:
            e["screening_method"] = "thermal_kiosk"
            del e["service_time_s"]

    got = sc.with_screening(method="thermal_kiosk")
    assert got == by_hand(sc, raw, edit)
    assert {e.service_time_s.mean_value for e in got.entrances} == {3.0}


def test_screening_time_at_some_gates(sc: rs.Scenario, raw: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        for e in d["entrances"]:
            if e["id"] in ("front", "east"):
                e["service_time_s"] = {"dist": "lognormal", "mean": 12.0, "sd": 4.0}

    got = sc.with_screening(service_time_s=12, gates=["front", "east"])
    assert got == by_hand(sc, raw, edit)


def test_spacing_arrivals_lanes_and_any_path_chain(sc: rs.Scenario, raw: dict[str, Any]) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["policy"]["queue_spacing_m"] = 1.5
        d["day"]["latest_arrival_at"] = "07:30"
        d["day"]["first_class_at"] = "07:40"
        for e in d["entrances"]:
            e["lanes"] = 3
            e["staff"] = 3
        d["entrances"][1]["lanes"] = 4
        d["policy"]["target_utilisation"] = 0.8

    got = (
        sc.with_spacing(queue_m=1.5)
        .with_("day.first_class_at", "07:40")
        .with_arrivals(latest="07:30")
        .with_lanes(3)
        .with_("entrances[east].lanes", 4)
        .with_("policy.target_utilisation", 0.8)
    )
    assert got == by_hand(sc, raw, edit)


def test_an_edit_that_breaks_a_rule_is_an_input_error(sc: rs.Scenario) -> None:
    with pytest.raises(rs.InputError) as exc:
        sc.with_arrivals(latest="07:25")  # 35 minutes is not whole 10-minute windows
    assert exc.value.issues[0].file == "what-if with_arrivals(latest='07:25')"
    with pytest.raises(rs.InputError) as exc:
        sc.with_("entrances[south].lanes", 3)
    assert exc.value.issues[0].key == "whatif_path"
    with pytest.raises(rs.InputError):
        sc.with_spacing(queue_m=0.1)


def test_apply_what_if_is_the_same_edits(sc: rs.Scenario) -> None:
    spec = {
        "grades": [8, 9],
        "close_gates": ["west"],
        "screening": {"method": "thermal_kiosk"},
        "spacing": {"queue_m": 1.5},
    }
    got = apply_what_if(sc, spec, name="kiosks")
    want = (
        sc.with_grades([8, 9])
        .with_gate_closed("west", pins="release")
        .with_screening("thermal_kiosk")
        .with_spacing(1.5)
    )
    assert got == want
    with pytest.raises(rs.InputError) as exc:
        apply_what_if(sc, {"close_gate": ["west"]}, name="typo")
    assert exc.value.issues[0].file == "what-if 'typo'"
