"""What a simulation returns: per-replication traces, 1-minute queue series and metrics, and
summaries with 95% confidence intervals over replications."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from reopen_sim.plan import Plan
from reopen_sim.scenario.schema import Scenario
from reopen_sim.stats import mean_ci, t_quantile

# Metric columns of ``metrics()`` (one row per replication × gate, gate "all" = whole school).
# Times of day are minutes since midnight; counts are students. Lunch and fever-path extras are
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

    def metrics(self) -> pd.DataFrame:
        """One row per replication × gate (incl. "all"): columns replication, gate, then :data:`METRICS`."""
        frames = [r.metrics.assign(replication=r.index) for r in self.replications]
        out = pd.concat(frames, ignore_index=True)
        return out[["replication", "gate", *METRICS]]

    def gate_summary(self, level: float = 0.95) -> pd.DataFrame:
        """One row per gate plus "all": ``<metric>_mean``, ``_lo``, ``_hi`` over replications, the interval
        of :func:`reopen_sim.stats.mean_ci` (bootstrap-t; Student-t below 5 replications)."""
        m = self.metrics()
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

    def timeseries(self) -> pd.DataFrame:
        """Queue at each whole minute, every replication and gate (incl. "all")."""
        frames = [r.timeseries.assign(replication=r.index) for r in self.replications]
        return pd.concat(frames, ignore_index=True)[list(TIMESERIES_COLUMNS)]

    def timeseries_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Mean over replications of the queue at each minute (absent minutes = 0), with a pointwise
        Student-t band for plots (not :func:`reopen_sim.stats.mean_ci`: thousands of minutes, most of
        them all-zero or nearly, where resampling buys nothing a reader of the plot could see)."""
        ts = self.timeseries()
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
