"""Large-neighbourhood search by arrival group (optimizer/lns.py): deterministic, checked plans, and
the model left as it was found."""

from __future__ import annotations

from reopen_sim.generate import generate_school
from reopen_sim.optimizer.check import check_plan
from reopen_sim.optimizer.hint import add_hint
from reopen_sim.optimizer.lns import improve, neighbourhoods
from reopen_sim.optimizer.model import Weights, build_model
from reopen_sim.optimizer.params import WallClock
from reopen_sim.optimizer.solve import optimize
from reopen_sim.scenario.load import scenario_from_dict
from reopen_sim.scenario.schema import Scenario
from test_optimize import recomputed_terms


def mid_school() -> Scenario:
    """A generated high school with boarders and a canteen, three arrival groups."""
    raw = generate_school(
        1, n_students=2400, n_classes=48, n_gates=4, kind="high", boarding_share=0.3, canteen=True
    )
    return scenario_from_dict(raw)


def without_last_group(sc: Scenario) -> Scenario:
    """The school with its last arrival group out of the order: its classes are in no group, so the
    school does not decompose (optimizer/bounds.py) and the LNS + whole-model search runs."""
    policy = sc.policy.model_copy(update={"arrival_order": sc.policy.arrival_order[:-1]})
    return sc.model_copy(update={"policy": policy})


def test_same_seed_same_plan_with_lns_on_a_small_budget() -> None:
    sc = without_last_group(mid_school())
    a = optimize(sc, time_limit_s=120, seed=3, deterministic_limit_s=0.6, lns=True)
    b = optimize(sc, time_limit_s=120, seed=3, deterministic_limit_s=0.6, lns=True)
    assert a.meta["lns"], "the LNS ran"
    assert a.meta["stopped_by"] == b.meta["stopped_by"] == "deterministic_budget"
    assert a.assignments == b.assignments
    assert a.meta["objective"] == b.meta["objective"]
    assert a.meta["lns"] == b.meta["lns"]
    assert check_plan(sc, a) == []
    assert a.meta["terms"] == recomputed_terms(sc, a)
    assert a.meta["best_bound"] <= a.meta["objective"]


def test_lns_never_worsens_the_greedy_plan_and_each_plan_it_keeps_passes_the_checker() -> None:
    sc = mid_school()
    tm = build_model(sc, weights=Weights(most_classes_at_a_gate=0))  # as optimize builds it for LNS
    clock = WallClock(120)
    hint = add_hint(tm, clock)
    assert hint.complete is not None
    greedy = hint.complete.objective_value
    result = improve(tm, hint.complete, 1.0, 0, clock)
    kept = [s["objective"] for s in result.steps]
    assert all(b <= a for a, b in zip([greedy, *kept], kept, strict=False))
    assert result.objective <= greedy
    assert {s["neighbourhood"] for s in result.steps} >= {
        name for name, _ in neighbourhoods(tm, result.values)[:3]
    }
    # The plan LNS ends with, decoded and checked like any plan.
    plan = optimize(sc, time_limit_s=120, seed=0, deterministic_limit_s=1.0, lns=True)
    assert check_plan(sc, plan) == []
    assert plan.meta["objective"] <= greedy


def test_lns_restores_the_model_it_narrowed() -> None:
    sc = mid_school()
    tm = build_model(sc)
    clock = WallClock(120)
    hint = add_hint(tm, clock)
    assert hint.complete is not None
    before = [list(v.domain) for v in tm.model.proto.variables]
    hint_before = (list(tm.model.proto.solution_hint.vars), list(tm.model.proto.solution_hint.values))
    improve(tm, hint.complete, 0.3, 0, clock)
    assert [list(v.domain) for v in tm.model.proto.variables] == before
    assert (list(tm.model.proto.solution_hint.vars), list(tm.model.proto.solution_hint.values)) == hint_before


def test_neighbourhoods_cover_every_class_by_arrival_group() -> None:
    sc = mid_school()
    tm = build_model(sc)
    hint = add_hint(tm, WallClock(60))
    assert hint.complete is not None
    hoods = neighbourhoods(tm, list(hint.complete.response_proto.solution))
    groups = [members for name, members in hoods if name.startswith("arrival group")]
    assert len(groups) == len(sc.policy.arrival_order)
    covered = sorted(c for name, members in hoods if name != "peak gates" for c in members)
    assert covered == list(range(len(sc.classes)))
    for members, grp in zip(groups, sc.policy.arrival_order, strict=True):
        assert {sc.classes[c].grade for c in members} <= set(grp)
