"""The real optimize + simulate through every executor, including a Dask LocalCluster: same figures."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
import yaml

from reopen_sim.district.load import District, load_district
from reopen_sim.district.sweep import SweepResult, sweep
from reopen_sim.generate import generate_school

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REPS = 3
TIME_LIMIT_S = 2.0


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> District:
    d = tmp_path_factory.mktemp("real")
    schools: list[dict[str, object]] = [
        {"scenario": generate_school(seed, n_students=120, kind=k, name=f"Tiny {k}")}
        for seed, k in ((21, "primary"), (22, "junior_middle"), (23, "high"))
    ]
    # the bundled tiny school squeezed into three windows: valid input, but its one gate cannot take
    # a grade a window (the solver finds no plan)
    tight = yaml.safe_load((SCENARIOS / "tiny-school.yaml").read_text(encoding="utf-8"))
    tight["school"]["name"] = "Tight Village School"
    tight["day"]["latest_arrival_at"] = "08:20"
    schools.append({"scenario": tight})
    (d / "broken.yaml").write_text("school: {name: Broken}\nclasses: 3\n", encoding="utf-8")
    schools.append({"path": "broken.yaml"})
    data = {
        "schools": schools,
        "what_ifs": [
            {"name": "baseline"},
            {"name": "spacing 1.5 m", "overrides": {"policy": {"queue_spacing_m": 1.5}}},
        ],
    }
    (d / "district.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_district(d / "district.yaml")


@pytest.fixture(scope="module")
def reference(district: District) -> SweepResult:
    return sweep(district, replications=REPS, seed=3, executor="inprocess", time_limit_s=TIME_LIMIT_S)


def _same(a: SweepResult, b: SweepResult) -> None:
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.status, b.status)
    assert a.timetables.keys() == b.timetables.keys()
    for k in a.timetables:
        pd.testing.assert_frame_equal(a.timetables[k], b.timetables[k])


def test_statuses_with_the_real_models(reference: SweepResult) -> None:
    st = reference.status.set_index(["school", "what_if"])["status"]
    assert (st.loc[["Tiny primary", "Tiny junior_middle", "Tiny high"]] == "ok").all()
    assert set(st.loc["Tight Village School"]) == {"infeasible"}
    reason = reference.status.set_index(["school", "what_if"]).loc[
        ("Tight Village School", "baseline"), "reason"
    ]
    assert len(reason) > 20  # the optimizer's plain-language explanation, whatever its wording
    assert set(st.loc["Broken"]) == {"invalid"}
    tt = reference.timetable("Tiny high")
    assert set(tt["class_id"]) and {"arrival_start", "gate", "rooms"} <= set(tt.columns)
    q = reference.table("max_queue_people")
    ok = ["Tiny primary", "Tiny junior_middle", "Tiny high"]
    assert q.loc[ok].notna().all().all() and q.drop(index=ok).isna().all().all()  # no plan: NaN
    # the default evaluator counts close contacts: classmates are close by rule, so at least the
    # pairs of each class (n(n-1)/2) are close; cross-class pairs are a small part of all pairs
    close = reference.table("close_pairs")["baseline"].dropna()
    cross = reference.table("cross_class_close_pairs")["baseline"]
    for school in close.index:
        sizes = reference.timetable(school)["students"].astype(int)
        assert close[school] >= (sizes * (sizes - 1) / 2).sum()
        assert 0 <= cross[school] < close[school]


def test_process_pool_and_dask_agree_with_in_process(district: District, reference: SweepResult) -> None:
    from distributed import LocalCluster

    _same(
        reference,
        sweep(district, replications=REPS, seed=3, executor="process", workers=2, time_limit_s=TIME_LIMIT_S),
    )
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        _same(
            reference,
            sweep(
                district,
                replications=REPS,
                seed=3,
                scheduler=cluster.scheduler_address,
                time_limit_s=TIME_LIMIT_S,
            ),
        )


def test_dask_local_cluster_started_for_you(district: District, reference: SweepResult) -> None:
    """executor="dask" without a scheduler: a LocalCluster of worker processes, closed afterwards."""
    _same(
        reference,
        sweep(district, replications=REPS, seed=3, executor="dask", workers=1, time_limit_s=TIME_LIMIT_S),
    )
