"""The district report: schools ranked by risk, the schools that cannot fit and why, what-ifs compared.

Risk ranking (a Borda count, so metrics in different units combine without weights): for each
risk metric - worst gate's peak queue (people), peak spill beyond the marked queue (people),
late students, and cross-class close contacts when the sweep computed them - schools are ranked
from worst (1) to best; a school's *risk score* is its mean rank, and the table is sorted by it.
Means are over replications with 95 % t-intervals (see ``district.sweep``).

Output (:func:`write_district_report`) is written whole or not at all (``report.write.atomic_output``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from reopen_sim.district.sweep import SweepResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from reopen_sim.i18n import Catalogue

# (metric in the sweep summary, fallback, column label). Higher is riskier for all of them.
RISK_METRICS: tuple[tuple[str, str, str], ...] = (
    ("worst_gate_max_queue_people", "max_queue_people", "peak queue at a gate (people)"),
    ("max_spill_people", "max_spill_people", "spill beyond the marked queue (people)"),
    ("late", "late", "late students"),
    ("cross_class_close_pairs", "cross_class_close_pairs", "close contacts across classes (pairs)"),
)
PROBLEM_STATUSES = ("invalid", "infeasible", "error")


def _metric_for(result: SweepResult, metric: str, fallback: str) -> str | None:
    present = set(result.summary["metric"])
    if metric in present:
        return metric
    return fallback if fallback in present else None


def risk_table(result: SweepResult, what_if: str | None = None) -> pd.DataFrame:
    """Every school concerned by ``what_if`` (default: the first): first those that cannot fit
    (``status`` infeasible/invalid/error, ``rank`` and figures empty), then those with a plan ranked
    by risk score (``status`` ok, ``rank`` 1, 2, ...). Schools the what-if does not concern
    (``skipped``) are left out.

    Columns: ``rank`` (nullable integer), ``school``, ``status``, ``risk_score``, then ``<metric>``,
    ``<metric>_lo``, ``<metric>_hi`` for each risk metric the sweep has.
    """
    w = what_if or result.what_ifs[0]
    rows = result.summary[result.summary["what_if"] == w]
    schools = [s for s in result.schools if s in set(rows["school"])]
    out = pd.DataFrame({"school": schools})
    ranks = []
    for metric, fallback, _label in RISK_METRICS:
        m = _metric_for(result, metric, fallback)
        if m is None:
            continue
        sub = rows[rows["metric"] == m].set_index("school").reindex(schools)
        out[m] = sub["mean"].to_numpy(dtype=float)
        out[f"{m}_lo"] = sub["lo"].to_numpy(dtype=float)
        out[f"{m}_hi"] = sub["hi"].to_numpy(dtype=float)
        ranks.append(out[m].rank(ascending=False, method="min", na_option="bottom"))
    out["risk_score"] = pd.concat(ranks, axis=1).mean(axis=1) if ranks else float("nan")
    out = out.sort_values(["risk_score", "school"], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", pd.Series(range(1, len(out) + 1), dtype="Int64", index=out.index))
    out.insert(2, "status", "ok")
    st = result.status[(result.status["what_if"] == w) & result.status["status"].isin(PROBLEM_STATUSES)]
    no_plan = pd.DataFrame(
        {"rank": pd.array([None] * len(st), dtype="Int64"), "school": st["school"], "status": st["status"]}
    )
    cols = [
        "rank",
        "school",
        "status",
        "risk_score",
        *(c for c in out.columns if c not in ("rank", "school", "status", "risk_score")),
    ]
    both = pd.concat([no_plan, out], ignore_index=True) if len(no_plan) else out
    return both.reindex(columns=cols).reset_index(drop=True)


def cannot_fit(result: SweepResult) -> pd.DataFrame:
    """Schools × what-ifs with no plan: status ``invalid``/``infeasible``/``error`` and the reason."""
    st = result.status
    return st[st["status"].isin(PROBLEM_STATUSES)].reset_index(drop=True)


def what_if_table(result: SweepResult) -> pd.DataFrame:
    """Per what-if: schools by status, and the district's median and worst peak queue, total late."""
    rows = []
    for w in result.what_ifs:
        st = result.status[result.status["what_if"] == w]["status"].value_counts()
        row: dict[str, Any] = {
            "what_if": w,
            **{s: int(st.get(s, 0)) for s in ("ok", "infeasible", "invalid", "skipped", "error")},
        }
        s = result.summary[result.summary["what_if"] == w]
        q = _metric_for(result, *RISK_METRICS[0][:2])
        if q is not None:
            peaks = s[s["metric"] == q]["mean"]
            row["median_peak_queue_people"] = float(peaks.median()) if len(peaks) else float("nan")
            row["worst_peak_queue_people"] = float(peaks.max()) if len(peaks) else float("nan")
        if "late" in set(s["metric"]):
            row["late_students_total"] = float(s[s["metric"] == "late"]["mean"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def what_if_effects(
    result: SweepResult, metric: str | None = None, reference: str | None = None
) -> pd.DataFrame:
    """Per what-if, against ``reference`` (default: the first what-if), school by school:
    how many schools' ``metric`` (default: the worst gate's peak queue) is clearly higher (paired
    95 % interval above 0), clearly lower (below 0), or not clearly changed; and the median change."""
    metric = metric or _metric_for(result, *RISK_METRICS[0][:2])
    ref = reference or result.what_ifs[0]
    cols = [
        "what_if",
        "metric",
        "reference",
        "schools",
        "higher",
        "lower",
        "no_clear_change",
        "median_change",
    ]
    if metric is None:
        return pd.DataFrame(columns=cols)
    d = result.differences(metric, ref)
    rows = []
    for w in result.what_ifs:
        if w == ref:
            continue
        g = d[d["what_if"] == w]
        higher = int((g["lo"] > 0).sum())
        lower = int((g["hi"] < 0).sum())
        rows.append(
            {
                "what_if": w,
                "metric": metric,
                "reference": ref,
                "schools": len(g),
                "higher": higher,
                "lower": lower,
                "no_clear_change": len(g) - higher - lower,
                "median_change": float(g["mean"].median()) if len(g) else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=cols)


# --------------------------------------------------------------------------------------------
# Figures (each takes an optional ax and returns its figure)
# --------------------------------------------------------------------------------------------


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    if ax is not None:
        fig = ax.get_figure(root=True)
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.add_subplot()


def _cat(t: Catalogue | None) -> Catalogue:
    from reopen_sim.i18n import load_catalogue

    return t if t is not None else load_catalogue("en")


def _no_plan(result: SweepResult) -> pd.DataFrame:
    """School × what-if table of True where the school cannot fit (infeasible, invalid, error)."""
    st = result.status.assign(bad=result.status["status"].isin(PROBLEM_STATUSES))
    wide = st.pivot(index="school", columns="what_if", values="bad")
    return wide.reindex(index=list(result.schools), columns=list(result.what_ifs)).fillna(False).astype(bool)


def peak_queue_by_what_if(result: SweepResult, ax: Axes | None = None, t: Catalogue | None = None) -> Figure:
    """Box plot over schools of the worst gate's peak queue, one box per what-if; the schools that
    cannot fit under a what-if are counted under its box and marked × above it (never dropped)."""
    t = _cat(t)
    from reopen_sim.report.figures import figure_style

    with figure_style():
        fig, ax = _axes(ax, (max(6.0, 1.3 * len(result.what_ifs)), 4.4))
        metric = _metric_for(result, *RISK_METRICS[0][:2])
        bad = _no_plan(result).sum(axis=0)
        data, labels = [], []
        for w in result.what_ifs:
            s = result.summary[(result.summary["what_if"] == w) & (result.summary["metric"] == metric)]
            data.append(s["mean"].to_numpy())
            n_bad = int(bad.get(w, 0))
            labels.append(f"{w}\n{t('district.fig.n_cannot_fit', n=n_bad)}" if n_bad else w)
        ax.boxplot(data, tick_labels=labels, showmeans=True)
        top = max((float(x.max()) for x in data if len(x)), default=1.0)
        xs = [i + 1 for i, w in enumerate(result.what_ifs) if int(bad.get(w, 0))]
        if xs:
            ax.scatter(
                xs,
                [top * 1.08 + 0.5] * len(xs),
                marker="x",
                s=60,
                color="#d1495b",
                label=t("district.fig.cannot_fit_marker"),
                zorder=3,
            )
            ax.legend(loc="upper left", fontsize=8)
        ax.set_ylabel(t("district.fig.peak_queue_ylabel"))
        ax.set_title(t("district.fig.peak_queue_title"))
        ax.tick_params(axis="x", rotation=20)
    return fig


_STATUS_COLOURS = {
    "ok": "#4c9f70",
    "infeasible": "#d1495b",
    "invalid": "#edae49",
    "skipped": "#bbbbbb",
    "error": "#333333",
}


def status_by_what_if(result: SweepResult, ax: Axes | None = None, t: Catalogue | None = None) -> Figure:
    """Stacked bars: how many schools have a plan, cannot fit, or are skipped, per what-if."""
    t = _cat(t)
    from matplotlib.ticker import MaxNLocator

    from reopen_sim.report.figures import figure_style

    with figure_style():
        fig, ax = _axes(ax, (max(6.0, 1.3 * len(result.what_ifs)), 3.6))
        table = what_if_table(result).set_index("what_if")
        bottom = pd.Series(0, index=table.index, dtype=float)
        for s, c in _STATUS_COLOURS.items():
            if table[s].sum():
                ax.bar(table.index, table[s], bottom=bottom, color=c, label=t(f"district.status.{s}"))
                bottom += table[s]
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(t("district.fig.schools"))
        ax.set_title(t("district.fig.status_title"))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
        ax.tick_params(axis="x", rotation=20)
    return fig


def what_if_heatmap(result: SweepResult, ax: Axes | None = None, t: Catalogue | None = None) -> Figure:
    """School × what-if grid of the worst gate's peak queue; × where the school cannot fit,
    blank where the what-if does not concern it."""
    t = _cat(t)
    from reopen_sim.report.figures import figure_style

    metric = _metric_for(result, *RISK_METRICS[0][:2])
    table = result.table(metric) if metric else pd.DataFrame()
    table = table.reindex(index=list(result.schools), columns=list(result.what_ifs))
    bad = _no_plan(result)
    with figure_style():
        fig, ax = _axes(
            ax, (max(6.0, 1.2 * len(result.what_ifs)), max(3.0, 0.28 * len(result.schools) + 1.5))
        )
        im = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="Reds")
        for i, school in enumerate(table.index):
            for j, w in enumerate(table.columns):
                if bad.loc[school, w]:
                    ax.text(j, i, "×", ha="center", va="center", color="#d1495b", fontsize=11, weight="bold")
        ax.set_xticks(range(len(table.columns)), list(table.columns), rotation=30, ha="right")
        ax.set_yticks(range(len(table.index)), list(table.index), fontsize=7)
        fig.colorbar(im, ax=ax, label=t("district.fig.heatmap_cbar"))
        ax.set_title(t("district.fig.heatmap_title"))
    return fig


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-") or "x"


def _fmt(v: Any, lo: Any = None, hi: Any = None) -> str:
    if v is None or pd.isna(v):
        return "–"
    text = f"{v:.1f}"
    if lo is not None and not pd.isna(lo):
        text += f" ({lo:.1f}–{hi:.1f})"
    return text


_XLSX_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
_XLSX_TIME = "1980-01-01T00:00:00Z"


def _reproducible_xlsx(path: Path) -> None:
    """Rewrite an openpyxl workbook so that it holds no clock time: fixed creation and modification
    dates in ``docProps/core.xml`` and fixed zip entry dates (same tables, same bytes)."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{_XLSX_TIME}\g<2>", text)
                data = text.encode("utf-8")
            dst.writestr(zipfile.ZipInfo(name, date_time=_XLSX_EPOCH), data, zipfile.ZIP_DEFLATED)


_FIGURES: tuple[tuple[str, Any, str], ...] = (
    ("peak_queue_by_what_if", peak_queue_by_what_if, "district.fig.peak_queue_caption"),
    ("status_by_what_if", status_by_what_if, "district.fig.status_caption"),
    ("peak_queue_heatmap", what_if_heatmap, "district.fig.heatmap_caption"),
)


def _write_tables(
    result: SweepResult, tmp: Path, risk: pd.DataFrame, per_what_if: pd.DataFrame, effects: pd.DataFrame
) -> None:
    """The CSV files, results.xlsx (no clock time inside) and one timetable CSV per plan."""
    result.summary.to_csv(tmp / "summary.csv", index=False)
    result.status.to_csv(tmp / "status.csv", index=False)
    risk.to_csv(tmp / "risk.csv", index=False)
    per_what_if.to_csv(tmp / "what_ifs.csv", index=False)
    effects.to_csv(tmp / "what_if_effects.csv", index=False)
    result.paired.to_csv(tmp / "differences.csv", index=False)
    if len(result.replicates):  # only when the sweep kept them (their size grows with replications)
        result.replicates.to_csv(tmp / "replicates.csv", index=False)
    with pd.ExcelWriter(tmp / "results.xlsx") as xl:
        risk.to_excel(xl, sheet_name="risk", index=False)
        per_what_if.to_excel(xl, sheet_name="what-ifs", index=False)
        effects.to_excel(xl, sheet_name="effects", index=False)
        result.status.to_excel(xl, sheet_name="status", index=False)
        result.summary.to_excel(xl, sheet_name="summary", index=False)
    _reproducible_xlsx(tmp / "results.xlsx")
    for (school, wi), tt in result.timetables.items():
        d = tmp / "timetables" / _slug(school)
        d.mkdir(parents=True, exist_ok=True)
        tt.to_csv(d / f"{_slug(wi)}.csv", index=False)


def write_district_report(
    result: SweepResult, out_dir: str | Path, what_if: str | None = None, lang: str = "en"
) -> Path:
    """Write ``out_dir``: district.html (in ``lang``: en or zh), summary/status/risk CSV,
    results.xlsx, figures, timetables. CSV and workbook columns are the same in every language.

    Built in a temporary folder and renamed into place (a previous report there is replaced).
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from reopen_sim import __version__
    from reopen_sim.i18n import load_catalogue
    from reopen_sim.report.write import atomic_output, save_figure

    t = load_catalogue(lang)
    w = what_if or result.what_ifs[0]
    risk = risk_table(result, w)
    problems = cannot_fit(result)
    per_what_if = what_if_table(result)
    effects = what_if_effects(result)

    def build(tmp: Path) -> None:
        _write_tables(result, tmp, risk, per_what_if, effects)
        figdir = tmp / "figures"
        figdir.mkdir()
        figures = []
        if len(result.status):
            for stem, fn, caption in _FIGURES:
                save_figure(fn(result, t=t), figdir / stem)
                figures.append({"src": f"figures/{stem}.png", "caption": t(caption)})
        metric_cols = [c for c in risk.columns if f"district.risk.{c}" in t.texts]
        env = Environment(
            loader=PackageLoader("reopen_sim.report", "templates"),
            autoescape=select_autoescape(["html", "j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        html = env.get_template("district.html.j2").render(
            lang=t.html_lang,
            t=t,
            district=result.meta.get("district", "District"),
            meta=result.meta,
            version=__version__,
            what_if=w,
            n_schools=len(result.schools),
            what_ifs=list(result.what_ifs),
            risk_headers=[t(f"district.risk.{c}") for c in metric_cols],
            risk_rows=[
                {
                    "rank": "" if pd.isna(r["rank"]) else r["rank"],
                    "school": r["school"],
                    "status": r["status"],
                    "status_label": t(f"district.status.{r['status']}"),
                    "score": _fmt(r["risk_score"]),
                    "cells": [_fmt(r[c], r[f"{c}_lo"], r[f"{c}_hi"]) for c in metric_cols],
                }
                for r in risk.to_dict("records")
            ],
            problems=[
                {**p, "status_label": t(f"district.status.{p['status']}")}
                for p in problems.to_dict("records")
            ],
            what_if_rows=per_what_if.to_dict("records"),
            effect_rows=effects.to_dict("records"),
            figures=figures,
            fmt=_fmt,
        )
        (tmp / "district.html").write_text(html, encoding="utf-8")

    return atomic_output(Path(out_dir), force=True, build=build)
