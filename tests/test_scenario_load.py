"""Loading scenarios: bundled schools load; every error class gives the exact message users see."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from reopen_sim.errors import InputError
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.scenario.schema import Scenario

BUNDLED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
SCHOOLS = [p for p in BUNDLED if not p.name.startswith("district")]


def messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data, file="school.yaml")
    return [str(i) for i in info.value.issues]


@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.name)
def test_bundled_scenarios_load(path: Path) -> None:
    sc = load_scenario(path)
    assert isinstance(sc, Scenario)
    assert sc.n_students == sum(c.students for c in sc.classes) > 0
    assert sc.source_sha256 is not None and len(sc.source_sha256) == 64


def test_bundled_schools_match_domain_shapes(scenarios_dir: Path) -> None:
    primary = load_scenario(scenarios_dir / "primary-school.yaml")
    assert primary.grades == (1, 2, 3, 4, 5, 6) and len(primary.entrances) == 2
    assert 1100 <= primary.n_students <= 1300
    junior = load_scenario(scenarios_dir / "junior-middle.yaml")
    assert junior.grades == (7, 8, 9) and len(junior.classes) == 24
    assert len(junior.entrances) == 4 and all(e.staff == 2 for e in junior.entrances)
    assert [w for w in range(junior.day.n_windows)] == [0, 1, 2]  # 06:50 / 07:00 / 07:10
    high = load_scenario(scenarios_dir / "high-school.yaml")
    assert 3400 <= high.n_students <= 3800
    assert {e.open_to.value for e in high.entrances} == {"boarders", "day"}
    assert high.canteen.mode == "sittings"
    from reopen_sim.scenario.capacity import room_capacity

    classroom = max(room_capacity(r, high.policy) for r in high.rooms)
    assert any(c.students > classroom for c in high.classes)  # some classes must be split


def test_unknown_key_names_known_fields(base: dict[str, Any]) -> None:
    base["entrances"][0]["lanse"] = 2
    assert messages(base) == [
        "school.yaml: entrances[0].lanse: got '2'; expected no such field (known fields: id, name, "
        "lanes, staff, screening_method, service_time_s, queue_length_m, open_to, walk_m, node)"
    ]


def test_wrong_type(base: dict[str, Any]) -> None:
    base["classes"][0]["students"] = "many"
    assert messages(base) == ["school.yaml: classes[0].students: got 'many'; expected a whole number"]


def test_negative_value(base: dict[str, Any]) -> None:
    base["rooms"][1]["area_m2"] = -5
    assert messages(base) == ["school.yaml: rooms[1].area_m2: got '-5'; expected a number > 0.0"]


def test_absurd_value(base: dict[str, Any]) -> None:
    base["classes"][1]["students"] = 500
    assert messages(base) == ["school.yaml: classes[1].students: got '500'; expected a number <= 120"]


def test_bad_time_of_day(base: dict[str, Any]) -> None:
    base["day"]["latest_arrival_at"] = "7:75"
    assert messages(base) == [
        "school.yaml: day.latest_arrival_at: got '7:75'; expected a time of day as HH:MM, e.g. 07:50"
    ]


def test_bad_distribution(base: dict[str, Any]) -> None:
    base["entrances"][0]["service_time_s"] = {"dist": "gamma", "mean": 3}
    assert messages(base) == [
        "school.yaml: entrances[0].service_time_s: expected dist: one of exponential, lognormal, "
        "deterministic, empirical"
    ]


def test_window_grid(base: dict[str, Any]) -> None:
    base["day"]["latest_arrival_at"] = "07:55"
    assert messages(base) == [
        "school.yaml: day: expected an arrival span (07:50–07:55, 5 min) that is a whole number of windows of "
        "window_min = 10 min"
    ]


def test_broken_cross_reference(base: dict[str, Any]) -> None:
    base["pins"] = [{"class_id": "1-1", "rooms": ["R9"], "gate": "Z"}, {"class_id": "9-9"}]
    assert messages(base) == [
        "school.yaml: pins[0].gate: got 'Z'; expected the id of an entrance (A)",
        "school.yaml: pins[0].rooms: got 'R9'; expected the id of a room in rooms",
        "school.yaml: pins[1].class_id: got '9-9'; expected the id of a class",
    ]


def test_duplicate_ids(base: dict[str, Any]) -> None:
    base["rooms"][1]["id"] = "R1"
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 50})
    assert messages(base) == [
        "school.yaml: rooms[1].id: got 'R1'; expected a unique id (used twice in rooms)"
    ]  # the second use is the one to fix


def test_class_larger_than_every_room_without_splitting(base: dict[str, Any]) -> None:
    base["classes"][0]["students"] = 30
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 50, "desk_grid": {"rows": 5, "cols": 5}})
    base["policy"] = {"allow_split_classes": False}
    assert messages(base) == [
        "school.yaml: classes[0].students: got '30'; expected at most 25 students: the largest room (R1) "
        "holds 25 under the distancing rule and splitting is off; allow split classes "
        "(policy.allow_split_classes: true) or add a larger room"
    ]


def test_more_students_than_gates_can_screen(base: dict[str, Any]) -> None:
    base["classes"].append({"id": "3-1", "grade": 3, "students": 80})
    base["rooms"].append({"id": "R3", "building": "Main", "area_m2": 200})
    # Gate A: 2 lanes x 2/min x 10 min x 0.85 = 34 a window, 2 windows = 68 < 124 students.
    assert messages(base) == [
        "school.yaml: day.latest_arrival_at: got '08:10'; expected time for all 124 students: gates A "
        "screen at most 68 between 07:50–08:10 at 85% load (34 a window); add lanes, open later windows "
        "or speed up screening"
    ]


def test_boarders_need_an_open_entrance(base: dict[str, Any]) -> None:
    base["classes"][0]["boarding"] = True
    base["entrances"][0]["open_to"] = "day"
    assert messages(base) == ["school.yaml: entrances: got 'none'; expected an entrance open to boarders"]


def test_all_errors_of_a_file_in_one_report(base: dict[str, Any]) -> None:
    base["entrances"][0]["lanse"] = 2
    base["classes"][1]["grade"] = 0
    base["rooms"][0]["area_m2"] = -1
    got = messages(base)
    assert len(got) == 3
    assert got[0].startswith("school.yaml: classes[1].grade: got '0'")
    assert got[1].startswith("school.yaml: entrances[0].lanse")
    assert got[2].startswith("school.yaml: rooms[0].area_m2")


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "nope.yaml")
    assert str(info.value.issues[0]) == f"{tmp_path / 'nope.yaml'}: expected an existing scenario file"
    bad = tmp_path / "bad.yaml"
    bad.write_text("school: {name: x\nday: [", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_scenario(bad)
    text = str(info.value.issues[0])
    assert text.startswith(f"{bad}: line ") and "expected valid YAML" in text


def test_overrides_are_validated_like_the_file(base: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(base), encoding="utf-8")
    sc = load_scenario(path, overrides={"policy": {"queue_spacing_m": 1.5}})
    assert sc.policy.queue_spacing_m == 1.5
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides={"policy": {"queue_spacing_m": -1}})
    assert str(info.value.issues[0]) == f"{path}: policy.queue_spacing_m: got '-1'; expected a number >= 0.3"


def test_scenario_is_frozen(scenarios_dir: Path) -> None:
    sc = load_scenario(scenarios_dir / "tiny-school.yaml")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen models
        sc.classes[0].students = 99  # type: ignore[misc]


def test_times_round_trip() -> None:
    from reopen_sim.scenario.schema import format_hhmm, parse_hhmm

    assert parse_hhmm("06:50") == 410
    assert format_hhmm(410) == "06:50"
    assert format_hhmm(410.99) == "06:50"
    for bad in ("24:00", "6.50", "", True):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


def test_too_few_rooms_counting_split_classes(base: dict[str, Any]) -> None:
    # 2-1 has 30 students: no 25-desk room holds it, so it needs two rooms -> 3 rooms for 2 classes.
    base["classes"][1]["students"] = 30
    assert messages(base) == [
        "school.yaml: rooms: got '2 rooms'; expected at least 3 rooms: one per class (2 classes), plus one "
        "more for each of the 1 classes too large for any single room"
    ]


@pytest.mark.parametrize(
    ("method", "mean_s"),
    [
        ("manual_thermometer", 30.0),
        ("thermal_kiosk", 3.0),
        ("face_recognition_gate", 3.0),
        ("ear_thermometer", 10.0),
        ("other", 30.0),
    ],
)
def test_screening_method_brings_its_own_time(base: dict[str, Any], method: str, mean_s: float) -> None:
    base["entrances"][0]["screening_method"] = method
    base["entrances"][0].pop("service_time_s", None)
    sc = scenario_from_dict(base, file="school.yaml")
    assert sc.entrances[0].service_time_s.mean_value == mean_s


def test_an_explicit_service_time_wins_over_the_method(base: dict[str, Any]) -> None:
    base["entrances"][0]["screening_method"] = "thermal_kiosk"
    base["entrances"][0]["service_time_s"] = {"dist": "deterministic", "value": 7}
    sc = scenario_from_dict(base, file="school.yaml")
    assert sc.entrances[0].service_time_s.mean_value == 7.0
