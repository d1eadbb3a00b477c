"""District report: risk ranking by hand, schools that cannot fit, files written whole; CLI sweep."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cli_support import SRC
from reopen_sim.district.store import TaskOutcome
from reopen_sim.district.sweep import SweepResult, assemble
from reopen_sim.report.district import (
    cannot_fit,
    risk_table,
    what_if_effects,
    what_if_table,
    write_district_report,
)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def _row(metric: str, mean: float) -> dict[str, object]:
    return {"metric": metric, "mean": mean, "lo": mean - 1, "hi": mean + 1, "n": 5}


@pytest.fixture
def result() -> SweepResult:
    def ok(school: str, w: str, queue: float, spill: float, late: float, reps: list[float]) -> TaskOutcome:
        return TaskOutcome(
            school,
            w,
            "ok",
            summary=[
                _row("max_queue_people", queue + 10),
                _row("worst_gate_max_queue_people", queue),
                _row("max_spill_people", spill),
                _row("late", late),
            ],
            timetable=[{"class_id": "1-1", "gate": "G1"}],
            replicates={"worst_gate_max_queue_people": reps},
        )

    outcomes = [
        ok("A", "base", 10, 0, 1, [10, 10, 10]),
        ok("A", "wide", 12, 1, 1, [12, 12.5, 11.5]),
        ok("B", "base", 30, 5, 0, [30, 31, 29]),
        ok("B", "wide", 40, 9, 0, [30, 29, 31]),
        ok("C", "base", 20, 5, 3, [20, 20, 20]),
        TaskOutcome("C", "wide", "infeasible", "gate G1 cannot screen grade 9"),
        TaskOutcome("D", "base", "invalid", "d.yaml: day: expected HH:MM"),
        TaskOutcome("D", "wide", "invalid", "d.yaml: day: expected HH:MM"),
    ]
    return assemble(
        outcomes,
        schools=("A", "B", "C", "D"),
        what_ifs=("base", "wide"),
        meta={
            "district": "Hand district",
            "replications": 5,
            "seed": 1,
            "time_limit_s": 1.0,
            "executor": "inprocess",
        },
    )


def test_risk_is_mean_rank_over_metrics(result: SweepResult) -> None:
    r = risk_table(result, "base").set_index("school")
    # queue ranks B1 C2 A3; spill B1 C1 A3 (ties share the best rank); late C1 A2 B3
    assert r.loc["B", "risk_score"] == pytest.approx((1 + 1 + 3) / 3)
    assert r.loc["C", "risk_score"] == pytest.approx((2 + 1 + 1) / 3)
    assert r.loc["A", "risk_score"] == pytest.approx((3 + 3 + 2) / 3)
    # D has no plan: listed first, as such, never dropped; the others ranked
    assert list(r.index) == ["D", "C", "B", "A"] and list(r["rank"].astype(object)) == [pd.NA, 1, 2, 3]
    assert list(r["status"]) == ["invalid", "ok", "ok", "ok"] and pd.isna(r.loc["D", "risk_score"])
    assert r.loc["B", "worst_gate_max_queue_people"] == 30  # the worst gate, not the whole-school figure
    wide = risk_table(result, "wide").set_index("school")
    assert wide.loc["C", "status"] == "infeasible" and list(wide.index[:2]) == ["C", "D"]


def test_cannot_fit_and_what_if_table(result: SweepResult) -> None:
    cf = cannot_fit(result)
    assert list(zip(cf["school"], cf["what_if"], cf["status"], strict=True)) == [
        ("C", "wide", "infeasible"),
        ("D", "base", "invalid"),
        ("D", "wide", "invalid"),
    ]
    w = what_if_table(result).set_index("what_if")
    assert w.loc["base", "ok"] == 3 and w.loc["wide", "infeasible"] == 1 and w.loc["wide", "invalid"] == 1
    assert w.loc["base", "median_peak_queue_people"] == 20 and w.loc["wide", "worst_peak_queue_people"] == 40
    assert w.loc["base", "late_students_total"] == 4


def test_what_if_effects_count_clear_changes(result: SweepResult) -> None:
    e = what_if_effects(result).set_index("what_if")
    # A: differences 2, 2.5, 1.5: 2 ± t(2) 0.5/√3 = 2 ± 1.24 > 0 (higher); B: 0, -2, 2 (no clear change); C: no plan
    assert e.loc["wide", ["schools", "higher", "lower", "no_clear_change"]].tolist() == [2, 1, 0, 1]
    assert e.loc["wide", "median_change"] == pytest.approx(1.0)  # median of the mean changes 2 and 0


def test_report_files_written_whole(result: SweepResult, tmp_path: Path) -> None:
    out = write_district_report(result, tmp_path / "report")
    html = (out / "district.html").read_text(encoding="utf-8")
    assert "Hand district" in html and "gate G1 cannot screen grade 9" in html and "d.yaml: day" in html
    assert "Change against base" in html
    for f in (
        "what_if_effects.csv",
        "replicates.csv",  # the hand-built result holds per-replication values
        "differences.csv",
        "summary.csv",
        "status.csv",
        "risk.csv",
        "what_ifs.csv",
        "results.xlsx",
        "figures/peak_queue_by_what_if.png",
        "timetables/A/base.csv",
    ):
        assert (out / f).is_file(), f
    pd.testing.assert_frame_equal(pd.read_csv(out / "status.csv", keep_default_na=False), result.status)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder left
    # a failing build leaves the previous report in place
    broken = SweepResult(
        summary=result.summary,
        status=result.status,
        timetables=result.timetables,
        schools=result.schools,
        what_ifs=result.what_ifs,
        meta={},
    )
    with pytest.raises(Exception):  # noqa: B017 - the template needs meta fields: any error will do
        write_district_report(broken, tmp_path / "report")
    assert "Hand district" in (out / "district.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reopen_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin", "COLUMNS": "200", "PYTHONPATH": str(SRC)},
    )


def test_cli_sweep_reports_resumes_and_exits(tmp_path: Path) -> None:
    from reopen_sim.generate import generate_school

    tight = yaml.safe_load((SCENARIOS / "tiny-school.yaml").read_text(encoding="utf-8"))
    tight["school"]["name"] = "Tight Village School"
    tight["day"]["latest_arrival_at"] = "08:20"  # three windows: the solver finds no plan
    data = {
        "district": {"name": "CLI district"},
        "schools": [
            {"scenario": generate_school(31, n_students=100, kind="high", name="Small High")},
            {"scenario": tight},
            {"path": "missing.yaml"},
        ],
        "what_ifs": [{"name": "baseline"}],
    }
    (tmp_path / "d.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    args = [
        "sweep",
        str(tmp_path / "d.yaml"),
        "-o",
        str(out),
        "-n",
        "2",
        "--executor",
        "inprocess",
        "--time-limit",
        "1",
    ]
    first = _cli(*args)
    assert first.returncode == 1, first.stderr  # the tight school has no plan, one file is missing
    assert "2 evaluated, 0 resumed" in first.stdout and "missing.yaml" in first.stdout
    st = pd.read_csv(out / "report" / "status.csv")
    assert list(st["status"]) == ["ok", "infeasible", "invalid"]
    second = _cli(*args)
    assert second.returncode == 1 and "0 evaluated, 2 resumed" in second.stdout
    zh = _cli(*args, "--lang", "zh")  # resumed again: the terminal and the report in Chinese
    assert zh.returncode == 1 and "沿用已完成的 2 项" in zh.stdout and "无法排出方案" in zh.stdout
    assert '<html lang="zh-Hans">' in (out / "report" / "district.html").read_text(encoding="utf-8")
    assert _cli("sweep", str(tmp_path / "nope.yaml"), "-o", str(out)).returncode == 2
    bad = _cli(*args[:-4], "--executor", "threads")
    assert bad.returncode == 2 and "executor" in bad.stderr and "threads" in bad.stderr


def test_schools_that_cannot_fit_are_in_every_figure(result: SweepResult) -> None:
    from reopen_sim.report.district import peak_queue_by_what_if, status_by_what_if, what_if_heatmap

    box = peak_queue_by_what_if(result).axes[0]
    ticks = [tk.get_text() for tk in box.get_xticklabels()]
    assert ticks == ["base\n1 cannot fit", "wide\n2 cannot fit"]  # D under base; C and D under wide
    marked = box.collections[0].get_offsets()
    assert len(marked) == 2  # a × above each box that has schools without a plan
    heat = what_if_heatmap(result).axes[0]
    crosses = sorted((round(tx.get_position()[0]), round(tx.get_position()[1])) for tx in heat.texts)
    # (column = what-if, row = school): D base, C wide, D wide
    assert crosses == [(0, 3), (1, 2), (1, 3)]
    bars = status_by_what_if(result).axes[0]
    labels = bars.get_legend_handles_labels()[1]
    assert "cannot fit" in labels and "invalid input" in labels


def test_report_in_chinese(result: SweepResult, tmp_path: Path) -> None:
    out = write_district_report(result, tmp_path / "report", lang="zh")
    html = (out / "district.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in html and "学校风险排序" in html and "无法排出方案" in html
    for english in ("Schools ranked", "cannot fit", "What-ifs across", "plan found", "Figures are"):
        assert english not in html
    en = write_district_report(result, tmp_path / "en")
    assert pd.read_csv(out / "risk.csv").equals(pd.read_csv(en / "risk.csv"))  # data files do not change
