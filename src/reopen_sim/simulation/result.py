"""What a simulation returns: per-replication traces, 1-minute queue series and metrics, and
summaries with 95% confidence intervals over replications."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from reopen_sim.plan import Plan
from reopen_sim.scenario.schema import Scenario
from reopen_sim.stats import FewReplicationsWarning, mean_ci, t_quantile

# Metric columns of ``metrics_raw()`` (one row per replication × gate, gate "all" = whole school).
# Times of day are minutes since midnight; counts are students. ``metrics()`` types them. Lunch and fever-path extras are
# only filled on the "all" row.
METRICS: tuple[str, ...] = (
    "students",
    "max_queue_people",
    "p95_queue_people",
    "max_queue_m",
    "mean_wait_min",
    "p95_wait_min",
    "max_wait_min",
    "last_through_min",
    "max_spill_people",
    "max_spill_m",
    "utilisation",
    "flagged",
    "cleared_on_recheck",
    "isolated",
    "held",
    "late",
    "max_holding_people",
    "max_isolation_rooms_in_use",
    "canteen_max_queue_people",
    "canteen_max_queue_m",
    "canteen_mean_wait_min",
    "canteen_p95_wait_min",
    "canteen_max_wait_min",
    "canteen_last_served_min",
    "canteen_served_after_sitting",
    "canteen_unseated",
    "dismissal_last_out_min",
    "dismissal_max_queue_people",
    "dismissal_mean_wait_min",
    "dismissal_max_wait_min",
)

TIMESERIES_COLUMNS: tuple[str, ...] = (
    "replication",
    "gate",
    "minute",
    "queue_people",
    "queue_m",
    "spill_people",
    "spill_m",
)


# Typed tables (docs/api.md): times of day become Timedelta since midnight under these names.
TIME_OF_DAY_METRICS: dict[str, str] = {
    "last_through_min": "last_through",
    "canteen_last_served_min": "canteen_last_served",
    "dismissal_last_out_min": "dismissal_last_out",
}
# The measures people read first, per gate (``summary("narrow")``).
NARROW_METRICS: tuple[str, ...] = (
    "students",
    "max_queue_people",
    "max_queue_m",
    "p95_wait_min",
    "last_through_min",
    "late",
    "utilisation",
)
SCHOOL = "all"
"""The gate name of the whole-school row (marked ``whole_school`` in typed tables)."""


COUNT_METRICS: tuple[str, ...] = (
    "students",
    "max_queue_people",
    "max_spill_people",
    "flagged",
    "cleared_on_recheck",
    "isolated",
    "held",
    "late",
    "max_holding_people",
    "max_isolation_rooms_in_use",
    "canteen_max_queue_people",
    "canteen_served_after_sitting",
    "canteen_unseated",
    "dismissal_max_queue_people",
)
"""Metrics counted in people (or rooms) on one simulated day: Int64 in typed tables (missing where a
gate row does not have them)."""


@dataclass(frozen=True)
class Replication:
    """One simulated day: ``trace`` (one row per student, docs/design.md "Simulation trace"),
    ``timeseries`` (gate, minute, queue_people, queue_m, spill_people, spill_m; state at each whole
    minute) and ``metrics`` (one row per gate plus "all")."""

    index: int
    trace: pd.DataFrame = field(repr=False)
    timeseries: pd.DataFrame = field(repr=False)
    metrics: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class SimulationResult:
    """Replications of one plan. ``seed`` and the replication index reproduce every figure."""

    scenario: Scenario = field(repr=False)
    plan: Plan = field(repr=False)
    seed: int
    replications: list[Replication] = field(repr=False)
    lane_choice: str = "shortest"
    # gate_summary's tables by level: the bootstrap intervals cost ~0.1 s on 30 mornings of a large
    # school, and a desk job, certification and the report each ask for the same one.
    _summaries: dict[float, pd.DataFrame] = field(default_factory=dict, init=False, repr=False, compare=False)

    def metrics_raw(self) -> pd.DataFrame:
        """:meth:`metrics` as numbers (the ``metrics.csv`` form, and what summaries compute on): gate
        as text, counts float, times of day in minutes since midnight under their ``_min`` names.
        Columns replication, gate, then :data:`METRICS`."""
        frames = [r.metrics.assign(replication=r.index) for r in self.replications]
        out = pd.concat(frames, ignore_index=True)
        return out[["replication", "gate", *METRICS]]

    def gate_order(self) -> list[str]:
        """Gates in the scenario's order, then any other gate of the results, then "all"."""
        seen = list(dict.fromkeys(self.replications[0].metrics["gate"])) if self.replications else []
        gates = [e.id for e in self.scenario.entrances]
        return [*gates, *[g for g in seen if g not in gates and g != SCHOOL], SCHOOL]

    def _gate_categorical(self, gates: Any) -> pd.Categorical:
        return pd.Categorical(gates, categories=self.gate_order())

    def metrics(self) -> pd.DataFrame:
        """One row per replication × gate (then "all", the whole school), typed (docs/api.md):
        replication int64, gate categorical, ``whole_school`` bool, then :data:`METRICS` with counts
        Int64 and times of day (:data:`TIME_OF_DAY_METRICS`) as Timedelta since midnight.
        :meth:`metrics_raw` gives the same figures as numbers."""
        from reopen_sim.plotting import clock

        m = self.metrics_raw()
        for name in COUNT_METRICS:
            m[name] = m[name].astype("Int64")
        m.insert(2, "whole_school", (m["gate"] == SCHOOL).astype(bool))
        m["gate"] = self._gate_categorical(m["gate"])
        for old, new in TIME_OF_DAY_METRICS.items():
            m.insert(list(m.columns).index(old), new, clock(m.pop(old)).to_numpy())
        return m

    def timeseries(self) -> pd.DataFrame:
        """Queue at each whole minute, every replication and gate (incl. "all"), typed: replication,
        gate categorical, ``time`` (Timedelta since midnight), then the queue columns.
        :meth:`timeseries_raw` gives ``minute`` (since midnight) instead of ``time``."""
        from reopen_sim.plotting import clock

        ts = self.timeseries_raw()
        ts["gate"] = self._gate_categorical(ts["gate"])
        ts.insert(2, "time", clock(ts.pop("minute")).to_numpy())
        return ts

    def summary(
        self, form: Literal["narrow", "long", "wide"] = "narrow", level: float = 0.95
    ) -> pd.DataFrame:
        """Per gate over replications (docs/api.md).

        ``narrow``: one row per gate (then the ``whole_school`` row "all"): the mean of
        :data:`NARROW_METRICS`, ``last_through`` as a Timedelta since midnight and ``marked_places``
        (open lanes × places a lane; missing for "all"). ``long``: metric, gate, whole_school, mean,
        lo, hi (interval of :func:`reopen_sim.stats.mean_ci`; times of day in minutes since
        midnight, as the ``_min`` metric names say). ``wide``: :meth:`gate_summary`.
        """
        if form == "wide":
            return self.gate_summary(level)
        if form == "long":
            return self._long(level)
        if form != "narrow":
            raise ValueError(f"form is 'narrow', 'long' or 'wide', not {form!r}")
        from reopen_sim.plotting import clock, marked_places

        m = self.metrics_raw()
        means = (
            m.groupby("gate", sort=False)[list(NARROW_METRICS)]
            .mean()
            .reindex(self.gate_order())
            .dropna(how="all")
        )
        gates = list(means.index)
        out = pd.DataFrame({"gate": self._gate_categorical(gates)})
        out["whole_school"] = [g == SCHOOL for g in gates]
        out["replications"] = pd.Series([len(self.replications)] * len(gates), dtype="int64")
        places = marked_places(self.scenario, gates)
        out["marked_places"] = pd.Series([places[g] for g in gates], dtype="Int64")
        for name in NARROW_METRICS:
            values = means[name].to_numpy(dtype=float)
            if name in TIME_OF_DAY_METRICS:
                out[TIME_OF_DAY_METRICS[name]] = clock(values).to_numpy()
            else:
                out[name] = values
        return out

    def _long(self, level: float) -> pd.DataFrame:
        m = self.metrics_raw()
        rows = []
        with warnings.catch_warnings(record=True) as caught:  # one warning for the table, not one a cell
            warnings.simplefilter("always", FewReplicationsWarning)
            for g in self.gate_order():
                sub = m[m["gate"] == g]
                if sub.empty:
                    continue
                for name in METRICS:
                    mean, lo, hi = mean_ci(sub[name].to_numpy(dtype=float), level)
                    rows.append({"metric": name, "gate": g, "mean": mean, "lo": lo, "hi": hi})
        few = [w for w in caught if issubclass(w.category, FewReplicationsWarning)]
        for w in [*few[:1], *(w for w in caught if not issubclass(w.category, FewReplicationsWarning))]:
            warnings.warn(w.message, w.category, stacklevel=3)
        out = pd.DataFrame(rows, columns=["metric", "gate", "mean", "lo", "hi"])
        out.insert(2, "whole_school", (out["gate"] == SCHOOL).astype(bool))
        out["metric"] = pd.Categorical(out["metric"], categories=list(METRICS))
        out["gate"] = self._gate_categorical(out["gate"])
        return out

    def plot(self, gate: str | None = None, lang: str = "en", ax: Any = None) -> Any:
        """Students queuing over time at every gate (one panel each): the mean over replications
        with its 95% band and the gate's marked places dashed; only ``gate`` (``"all"`` = the whole
        school) when named or when drawing on ``ax``. Returns the matplotlib Figure."""
        from reopen_sim.plotting import marked_places, queue_panels

        gates = [g for g in self.gate_order() if g != SCHOOL]
        ts = self.timeseries_raw().assign(plan="plan")
        return queue_panels(ts, marked_places(self.scenario, [*gates, SCHOOL]), gate, lang, ax)

    def _repr_html_(self) -> str:
        """The narrow summary as a short escaped table, one row per gate and the whole school."""
        from reopen_sim.plotting import hhmmss, html_table

        narrow = self.summary("narrow")
        rows: list[dict[str, Any]] = []
        for rec in narrow.to_dict("records"):
            r = {str(k): v for k, v in rec.items()}
            r["last_through"] = hhmmss(r["last_through"])
            r["gate"] = "whole school" if r["whole_school"] else r["gate"]
            rows.append(r)
        cols = [c for c in narrow.columns if c not in ("whole_school", "replications")]
        title = f"{self.scenario.school.name}: {len(self.replications)} simulated mornings (means), seed {self.seed}"
        return html_table(rows, cols, title, ["intervals: .summary('long'); queues: .plot()"])

    def gate_summary(
        self, level: float = 0.95, form: Literal["wide", "narrow", "long"] = "wide"
    ) -> pd.DataFrame:
        """One row per gate plus "all": ``<metric>_mean``, ``_lo``, ``_hi`` over replications, the interval
        of :func:`reopen_sim.stats.mean_ci` (bootstrap-t; Student-t below 5 replications). The form
        of ``gate_summary.csv``; ``form="narrow"``/``"long"`` give :meth:`summary`'s typed forms."""
        if form != "wide":
            return self.summary(form, level)
        if level not in self._summaries:
            self._summaries[level] = self._gate_summary_wide(level)
        return self._summaries[level].copy()

    def _gate_summary_wide(self, level: float) -> pd.DataFrame:
        m = self.metrics_raw()
        gates = list(dict.fromkeys(m["gate"]))
        rows = []
        for g in gates:
            sub = m[m["gate"] == g]
            row: dict[str, object] = {"gate": g, "replications": int(sub["replication"].nunique())}
            for name in METRICS:
                mean, lo, hi = mean_ci(sub[name].to_numpy(dtype=float), level)
                row[f"{name}_mean"] = mean
                row[f"{name}_lo"] = lo
                row[f"{name}_hi"] = hi
            rows.append(row)
        return pd.DataFrame(rows)

    def timeseries_raw(self) -> pd.DataFrame:
        """:meth:`timeseries` as numbers (the ``timeseries.csv`` form): gate as text and ``minute``
        since midnight; columns :data:`TIMESERIES_COLUMNS`."""
        frames = [r.timeseries.assign(replication=r.index) for r in self.replications]
        return pd.concat(frames, ignore_index=True)[list(TIMESERIES_COLUMNS)]

    def timeseries_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean over replications of the queue at each minute (absent minutes = 0), with a pointwise
        Student-t band for plots (not :func:`reopen_sim.stats.mean_ci`: thousands of minutes, most of
        them all-zero or nearly, where resampling buys nothing a reader of the plot could see)."""
        ts = self.timeseries_raw()
        full = (
            ts.set_index(["replication", "gate", "minute"])
            .unstack("replication", fill_value=0.0)
            .stack("replication", future_stack=True)
            .fillna(0.0)
            .reset_index()
        )
        n = full["replication"].nunique()
        g = full.groupby(["gate", "minute"], sort=False)
        out = g[["queue_people", "queue_m", "spill_people", "spill_m"]].mean().add_suffix("_mean")
        if n > 1:
            tq = float(t_quantile(level, n - 1))
            half = g["queue_people"].std(ddof=1) * tq / np.sqrt(n)
            out["queue_people_lo"] = out["queue_people_mean"] - half
            out["queue_people_hi"] = out["queue_people_mean"] + half
        return out.reset_index()

    def traces(self) -> Iterator[tuple[int, pd.DataFrame]]:
        """(replication index, trace) for every replication, in order."""
        for r in self.replications:
            yield r.index, r.trace
