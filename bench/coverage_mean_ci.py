"""Coverage of the project's interval (reopen_sim.stats.mean_ci) against Student-t, BCa and
percentile bootstraps, on per-replication figures from the real pipeline (``rs.simulate``).

    .venv/bin/python bench/coverage_mean_ci.py [--days 4000] [--n 5,10,20] [--experiments 400]

Simulates ``--days`` independent days of (a) one-gate schools near saturation (tests/one_gate.py,
ρ = 0.8, 0.9, 0.95), (b) the paired difference between two windows of the ρ = 0.9 school (common
random numbers), (c) the bundled tiny and junior-middle schools with their baseline plans. The
long-run mean of each figure is the mean over all days; disjoint groups of n days are the
experiments; the table gives how often each 95% interval covers the long-run mean. Not a speed
bench (so not bench_*.py, not run by ``make bench``); figures are recorded in docs/design.md
("Confidence intervals"). Several minutes.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import reopen_sim as rs  # noqa: E402
from one_gate import one_gate_school  # noqa: E402
from reopen_sim.stats import mean_ci, t_interval  # noqa: E402

FIGURES = (("gate", "mean_wait_min"), ("all", "p95_wait_min"), ("all", "last_through_min"))


def _one_gate(rho: float, students: int, stretch: float = 1.0) -> tuple[rs.Scenario, rs.Plan]:
    window = round(stretch * students / (rho * 60 / 6.0))
    return one_gate_school(students // 100, 100, window, {"dist": "exponential", "mean": 6.0})


def _figures(sc: rs.Scenario, plan: rs.Plan, days: int, gate: str) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {}
    for k in range(math.ceil(days / 1000)):  # chunks: traces of thousands of days use much memory
        m = rs.simulate(sc, plan, replications=min(1000, days - 1000 * k), seed=100 + k).metrics_raw()
        for g, metric in FIGURES:
            out.setdefault(metric, []).append(
                m.loc[m["gate"] == (gate if g == "gate" else g), metric].to_numpy()
            )
    return {k: np.concatenate(v) for k, v in out.items()}


def _datasets(days: int) -> dict[str, np.ndarray]:
    data: dict[str, np.ndarray] = {}
    for rho, students in ((0.8, 200), (0.9, 300), (0.95, 500)):
        for metric, x in _figures(*_one_gate(rho, students), days, "gate").items():
            data[f"one-gate rho {rho}: {metric}"] = x
        print(f"simulated rho {rho}", file=sys.stderr, flush=True)
    a = _figures(*_one_gate(0.9, 300), days, "gate")["mean_wait_min"]
    b = _figures(*_one_gate(0.9, 300, stretch=1.1), days, "gate")["mean_wait_min"]
    data["one-gate rho 0.9: paired difference of mean wait (window +10%)"] = b - a
    for path in ("scenarios/tiny-school.yaml", "scenarios/junior-middle.yaml"):
        sc = rs.load_scenario(ROOT / path)
        for metric, x in _figures(sc, rs.baseline_plan(sc), days, "all").items():
            data[f"{Path(path).stem}: {metric}"] = x
        print(f"simulated {path}", file=sys.stderr, flush=True)
    return data


def _scipy(method: str) -> Callable[[np.ndarray], tuple[float, float]]:
    def interval(x: np.ndarray) -> tuple[float, float]:
        r = stats.bootstrap((x,), np.mean, method=method, n_resamples=1999, rng=np.random.default_rng(0))
        return float(r.confidence_interval.low), float(r.confidence_interval.high)

    return interval


METHODS: dict[str, Callable[[np.ndarray], tuple[float, float]]] = {
    "mean_ci": lambda x: mean_ci(x)[1:],
    "student-t": t_interval,
    "BCa": _scipy("BCa"),
    "percentile": _scipy("percentile"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=4000)
    ap.add_argument("--n", default="5,10,20")
    ap.add_argument("--experiments", type=int, default=400, help="at most this many groups per n")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    data = _datasets(args.days)
    print(f"{'figure':70s} {'skew':>5s} {'n':>3s} " + " ".join(f"{m:>10s}" for m in METHODS))
    for name, x in data.items():
        reference = float(x.mean())
        for n in (int(v) for v in args.n.split(",")):
            groups = x[: x.size // n * n].reshape(-1, n)[: args.experiments]
            cover = [np.mean([lo <= reference <= hi for lo, hi in map(f, groups)]) for f in METHODS.values()]
            print(
                f"{name:70s} {stats.skew(x):5.2f} {n:3d} " + " ".join(f"{c:10.3f}" for c in cover), flush=True
            )


if __name__ == "__main__":
    main()
