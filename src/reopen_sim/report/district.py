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
    """One row per school with a plan under ``what_if`` (default: the first), ranked by risk score.

    Columns: ``rank, school, risk_score``, then ``<metric>``, ``<metric>_lo``, ``<metric>_hi`` for
    each risk metric the sweep has.
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
        out[m] = sub["mean"].to_numpy()
        out[f"{m}_lo"] = sub["lo"].to_numpy()
        out[f"{m}_hi"] = sub["hi"].to_numpy()
        ranks.append(out[m].rank(ascending=False, method="min", na_option="bottom"))
    out["risk_score"] = pd.concat(ranks, axis=1).mean(axis=1) if ranks else float("nan")
    out = out.sort_values(["risk_score", "school"], kind="stable").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    cols = [
        "rank",
        "school",
        "risk_score",
        *(c for c in out.columns if c not in ("rank", "school", "risk_score")),
    ]
    return out[cols]


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


def peak_queue_by_what_if(result: SweepResult, ax: Axes | None = None) -> Figure:
    """Box plot over schools of the worst gate's peak queue, one box per what-if."""
    fig, ax = _axes(ax, (max(6.0, 1.3 * len(result.what_ifs)), 4.0))
    metric = _metric_for(result, *RISK_METRICS[0][:2])
    data, labels = [], []
    for w in result.what_ifs:
        s = result.summary[(result.summary["what_if"] == w) & (result.summary["metric"] == metric)]
        data.append(s["mean"].to_numpy())
        labels.append(w)
    ax.boxplot(data, tick_labels=labels, showmeans=True)
    ax.set_ylabel("peak queue at a gate (people, mean over replications)")
    ax.set_title("Peak gate queue across the district's schools")
    ax.tick_params(axis="x", rotation=20)
    return fig


def status_by_what_if(result: SweepResult, ax: Axes | None = None) -> Figure:
    """Stacked bars: how many schools have a plan, cannot fit, or are skipped, per what-if."""
    fig, ax = _axes(ax, (max(6.0, 1.3 * len(result.what_ifs)), 3.6))
    t = what_if_table(result).set_index("what_if")
    colours = {
        "ok": "#4c9f70",
        "infeasible": "#d1495b",
        "invalid": "#edae49",
        "skipped": "#bbbbbb",
        "error": "#333333",
    }
    bottom = pd.Series(0, index=t.index, dtype=float)
    for s, c in colours.items():
        if t[s].sum():
            ax.bar(t.index, t[s], bottom=bottom, color=c, label=s)
            bottom += t[s]
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("schools")
    ax.set_title("Which schools can fit, by what-if")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.tick_params(axis="x", rotation=20)
    return fig


def what_if_heatmap(result: SweepResult, ax: Axes | None = None) -> Figure:
    """School × what-if grid of the worst gate's peak queue (blank: no plan)."""
    metric = _metric_for(result, *RISK_METRICS[0][:2])
    table = result.table(metric) if metric else pd.DataFrame()
    table = table.reindex(index=list(result.schools), columns=list(result.what_ifs))
    fig, ax = _axes(ax, (max(6.0, 1.2 * len(result.what_ifs)), max(3.0, 0.28 * len(result.schools) + 1.5)))
    im = ax.imshow(table.to_numpy(dtype=float), aspect="auto", cmap="Reds")
    ax.set_xticks(range(len(table.columns)), list(table.columns), rotation=30, ha="right")
    ax.set_yticks(range(len(table.index)), list(table.index), fontsize=7)
    fig.colorbar(im, ax=ax, label="peak queue at a gate (people)")
    ax.set_title("Peak gate queue by school and what-if")
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


def write_district_report(result: SweepResult, out_dir: str | Path, what_if: str | None = None) -> Path:
    """Write ``out_dir``: district.html, summary/status/risk CSV, results.xlsx, figures, timetables.

    Built in a temporary folder and renamed into place (a previous report there is replaced).
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    from reopen_sim import __version__
    from reopen_sim.report.write import atomic_output, save_figure

    w = what_if or result.what_ifs[0]
    risk = risk_table(result, w)
    problems = cannot_fit(result)
    per_what_if = what_if_table(result)
    effects = what_if_effects(result)

    def build(tmp: Path) -> None:
        result.summary.to_csv(tmp / "summary.csv", index=False)
        result.status.to_csv(tmp / "status.csv", index=False)
        risk.to_csv(tmp / "risk.csv", index=False)
        per_what_if.to_csv(tmp / "what_ifs.csv", index=False)
        effects.to_csv(tmp / "what_if_effects.csv", index=False)
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
        figdir = tmp / "figures"
        figdir.mkdir()
        figures = []
        if len(result.summary):
            for stem, fn, caption in (
                (
                    "peak_queue_by_what_if",
                    peak_queue_by_what_if,
                    "Peak gate queue over schools, per what-if (box: quartiles; triangle: mean).",
                ),
                (
                    "status_by_what_if",
                    status_by_what_if,
                    "Schools with a plan, that cannot fit, or not concerned, per what-if.",
                ),
                (
                    "peak_queue_heatmap",
                    what_if_heatmap,
                    "Peak gate queue by school and what-if; blank: no plan.",
                ),
            ):
                save_figure(fn(result), figdir / stem)
                figures.append({"src": f"figures/{stem}.png", "caption": caption})
        labels = {m: label for m, _f, label in RISK_METRICS} | {f: label for _m, f, label in RISK_METRICS}
        metric_cols = [c for c in risk.columns if c in labels]
        env = Environment(
            loader=PackageLoader("reopen_sim.report", "templates"),
            autoescape=select_autoescape(["html", "j2"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        html = env.get_template("district.html.j2").render(
            lang="en",
            district=result.meta.get("district", "District"),
            meta=result.meta,
            version=__version__,
            what_if=w,
            n_schools=len(result.schools),
            what_ifs=list(result.what_ifs),
            risk_headers=[labels[c] for c in metric_cols],
            risk_rows=[
                {
                    "rank": r["rank"],
                    "school": r["school"],
                    "score": f"{r['risk_score']:.1f}",
                    "cells": [_fmt(r[c], r[f"{c}_lo"], r[f"{c}_hi"]) for c in metric_cols],
                }
                for r in risk.to_dict("records")
            ],
            problems=problems.to_dict("records"),
            what_if_rows=per_what_if.to_dict("records"),
            effect_rows=effects.to_dict("records"),
            figures=figures,
            fmt=_fmt,
        )
        (tmp / "district.html").write_text(html, encoding="utf-8")

    return atomic_output(Path(out_dir), force=True, build=build)
