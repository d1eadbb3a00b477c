"""Every bundled school simulates: with a hand-built plan always, and with its baseline and optimized
plans once those exist (skipped, with the reason, when the optimizer finds no plan)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reopen_sim.errors import InfeasibleError
from reopen_sim.plan import Plan
from reopen_sim.scenario.load import load_scenario
from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.run import simulate
from test_simulate_support import simple_plan

SCHOOLS = sorted(p for p in Path("scenarios").glob("*.yaml") if not p.name.startswith("district"))


def check_day(sc: Scenario, plan: Plan) -> None:
    res = simulate(sc, plan, replications=2, seed=1)
    gates = {e.id for e in sc.entrances if any(a.gate == e.id for a in plan.assignments)}
    m = res.metrics_raw()  # minutes since midnight, compared with the trace
    assert gates | {"all"} <= set(m["gate"])
    for _, tr in res.traces():
        assert len(tr) == sc.n_students
        assert tr["outcome"].isin(["entered", "cleared_on_recheck", "isolated", "held"]).all()
    allrow = m[m["gate"] == "all"]
    assert (allrow["students"] == sc.n_students).all()
    # the school's figures are the trace's: last screening end and mean wait over every student
    for (_, tr), (_, row) in zip(res.traces(), allrow.iterrows(), strict=True):
        assert row["last_through_min"] == tr["t_service_end"].max()
        assert row["mean_wait_min"] == pytest.approx((tr["t_service_start"] - tr["t_arrive"]).mean())
        assert row["last_through_min"] >= sc.day.earliest_arrival_at
    if sc.canteen.mode == "sittings" and any(a.canteen_sitting for a in plan.assignments):
        assert allrow["canteen_mean_wait_min"].notna().all()


@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.stem)
def test_bundled_school_simulates_with_a_hand_built_plan(path: Path) -> None:
    sc = load_scenario(path)
    check_day(sc, simple_plan(sc))


@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.stem)
def test_bundled_school_simulates_with_its_baseline(path: Path) -> None:
    baseline = pytest.importorskip("reopen_sim.optimizer.baseline")
    sc = load_scenario(path)
    check_day(sc, baseline.baseline_plan(sc))


@pytest.mark.slow
@pytest.mark.parametrize("path", SCHOOLS, ids=lambda p: p.stem)
def test_bundled_school_simulates_with_its_optimized_plan(path: Path) -> None:
    from reopen_sim.optimizer.solve import optimize

    sc = load_scenario(path)
    try:
        plan = optimize(sc, time_limit_s=10, seed=0)
    except InfeasibleError as e:
        pytest.skip(f"optimizer found no plan: {e.reasons[0] if e.reasons else e.status}")
    check_day(sc, plan)
