"""Typed tables, figures on a given ax and escaped HTML summaries of Plan and Comparison."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import reopen_sim as rs
from reopen_sim.plan import TIMETABLE_COLUMNS

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def sc() -> rs.Scenario:
    return rs.load_scenario(SCENARIOS / "tiny-school.yaml")


@pytest.fixture(scope="module")
def cmp(sc: rs.Scenario) -> rs.Comparison:
    plans = {"baseline": rs.baseline_plan(sc), "optimized": rs.optimize(sc, time_limit_s=5, seed=0)}
    return rs.compare(sc, plans, replications=3, seed=1)


def test_plan_frame_dtypes_and_values(sc: rs.Scenario) -> None:
    plan = rs.baseline_plan(sc)
    f = plan.to_frame()
    assert list(f.columns) == list(TIMETABLE_COLUMNS)
    assert f["students"].dtype == "int64" and f["boarding"].dtype == bool
    assert isinstance(f["gate"].dtype, pd.CategoricalDtype) and isinstance(
        f["grade"].dtype, pd.CategoricalDtype
    )
    assert f["canteen_sitting"].dtype == "Int64" and f["class_id"].dtype == "string"
    for col in ("arrival_start", "arrival_end", "dismissal_time"):
        assert f[col].dtype == "timedelta64[ns]"
    text = plan.to_frame(text=True)
    # the same timetable: the typed times are the text times, the rows in the same order
    assert list(f["class_id"]) == list(text["class_id"])
    hhmm = f["arrival_start"].map(lambda td: f"{td.seconds // 3600:02d}:{td.seconds % 3600 // 60:02d}")
    assert list(hhmm) == list(text["arrival_start"])
    assert f["students"].sum() == sc.n_students


def test_plan_plot_draws_on_the_given_ax_with_class_names(sc: rs.Scenario) -> None:
    plan = rs.baseline_plan(sc)
    fig = Figure()
    ax = fig.add_subplot()
    assert plan.plot(sc, lang="zh", ax=ax) is fig
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "班" in texts or "个班" in texts
    assert isinstance(plan.plot(), Figure)


def test_plan_html_is_escaped(sc: rs.Scenario) -> None:
    plan = rs.baseline_plan(sc)
    a = plan.assignments[0]
    evil = rs.Plan((a.__class__(**{**a.__dict__, "gate": "<script>x</script>"}),))
    out = evil._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<table>" in plan._repr_html_() and str(sc.n_students) in plan._repr_html_()


def test_comparison_summary_forms(cmp: rs.Comparison) -> None:
    narrow = cmp.summary()
    assert list(narrow["plan"]) == ["baseline", "optimized"]
    assert isinstance(narrow["plan"].dtype, pd.CategoricalDtype)
    assert narrow["replications"].dtype == "int64" and narrow["last_through"].dtype == "timedelta64[ns]"
    minutes = cmp.value("optimized", "last_through_min")
    assert abs(narrow["last_through"].iloc[1].total_seconds() / 60 - minutes) < 1 / 60
    assert narrow["max_queue_people"].iloc[0] == pytest.approx(cmp.value("baseline", "max_queue_people"))
    long = cmp.summary("long")
    assert {"plan", "metric", "mean", "lo", "hi"} <= set(long.columns)
    assert isinstance(long["metric"].dtype, pd.CategoricalDtype)
    assert (long["lo"] <= long["mean"]).all() and (long["mean"] <= long["hi"]).all()


def test_comparison_plot_and_html(cmp: rs.Comparison) -> None:
    fig = cmp.plot()
    assert isinstance(fig, Figure) and len([a for a in fig.axes if a.get_visible()]) == 1  # one gate
    other = Figure()
    ax = other.add_subplot()
    assert cmp.plot(ax=ax) is other and ax.get_title()
    html = cmp._repr_html_()
    assert html.count("<tr>") == 3 and "optimized" in html


@pytest.fixture(scope="module")
def res(sc: rs.Scenario) -> rs.SimulationResult:
    return rs.simulate(sc, rs.baseline_plan(sc), replications=3, seed=1)


def test_result_tables_are_typed_and_match_the_raw_numbers(res: rs.SimulationResult) -> None:
    from reopen_sim.simulation.result import COUNT_METRICS, METRICS, TIME_OF_DAY_METRICS

    raw = res.metrics_raw()
    typed = res.metrics()
    assert typed["replication"].dtype == "int64"
    assert typed["gate"].dtype == pd.CategoricalDtype(res.gate_order())
    assert typed["whole_school"].dtype == bool and list(typed["whole_school"]) == list(raw["gate"] == "all")
    assert list(typed["gate"].astype(str)) == list(raw["gate"])
    for name in METRICS:
        if name in TIME_OF_DAY_METRICS:
            new = TIME_OF_DAY_METRICS[name]
            assert typed[new].dtype == "timedelta64[ns]" and name not in typed, name
            minutes = typed[new].dt.total_seconds().to_numpy(dtype=float) / 60
            got, want = minutes[~pd.isna(minutes)], raw[name].dropna().to_numpy()
            assert len(got) == len(want) and (abs(got - want) <= 1 / 120).all(), name  # to the second
        elif name in COUNT_METRICS:
            assert typed[name].dtype == "Int64", name
            assert typed[name].astype("Float64").equals(raw[name].astype("Float64")), name  # whole numbers
        else:
            assert typed[name].dtype == "float64" and typed[name].equals(raw[name]), name
    ts = res.timeseries()
    ts_raw = res.timeseries_raw()
    assert list(ts.columns) == [
        "replication",
        "gate",
        "time",
        "queue_people",
        "queue_m",
        "spill_people",
        "spill_m",
    ]
    assert ts["time"].dtype == "timedelta64[ns]" and isinstance(ts["gate"].dtype, pd.CategoricalDtype)
    assert ts["replication"].dtype == "int64"
    assert list(ts["time"].dt.total_seconds() / 60) == list(ts_raw["minute"].astype(float))
    assert ts["queue_people"].equals(ts_raw["queue_people"])


def test_result_summary_forms(res: rs.SimulationResult) -> None:
    narrow = res.summary()
    assert narrow["whole_school"].tolist() == [False, True]  # the one gate, then the school
    assert narrow["marked_places"].dtype == "Int64" and pd.isna(narrow["marked_places"].iloc[1])
    want = res.metrics().query("whole_school")["max_queue_people"].mean()
    assert narrow.loc[narrow["whole_school"], "max_queue_people"].iloc[0] == pytest.approx(want)
    long = res.summary("long")
    assert list(long.columns) == ["metric", "gate", "whole_school", "mean", "lo", "hi"]
    wide = res.gate_summary()  # the form of gate_summary.csv, unchanged
    row = long[(long["metric"] == "p95_wait_min") & (long["gate"] == "all")].iloc[0]
    assert row["lo"] == pytest.approx(wide.set_index("gate").loc["all", "p95_wait_min_lo"])
    assert res.gate_summary(form="narrow").equals(narrow)


def test_result_plot_and_html(res: rs.SimulationResult) -> None:
    fig = res.plot()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert any(line.get_linestyle() == "--" for line in ax.get_lines())  # the marked places
    other = Figure()
    assert res.plot(gate="all", ax=other.add_subplot()) is other
    html = res._repr_html_()
    assert "whole school" in html and html.count("<tr>") == 3


def test_sweep_plot_keeps_what_cannot_fit() -> None:
    from reopen_sim.plotting import sweep_plot

    rows = [
        {"lanes": 1, "peak": None, "s": 10},
        {"lanes": 2, "peak": 7.5, "s": 10},
        {"lanes": 1, "peak": 4.0, "s": 3},
    ]
    fig = sweep_plot(rows, x="lanes", y="peak", by="s")
    lines = fig.axes[0].get_lines()
    crosses = [ln for ln in lines if ln.get_marker() == "x" and len(ln.get_xdata())]
    assert len(crosses) == 1 and list(crosses[0].get_xdata()) == [1]
