"""A report an administrator can read: each plan's queue on its own scale, no empty canteen box,
classes named in the Gantt, the baseline and the optimizer's aims in words, the timetable in class
order, A4 pages and the fonts of a Chinese Windows machine."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import escape

import reopen_sim as rs
from reopen_sim.i18n import load_catalogue
from reopen_sim.plan import Plan
from reopen_sim.report.figures import compact_classes, gantt_windows, queue_grid
from reopen_sim.report.write import write_report
from test_report import parse, synthetic_comparison

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny() -> rs.Scenario:
    return rs.load_scenario(ROOT / "scenarios" / "tiny-school.yaml")


def test_each_plan_has_its_own_queue_panel_and_scale(tiny: rs.Scenario) -> None:
    cmp = synthetic_comparison(tiny)  # the baseline queues twice as long as the optimized plan
    fig = queue_grid(cmp.timeseries, {"gate": 60.0}, load_catalogue("en"))
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2  # one gate × two plans
    tops = [ax.get_ylim()[1] for ax in axes]
    peaks = [
        max(line.get_ydata().max() for line in ax.get_lines() if line.get_linestyle() == "-") for ax in axes
    ]
    # Each panel's scale follows its own queue: the mean's peak is never a flat line at the bottom.
    for top, peak in zip(tops, peaks, strict=True):
        assert peak > 0.15 * top
    assert tops[1] < tops[0]


def test_marked_places_line_or_note_in_every_panel(tiny: rs.Scenario) -> None:
    cmp = synthetic_comparison(tiny)
    for limit in (8.0, 500.0):
        fig = queue_grid(cmp.timeseries, {"gate": limit}, load_catalogue("en"))
        for ax in fig.axes:
            dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
            notes = [tx.get_text() for tx in ax.texts if "marked places" in tx.get_text()]
            assert bool(dashed) != bool(notes)  # the line when it fits the scale, else a note naming it
            if notes:
                assert str(round(limit)) in notes[0]


def test_compact_class_lists() -> None:
    sc = rs.load_scenario(ROOT / "scenarios" / "junior-middle.yaml")
    cls = {c.id: c for c in sc.classes}
    picked = [cls[i] for i in ("7-1", "7-2", "7-3", "7-5", "8-4")]
    assert compact_classes(picked, "zh") == ["初一（1–3、5）班", "初二（4）班"]
    assert compact_classes(picked, "en") == ["Grade 7: 1–3, 5", "Grade 8: 4"]


def test_gantt_names_classes_and_colours_mixed_windows_by_grade(tiny: rs.Scenario) -> None:
    day = tiny.day
    plan = rs.baseline_plan(tiny)  # every class in the first window: one bar, two grades
    fig = gantt_windows(plan, tiny, load_catalogue("zh"))
    ax = fig.axes[0]
    texts = " ".join(tx.get_text() for tx in ax.texts)
    assert "一年级（1–2）班" in texts and "二年级（1–2）班" in texts
    filled = {p.get_facecolor() for p in ax.patches if p.get_fill() and p.get_width() == day.window_min}
    assert len(filled) == 2  # the mixed window shows both grades' colours


def test_canteen_section_only_with_sittings(tiny: rs.Scenario, tmp_path: Path) -> None:
    data = tiny.model_dump(mode="json")
    data["canteen"] = {"mode": "sittings", "tables": 10, "seats_per_table": 8}
    sc = rs.scenario_from_dict(data, file="tiny-with-canteen")
    cmp = synthetic_comparison(sc, replications=3)
    cmp.plans.update(
        {k: Plan(tuple(replace(a, canteen_sitting=1) for a in p.assignments)) for k, p in cmp.plans.items()}
    )
    with_canteen = parse(write_report(sc, cmp, tmp_path / "sittings") / "report.html")
    without = parse(write_report(tiny, synthetic_comparison(tiny, 3), tmp_path / "delivered") / "report.html")
    assert "canteen" in with_canteen.ids and "canteen" not in without.ids
    assert load_catalogue("en")("fig.canteen_delivered") not in " ".join(without.text)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_defines_the_baseline_and_the_aims_in_words(
    tiny: rs.Scenario, tmp_path: Path, lang: str
) -> None:
    cmp = synthetic_comparison(tiny, replications=3)
    meta = {
        "status": "OPTIMAL",
        "objective": 29746.0,
        "terms": {"last_window": 2, "peak_utilisation_permille": 902, "walk_m": 726, "split_rooms": 0},
        "term_weights": {
            "last_window": 10000,
            "peak_utilisation_permille": 10,
            "walk_m": 1,
            "split_rooms": 300,
        },
        "arrival_ends": "08:20",
    }
    cmp.plans["optimized"] = Plan(cmp.plans["optimized"].assignments, meta=meta)
    t = load_catalogue(lang)
    html = (write_report(tiny, cmp, tmp_path / lang, lang=lang) / "report.html").read_text(encoding="utf-8")
    assert escape(t("comparison.baseline_def", baseline=t("plan.baseline"))) in html
    aims = [t(f"term.{k}", **f) for k, f in (("walk_m", {"m": 726}), ("split_rooms", {"n": 0}))]
    for sentence in aims:
        assert escape(sentence) in html
    assert escape(t("term.last_window", time="08:20", n=3)) in html
    assert escape(t("term.peak_utilisation_permille", pct=90.2)) in html
    # The objective's number is kept, but only in the details for specialists.
    solver = html[html.index('id="solver"') : html.index('id="assumptions"')]
    assert "29746" in solver[solver.index("<details>") :]
    assert "29746" not in solver[: solver.index("<details>")]


def test_timetable_in_class_order_with_school_names(tiny: rs.Scenario, tmp_path: Path) -> None:
    cmp = synthetic_comparison(tiny, replications=3)
    html = (write_report(tiny, cmp, tmp_path / "zh", lang="zh") / "report.html").read_text(encoding="utf-8")
    table = html[html.index('id="timetable"') : html.index('id="gantt"')]
    names = re.findall(r"[一二]年级（\d）班", table)
    assert names == ["一年级（1）班", "一年级（2）班", "二年级（1）班", "二年级（2）班"]


def test_a4_pages_and_chinese_system_fonts(tiny: rs.Scenario, tmp_path: Path) -> None:
    out = write_report(tiny, synthetic_comparison(tiny, 3), tmp_path / "o", lang="zh")
    css = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", css)
    stack = re.search(r"font-family:([^;]*);", css)
    assert stack is not None
    for font in ('"Microsoft YaHei"', '"PingFang SC"', '"Noto Sans CJK SC"', "SimSun", "sans-serif"):
        assert font in stack.group(1)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [80, 64])
def test_terminal_table_never_cuts_a_measure_name(tiny: rs.Scenario, lang: str, width: int) -> None:
    from rich.console import Console

    from reopen_sim.report.job import comparison_table
    from reopen_sim.report.write import comparison_rows

    t = load_catalogue(lang)
    cmp = synthetic_comparison(tiny, replications=3)
    con = Console(width=width, record=True, color_system=None)
    con.print(comparison_table(cmp, t))
    lines = con.export_text().splitlines()
    for row in comparison_rows(cmp, t):
        assert any(row["label"] in line for line in lines), row["label"]
