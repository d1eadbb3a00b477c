"""The files of ``reopen-sim simulate``: per-gate summary, per-replication metrics, queue series.

Written whole or not at all into ``out_dir`` (:func:`reopen_sim.report.write.atomic_output`):
``gate_summary.csv``, ``metrics.csv`` (per replication and gate), ``timeseries.csv`` (queue each
minute), ``timeseries_summary.csv``, ``trace_replication_0.csv`` and ``simulation.json`` (inputs,
seed, lane choice; no time stamps, so the same inputs and seed give the same bytes).
"""

from __future__ import annotations

import json
from pathlib import Path

from reopen_sim.report.write import atomic_output
from reopen_sim.scenario.schema import Scenario
from reopen_sim.simulation.result import SimulationResult

SIMULATION_FILES: tuple[str, ...] = (
    "gate_summary.csv",
    "metrics.csv",
    "timeseries.csv",
    "timeseries_summary.csv",
    "trace_replication_0.csv",
    "simulation.json",
)


def write_simulation_files(
    result: SimulationResult,
    scenario: Scenario,
    out_dir: str | Path,
    *,
    scenario_path: str | Path,
    plan_path: str | Path,
    seed: int,
    lane_choice: str,
    force: bool = False,
) -> Path:
    """Write :data:`SIMULATION_FILES` for ``result`` to ``out_dir``; return the folder."""
    summary = result.gate_summary()

    def build(tmp: Path) -> None:
        summary.to_csv(tmp / "gate_summary.csv", index=False, float_format="%.4f")
        result.metrics_raw().to_csv(tmp / "metrics.csv", index=False, float_format="%.4f")
        result.timeseries_raw().to_csv(tmp / "timeseries.csv", index=False, float_format="%.3f")
        result.timeseries_summary().to_csv(tmp / "timeseries_summary.csv", index=False, float_format="%.3f")
        result.replications[0].trace.to_csv(tmp / "trace_replication_0.csv", index=False, float_format="%.4f")
        meta = {
            "scenario": str(scenario_path),
            "scenario_sha256": scenario.source_sha256,
            "plan": str(plan_path),
            "replications": len(result.replications),
            "seed": seed,
            "lane_choice": lane_choice,
            "times": "minutes since midnight",
            "interval": "95% Student-t over replications",
        }
        (tmp / "simulation.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")

    return atomic_output(Path(out_dir), force, build)
