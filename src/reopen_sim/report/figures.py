"""Report figures. Each takes DataFrames of the documented shapes (or a Plan), an optional ``ax``, and
returns the matplotlib Figure. Labels come from the translation catalogue ``t`` (English by default).

Shapes (see :class:`reopen_sim.experiment.Comparison`): ``timeseries`` has plan, replication, gate,
minute, queue_people; ``waits`` has plan, replication, gate, wait_min; ``contacts`` has plan,
replication, setting, contacts. Times of day are minutes since midnight, shown ``HH:MM``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from reopen_sim.i18n import Catalogue, load_catalogue
from reopen_sim.report.fonts import figure_rc
from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario, format_hhmm

if TYPE_CHECKING:
    from collections.abc import Iterator

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reopen_sim.plan import Plan


@contextmanager
def figure_style() -> Iterator[None]:
    """Draw (and save) inside this: CJK-capable font stack, reproducible SVG (see report.fonts)."""
    import matplotlib.pyplot as plt

    rc: Any = figure_rc()
    with plt.rc_context(rc):
        yield


def _axes(ax: Axes | None, size: tuple[float, float] = (8.0, 4.0)) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    if ax is not None:
        root = ax.get_figure(root=True)
        assert isinstance(root, Figure)
        return root, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _t(t: Catalogue | None) -> Catalogue:
    return t if t is not None else load_catalogue("en")


def plan_label(name: str, t: Catalogue) -> str:
    """Display name of a plan: translated for the known names (baseline, optimized, current)."""
    return t.get(f"plan.{name}", name)


def _hhmm_axis(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda x, _pos: format_hhmm(x)))


def _colours(n: int) -> list[Any]:
    import matplotlib

    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def compact_classes(classes: Sequence[Any], lang: str) -> list[str]:
    """Classes of one bar, one line per grade, as schools write them: ``初一（1–3、5）班`` /
    ``Grade 7: 1–3, 5`` (classes 1 to 3 and 5); classes with their own name or an id without a number are listed as they are."""
    from reopen_sim.naming import class_name, class_number, grade_name

    lines = []
    for grade in sorted({c.grade for c in classes}):
        mine = [c for c in classes if c.grade == grade]
        numbered = sorted(n for c in mine if not c.name and (n := class_number(c.id)) is not None)
        others = sorted(class_name(c, lang) for c in mine if c.name or class_number(c.id) is None)
        runs: list[str] = []
        for n in numbered:
            if runs and runs[-1].split("–")[-1] == str(n - 1):
                runs[-1] = runs[-1].split("–")[0] + f"–{n}"
            else:
                runs.append(str(n))
        if runs:
            sep = "、" if lang == "zh" else ", "
            joined = sep.join(runs)
            lines.append(
                f"{grade_name(grade, lang)}（{joined}）班" if lang == "zh" else f"Grade {grade}: {joined}"
            )
        lines.extend(others)
    return lines


def gantt_windows(
    plan: Plan, scenario: Scenario, t: Catalogue | None = None, ax: Axes | None = None
) -> Figure:
    """Arrival windows by gate: one bar per gate and window, split by grade (each part's height is
    its share of the bar's students), labelled with its classes (as schools write them) and students."""
    t = _t(t)
    with figure_style():
        gates = [e.id for e in scenario.entrances]
        extra = sorted({a.gate for a in plan.assignments} - set(gates))
        rows = gates + extra
        fig, ax = _axes(ax, (10.0, 1.0 + 1.1 * len(rows)))
        grades = sorted({a.grade for a in plan.assignments})
        colour = dict(zip(grades, _colours(len(grades)), strict=True))
        known = {c.id: c for c in scenario.classes}
        cells: dict[tuple[str, int, int], list[Any]] = {}
        for a in plan.assignments:
            cells.setdefault((a.gate, a.arrival_start_min, a.arrival_end_min), []).append(a)
        for (gate, start, end), group in sorted(cells.items()):
            y = rows.index(gate)
            total = sum(a.students for a in group)
            bottom = y - 0.4
            for g in sorted({a.grade for a in group}):
                h = 0.8 * sum(a.students for a in group if a.grade == g) / max(1, total)
                ax.bar(start, h, width=end - start, bottom=bottom, align="edge", color=colour[g], alpha=0.55)
                bottom += h
            ax.bar(start, 0.8, width=end - start, bottom=y - 0.4, align="edge", fill=False, edgecolor="black")
            classes = [known.get(a.class_id) or _Unnamed(a.class_id, a.grade) for a in group]
            lines = compact_classes(classes, t.lang)
            ax.text(
                start + (end - start) / 2,
                y,
                "\n".join([*lines, t("fig.students_n", n=total)]),
                ha="center",
                va="center",
                fontsize=7,
            )
        ax.set_yticks(range(len(rows)), [_gate_label(scenario, g) for g in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        _hhmm_axis(ax.xaxis)
        ax.set_xlabel(t("fig.time_of_day"))
        ax.set_ylabel(t("fig.gate"))
        ax.set_title(t("fig.gantt_title"))
        from matplotlib.patches import Patch

        from reopen_sim.naming import grade_name

        ax.legend(
            handles=[Patch(color=colour[g], alpha=0.55, label=grade_name(g, t.lang)) for g in grades],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
        )
    return fig


class _Unnamed:
    """A class of the plan that the scenario does not list: shown by its id."""

    def __init__(self, class_id: str, grade: int) -> None:
        self.id, self.grade, self.name = class_id, grade, None


def _gate_label(scenario: Scenario, gate: str) -> str:
    e = next((x for x in scenario.entrances if x.id == gate), None)
    return (e.name or e.id) if e is not None else gate


def queue_band(timeseries: pd.DataFrame, value: str = "queue_people", level: float = 0.95) -> pd.DataFrame:
    """Mean and t-interval of ``value`` across replications, per plan, gate and minute.

    Columns plan, gate, minute, mean, lo, hi. A replication without a row at a minute counts as 0
    (nobody queuing), so every mean is over all replications.
    """
    ts = timeseries.assign(_v=timeseries[value].astype(float), _sq=timeseries[value].astype(float) ** 2)
    reps = ts.groupby("plan")["replication"].nunique()
    out = (
        ts.groupby(["plan", "gate", "minute"])[["_v", "_sq"]]
        .sum()
        .reset_index()
        .rename(columns={"_v": "sum", "_sq": "sumsq"})
    )
    n = out["plan"].map(reps).astype(float)
    mean = out["sum"] / n
    var = ((out["sumsq"] - n * mean**2) / (n - 1)).clip(lower=0)
    half = stats.t.ppf((1 + level) / 2, (n - 1).clip(lower=1)) * np.sqrt(var / n)
    out["mean"] = mean
    out["lo"] = (mean - half).clip(lower=0)
    out["hi"] = mean + half
    return out[["plan", "gate", "minute", "mean", "lo", "hi"]]


def queue_over_time(
    timeseries: pd.DataFrame,
    gate: str,
    limit_people: float | None = None,
    t: Catalogue | None = None,
    ax: Axes | None = None,
    plans: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """Queue length (people) at one gate over time: mean per plan (``plans``, default all) with its
    95% band, and the marked-space limit (open lanes × marked places per lane) as a dashed line."""
    t = _t(t)
    with figure_style():
        fig, ax = _axes(ax)
        band = queue_band(timeseries[timeseries["gate"] == gate])
        every = list(dict.fromkeys(timeseries["plan"]))
        colours = dict(zip(every, _colours(len(every)), strict=True))
        peak = 0.0
        for plan in plans if plans is not None else every:
            b = band[band["plan"] == plan].sort_values("minute")
            if b.empty:
                continue
            colour = colours.get(plan, "black")
            ax.plot(b["minute"], b["mean"], color=colour, label=plan_label(plan, t), lw=1.2)
            ax.fill_between(b["minute"], b["lo"], b["hi"], color=colour, alpha=0.25, lw=0)
            peak = max(peak, float(b["hi"].max()))
        # The scale follows this panel's queue: a marked-places line far above it would flatten the
        # queue to nothing, so it is then named in a note at the top instead of drawn.
        top = max(peak * 1.25, 5.0)
        if limit_people is not None and limit_people <= 2 * top:
            ax.axhline(limit_people, color="firebrick", ls="--", lw=1, label=t("fig.marked_limit"))
            top = max(top, limit_people * 1.1)
        elif limit_people is not None:
            note = t("fig.marked_above", n=round(limit_people))
            ax.text(
                0.99, 0.97, note, transform=ax.transAxes, ha="right", va="top", fontsize=7, color="firebrick"
            )
        ax.set_ylim(0, top)
        _hhmm_axis(ax.xaxis)
        ax.set_title(title or t("fig.queue_title", gate=gate), fontsize=9)
        ax.set_xlabel(t("fig.time_of_day"))
        ax.set_ylabel(t("fig.queue_people"))
        ax.legend(fontsize=7, loc="upper left")
    return fig


def queue_grid(
    timeseries: pd.DataFrame,
    limits: Mapping[str, float],
    t: Catalogue | None = None,
    names: Mapping[str, str] | None = None,
) -> Figure:
    """:func:`queue_over_time` with one row per gate of ``limits`` and one column per plan, each
    panel on its own scale: a plan whose queue is a tenth of the baseline's stays readable.
    ``names`` gives the gates' display names (default: their ids)."""
    from matplotlib.figure import Figure

    t = _t(t)
    gates = list(limits)
    plans = list(dict.fromkeys(timeseries["plan"])) if not timeseries.empty else []
    cols = max(1, len(plans))
    with figure_style():
        fig = Figure(figsize=(4.2 * cols, 2.6 * max(1, len(gates))), layout="constrained")
        axes = fig.subplots(max(1, len(gates)), cols, squeeze=False)
        for i, gate in enumerate(gates):
            gate_name = (names or {}).get(gate, gate)
            for j, plan in enumerate(plans):
                title = f"{t('fig.queue_title', gate=gate_name)} · {plan_label(plan, t)}"
                queue_over_time(timeseries, gate, limits[gate], t, axes[i][j], plans=[plan], title=title)
    return fig


def wait_distribution(waits: pd.DataFrame, t: Catalogue | None = None, ax: Axes | None = None) -> Figure:
    """Distribution of each student's wait to be screened, per plan: empirical CDF over all replications."""
    t = _t(t)
    with figure_style():
        fig, ax = _axes(ax)
        plans = list(dict.fromkeys(waits["plan"])) if not waits.empty else []
        for plan, colour in zip(plans, _colours(len(plans)), strict=True):
            w = np.sort(waits.loc[waits["plan"] == plan, "wait_min"].to_numpy(dtype=float))
            if w.size == 0:
                continue
            ax.step(
                w, np.arange(1, w.size + 1) / w.size, where="post", color=colour, label=plan_label(plan, t)
            )
        ax.set_title(t("fig.wait_title"))
        ax.set_xlabel(t("fig.wait_min"))
        ax.set_ylabel(t("fig.share_students"))
        ax.set_ylim(0, 1.01)
        ax.set_xlim(left=0)
        if plans:
            ax.legend(fontsize=8)
    return fig


def canteen_occupancy(
    plans: Mapping[str, Plan], scenario: Scenario, t: Catalogue | None = None, ax: Axes | None = None
) -> Figure:
    """Students per canteen sitting for each plan, against the distanced seats of a sitting
    (``derived(scenario).canteen_seats``). When meals are delivered, says so."""
    t = _t(t)
    with figure_style():
        fig, ax = _axes(ax)
        ax.set_title(t("fig.canteen_title"))
        if scenario.canteen.mode != "sittings":
            ax.text(0.5, 0.5, t("fig.canteen_delivered"), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        names = list(plans)
        sittings = sorted(
            {a.canteen_sitting for p in plans.values() for a in p.assignments if a.canteen_sitting}
        )
        width = 0.8 / max(1, len(names))
        for i, (name, colour) in enumerate(zip(names, _colours(len(names)), strict=True)):
            counts = [
                sum(a.students for a in plans[name].assignments if a.canteen_sitting == s) for s in sittings
            ]
            ax.bar(
                np.arange(len(sittings)) + (i - (len(names) - 1) / 2) * width,
                counts,
                width,
                color=colour,
                label=plan_label(name, t),
            )
        seats = derived(scenario).canteen_seats
        ax.axhline(seats, color="firebrick", ls="--", lw=1, label=t("fig.canteen_seats"))
        ax.set_xticks(
            range(len(sittings)),
            [
                f"{t('fig.sitting_n', n=s)}\n{format_hhmm(cap.sitting_start_min(scenario.canteen, s))}"
                for s in sittings
            ],
        )
        ax.set_ylabel(t("fig.students"))
        ax.legend(fontsize=8)
    return fig


def contacts_by_setting(contacts: pd.DataFrame, t: Catalogue | None = None, ax: Axes | None = None) -> Figure:
    """Student pairs in contact (any duration) by setting (gate queue, screening, canteen, room, dorm,
    dismissal queue), mean per morning for each plan with a 95% t-interval."""
    t = _t(t)
    with figure_style():
        fig, ax = _axes(ax)
        ax.set_title(t("fig.contacts_title"))
        if contacts.empty:
            ax.text(0.5, 0.5, t("fig.no_data"), ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        names = list(dict.fromkeys(contacts["plan"]))
        settings: Sequence[str] = list(dict.fromkeys(contacts["setting"]))
        width = 0.8 / len(names)
        for i, (name, colour) in enumerate(zip(names, _colours(len(names)), strict=True)):
            sub = contacts[contacts["plan"] == name]
            means, errs = [], []
            for s in settings:
                vals = sub.loc[sub["setting"] == s].groupby("replication")["contacts"].sum()
                vals = vals.reindex(sorted(sub["replication"].unique()), fill_value=0).to_numpy(dtype=float)
                m = float(vals.mean()) if vals.size else 0.0
                half = (
                    float(stats.t.ppf(0.975, vals.size - 1) * vals.std(ddof=1) / math.sqrt(vals.size))
                    if vals.size > 1
                    else 0.0
                )
                means.append(m)
                errs.append(half)
            ax.bar(
                np.arange(len(settings)) + (i - (len(names) - 1) / 2) * width,
                means,
                width,
                yerr=errs,
                capsize=3,
                color=colour,
                label=plan_label(name, t),
            )
        ax.set_xticks(range(len(settings)), [t.get(f"setting.{s}", s) for s in settings])
        ax.set_ylabel(t("fig.contact_pairs"))
        ax.legend(fontsize=8)
    return fig


def gate_limits_people(scenario: Scenario) -> dict[str, float]:
    """Marked queue places per gate: open lanes × ⌊queue length ÷ spacing⌋ (``derived`` capacities)."""
    places = derived(scenario).queue_places
    return {e.id: float(n) for e, n in zip(scenario.entrances, places, strict=True)}
