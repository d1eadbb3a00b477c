"""compare: the comparison table's intervals and paired differences, on hand-worked and synthetic data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reopen_sim.errors import InputError
from reopen_sim.experiment import COMPARED_METRICS, TABLE_COLUMNS, compare, mean_ci, summarise_paired
from reopen_sim.stats import mean_ci as stats_mean_ci


def test_mean_ci_is_the_one_interval_of_the_project() -> None:
    # The rule (bootstrap-t, Student-t fallback) and its hand-worked cases: tests/test_stats.py.
    assert mean_ci is stats_mean_ci


def test_mean_ci_degenerate_cases() -> None:
    assert math.isnan(mean_ci(np.array([]))[0])
    m, lo, hi = mean_ci(np.array([4.0]))
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi)
    assert mean_ci(np.array([2.0, np.nan, 4.0]))[0] == 3.0  # NaN dropped


def _frame(values: dict[str, np.ndarray], metric: str = "max_queue_people") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"plan": p, "replication": r, "metric": metric, "value": v}
            for p, arr in values.items()
            for r, v in enumerate(arr)
        ]
    )


def test_table_shape_reference_and_hand_worked_difference() -> None:
    per = _frame({"baseline": np.array([10.0, 12, 14]), "optimized": np.array([4.0, 5, 9])})
    t = summarise_paired(per)
    assert list(t.columns) == list(TABLE_COLUMNS)
    assert list(t["plan"]) == ["baseline", "optimized"]
    base, opt = t.iloc[0], t.iloc[1]
    assert math.isnan(base["diff_mean"]) and math.isnan(base["diff_lo"])
    # differences -6, -7, -5: mean -6, s = 1, half = t_{0.975,2} / sqrt(3) = 4.3027 / 1.7321 = 2.4841
    assert opt["diff_mean"] == pytest.approx(-6.0)
    assert opt["diff_hi"] - opt["diff_mean"] == pytest.approx(2.4841, abs=1e-4)
    assert opt["mean"] == pytest.approx(6.0)


def test_pairing_uses_the_same_replication_index() -> None:
    """Rows given out of order are matched by replication, not by position."""
    per = _frame({"a": np.array([1.0, 2, 3, 4]), "b": np.array([2.0, 3, 4, 5])})
    shuffled = per.sample(frac=1.0, random_state=3)
    t = summarise_paired(pd.concat([shuffled[shuffled.plan == "a"], shuffled[shuffled.plan == "b"]]))
    row = t[t.plan == "b"].iloc[0]
    assert row["diff_mean"] == pytest.approx(1.0)
    assert row["diff_hi"] - row["diff_lo"] == pytest.approx(0.0, abs=1e-12)  # every difference is exactly 1


def test_paired_interval_is_narrower_than_unpaired_under_common_noise() -> None:
    rng = np.random.default_rng(11)
    common = rng.normal(50, 10, 30)  # what common random numbers share between plans
    a = common + rng.normal(0, 1, 30)
    b = common - 3 + rng.normal(0, 1, 30)
    t = summarise_paired(_frame({"a": a, "b": b}))
    ra, rb = t.iloc[0], t.iloc[1]
    paired = rb["diff_hi"] - rb["diff_lo"]
    unpaired = (ra["hi"] - ra["lo"]) + (rb["hi"] - rb["lo"])
    assert paired < unpaired / 5
    assert rb["diff_lo"] < -3 < rb["diff_hi"]


def test_interval_coverage_matches_the_nominal_level() -> None:
    """Over 2,000 synthetic experiments of n = 10 normal replications, the 95% interval covers the true
    mean in 95% of them; a binomial 99.9% band around 0.95 for 2,000 trials is ±0.016."""
    rng = np.random.default_rng(2024)
    trials, n, true = 2000, 10, 7.0
    hits = 0
    for _ in range(trials):
        _, lo, hi = mean_ci(rng.normal(true, 3.0, n))
        hits += lo <= true <= hi
    band = stats.norm.ppf(0.9995) * math.sqrt(0.95 * 0.05 / trials)
    assert abs(hits / trials - 0.95) < band


def test_compare_rejects_bad_arguments() -> None:
    with pytest.raises(InputError) as exc:
        compare(None, {}, replications=1, processes=0)  # type: ignore[arg-type]
    text = str(exc.value)
    assert "plans" in text and "replications" in text and "processes" in text


# --------------------------------------------------------------------------------------------
# With the real simulation (a few replications: plumbing and pairing, not statistics)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def school_and_plans():  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from pathlib import Path

    import reopen_sim as rs
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import Plan

    sc = rs.load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "junior-middle.yaml")
    opt = optimize(sc, time_limit_s=10, seed=0)
    start = sc.day.earliest_arrival_at
    crowd = Plan(
        tuple(
            replace(a, arrival_start_min=start, arrival_end_min=start + sc.day.window_min)
            for a in opt.assignments
        ),
        meta={"status": "hand-made: everyone in the first window"},
    )
    return sc, {"crowd": crowd, "optimized": opt}


def test_identical_plans_differ_by_exactly_zero(school_and_plans) -> None:  # type: ignore[no-untyped-def]
    """Common random numbers: the same plan twice gives identical replications, so every paired
    difference is exactly 0 (with independent streams it would not be)."""
    sc, plans = school_and_plans
    cmp = compare(sc, {"a": plans["optimized"], "b": plans["optimized"]}, replications=3, seed=5)
    b = cmp.table[cmp.table["plan"] == "b"]
    assert (b["diff_mean"] == 0).all() and (b["diff_lo"] == 0).all() and (b["diff_hi"] == 0).all()


def test_compare_table_and_determinism(school_and_plans) -> None:  # type: ignore[no-untyped-def]
    sc, plans = school_and_plans
    one = compare(sc, plans, replications=3, seed=2)
    again = compare(sc, plans, replications=3, seed=2, processes=2)
    pd.testing.assert_frame_equal(one.table, again.table)
    t = one.table
    assert list(dict.fromkeys(t["plan"])) == ["crowd", "optimized"]
    assert set(t["metric"]) == set(COMPARED_METRICS)
    # Everyone in one window queues far longer than the optimized plan's spread (paired CI below 0).
    row = t[(t["plan"] == "optimized") & (t["metric"] == "max_queue_people")].iloc[0]
    assert row["diff_hi"] < 0
    # Frames the report needs have the documented columns.
    assert {"plan", "replication", "gate", "minute", "queue_people"} <= set(one.timeseries.columns)
    assert {"plan", "replication", "gate", "wait_min"} <= set(one.waits.columns)
    assert {"plan", "replication", "setting", "contacts"} <= set(one.contacts.columns)
    assert len(one.waits[one.waits["plan"] == "crowd"]) > 0.9 * 3 * sc.n_students


def test_compare_names_each_plan_on_its_progress_bar(school_and_plans, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import reopen_sim.simulation.run as run

    labels: list[str] = []
    real = run.simulate

    def spy(*args, progress_label="Simulating", **kwargs):  # type: ignore[no-untyped-def]
        labels.append(progress_label)
        return real(*args, progress_label=progress_label, **kwargs)

    monkeypatch.setattr(run, "simulate", spy)
    sc, plans = school_and_plans
    compare(sc, plans, replications=2, seed=2, progress=True)
    assert labels == ["Simulating the crowd plan", "Simulating the optimized plan"]
