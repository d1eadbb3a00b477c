"""run's terminal table on an 80-column terminal (and narrower): no header, plan name, value or
interval is folded inside a word or number; measure names are wrapped at word boundaries if need be,
never cut. Checked on a real comparison of three (and four) plans, in English and Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.console import Console

import reopen_sim as rs
from cli_support import ROOT, run_cli
from reopen_sim.experiment import Comparison, compare
from reopen_sim.i18n import load_catalogue
from reopen_sim.optimizer.baseline import baseline_plan
from reopen_sim.report.figures import plan_label
from reopen_sim.report.job import comparison_table
from reopen_sim.report.linebreak import _NO_LINE_END, _NO_LINE_START
from reopen_sim.report.write import comparison_rows
from test_simulate_support import simple_plan

TINY = ROOT / "scenarios" / "tiny-school.yaml"
CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def comparisons() -> dict[int, Comparison]:
    sc = rs.load_scenario(TINY)
    plans = {
        "baseline": baseline_plan(sc),
        "by_hand": baseline_plan(sc, "by_hand"),
        "optimized": simple_plan(sc),
    }
    four = {**plans, "current": simple_plan(sc)}
    return {3: compare(sc, plans, replications=3, seed=1), 4: compare(sc, four, replications=3, seed=1)}


def columns(text: str) -> list[list[str]]:
    """The text of each column, top to bottom (header and body), from a rendered rich table."""
    out: list[list[str]] = []
    for line in text.splitlines():
        parts = re.split(r"[│┃]", line)
        if len(parts) < 3:
            continue
        cells = parts[1:-1]
        out += [[] for _ in range(len(cells) - len(out))]
        for i, cell in enumerate(cells):
            out[i].append(cell.strip())
    return out


def broken(words: list[str], column: list[str]) -> list[str]:
    """The words (runs without spaces) that appear on no single line of the column: folded inside."""
    return [w for w in words if not any(w in line for line in column)]


def cjk_intact(text: str, column: list[str]) -> bool:
    """A Chinese measure name may wrap between any two characters: joined, the column holds it."""
    return "".join(text.split()) in "".join("".join(column).split())


def render(cmp: Comparison, lang: str, width: int) -> str:
    con = Console(width=width, record=True, color_system=None)
    con.print(comparison_table(cmp, load_catalogue(lang), width=width))
    return con.export_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("n_plans", "width"), [(3, 80), (4, 110)])  # run, and run --current
def test_nothing_is_folded_inside_a_word(
    comparisons: dict[int, Comparison], lang: str, width: int, n_plans: int
) -> None:
    cmp = comparisons[n_plans]
    t = load_catalogue(lang)
    text = render(cmp, lang, width)
    assert max(len(line) for line in text.splitlines()) <= width
    cols = columns(text)
    rows = comparison_rows(cmp, t)
    labels = [r["label"] for r in rows]
    if lang == "en":
        assert broken([w for label in labels for w in label.split()], cols[0]) == [], cols[0]
    assert all(cjk_intact(label, cols[0]) for label in labels), cols[0]
    assert not [x for x in cols[0] if x[:1] in _NO_LINE_START or x[-1:] in _NO_LINE_END], cols[0]
    j = 1
    for i, name in enumerate(cmp.plans):
        header = [c["value"] for c in [r["cells"][i] for r in rows]] + [r["cells"][i]["ci"] for r in rows]
        words = [w for text_ in header for w in text_.split()]
        assert broken([*words, *plan_label(name, t).split()], cols[j]) == [], (name, cols[j])
        j += 1
        if i:
            diff = [w for r in rows for w in f"{r['cells'][i]['diff']} {r['cells'][i]['diff_ci']}".split()]
            head = t("cli.col_diff", reference=plan_label(cmp.reference, t))
            assert broken([*diff, *head.split()], cols[j]) == [], (head, cols[j])
            j += 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_wide_terminal_keeps_each_measure_on_one_line(
    comparisons: dict[int, Comparison], lang: str
) -> None:
    text = render(comparisons[3], lang, 160)
    for row in comparison_rows(comparisons[3], load_catalogue(lang)):
        assert any(row["label"] in line for line in text.splitlines()), row["label"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_run_at_80_columns(lang: str, tmp_path: Path) -> None:
    """The real command on an 80-column terminal: the difference header in whole words."""
    res = run_cli(
        "run",
        str(TINY),
        "-o",
        str(tmp_path / "out"),
        "-n",
        "2",
        "--time-limit",
        "5",
        "--lang",
        lang,
        columns=80,
    )
    assert res.returncode == 0, res.stderr
    t = load_catalogue(lang)
    head = t("cli.col_diff", reference=t("plan.baseline"))
    table = res.stdout[res.stdout.index("┏") : res.stdout.index("┡")]
    cols = columns(table)
    diff_cols = [c for c in cols if cjk_intact(head, c)]  # the header's text, however it is wrapped
    assert len(diff_cols) == 2, table
    for col in diff_cols:
        assert broken(head.split(), col) == [], table


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [80, 72])
def test_four_plans_on_a_narrow_terminal_are_shown_in_tables_that_fit(
    comparisons: dict[int, Comparison], lang: str, width: int
) -> None:
    """``run --current`` on 80 columns: no room for the measure names beside seven value columns, so
    the plans go into several tables, each with the names and the reference plan, none folded."""
    cmp = comparisons[4]
    t = load_catalogue(lang)
    text = render(cmp, lang, width)
    assert max(len(line) for line in text.splitlines()) <= width
    tables = ["┏" + part for part in text.split("┏")[1:]]
    assert len(tables) >= 2
    rows = comparison_rows(cmp, t)
    labels = [r["label"] for r in rows]
    ref = plan_label(cmp.reference, t)
    seen = []
    for table in tables:
        cols = columns(table)
        if lang == "en":
            assert broken([w for label in labels for w in label.split()], cols[0]) == [], cols[0]
        assert all(cjk_intact(label, cols[0]) for label in labels), cols[0]
        assert cjk_intact(ref, cols[1])  # every table has the reference plan beside the names
        for i, name in enumerate(cmp.plans):
            values = [w for r in rows for w in f"{r['cells'][i]['value']} {r['cells'][i]['ci']}".split()]
            shown = [c for c in cols[1:] if cjk_intact(plan_label(name, t), c)]
            if shown and i:
                seen.append(name)
                assert broken([*values, *plan_label(name, t).split()], shown[0]) == [], (name, shown[0])
    assert sorted(seen) == sorted(list(cmp.plans)[1:])  # each other plan in one of the tables
