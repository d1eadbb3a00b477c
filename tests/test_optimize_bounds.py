"""The decomposition bound (optimizer/bounds.py): never above the proven optimum, a plan around its
relaxation's gate-windows passes the checker, and large schools that decompose are planned
deterministically with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given

from reopen_sim.errors import InfeasibleError
from reopen_sim.generate import generate_school
from reopen_sim.optimizer.bounds import arrival_bound, components
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.decode import extract_plan
from reopen_sim.optimizer.hint import add_hint
from reopen_sim.optimizer.lns import from_arrival
from reopen_sim.optimizer.model import Weights, build_model
from reopen_sim.optimizer.params import WallClock
from reopen_sim.optimizer.solve import optimize
from reopen_sim.plan import Plan
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.scenario.schema import Scenario
from test_optimize import recomputed_terms
from test_optimize_property import SETTINGS, feasible_schools

ROOT = Path(__file__).resolve().parents[1]


def schools() -> list[tuple[str, Scenario]]:
    """Schools CP-SAT proves optimal within seconds: the bundled ones and small generated ones."""
    out = [
        (p.stem, load_scenario(p))
        for p in sorted((ROOT / "scenarios").glob("*.yaml"))
        if not p.stem.startswith("district")
    ]
    for seed in (0, 1):
        high = generate_school(seed, n_students=1200, kind="high", boarding_share=0.3, canteen=True)
        out.append((f"generated-high-{seed}", scenario_from_dict(high)))
        primary = generate_school(seed, n_students=800, kind="primary", canteen=True)
        out.append((f"generated-primary-{seed}", scenario_from_dict(primary)))
    return out


# The decomposition bound serves the large-neighbourhood search, which leaves the gate-spread term
# out (optimize sets its weight to 0 there): the bound is tested on that objective.
WEIGHTS = [
    Weights(most_classes_at_a_gate=0),
    Weights(peak_utilisation_permille=100, most_classes_at_a_gate=0, walk_m=3, split_rooms=20),
]


@pytest.mark.slow
@pytest.mark.parametrize("weights", WEIGHTS, ids=["default", "peak-heavy"])
@pytest.mark.parametrize(("name", "sc"), schools(), ids=[n for n, _ in schools()])
def test_the_bound_never_exceeds_the_proven_optimum(name: str, sc: Scenario, weights: Weights) -> None:
    plan = optimize(sc, time_limit_s=60, seed=0, weights=weights, lns=False)
    assert plan.meta["status"] == "OPTIMAL", f"{name}: CP-SAT must prove the optimum for this test"
    tm = build_model(sc, weights=weights)
    own = arrival_bound(tm, plan.meta["terms"]["last_window"], 5.0, 0, WallClock(60))
    assert own is not None, f"{name} decomposes (every class is in an arrival group)"
    assert own.bound <= plan.meta["objective"] + 1e-6
    # and the relaxation's own plan is no better than its bound
    assert own.bound <= own.plan_value


@SETTINGS
@given(feasible_schools())
def test_on_random_small_schools_the_bound_is_at_most_the_optimum(data: dict[str, Any]) -> None:
    sc = scenario_from_dict(data)
    try:
        plan = optimize(sc, time_limit_s=5, lns=False)
    except InfeasibleError:
        assume(False)
        return
    assume(plan.meta["status"] == "OPTIMAL")
    tm = build_model(sc)
    own = arrival_bound(tm, plan.meta["terms"]["last_window"], 2.0, 0, WallClock(30))
    assume(own is not None)
    assert own is not None
    assert own.bound <= plan.meta["objective"] + 1e-6


def mid_school() -> Scenario:
    raw = generate_school(
        1, n_students=2400, n_classes=48, n_gates=4, kind="high", boarding_share=0.3, canteen=True
    )
    return scenario_from_dict(raw)


def test_pieces_cover_every_class_once_with_the_windows_of_its_group() -> None:
    sc = mid_school()
    tm = build_model(sc)
    pieces = components(tm, tm.n_windows - 1)
    assert pieces is not None
    covered = sorted(c for p in pieces for c in p.classes)
    assert covered == list(range(len(sc.classes)))
    for p in pieces:
        for c in p.classes:
            lo, hi = p.windows[c]
            assert 0 <= lo <= hi <= tm.n_windows - 1
            # the classes of one piece share the windows of their group
            assert {sc.classes[c].grade for c in p.classes if p.windows[c] == (lo, hi)}


def test_a_plan_around_the_relaxation_passes_the_checker_and_costs_at_least_the_bound() -> None:
    sc = mid_school()
    tm = build_model(sc)
    clock = WallClock(120)
    hint = add_hint(tm, clock)
    assert hint.complete is not None
    values = list(hint.complete.response_proto.solution)
    last = max(w for (_, _, w), v in tm.x.items() if values[v.index])
    own = arrival_bound(tm, last, 2.0, 0, clock)
    assert own is not None and own.arrival is not None
    solver, status = from_arrival(tm, values, own.arrival, 2.0, 0, clock)
    assert solver.status_name(status) in ("OPTIMAL", "FEASIBLE")
    plan = Plan(tuple(extract_plan(tm, solver)), meta={})
    assert check_plan(sc, plan) == []
    assert solver.objective_value >= own.bound - 1e-6
    assert {a.class_id: (a.gate, a.arrival_start_min) for a in plan.assignments} == {
        sc.classes[c].id: (tm.gate_ids[g], sc.day.window_start_min(w)) for c, (g, w) in own.arrival.items()
    }


def test_a_large_school_that_decomposes_gets_the_same_plan_from_the_same_seed() -> None:
    sc = mid_school()
    a = optimize(sc, time_limit_s=120, seed=3, deterministic_limit_s=1.0, lns=True)
    b = optimize(sc, time_limit_s=120, seed=3, deterministic_limit_s=1.0, lns=True)
    kinds = [p.get("kind") for p in a.meta["phases"]]
    assert "decomposition bound" in kinds
    assert a.meta["stopped_by"] == b.meta["stopped_by"] != "wall_clock"
    assert a.assignments == b.assignments
    assert a.meta["objective"] == b.meta["objective"]
    assert a.meta["phases"][0]["best_bound"] == b.meta["phases"][0]["best_bound"]
    assert check_plan(sc, a) == []
    assert a.meta["terms"] == recomputed_terms(sc, a)
    assert a.meta["best_bound"] <= a.meta["objective"]
