"""Comparing plans: simulate each with common random numbers, summarise with 95% CIs and paired differences.

``simulate(scenario, plan, replications, seed)`` gives replication ``r`` of every plan the same random
streams (common random numbers, docs/design.md), so the difference of a metric between two plans in
replication ``r`` is a paired observation. The interval of the mean difference (the project's one
interval, :func:`reopen_sim.stats.mean_ci`, on the differences) is much narrower than comparing two
independent intervals when the plans respond alike to the same draws (Law & Kelton, Simulation
Modeling and Analysis, §10.2).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.plan import Plan
from reopen_sim.progress import ProgressArg
from reopen_sim.scenario.schema import Scenario
from reopen_sim.stats import mean_ci

# Metrics of the comparison table, in display order. The first eight come from
# ``SimulationResult.metrics_raw()`` for gate "all"; the contact ones from ``exposure.contacts``.
SIMULATION_METRICS: tuple[str, ...] = (
    "max_queue_people",
    "max_queue_m",
    "p95_wait_min",
    "max_wait_min",
    "last_through_min",
    "max_spill_people",
    "held",
    "late",
)
CONTACT_METRICS: tuple[str, ...] = ("close_contacts", "cross_grade_contacts")
COMPARED_METRICS: tuple[str, ...] = SIMULATION_METRICS + CONTACT_METRICS

# The measures people read first (``Comparison.summary("narrow")``).
NARROW_METRICS: tuple[str, ...] = (
    "max_queue_people",
    "max_queue_m",
    "p95_wait_min",
    "last_through_min",
    "late",
    "close_contacts",
)

TABLE_COLUMNS: tuple[str, ...] = ("plan", "metric", "mean", "lo", "hi", "diff_mean", "diff_lo", "diff_hi")


def summarise_paired(per_replication: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """The comparison table from per-replication values.

    ``per_replication`` has columns plan, replication, metric, value. The reference is the first
    plan in order of appearance; each other plan's ``diff_*`` is the paired interval
    (:func:`reopen_sim.stats.mean_ci`) of (plan − reference) over the replications both have. The reference's own diffs are NaN.
    """
    plans = list(dict.fromkeys(per_replication["plan"]))
    metrics = list(dict.fromkeys(per_replication["metric"]))
    wide = per_replication.pivot_table(
        index=["metric", "replication"], columns="plan", values="value", aggfunc="first", dropna=False
    )
    ref = plans[0]
    rows: list[dict[str, Any]] = []
    for plan in plans:
        for metric in metrics:
            if metric not in wide.index.get_level_values(0):
                continue
            block = wide.loc[metric]
            vals = block[plan].to_numpy(dtype=float) if plan in block else np.array([])
            m, lo, hi = mean_ci(vals, level)
            if plan == ref:
                dm = dlo = dhi = math.nan
            else:
                d = block[plan].to_numpy(dtype=float) - block[ref].to_numpy(dtype=float)
                dm, dlo, dhi = mean_ci(d, level)
            rows.append(
                {
                    "plan": plan,
                    "metric": metric,
                    "mean": m,
                    "lo": lo,
                    "hi": hi,
                    "diff_mean": dm,
                    "diff_lo": dlo,
                    "diff_hi": dhi,
                }
            )
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


@dataclass
class Comparison:
    """What :func:`compare` found. Everything the report needs, as plain DataFrames.

    - ``table``: plan, metric, mean, lo, hi, diff_mean, diff_lo, diff_hi (see :func:`summarise_paired`);
    - ``per_replication``: plan, replication, metric, value;
    - ``timeseries``: plan + ``SimulationResult.timeseries_raw()`` columns (replication, gate, minute,
      queue_people, queue_m, spill_people, spill_m);
    - ``waits``: plan, replication, gate, wait_min — one row per screened student;
    - ``contacts``: plan, replication, setting, contacts — close-contact pairs by setting;
    - ``gate_metrics``: plan + ``SimulationResult.metrics_raw()`` rows (every gate, incl. "all");
    - ``plans``, ``replications``, ``seed``; ``results``/``contact_results`` keep the raw objects
      (empty when built from stored frames); ``scenario`` the school (None from stored frames).

    ``summary()`` gives typed tables (docs/api.md), ``plot()`` the queues per gate, and in a
    notebook the object shows itself as a short table of the measures read first.
    """

    table: pd.DataFrame
    per_replication: pd.DataFrame
    plans: dict[str, Plan]
    replications: int
    seed: int
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    waits: pd.DataFrame = field(default_factory=pd.DataFrame)
    contacts: pd.DataFrame = field(default_factory=pd.DataFrame)
    gate_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    results: dict[str, Any] = field(default_factory=dict, repr=False)
    contact_results: dict[str, Any] = field(default_factory=dict, repr=False)
    scenario: Scenario | None = field(default=None, repr=False)

    @property
    def reference(self) -> str:
        """The plan the differences are taken against (the first one given)."""
        return next(iter(self.plans))

    def value(self, plan: str, metric: str, column: str = "mean") -> float:
        """One cell of the table, e.g. ``cmp.value("optimized", "max_queue_people")``."""
        t = self.table
        row = t[(t["plan"] == plan) & (t["metric"] == metric)]
        if row.empty:
            raise KeyError((plan, metric))
        return float(row[column].iloc[0])

    def summary(self, form: Literal["narrow", "long"] = "narrow") -> pd.DataFrame:
        """Typed tables (docs/api.md).

        ``narrow``: one row per plan (categorical, reference first), the mean over replications of
        :data:`NARROW_METRICS`, the time of day the last student is through as ``last_through``
        (Timedelta since midnight) and ``replications``. ``long``: :attr:`table` with plan and
        metric categoricals (times of day stay minutes since midnight in ``last_through_min``).
        """
        from reopen_sim.plotting import clock

        plans = list(self.plans)
        if form == "long":
            out = self.table.copy()
            out["plan"] = pd.Categorical(out["plan"], categories=plans)
            out["metric"] = pd.Categorical(out["metric"], categories=list(dict.fromkeys(out["metric"])))
            return out.reset_index(drop=True)
        if form != "narrow":
            raise ValueError(f"form is 'narrow' or 'long', not {form!r}")
        means = self.table.pivot_table(
            index="plan", columns="metric", values="mean", aggfunc="first", sort=False
        )
        means = means.reindex(plans)
        out = pd.DataFrame({"plan": pd.Categorical(plans, categories=plans)})
        out["replications"] = pd.Series([self.replications] * len(plans), dtype="int64")
        for m in NARROW_METRICS:
            if m not in means.columns:
                continue
            values = means[m].to_numpy(dtype=float)
            if m == "last_through_min":
                out["last_through"] = clock(values)
            else:
                out[m] = values
        return out

    def plot(self, gate: str | None = None, lang: str = "en", ax: Any = None) -> Any:
        """Students queuing over time at every gate (one panel each), each plan with its 95% band and
        the gate's marked places dashed; only ``gate`` (``"all"`` = the whole school) when named or
        when drawing on ``ax``. Returns the matplotlib Figure."""
        from reopen_sim.plotting import marked_places, queue_panels

        gates = [g for g in dict.fromkeys(self.timeseries["gate"]) if g != "all"]
        return queue_panels(self.timeseries, marked_places(self.scenario, [*gates, "all"]), gate, lang, ax)

    def _repr_html_(self) -> str:
        """The narrow summary as a short escaped table: one row per plan."""
        from reopen_sim.plotting import hhmmss, html_table

        narrow = self.summary("narrow")
        cols = [c for c in narrow.columns if c != "replications"]
        rows: list[dict[str, Any]] = []
        for rec in narrow.to_dict("records"):
            r = {str(k): v for k, v in rec.items()}
            if "last_through" in r:
                r["last_through"] = hhmmss(r["last_through"])
            rows.append(r)
        title = f"Comparison of {len(self.plans)} plans, {self.replications} simulated mornings (means)"
        notes = [f"differences against {self.reference!r} with 95% intervals: .table; queues: .plot()"]
        return html_table(rows, cols, title, notes)


# --------------------------------------------------------------------------------------------
# Turning a simulation (and its contacts) into frames
# --------------------------------------------------------------------------------------------


def _simulation_frames(result: Any) -> dict[str, pd.DataFrame]:
    """Per-replication metrics, gate metrics, queue time series and per-student waits of one result."""
    metrics = result.metrics_raw()
    overall = metrics[metrics["gate"] == "all"]
    present = [m for m in SIMULATION_METRICS if m in overall.columns]
    per_rep = overall.melt(id_vars=["replication"], value_vars=present, var_name="metric", value_name="value")
    ts = result.timeseries_raw()
    waits = _waits(result)
    return {"per_rep": per_rep, "gate_metrics": metrics, "timeseries": ts, "waits": waits}


def _waits(result: Any) -> pd.DataFrame:
    """Per-student waits ``t_service_start − t_arrive`` (minutes) from every replication's trace."""
    frames = []
    for rep, trace in result.traces():
        ok = trace.dropna(subset=["t_service_start", "t_arrive"])
        frames.append(
            pd.DataFrame(
                {
                    "replication": rep,
                    "gate": ok["gate"].to_numpy(),
                    "wait_min": (ok["t_service_start"] - ok["t_arrive"]).to_numpy(dtype=float),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["replication", "gate", "wait_min"])
    return pd.concat(frames, ignore_index=True)


def _contact_frames(contact_result: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-replication contact metrics, contact pairs by setting) from a ContactResult's ``stats``.

    - close_contacts: student pairs close over the whole day (setting "any": within 1 m for 15 min
      in total, or sharing a room; see exposure.contacts), staff pairs excluded;
    - cross_grade_contacts: pairs of students of different grades in contact at all that day;
    - by setting: pairs in contact per setting (queue, screening, canteen, room, dorm, exit).
    A replication without a pair of some kind counts as 0.
    """
    from reopen_sim.exposure.model import ANY, CROSS_GRADE, SETTINGS, STAFF

    stats_df = contact_result.stats
    reps = list(contact_result.replications)
    anyday = stats_df[stats_df["setting"] == ANY]
    close = anyday[anyday["mixing"] != STAFF].groupby("replication")["close_pairs"].sum()
    cross = anyday[anyday["mixing"] == CROSS_GRADE].groupby("replication")["contacts"].sum()
    per_rep = pd.concat(
        [
            pd.DataFrame(
                {
                    "replication": reps,
                    "metric": "close_contacts",
                    "value": close.reindex(reps, fill_value=0).to_numpy(dtype=float),
                }
            ),
            pd.DataFrame(
                {
                    "replication": reps,
                    "metric": "cross_grade_contacts",
                    "value": cross.reindex(reps, fill_value=0).to_numpy(dtype=float),
                }
            ),
        ],
        ignore_index=True,
    )
    by = stats_df[stats_df["setting"] != ANY].groupby(["replication", "setting"])["contacts"].sum()
    grid = pd.MultiIndex.from_product([reps, list(SETTINGS)], names=["replication", "setting"])
    by_setting = by.reindex(grid, fill_value=0).reset_index()
    return per_rep, by_setting


def _run_one(
    scenario: Scenario,
    plan: Plan,
    replications: int,
    seed: int,
    processes: int,
    progress: ProgressArg,
    label: str,
) -> tuple[Any, Any]:
    """Simulate one plan (replications spread over ``processes``) and count its contacts."""
    from reopen_sim.exposure.contacts import contacts
    from reopen_sim.simulation.run import simulate

    result = simulate(
        scenario,
        plan,
        replications=replications,
        seed=seed,
        processes=processes,
        progress=progress,
        progress_label=label,
    )
    return result, contacts(scenario, result)


def compare(
    scenario: Scenario,
    plans: Mapping[str, Plan],
    replications: int = 100,
    seed: int = 1,
    processes: int = 1,
    progress: ProgressArg = False,
    progress_labels: Mapping[str, str] | None = None,
) -> Comparison:
    """Simulate every plan with the same seed (common random numbers) and compare them.

    Returns a :class:`Comparison` whose ``table`` gives, per plan and metric, the mean with a 95%
    interval over replications (:func:`reopen_sim.stats.mean_ci`) and the paired difference to the
    FIRST plan. ``processes`` > 1
    runs each plan's replications in worker processes (``simulate``); results do not depend on it
    (replication r's streams come from ``seed`` alone). ``progress`` (True: a bar per plan, named
    after it; or a callback, see :mod:`reopen_sim.progress`) is passed to ``simulate``;
    ``progress_labels`` names each plan's bar (default "Simulating the NAME plan"), e.g. in the
    user's language.
    """
    issues = []
    if not plans:
        issues.append(InputIssue("compare", "plans", "{}", "at least one plan"))
    if replications < 2:
        issues.append(
            InputIssue("compare", "replications", str(replications), "at least 2 (for an interval)")
        )
    if processes < 1:
        issues.append(InputIssue("compare", "processes", str(processes), "at least 1"))
    if issues:
        raise InputError(issues)
    names = list(plans)
    outcome: dict[str, tuple[Any, Any]] = {}
    for n in names:
        label = (progress_labels or {}).get(n, f"Simulating the {n} plan")
        outcome[n] = _run_one(scenario, plans[n], replications, seed, processes, progress, label)
    per_rep, gate_metrics, ts, waits, contacts_by_setting = [], [], [], [], []
    for n in names:
        result, contact_result = outcome[n]
        f = _simulation_frames(result)
        c_rep, c_setting = _contact_frames(contact_result)
        per_rep.append(pd.concat([f["per_rep"], c_rep], ignore_index=True).assign(plan=n))
        gate_metrics.append(f["gate_metrics"].assign(plan=n))
        ts.append(f["timeseries"].assign(plan=n))
        waits.append(f["waits"].assign(plan=n))
        contacts_by_setting.append(c_setting.assign(plan=n))
    per_replication = pd.concat(per_rep, ignore_index=True)[["plan", "replication", "metric", "value"]]
    metric_rank = {m: i for i, m in enumerate(COMPARED_METRICS)}
    keys = pd.DataFrame(
        {
            "p": per_replication["plan"].map(names.index),
            "m": per_replication["metric"].map(lambda m: metric_rank.get(m, len(metric_rank))),
            "r": per_replication["replication"],
        }
    )
    per_replication = per_replication.loc[keys.sort_values(["p", "m", "r"]).index].reset_index(drop=True)
    return Comparison(
        table=summarise_paired(per_replication),
        per_replication=per_replication,
        plans=dict(plans),
        replications=replications,
        seed=seed,
        timeseries=pd.concat(ts, ignore_index=True),
        waits=pd.concat(waits, ignore_index=True),
        contacts=pd.concat(contacts_by_setting, ignore_index=True),
        gate_metrics=pd.concat(gate_metrics, ignore_index=True),
        results={n: outcome[n][0] for n in names},
        contact_results={n: outcome[n][1] for n in names},
        scenario=scenario,
    )
