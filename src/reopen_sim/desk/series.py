"""What a simulate or compare job keeps of its simulated mornings, as plain JSON: per gate the queue
minute by minute (mean and 95% band over mornings, as the report's queue figure draws it), per gate
each metric's paired difference between versions, and the judgement against the service level.

Runs in the job's worker process; the pages draw from what it returns (:mod:`.charts`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pandas as pd

from reopen_sim.plan import Plan
from reopen_sim.scenario.schema import Scenario

# Metrics compared per gate on the compare page (SimulationResult.metrics columns), in this order.
GATE_METRICS: tuple[str, ...] = (
    "max_queue_people",
    "mean_wait_min",
    "p95_wait_min",
    "last_through_min",
    "late",
)


def _r(x: Any, digits: int = 2) -> float | None:
    """A figure for JSON: rounded, ``None`` for NaN (no interval from one value)."""
    v = float(x)
    return None if not math.isfinite(v) else round(v, digits)


def queue_series(scenario: Scenario, timeseries: pd.DataFrame) -> dict[str, Any]:
    """Per gate of ``scenario``, people queuing at each whole minute: ``mean``, ``lo``, ``hi`` (the
    95% band over mornings of ``report.figures.queue_band``, which the report's figure draws; a
    morning without a row at a minute counts as nobody queuing) on one shared minute axis from
    ``start_min`` (minutes since midnight) in steps of one minute, and the gate's ``marked_places``.

    ``timeseries`` is ``SimulationResult.timeseries_raw()`` (one plan: minutes since midnight)."""
    from reopen_sim.report.figures import gate_limits_people, queue_band

    places = gate_limits_people(scenario)
    gates = [e.id for e in scenario.entrances]
    ts = timeseries[timeseries["gate"].isin(gates)]
    if ts.empty:
        return {"start_min": None, "step_min": 1, "gates": []}
    band = queue_band(ts.assign(plan="plan"))
    first, last = int(band["minute"].min()), int(band["minute"].max())
    minutes = pd.RangeIndex(first, last + 1)
    out = []
    for gate in gates:
        b = band[band["gate"] == gate].set_index("minute").reindex(minutes, fill_value=0.0)
        out.append(
            {
                "gate": gate,
                "marked_places": places.get(gate),
                **{k: [_r(v, 2) or 0.0 for v in b[k]] for k in ("mean", "lo", "hi")},
            }
        )
    return {"start_min": first, "step_min": 1, "gates": out}


def gate_differences(scenario: Scenario, gate_metrics: pd.DataFrame) -> list[dict[str, Any]]:
    """Per gate and :data:`GATE_METRICS` metric, each plan's mean with its 95% interval and the paired
    difference to the first plan (``experiment.summarise_paired`` over the mornings, common random
    numbers). ``gate_metrics`` is ``Comparison.gate_metrics`` (plan + ``SimulationResult.metrics``)."""
    from reopen_sim.experiment import summarise_paired
    from reopen_sim.stats import FewReplicationsWarning

    rows: list[dict[str, Any]] = []
    for gate in [e.id for e in scenario.entrances]:
        sub = gate_metrics[gate_metrics["gate"] == gate]
        if sub.empty:
            continue
        long = sub.melt(id_vars=["plan", "replication"], value_vars=list(GATE_METRICS), var_name="metric")
        with warnings.catch_warnings():  # the page says when the mornings are few, once
            warnings.simplefilter("ignore", FewReplicationsWarning)
            table = summarise_paired(long)
        for rec in table.to_dict(orient="records"):
            rows.append(
                {
                    "gate": gate,
                    "plan": rec["plan"],
                    "metric": rec["metric"],
                    **{k: _r(rec[k], 3) for k in ("mean", "lo", "hi", "diff_mean", "diff_lo", "diff_hi")},
                }
            )
    return rows


def certification(scenario: Scenario, plan: Plan, result: Any, cause: str) -> dict[str, Any]:
    """``result`` (the simulated mornings of ``plan``) judged against the school's service level by
    the certifier's own judgement (``optimizer.certify.judge``): ``met``, the service level, per
    gate-window the figures against the limit, and the reasons it is not met (catalogue key and
    fields, ``cause`` ending each gate-window's sentence)."""
    from reopen_sim.optimizer.certify import judge, unmet_reasons

    sl = scenario.policy.service_level
    ev = judge(scenario, plan, result, sl)
    return {
        "met": ev.met(sl),
        "replications": len(result.replications),
        "seed": int(result.seed),
        "service_level": sl.model_dump(mode="json"),
        "late_max": ev.late_max,
        "held_max": ev.held_max,
        "gate_windows": [f.as_dict(scenario) for f in ev.windows],
        "reasons": unmet_reasons(scenario, sl, ev, cause),
    }
