"""Any number in a scenario, however extreme, gives a valid scenario or an InputError — never a crash."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from reopen_sim.errors import InputError
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.summary import summarise

ROOT = Path(__file__).resolve().parents[1]


def _rich_base() -> dict[str, Any]:
    base = yaml.safe_load((ROOT / "scenarios" / "tiny-school.yaml").read_text(encoding="utf-8"))
    base["canteen"] = {"mode": "sittings", "tables": 20, "seats_per_table": 8}
    base["rooms"][0].update(length_m=8.0, width_m=7.0, volume_m3=150.0, air_changes_per_h=3.0)
    base["rooms"][1]["desk_grid"].update(row_pitch_m=1.0, col_pitch_m=1.1, desk_width_m=0.6, desk_depth_m=0.4)
    base["policy"]["room_distancing"] = {"desk_spacing_m": 0.5, "min_area_per_student_m2": 1.5}
    base["policy"]["walking_speed_m_s"] = 1.2
    base["policy"]["fever"] = {"recheck_time_s": {"dist": "empirical", "samples": [60, 90, 120]}}
    return base


def _numeric_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _numeric_paths(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node[:2]) for p in _numeric_paths(v, (*path, i))]
    if isinstance(node, int | float) and not isinstance(node, bool):
        return [path]
    return []


BASE = _rich_base()
PATHS = _numeric_paths(BASE)


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


@pytest.mark.parametrize("path", PATHS, ids=lambda p: ".".join(map(str, p)))
def test_extreme_numbers_are_rejected_cleanly(path: tuple[Any, ...]) -> None:
    """Each extreme value is rejected with a translatable issue, or kept exactly as written."""
    for value in (1e-311, 1e308, -0.0, 0, -7, float("nan"), float("inf"), 10**30):
        data = copy.deepcopy(BASE)
        _at(data, path[:-1])[path[-1]] = value
        try:
            sc = scenario_from_dict(data, file="x.yaml")
        except InputError as exc:
            assert exc.issues
            assert all(i.file == "x.yaml" and i.expected and i.key for i in exc.issues), exc
            continue
        summarise(sc)
        kept = _at(sc.model_dump(), path)
        if isinstance(kept, tuple) and len(kept) == 1:  # a grade group written as one grade
            kept = kept[0]
        assert kept == value and not math.isnan(kept), (path, value, kept)


def test_the_rich_base_itself_is_valid() -> None:
    assert len(PATHS) > 30
    summarise(scenario_from_dict(copy.deepcopy(BASE)))
