"""The main job behind ``reopen-sim run`` and ``make demo``: validate, optimize, compare with the
baseline (and the school's current timetable), write the report. Progress and the final table go to
a rich console; errors the user can fix are raised as InputError / InfeasibleError for the CLI.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console, Group
from rich.table import Table

from reopen_sim.errors import notice_lines
from reopen_sim.experiment import Comparison, compare
from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.report.certificate import certificate_lines
from reopen_sim.report.figures import plan_label
from reopen_sim.report.linebreak import break_lines, widest_unbroken
from reopen_sim.report.write import check_out_dir, comparison_rows, write_report
from reopen_sim.signals import python_sigint_kept


@dataclass(frozen=True)
class JobResult:
    out_dir: Path
    comparison: Comparison
    violations: tuple[Any, ...]


def _widest_word(texts: list[str]) -> int:
    """Terminal cells of the longest run without a space or line break (where rich may not wrap)."""
    return max((cell_len(w) for text in texts for w in text.split()), default=1)


def comparison_table(comparison: Comparison, t: Catalogue, width: int | None = None) -> Group:
    """The comparison as rich tables: mean [95% CI] per plan, and the paired difference to the first.

    Each value sits above its interval. On a terminal ``width`` too narrow for the table as it is,
    each value column gets the width of its longest word (header, value or interval bound: nothing
    is folded inside a number or a word) and the measure names wrap at word boundaries (Chinese
    between characters) instead of squeezing the numbers; a wide terminal keeps every name on one
    line. When even that leaves no room for the names (four plans on 80 columns: ``run --current``),
    the plans are shown in several tables one under the other, each with the measures and the
    reference plan, as many plans in each as fit.
    """
    ref = plan_label(comparison.reference, t)
    rows = comparison_rows(comparison, t)
    columns: list[list[tuple[str, list[str]]]] = []  # per plan: its value column, then its difference's
    for i, n in enumerate(comparison.plans):
        cols = [(plan_label(n, t), [f"{r['cells'][i]['value']}\n{r['cells'][i]['ci']}" for r in rows])]
        if i:
            diffs = [f"{r['cells'][i]['diff']}\n{r['cells'][i]['diff_ci']}" for r in rows]
            cols.append((t("cli.col_diff", reference=ref), diffs))
        columns.append(cols)
    labels = [r["label"] for r in rows]
    shown = [list(range(len(columns)))]
    if width is not None and _label_room(columns, shown[0], width) < _least_label(labels):
        shown = _plans_that_fit(labels, columns, width)
    title = t("cli.table_title", reference=ref)
    heads = (t("col.metric"), title)
    return Group(*(_table(labels, columns, plans, heads, k == 0, width) for k, plans in enumerate(shown)))


# Cells a measure name needs at least beside the value columns (a few words, and its longest word
# whole); below it, the plans are shown in several tables.
MIN_LABEL_CELLS = 6


def _least_label(labels: list[str]) -> int:
    return max(MIN_LABEL_CELLS, *(widest_unbroken(label, cell_len) for label in labels))


def _frame(n_columns: int) -> int:
    """Cells of a table's borders and padding: a border and two spaces a column, one closing border."""
    return 3 * n_columns + 1


def _least(column: tuple[str, list[str]]) -> int:
    head, cells = column
    return _widest_word([head, *cells])


def _natural(column: tuple[str, list[str]]) -> int:
    head, cells = column
    return max(cell_len(line) for x in [head, *cells] for line in x.splitlines())


def _label_room(columns: list[list[tuple[str, list[str]]]], plans: list[int], width: int) -> int:
    """Cells left for the measure names when the value columns of ``plans`` take their least width."""
    cols = [c for i in plans for c in columns[i]]
    return width - _frame(len(cols) + 1) - sum(_least(c) for c in cols)


def _plans_that_fit(
    labels: list[str], columns: list[list[tuple[str, list[str]]]], width: int
) -> list[list[int]]:
    """The reference plan (0) and the others in order, as many in each table as leave the names room."""
    out: list[list[int]] = []
    for i in range(1, len(columns)):
        if out and _label_room(columns, [*out[-1], i], width) >= _least_label(labels):
            out[-1].append(i)
        else:
            out.append([0, i])
    return out or [[0]]


def _table(
    labels: list[str],
    columns: list[list[tuple[str, list[str]]]],
    plans: list[int],
    heads: tuple[str, str],
    titled: bool,
    width: int | None,
) -> Table:
    """One table: the measure names, then the value (and difference) columns of ``plans``; ``heads``
    are the names column's header and the title (shown on the first table only, ``titled``)."""
    cols = [c for i in plans for c in columns[i]]
    body = [[label, *(cells[k] for _, cells in cols)] for k, label in enumerate(labels)]
    label_w = max(cell_len(label) for label in labels)
    squeeze = width is not None and label_w + sum(_natural(c) for c in cols) + _frame(len(cols) + 1) > width
    table = Table(title=heads[1] if titled else None)
    label_room = (width or 0) - _frame(len(cols) + 1) - sum(_least(c) for c in cols)
    if squeeze and label_room >= MIN_LABEL_CELLS:  # room for a few words: else rich folds what it must
        # Measure names on several lines, broken as Chinese and English text are (not mid-word,
        # no bracket alone at a line's start or end), in the room the value columns leave.
        for cells in body:
            cells[0] = "\n".join(break_lines(cells[0], lambda s: cell_len(s) <= label_room))
    table.add_column(heads[0], justify="left", no_wrap=not squeeze, overflow="fold")
    for c in cols:
        table.add_column(c[0], justify="right", overflow="fold", width=_least(c) if squeeze else None)
    for cells in body:
        table.add_row(*cells)
    return table


