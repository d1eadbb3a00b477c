"""Pictures and summaries that show themselves in a notebook.

``Plan.plot``, ``SimulationResult.plot`` and ``Comparison.plot`` return a matplotlib ``Figure``
made without pyplot (no global state, nothing shown twice). A bare ``Figure`` is drawn in Jupyter
only when the inline backend has registered its PNG formatter, which happens when pyplot is
imported; :func:`shown` registers the same formatter (IPython's own ``print_figure``) when it runs
inside IPython, so ``plan.plot()`` as the last line of a cell shows the picture in a fresh kernel.

:func:`html_table` is the small, escaped HTML table behind the ``_repr_html_`` of those objects.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reopen_sim.plan import Plan
    from reopen_sim.scenario.schema import Scenario

__all__ = ["html_table", "plan_gantt", "queue_panels", "shown", "sweep_plot"]


def shown(fig: Figure) -> Figure:
    """``fig``, with IPython told to draw any Figure as PNG when no formatter is registered yet.

    Outside IPython this does nothing (IPython is never imported by this package).
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return fig
    from matplotlib.figure import Figure as _Figure

    png = shell.display_formatter.formatters["image/png"]
    try:
        png.lookup_by_type(_Figure)
    except KeyError:
        from IPython.core.pylabtools import print_figure

        png.for_type(_Figure, lambda f: print_figure(f, "png", bbox_inches="tight"))
    return fig


def html_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str, notes: Iterable[str] = ()
) -> str:
    """A short HTML table; every cell, heading and note escaped (class and school names are user text)."""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(_cell(r.get(c, '')))}</td>" for c in columns) + "</tr>" for r in rows
    )
    foot = "".join(f"<p>{esc(n)}</p>" for n in notes)
    return f"<div><strong>{esc(title)}</strong><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}</div>"


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.1f}"
    return str(v)


class _PlanOnly:
    """What the report's Gantt reads of a scenario, when there is none: the plan's gates, in
    alphabetical order, and no class names (classes written from their ids)."""

    def __init__(self, plan: Plan) -> None:
        self.entrances: list[Any] = []
        self.classes: list[Any] = []


def plan_gantt(
    plan: Plan, scenario: Scenario | None = None, lang: str = "en", ax: Axes | None = None
) -> Figure:
    """The report's Gantt of arrival windows by gate (:func:`reopen_sim.report.figures.gantt_windows`):
    bars split by grade, labelled with the classes as schools write them and their students."""
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.report.figures import gantt_windows

    school: Any = scenario if scenario is not None else _PlanOnly(plan)
    return shown(gantt_windows(plan, school, load_catalogue(lang), ax=ax))


def queue_panels(
    timeseries: Any,
    limits: Mapping[str, float | None],
    gate: str | None = None,
    lang: str = "en",
    ax: Axes | None = None,
) -> Figure:
    """Students queuing over time with the 95% band per plan and the marked places as a dashed line:
    one panel per gate (two columns; the whole school ``"all"`` only when there is no gate), or only ``gate`` (on ``ax`` when given). ``timeseries`` has
    plan, replication, gate, minute, queue_people (``Comparison.timeseries``)."""
    import math

    from matplotlib.figure import Figure as _Figure

    from reopen_sim.i18n import load_catalogue
    from reopen_sim.report.figures import figure_style, queue_over_time

    t = load_catalogue(lang)
    if gate is not None or ax is not None:
        g = gate if gate is not None else "all"
        return shown(queue_over_time(timeseries, g, limits.get(g), t, ax=ax))
    gates = [g for g in limits if g != "all"] or ["all"]
    cols = 2 if len(gates) > 1 else 1
    rows = math.ceil(len(gates) / cols)
    with figure_style():
        fig = _Figure(figsize=(5.0 * cols, 3.0 * rows), layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False)
        for i, g in enumerate(gates):
            queue_over_time(timeseries, g, limits[g], t, ax=axes[i // cols][i % cols])
        for j in range(len(gates), rows * cols):
            axes[j // cols][j % cols].set_visible(False)
    return shown(fig)


def marked_places(scenario: Scenario | None, gates: Iterable[str]) -> dict[str, float | None]:
    """Gate -> marked queue places (open lanes × places a lane), None where unknown or for "all"."""
    known: dict[str, float] = {}
    if scenario is not None:
        from reopen_sim.report.figures import gate_limits_people

        known = gate_limits_people(scenario)
    return {g: known.get(g) for g in gates}


def clock(minutes: Any) -> Any:
    """Minutes since midnight (numbers or a Series) -> Timedelta since midnight (timedelta64[ns],
    rounded to the second)."""
    import numpy as np
    import pandas as pd

    seconds = np.round(np.asarray(minutes, dtype=float) * 60.0)
    return pd.Series(pd.to_timedelta(seconds, unit="s")).astype("timedelta64[ns]")


def sweep_plot(
    table: Any,
    x: str,
    y: str,
    by: str | None = None,
    lo: str | None = None,
    hi: str | None = None,
    title: str = "",
    ax: Axes | None = None,
) -> Figure:
    """One line of ``y`` against ``x`` per value of ``by`` in ``table`` (a DataFrame or a list of row
    dicts, e.g. a what-if sweep), with the interval
    ``lo``–``hi`` as error bars when given. Rows where ``y`` is missing (the what-if cannot fit) are
    drawn as crosses on the x axis, never dropped."""
    import pandas as pd

    from reopen_sim.report.figures import _axes, _colours, figure_style

    table = pd.DataFrame(table)  # a DataFrame, or a list of row dicts (None = missing)
    table[y] = table[y].astype(float)
    groups = list(dict.fromkeys(table[by])) if by else [None]
    with figure_style():
        fig, ax = _axes(ax, (7.0, 4.0))
        for group, colour in zip(groups, _colours(len(groups)), strict=True):
            part = (table[table[by] == group] if by else table).sort_values(x)
            ok = part[part[y].notna()]
            label = f"{by} = {group}" if by else y
            if lo and hi:
                err = [ok[y] - ok[lo], ok[hi] - ok[y]]
                ax.errorbar(ok[x], ok[y], yerr=err, color=colour, marker="o", capsize=3, label=label)
            else:
                ax.plot(ok[x], ok[y], color=colour, marker="o", label=label)
            missing = part[part[y].isna()]
            ax.plot(
                missing[x],
                [0.0] * len(missing),
                ls="none",
                marker="x",
                color=colour,
                markersize=9,
                clip_on=False,
            )
        if pd.api.types.is_integer_dtype(table[x]):
            from matplotlib.ticker import MaxNLocator

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_ylim(bottom=0)
        if title:
            ax.set_title(title)
        ax.legend(fontsize=8, title="× = cannot fit" if table[y].isna().any() else None)
    return shown(fig)


def hhmmss(td: Any) -> str:
    """A Timedelta since midnight as ``HH:MM:SS`` (the HTML summaries)."""
    import pandas as pd

    total = int(pd.Timedelta(td).total_seconds())
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
