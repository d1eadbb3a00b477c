"""``rs.simulate`` itself against queueing theory and hand-worked figures, on a one-gate school built
here (tests/one_gate.py). These go through the path users run — scenario, plan, layout, the day's
stages, metrics, ``gate_summary`` — so a unit slip at any call site (screening or serving times read in
seconds as if minutes, a wrong walking gap) moves a figure far outside its interval.

Theory: Erlang C for M/M/c (a shared line) and M/M/1; Pollaczek–Khinchine for M/G/1 (Kleinrock,
*Queueing Systems* I, §5.7). Arrivals in one long window, uniform and independent, are a Poisson
process conditioned on its count; the queue starts empty, so each day's mean wait carries a start-up
transient of a few dozen customers out of 1,800 — well inside the intervals used here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import reopen_sim as rs
from one_gate import START_MIN, one_gate_school
from reopen_sim.scenario.capacity import erlang_c

N_CLASSES, CLASS_SIZE = 15, 120
N = N_CLASSES * CLASS_SIZE
REPLICATIONS = 30
LEVEL = 0.99


def _window_min(rho: float, lanes: int, mean_s: float) -> int:
    """Window length giving load ``rho``: N students at λ = ρ·c·60/S per minute."""
    return round(N / (rho * lanes * 60.0 / mean_s))


def _gate_interval(res: rs.SimulationResult, metric: str, gate: str = "gate") -> tuple[float, float, float]:
    row = res.gate_summary(level=LEVEL).set_index("gate").loc[gate]
    return float(row[f"{metric}_mean"]), float(row[f"{metric}_lo"]), float(row[f"{metric}_hi"])


def _assert_within(theory: float, interval: tuple[float, float, float], max_rel_half_width: float) -> None:
    m, lo, hi = interval
    assert lo <= theory <= hi, (
        f"theory {theory:.4g} outside {LEVEL:.0%} CI [{lo:.4g}, {hi:.4g}] (mean {m:.4g})"
    )
    assert (hi - lo) / 2 <= max_rel_half_width * theory, (
        f"CI [{lo:.4g}, {hi:.4g}] too wide to test {theory:.4g}"
    )


@pytest.mark.parametrize(
    ("lanes", "rho", "lane_choice"), [(1, 0.6, "shortest"), (2, 0.7, "shared"), (3, 0.8, "shared")]
)
def test_school_gate_mean_wait_matches_erlang_c(lanes: int, rho: float, lane_choice: str) -> None:
    """M/M/c: Wq = C(c, a) / (cμ − λ), a = λ/μ, with λ = N / window and μ = 60 / S per minute."""
    mean_s = 6.0  # DOMAIN: a handheld infrared reading without recording, ~5-10 s (assumption)
    window = _window_min(rho, lanes, mean_s)
    sc, plan = one_gate_school(
        N_CLASSES, CLASS_SIZE, window, {"dist": "exponential", "mean": mean_s}, lanes=lanes
    )
    res = rs.simulate(sc, plan, replications=REPLICATIONS, seed=11, lane_choice=lane_choice)  # type: ignore[arg-type]
    lam, mu = N / window, 60.0 / mean_s
    wq = erlang_c(lanes, lam / mu) / (lanes * mu - lam)
    _assert_within(wq, _gate_interval(res, "mean_wait_min"), 0.15)


@pytest.mark.parametrize(("mean_s", "sd_s"), [(12.0, 4.0), (6.0, 6.0)])
def test_school_gate_mean_wait_matches_pollaczek_khinchine(mean_s: float, sd_s: float) -> None:
    """M/G/1 with the scenario's lognormal screening time: Wq = λ·E[S²] / (2(1 − ρ)),
    E[S²] = sd² + mean² (in minutes²)."""
    rho = 0.6
    window = _window_min(rho, 1, mean_s)
    sc, plan = one_gate_school(
        N_CLASSES, CLASS_SIZE, window, {"dist": "lognormal", "mean": mean_s, "sd": sd_s}, lanes=1
    )
    res = rs.simulate(sc, plan, replications=REPLICATIONS, seed=12)
    lam = N / window
    es2_min2 = (sd_s**2 + mean_s**2) / 3600.0
    wq = lam * es2_min2 / (2 * (1 - lam * mean_s / 60.0))
    _assert_within(wq, _gate_interval(res, "mean_wait_min"), 0.15)


def test_school_gate_utilisation_is_the_offered_load() -> None:
    """Screening time ÷ lane time over the morning → ρ = λ·S (the window is long, the tail short)."""
    sc, plan = one_gate_school(N_CLASSES, CLASS_SIZE, 300, {"dist": "exponential", "mean": 6.0})
    res = rs.simulate(sc, plan, replications=REPLICATIONS, seed=13)
    _assert_within(N / 300 * 6.0 / 60.0, _gate_interval(res, "utilisation"), 0.05)


def test_canteen_counter_mean_wait_hand_worked() -> None:
    """One sitting of N = 100, one counter serving in D = 18 s, arrivals uniform over A = 5 min
    (CANTEEN_ARRIVAL_SPREAD_MIN). N·D = 30 min ≫ A: the counter never idles (a gap of 6 mean spacings
    between the first two arrivals has probability ~ e⁻⁶), so the k-th served starts at
    a₍₁₎ + (k−1)D and waits a₍₁₎ + (k−1)D − a₍ₖ₎. With E[a₍ₖ₎] = kA/(N+1) (uniform order statistics):
    E[mean wait] = (N−1)/2 · (D − A/(N+1)); the last is served at opens + a₍₁₎ + N·D."""
    n, d_min, a_min = 100, 18.0 / 60.0, 5.0
    canteen = {
        "mode": "sittings",
        "tables": 20,
        "seats_per_table": 8,
        "seating_rule": "every_seat",
        "serving_lanes": 1,
        "serving_time_s": {"dist": "deterministic", "value": 18.0},
        "first_sitting_at": "11:40",
        "sitting_min": 40,
    }
    sc, plan = one_gate_school(1, n, 60, {"dist": "exponential", "mean": 6.0}, canteen=canteen)
    res = rs.simulate(sc, plan, replications=REPLICATIONS, seed=14)
    theory = (n - 1) / 2 * (d_min - a_min / (n + 1))
    _assert_within(theory, _gate_interval(res, "canteen_mean_wait_min", "all"), 0.02)
    opens = 11 * 60 + 40
    first = opens + a_min / (n + 1)  # E[a₍₁₎]
    _assert_within(first + n * d_min, _gate_interval(res, "canteen_last_served_min", "all"), 0.001)


def test_dismissal_exit_hand_worked() -> None:
    """15 rooms of 120 empty at once, one student every gap = spacing ÷ speed = 1/72 min, into one
    exit lane passing one every gap. Waves of 15 reach the gate at 16:00 + walk + k·gap
    (k = 0..119); the lane never idles, so the n-th out (0-based) starts at 16:00 + walk + n·gap and
    waits (n − ⌊n/15⌋)·gap: mean (899.5 − 59.5)·gap = 840·gap; the last is out at
    16:00 + walk + 1800·gap; just after wave k, 15(k+1) have come and k+1 started: 14·120 wait at most."""
    sc, plan = one_gate_school(N_CLASSES, CLASS_SIZE, 300, {"dist": "exponential", "mean": 6.0})
    res = rs.simulate(sc, plan, replications=2, seed=15)
    gap = 1.0 / 1.2 / 60.0
    walk = 40.0 / 1.2 / 60.0  # walk_m 40 m on floor 1 at 1.2 m/s
    m = res.metrics_raw().query("gate == 'gate'")
    np.testing.assert_allclose(m["dismissal_mean_wait_min"], 840 * gap, rtol=1e-9)
    np.testing.assert_allclose(m["dismissal_last_out_min"], 16 * 60 + walk + N * gap, rtol=1e-12)
    # floating-point rounding may let one student count as waiting for an instant at a wave's arrival
    assert (m["dismissal_max_queue_people"].between(14 * 120, 14 * 120 + 1)).all()


def test_arrivals_fill_the_window_as_planned() -> None:
    """Uniform arrivals over the plan's window: mean arrival at its middle (CI over all students)."""
    sc, plan = one_gate_school(N_CLASSES, CLASS_SIZE, 300, {"dist": "exponential", "mean": 6.0})
    res = rs.simulate(sc, plan, replications=3, seed=16)
    t = np.concatenate([tr["t_arrive"].to_numpy() for _, tr in res.traces()])
    half = 3.3 * 300 / math.sqrt(12) / math.sqrt(t.size)  # 99.9% normal interval, sd of U(0, 300)
    assert abs(t.mean() - (START_MIN + 150)) <= half
    assert t.min() >= START_MIN and t.max() <= START_MIN + 300