def run_main_job(
    scenario_path: str | Path,
    out_dir: str | Path,
    *,
    current: str | Path | None = None,
    replications: int = 100,
    seed: int = 1,
    lang: str = "en",
    force: bool = False,
    time_limit_s: float = 30.0,
    solver_seed: int = 0,
    processes: int = 1,
    console: Console | None = None,
    certify: int | None = 10,
) -> JobResult:
    """Plan, prove and report. Plans compared: baseline (unstaggered, the reference), by hand,
    optimized, and current if given.

    Bad arguments and bad files fail before any work (InputError); an impossible school raises
    InfeasibleError with the optimizer's reasons. The output folder is written whole or not at all.
    ``certify`` (default 10 mornings, at most ``replications``, seeded with ``seed``; ``None`` = off)
    certifies the optimized plan by simulation before it is compared (docs/design.md, "Certification").
    """
    from reopen_sim.optimizer.baseline import baseline_plan
    from reopen_sim.optimizer.certify import window_limits
    from reopen_sim.optimizer.check import check_plan
    from reopen_sim.optimizer.solve import optimize
    from reopen_sim.plan import read_timetable
    from reopen_sim.scenario.load import load_scenario

    con = console or Console()
    t = load_catalogue(lang)
    check_out_dir(out_dir, force)
    sc = load_scenario(scenario_path)
    for line in notice_lines(sc.notices, t):  # what the loader noticed, once (a roster's total row...)
        con.print(line, markup=False, highlight=False, soft_wrap=True)
    current_plan = read_timetable(current, sc) if current is not None else None
    clock = {"start": time.perf_counter()}
    with con.status(t("cli.optimizing")), python_sigint_kept():
        n = min(certify, replications) if certify else None
        plan = optimize(sc, time_limit_s=time_limit_s, seed=solver_seed, certify=n, certify_seed=seed)
    clock["optimized"] = time.perf_counter()
    violations = tuple(check_plan(sc, plan, window_limits(plan)))  # a certified plan's simulated limits
    plans = {"baseline": baseline_plan(sc), "by_hand": baseline_plan(sc, "by_hand"), "optimized": plan}
    if current_plan is not None:
        plans["current"] = current_plan
    labels = {n: t("cli.simulating_plan", plan=t.get(f"plan.{n}", n)) for n in plans}
    cmp = compare(
        sc,
        plans,
        replications=replications,
        seed=seed,
        processes=processes,
        progress=True,
        progress_labels=labels,
    )
    clock["simulated"] = time.perf_counter()
    timings = {
        "optimize_s": round(clock["optimized"] - clock["start"], 3),
        "simulate_s": round(clock["simulated"] - clock["optimized"], 3),
    }
    with con.status(t("cli.writing")):
        out = write_report(
            sc,
            cmp,
            out_dir,
            lang=lang,
            force=force,
            run_info={
                "optimizer": {
                    "time_limit_s": time_limit_s,
                    "seed": solver_seed,
                    "num_workers": plan.meta["num_workers"],
                },
                "current_timetable": str(current) if current is not None else None,
                "check_plan_violations": [str(v) for v in violations],
            },
            timings=timings,
        )
    timings["write_s"] = round(time.perf_counter() - clock["simulated"], 3)
    con.print(comparison_table(cmp, t, width=con.width))
    kinds = {"baseline": "unstaggered", "by_hand": "by_hand", "optimized": "optimized", "current": "current"}
    for name in plans:  # what each compared plan is, in words
        line = t(
            "plan.kind.line", name=t.get(f"plan.{name}", name), description=t(f"plan.kind.{kinds[name]}")
        )
        con.print(line, markup=False, highlight=False)
    for line in certificate_lines(plan, t):
        con.print(line, markup=False, highlight=False)
    status = plan.meta.get("status", "?")
    con.print(t("cli.status", status=t.get(f"status.{status}", str(status))), markup=False, highlight=False)
    if violations:
        con.print(t("cli.problems", n=len(violations)), style="red", markup=False, highlight=False)
        for v in violations:
            con.print(f"  - {v.render(t)}", markup=False)
    con.print(t("cli.timings", **{k: f"{v:.1f}" for k, v in timings.items()}), markup=False, highlight=False)
    con.print(t("cli.report_at", path=out / "report.html"), markup=False, highlight=False)
    return JobResult(out, cmp, violations)
