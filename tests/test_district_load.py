"""District file, what-ifs and variants: hand-checked cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reopen_sim as rs
from reopen_sim.district.load import (
    District,
    PhasedReturn,
    WhatIf,
    WhatIfSkipped,
    build_variant,
    district_from_dict,
    is_impossibility,
    load_district,
    variant_mapping,
)
from reopen_sim.errors import InfeasibleError, InputError
from reopen_sim.scenario.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _write(tmp_path: Path, data: object, name: str = "district.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_paths_relative_to_district_file_and_defaults_under_school(tmp_path: Path) -> None:
    tiny = yaml.safe_load((SCENARIOS / "tiny-school.yaml").read_text(encoding="utf-8"))
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", tiny, "tiny.yaml")
    inline = dict(tiny, school={"name": "Inline School", "kind": "primary"})
    del inline["policy"]["queue_spacing_m"]
    p = _write(
        tmp_path,
        {
            "district": {"name": "Test District"},
            "defaults": {"policy": {"queue_spacing_m": 1.5, "target_utilisation": 0.8}},
            "schools": [{"path": "sub/tiny.yaml"}, {"name": "Renamed", "scenario": inline}],
            "what_ifs": [{"name": "baseline"}],
        },
    )
    d = load_district(p)
    assert d.name == "Test District"
    assert [s.name for s in d.schools] == ["Tiny Village School", "Renamed"]
    a = build_variant(d.schools[0], d.what_ifs[0])
    b = build_variant(d.schools[1], d.what_ifs[0])
    # the school's own value wins over the default; the default fills what the school leaves out
    assert a.policy.queue_spacing_m == 1.0 and a.policy.target_utilisation == 0.8
    assert b.policy.queue_spacing_m == 1.5 and b.policy.target_utilisation == 0.8


def test_roster_school_resolves_roster_relative_to_its_own_file(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        {
            "schools": [{"path": str(SCENARIOS / "junior-middle.yaml")}],
            "what_ifs": [{"name": "grade 9", "keep_grades": [9]}],
        },
    )
    d = load_district(p)
    sc = build_variant(d.schools[0], d.what_ifs[0])
    assert {c.grade for c in sc.classes} == {9}
    assert sc.policy.arrival_order == ((9,),) and sc.policy.dismissal_order == ((9,),)


def test_broken_school_is_kept_with_its_issue_not_raised(tmp_path: Path) -> None:
    p = _write(
        tmp_path, {"schools": [{"path": "missing.yaml"}, {"path": str(SCENARIOS / "tiny-school.yaml")}]}
    )
    d = load_district(p)
    assert d.schools[0].raw is None and "existing scenario file" in str(d.schools[0].issues[0])
    assert [w.name for w in d.what_ifs] == ["baseline"]
    with pytest.raises(InputError, match=r"missing\.yaml"):
        build_variant(d.schools[0], d.what_ifs[0])


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"schools": []}, "schools"),
        ({"schools": [{"path": "a.yaml", "scenario": {}}]}, "either path"),
        ({"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "colour": 3}]}, "what_ifs[0].colour"),
        ({"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x"}, {"name": "x"}]}, "unique what-if"),
        (
            {"schools": [{"path": "a.yaml", "name": "A"}, {"path": "b.yaml", "name": "A"}]},
            "unique school name",
        ),
        ({"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "keep_grades": [13]}]}, "grades 1-12"),
        ([1, 2], "a YAML mapping"),
    ],
)
def test_broken_district_file_names_file_and_field(tmp_path: Path, data: object, needle: str) -> None:
    p = _write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_district(p)
    assert str(p) in str(exc.value) and needle in str(exc.value)


def test_bad_yaml_district(tmp_path: Path) -> None:
    p = tmp_path / "d.yaml"
    p.write_text("schools: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="valid YAML"):
        load_district(p)


def _tiny_district(**what_if: object) -> District:
    return district_from_dict(
        {
            "schools": [
                {"path": str(SCENARIOS / "tiny-school.yaml")},
                {"path": str(SCENARIOS / "junior-middle.yaml")},
            ],
            "what_ifs": [dict({"name": "w"}, **what_if)],
        },
    )


def test_close_gate_by_id_and_largest() -> None:
    d = _tiny_district(close_gates=["east"])
    data, _label = variant_mapping(d.schools[1], d.what_ifs[0])
    assert [e["id"] for e in data["entrances"]] == ["front", "north", "west"]
    # three gates cannot screen 1084 students in the windows: well formed, but no plan fits
    with pytest.raises(InputError, match="gates front, north, west screen at most"):
        build_variant(d.schools[1], d.what_ifs[0])
    assert is_impossibility(data, d.schools[1].base_dir)
    with pytest.raises(WhatIfSkipped, match="no entrance east"):  # the tiny school has no gate "east"
        build_variant(d.schools[0], d.what_ifs[0])
    with pytest.raises(InfeasibleError, match="without an entrance"):  # its only gate
        build_variant(d.schools[0], _tiny_district(close_gates=["largest"]).what_ifs[0])


def test_overrides_are_validated_like_a_file() -> None:
    d = _tiny_district(overrides={"policy": {"queue_spacing_m": 1.5}})
    assert build_variant(d.schools[0], d.what_ifs[0]).policy.queue_spacing_m == 1.5
    d = _tiny_district(overrides={"policy": {"queue_spacing_m": -1}})
    with pytest.raises(InputError) as exc:
        build_variant(d.schools[0], d.what_ifs[0])
    msg = str(exc.value)
    assert not is_impossibility(variant_mapping(d.schools[0], d.what_ifs[0])[0], ".")
    assert "tiny-school.yaml (what-if 'w')" in msg and "policy.queue_spacing_m" in msg and "-1" in msg


def test_keep_grades_skips_schools_without_them() -> None:
    d = _tiny_district(keep_grades=[2])
    sc = build_variant(d.schools[0], d.what_ifs[0])
    assert [c.id for c in sc.classes] == ["2-1", "2-2"] and sc.policy.arrival_order == ((2,),)
    with pytest.raises(WhatIfSkipped, match=r"no class of grades \[2\]"):
        build_variant(d.schools[1], d.what_ifs[0])


def test_phased_return_is_cumulative_by_day() -> None:
    pr = PhasedReturn(
        days=(
            {"day": 2, "grades": (8,), "school_kinds": ("junior_middle",)},
            {"day": 1, "grades": (9,), "school_kinds": ("high",)},
            {"day": 3, "grades": (7,)},
        )
    )
    ws = pr.what_ifs()
    assert [w.name for w in ws] == ["phased return day 1", "phased return day 2", "phased return day 3"]
    assert [w.keep_grades for w in ws] == [(9,), (9, 8), (9, 8, 7)]
    assert [w.school_kinds for w in ws] == [("high",), ("high", "junior_middle"), None]
    d = district_from_dict(
        {"schools": [{"path": str(SCENARIOS / "junior-middle.yaml")}], "phased_return": pr.model_dump()}
    )
    assert [w.name for w in d.what_ifs] == ["baseline", *(w.name for w in ws)]
    with pytest.raises(WhatIfSkipped, match="for high schools"):
        build_variant(d.schools[0], d.what_ifs[1])
    assert {c.grade for c in build_variant(d.schools[0], d.what_ifs[2]).classes} == {8, 9}


def test_what_if_is_frozen_and_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError):
        WhatIf.model_validate({"name": "x", "close_gate": ["a"]})


def test_every_entrance_changes_screening_at_all_gates() -> None:
    kiosk = {"screening_method": "thermal_kiosk", "service_time_s": {"dist": "lognormal", "mean": 3, "sd": 1}}
    d = _tiny_district(every_entrance=kiosk)
    sc = build_variant(d.schools[1], d.what_ifs[0])
    assert len(sc.entrances) == 4
    assert {(e.screening_method, e.service_time_s.mean_value) for e in sc.entrances} == {
        ("thermal_kiosk", 3.0)
    }
    assert [e.queue_length_m for e in sc.entrances] == [30, 25, 25, 25]  # the rest of each gate is kept


def test_bundled_example_district_is_sound() -> None:
    """Every school × what-if of scenarios/district-example.yaml is valid input (some cannot fit)."""
    from reopen_sim.district.sweep import prepare

    d = load_district(SCENARIOS / "district-example.yaml")
    assert len(d.schools) == 5 and d.what_ifs[-1].name == "phased return day 2"
    statuses = {
        (s.name, w.name): getattr(prepare(s, w), "status", "ok") for s in d.schools for w in d.what_ifs
    }
    assert "invalid" not in statuses.values()
    assert statuses[("Tiny Village School", "phased return day 1")] == "skipped"  # grades 1-2 only
    assert statuses[("Hillside Village School", "largest gate closed")] == "infeasible"  # its only gate


_WHAT_IFS = st.builds(
    lambda grades, gates, spacing, kinds: WhatIf(
        name="w",
        keep_grades=grades,
        close_gates=gates,
        overrides={"policy": {"queue_spacing_m": spacing}} if spacing is not None else {},
        school_kinds=kinds,
    ),
    st.none() | st.lists(st.integers(1, 12), min_size=1, max_size=4, unique=True).map(tuple),
    st.lists(st.sampled_from(["largest", "front", "east", "gate", "nope"]), max_size=2, unique=True).map(
        tuple
    ),
    # realistic spacings plus invalid ones (negative, over the 5 m bound); not denormal floats: the
    # schema accepts queue_spacing_m=1e-311 and capacity.queue_places_per_lane then overflows
    # (reported to the schema's owner)
    st.none() | st.sampled_from([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 6.0]),
    st.none() | st.sampled_from([("primary",), ("junior_middle", "high")]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(what_if=_WHAT_IFS)
def test_any_what_if_gives_a_scenario_or_a_named_reason(what_if: WhatIf) -> None:
    """Whatever the combination, a variant is a valid scenario or one of the three reported outcomes."""
    d = district_from_dict(
        {
            "schools": [
                {"path": str(SCENARIOS / "tiny-school.yaml")},
                {"path": str(SCENARIOS / "junior-middle.yaml")},
            ]
        }
    )
    for school in d.schools:
        try:
            sc = build_variant(school, what_if)
        except (InputError, WhatIfSkipped, InfeasibleError) as exc:
            assert str(exc)
            continue
        if what_if.keep_grades is not None:
            assert {c.grade for c in sc.classes} <= set(what_if.keep_grades)
        ids = {e.id for e in sc.entrances}
        assert not ({"front", "east", "gate"} & set(what_if.close_gates) & ids)


# --------------------------------------------------------------------------------------------
# A what-if that names nothing real is the district file's mistake: exit 2 before any work
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what_if", "field", "value"),
    [
        ({"close_gates": ["eest"]}, "close_gates", "eest"),
        ({"keep_grades": [10, 11]}, "keep_grades", "10, 11"),
        ({"school_kinds": ["high"]}, "school_kinds", "high"),
        ({"overrides": {"policy": {"queue_spacing_mm": 1.5}}}, "policy.queue_spacing_mm", "1.5"),
        ({"every_entrance": {"lanes": "two"}}, "entrances[0].lanes", "two"),
    ],
)
def test_a_what_if_naming_nothing_real_is_an_error(
    what_if: dict[str, object], field: str, value: str
) -> None:
    from reopen_sim.district.load import check_what_ifs

    d = _tiny_district(**what_if)
    with pytest.raises(InputError) as exc:
        check_what_ifs(d)
    (issue,) = exc.value.issues
    assert "'w'" in f"{issue.file} {issue.path}" and field in issue.path and issue.value == value


def test_what_ifs_that_concern_some_schools_are_fine() -> None:
    from reopen_sim.district.load import check_what_ifs

    for what_if in (
        {"close_gates": ["east"]},  # the junior middle school has it, the tiny school does not
        {"close_gates": ["largest"]},
        {"keep_grades": [9, 10]},
        {"school_kinds": ["junior_middle", "high"]},
        {"overrides": {"policy": {"queue_spacing_m": 5.0}}},  # a real value, whether or not plans fit
    ):
        check_what_ifs(_tiny_district(**what_if))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cli_sweep_refuses_an_unknown_gate(tmp_path: Path, lang: str) -> None:
    import subprocess
    import sys

    p = _write(
        tmp_path,
        {
            "schools": [{"path": str(SCENARIOS / "tiny-school.yaml")}],
            "what_ifs": [{"name": "baseline"}, {"name": "east closed", "close_gates": ["east"]}],
        },
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reopen_sim.cli",
            "sweep",
            str(p),
            "-o",
            str(tmp_path / "out"),
            "--lang",
            lang,
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stderr
    assert str(p) in err and "'east closed'" in err and "close_gates" in err and "'east'" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
    if lang == "zh":
        assert "expected" not in err and "校门" in err


_BAD_DISTRICTS: list[object] = [
    {"schools": []},
    {"schools": "a.yaml"},
    {"schools": [{"path": "a.yaml", "scenario": {}}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "colour": 3}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": ""}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"overrides": {}}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x"}, {"name": "x"}]},
    {"schools": [{"path": "a.yaml", "name": "A"}, {"path": "b.yaml", "name": "A"}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "keep_grades": [13]}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "keep_grades": "nine"}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "school_kinds": ["college"]}]},
    {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "overrides": [1]}]},
    {"schools": [{"path": "a.yaml"}], "phased_return": {"days": [{"day": 0, "grades": [1]}]}},
    {"schools": [{"path": "a.yaml"}], "phased_return": {"days": []}},
    [1, 2],
    "just text",
]


@pytest.mark.parametrize("data", _BAD_DISTRICTS)
def test_every_district_file_error_is_translated(tmp_path: Path, data: object) -> None:
    from reopen_sim.i18n import load_catalogue

    p = _write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_district(p)
    zh = load_catalogue("zh")
    for issue in exc.value.issues:
        assert issue.key is not None and issue.key != "district_value", issue
        text = issue.render(zh)
        assert str(p) in text and "expected" not in text


# --------------------------------------------------------------------------------------------
# A district file's what-ifs are the edits of sc.with_* (scenario.whatif), resolved per school
# --------------------------------------------------------------------------------------------


def _same_school(a: Scenario, b: Scenario) -> bool:
    skip = {"source_path", "source_sha256", "notices"}
    return a.model_dump(mode="json", exclude=skip) == b.model_dump(mode="json", exclude=skip)


@pytest.mark.parametrize(
    ("what_if", "edit"),
    [
        ({"screening": {"method": "thermal_kiosk"}}, lambda sc: sc.with_screening(method="thermal_kiosk")),
        (
            {"screening": {"service_time_s": 6, "gates": ["east", "nope"]}},
            lambda sc: sc.with_screening(service_time_s=6, gates=["east"]),
        ),
        ({"lanes": 3}, lambda sc: sc.with_lanes(3)),
        ({"lanes": {"lanes": 3, "gates": ["north"]}}, lambda sc: sc.with_lanes(3, gates=["north"])),
        ({"spacing": {"queue_m": 1.5}}, lambda sc: sc.with_spacing(queue_m=1.5)),
        ({"arrivals": {"earliest": "06:40"}}, lambda sc: sc.with_arrivals(earliest="06:40")),
        ({"set": {"entrances[east].lanes": 3}}, lambda sc: sc.with_("entrances[east].lanes", 3)),
        ({"keep_grades": [9, 12]}, lambda sc: sc.with_grades([9])),  # the grades the school has
        # one gate fewer needs more lanes at the others: applied together, validated once
        (
            {"close_gates": ["east"], "lanes": 3},
            lambda sc: rs.apply_what_if(sc, {"close_gates": ["east"], "lanes": 3}),
        ),
        (  # all four gates have 2 lanes: "largest" is the first, front
            {"close_gates": ["largest"], "lanes": 3, "spacing": {"queue_m": 1.5}},
            lambda sc: rs.apply_what_if(
                sc, {"close_gates": ["front"], "lanes": 3, "spacing": {"queue_m": 1.5}}
            ),
        ),
    ],
)
def test_district_what_ifs_are_the_scenario_edits(what_if: dict[str, object], edit: Any) -> None:
    d = _tiny_district(**what_if)
    got = build_variant(d.schools[1], d.what_ifs[0])
    want = edit(rs.load_scenario(SCENARIOS / "junior-middle.yaml"))
    assert _same_school(got, want)
    assert not _same_school(got, rs.load_scenario(SCENARIOS / "junior-middle.yaml"))


def test_named_gates_a_school_lacks_skip_it() -> None:
    d = _tiny_district(screening={"method": "thermal_kiosk", "gates": ["east"]})
    with pytest.raises(WhatIfSkipped, match="no entrance east"):
        build_variant(d.schools[0], d.what_ifs[0])  # the tiny school has one gate, "gate"
    sc = build_variant(d.schools[1], d.what_ifs[0])
    assert {e.id for e in sc.entrances if e.screening_method == "thermal_kiosk"} == {"east"}


@pytest.mark.parametrize(
    ("what_if", "field", "value"),
    [
        ({"screening": {"method": "retina", "gates": ["east"]}}, "entrances[1].screening_method", "retina"),
        ({"spacing": {"queue_m": -1}}, "policy.queue_spacing_m", "-1"),
        ({"arrivals": {"latest": "25:00"}}, "day.latest_arrival_at", "25:00"),
        ({"set": {"entrances[nope].lanes": 3}}, "entrances[nope].lanes", "nope"),
        ({"screening": {"gates": ["east"]}}, "", ""),  # neither a method nor a time
        ({"lanes": {"lanes": 2, "gates": ["eest"]}}, "lanes.gates", "eest"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_broken_edit_names_district_file_what_if_field_and_value(
    tmp_path: Path, what_if: dict[str, object], field: str, value: str, lang: str
) -> None:
    from reopen_sim.district.load import check_what_ifs
    from reopen_sim.i18n import load_catalogue

    p = _write(
        tmp_path,
        {
            "schools": [{"path": str(SCENARIOS / "junior-middle.yaml")}],
            "what_ifs": [dict({"name": "w"}, **what_if)],
        },
    )
    with pytest.raises(InputError) as exc:
        check_what_ifs(load_district(p))
    (issue,) = exc.value.issues
    assert issue.file == str(p) and "what-if 'w'" in issue.path and field in issue.path
    assert issue.value == value
    text = issue.render(load_catalogue(lang))
    assert str(p) in text and "'w'" in text and (value == "" or repr(value) in text)
    if lang == "zh":
        assert issue.key is not None and "expected" not in text


def test_unknown_edit_field_is_a_district_file_error(tmp_path: Path) -> None:
    from reopen_sim.i18n import load_catalogue

    p = _write(
        tmp_path,
        {"schools": [{"path": "a.yaml"}], "what_ifs": [{"name": "x", "screening": {"speed": 3}}]},
    )
    with pytest.raises(InputError) as exc:
        load_district(p)
    (issue,) = exc.value.issues
    assert issue.path == "what_ifs[0].screening.speed" and issue.key == "district_no_such_field"
    assert str(p) in issue.render(load_catalogue("zh"))
