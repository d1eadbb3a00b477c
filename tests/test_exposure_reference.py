"""The vectorised ``contacts`` gives exactly the frames of the earlier per-replication pipeline.

The earlier code is kept verbatim in ``exposure_reference.py``; here both run on the same simulated
days (bundled schools, generated schools with boarders, canteen sittings, fever isolation and
spilled queues, both lane choices, other thresholds and geometry) and every frame must be equal
value for value (floats exactly, dtypes, row order) and print the same CSV.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from exposure_fakes import FakeResult
from exposure_reference import reference_contacts
from reopen_sim.exposure.contacts import ContactResult, contacts
from reopen_sim.exposure.model import ContactModel
from reopen_sim.generate import generate_school
from reopen_sim.optimizer.baseline import baseline_plan
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.simulation.run import simulate

ROOT = Path(__file__).resolve().parents[1]


def assert_same(new: ContactResult, old: ContactResult) -> None:
    assert new.replications == old.replications
    for name in ("roster", "pairs", "occupancy", "stats"):
        got, want = getattr(new, name), getattr(old, name)
        pd.testing.assert_frame_equal(got, want, check_exact=True, obj=name)
        assert got.to_csv() == want.to_csv(), name
    pd.testing.assert_frame_equal(new.summary(), old.summary(), check_exact=True)


def _both(sc: Any, res: Any, **kw: Any) -> None:
    assert_same(contacts(sc, res, **kw), reference_contacts(sc, res, **kw))


@pytest.mark.parametrize("name", ["high-school", "junior-middle", "primary-school", "tiny-school"])
def test_bundled_schools_give_the_reference_contacts(name):
    sc = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    res = simulate(sc, baseline_plan(sc), replications=2, seed=3)
    _both(sc, res)


def _generated(seed: int, **changes: Any) -> Any:
    raw = generate_school(seed, n_students=300, kind="high", boarding_share=0.4, canteen=True)
    for section, values in changes.items():
        if isinstance(raw.get(section), list):
            raw[section] = [{**item, **values} for item in raw[section]]
        else:
            raw[section] = {**raw.get(section, {}), **values}
    return scenario_from_dict(raw)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("lane_choice", ["shortest", "shared"])
def test_generated_schools_give_the_reference_contacts(seed, lane_choice):
    """Short marked queues (people spill past them), many flagged students, other seating rules."""
    rules = ["every_seat", "skip_a_seat", "skip_offset", "one_side"]
    sc = _generated(
        seed,
        entrances={"queue_length_m": 3.0 + seed},
        canteen={"seating_rule": rules[seed], "max_sittings": 8},
        policy={"fever": {"flagged_share": 0.05, "confirmed_share": 0.5}},
    )
    res = simulate(sc, baseline_plan(sc), replications=3, seed=seed, lane_choice=lane_choice)
    _both(sc, res)


def test_other_thresholds_and_geometry_give_the_reference_contacts():
    sc = _generated(5, entrances={"queue_length_m": 4.0})
    res = simulate(sc, baseline_plan(sc), replications=2, seed=5)
    _both(sc, res, threshold_m=2.0, min_minutes=0.0)
    model = ContactModel(spill_spacing_m=1.5, screening_distance_m=1.2, seat_pitch_m=0.4, dorm_night_min=0)
    _both(sc, res, threshold_m=0.9, min_minutes=5.0, model=model)


def _hand_cases() -> dict[str, tuple[Any, Any]]:
    import test_exposure_contacts as hand

    cases = {
        "two in a lane": hand._two_in_a_lane(),
        "spill 1 m": hand._spill_result(1.0),
        "spill 3 m": hand._spill_result(3.0),
        "boarders": hand._boarding_class(),
    }
    for rule in ("every_seat", "skip_a_seat", "skip_offset"):
        cases[rule] = hand._table(rule)[:2]
    sc, res = cases["two in a lane"]
    cases["no mornings"] = (sc, FakeResult(res.plan, []))
    return cases


@pytest.mark.parametrize("case", list(_hand_cases()))
def test_hand_worked_traces_give_the_reference_contacts(case):
    """Hand traces (some ids out of roster order, students missing, no rooms at all): the same values.
    One difference, on purpose: a day on which nobody reached a room keeps ``occupancy.room`` as
    text (the room ids' type), where the earlier code let it become float64 NaN."""
    sc, res = _hand_cases()[case]
    new, old = contacts(sc, res), reference_contacts(sc, res)
    if "room" in old.occupancy and old.occupancy["room"].isna().all():
        assert new.occupancy["room"].isna().all()
        assert new.occupancy["room"].dtype == new.roster["student_id"].dtype
        new = replace(new, occupancy=new.occupancy.astype({"room": old.occupancy["room"].dtype}))
    assert_same(new, old)
