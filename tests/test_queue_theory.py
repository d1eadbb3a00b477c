"""The lane engine against queueing theory, with confidence intervals (never exact seeded numbers).

Every test drives :func:`reopen_sim.simulation.stationary.simulate_stationary_gate`, i.e. the school
model's own lane engine and service sampler, with Poisson arrivals and a discarded warm-up. Means are
estimated by batch means (Law & Kelton §9.5.3: 30 batches, Student-t interval at 99%), and each test
also asserts that its interval is narrow, so that it has the power to catch a wrong engine.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from reopen_sim.scenario.capacity import erlang_c
from reopen_sim.scenario.schema import Deterministic, Empirical, Exponential, LogNormal
from reopen_sim.simulation.queue import Line, queue_steps, time_average
from reopen_sim.simulation.stationary import simulate_stationary_gate

LEVEL = 0.99
N_BATCHES = 30


def batch_ci(x: np.ndarray, n_batches: int = N_BATCHES, level: float = LEVEL) -> tuple[float, float, float]:
    """Batch-means estimate and Student-t interval of the steady-state mean of a sequence."""
    b = x[: len(x) // n_batches * n_batches].reshape(n_batches, -1).mean(axis=1)
    m = float(b.mean())
    half = float(stats.t.ppf((1 + level) / 2, n_batches - 1) * b.std(ddof=1) / math.sqrt(n_batches))
    return m, m - half, m + half


def assert_in_ci(theory: float, x: np.ndarray, max_rel_half_width: float) -> None:
    m, lo, hi = batch_ci(x)
    assert lo <= theory <= hi, (
        f"theory {theory:.4g} outside {LEVEL:.0%} CI [{lo:.4g}, {hi:.4g}] (mean {m:.4g})"
    )
    assert (hi - lo) / 2 <= max_rel_half_width * theory, (
        f"CI [{lo:.4g}, {hi:.4g}] too wide to test {theory:.4g}"
    )


def customers_for(rho: float, lanes: int = 1) -> int:
    """Run length growing with the relaxation time ~ 1/(1-√ρ)² of a loaded queue (in service times,
    so × lanes in customers)."""
    return lanes * int(min(600_000, max(60_000, 1_500 / (1 - math.sqrt(rho)) ** 2)))


def mmc_wait_min(c: int, lam: float, mean_s_min: float) -> tuple[float, float]:
    """Erlang C: P(wait) = C(c, a) and mean wait Wq = C / (cμ − λ), a = λ/μ."""
    mu = 1.0 / mean_s_min
    a = lam / mu
    pw = erlang_c(c, a)
    return pw, pw / (c * mu - lam)


@pytest.mark.parametrize(
    ("lanes", "rho", "lane_choice"),
    [
        (1, 0.5, "shortest"),
        (1, 0.9, "shortest"),
        (2, 0.5, "shared"),
        (2, 0.8, "shared"),
        (3, 0.7, "shared"),
        (3, 0.9, "shared"),
    ],
)
def test_mmc_matches_erlang_c(lanes: int, rho: float, lane_choice: str) -> None:
    mean_s = 30.0  # DOMAIN: ~30 s a manual reading
    lam = rho * lanes * 60.0 / mean_s  # per minute
    rng = np.random.default_rng(1000 + int(100 * rho) + lanes)
    run = simulate_stationary_gate(
        lam,
        Exponential(dist="exponential", mean=mean_s),
        lanes,
        customers_for(rho, lanes),
        5_000,
        rng,
        lane_choice,  # type: ignore[arg-type]
    )
    pw, wq = mmc_wait_min(lanes, lam, mean_s / 60.0)
    assert_in_ci(wq, run.wait_min, 0.10)
    assert_in_ci(pw, (run.wait_min > 0).astype(float), 0.05)


@pytest.mark.parametrize("rho", [0.3, 0.6, 0.85])
def test_md1_matches_pollaczek_khinchine(rho: float) -> None:
    """M/D/1: Wq = ρ·S / (2(1 − ρ)) (Pollaczek–Khinchine with cv² = 0); P(wait) = ρ."""
    s_s = 10.0
    lam = rho * 60.0 / s_s
    rng = np.random.default_rng(2000 + int(100 * rho))
    run = simulate_stationary_gate(
        lam, Deterministic(dist="deterministic", value=s_s), 1, customers_for(rho), 5_000, rng
    )
    wq = rho * (s_s / 60.0) / (2 * (1 - rho))
    assert_in_ci(wq, run.wait_min, 0.08)
    assert_in_ci(rho, (run.wait_min > 0).astype(float), 0.05)


@pytest.mark.parametrize(
    "dist",
    [
        LogNormal(dist="lognormal", mean=30.0, sd=10.0),
        LogNormal(dist="lognormal", mean=10.0, sd=10.0),
        Empirical(dist="empirical", samples=(4.0, 6.0, 9.0, 25.0, 31.0)),
    ],
    ids=["lognormal-cv0.33", "lognormal-cv1", "empirical"],
)
def test_mg1_matches_pollaczek_khinchine(dist: LogNormal | Empirical) -> None:
    """M/G/1: Wq = λ·E[S²] / (2(1 − ρ)) with E[S²] = sd² + mean² of the scenario's distribution.

    This also checks the lognormal's (mean, sd) → (mu, sigma) conversion and empirical resampling:
    a wrong second moment moves the mean wait out of the interval.
    """
    rho = 0.7
    mean_s = dist.mean_value
    lam = rho * 60.0 / mean_s
    es2_min2 = (1 + dist.cv2) * (mean_s / 60.0) ** 2
    rng = np.random.default_rng(3000 + int(dist.cv2 * 100))
    run = simulate_stationary_gate(lam, dist, 1, customers_for(0.85), 5_000, rng)
    wq = lam * es2_min2 / (2 * (1 - rho))
    assert_in_ci(wq, run.wait_min, 0.10)


def test_littles_law_on_the_reported_queue() -> None:
    """L = λW: the time-average number waiting, read off the same step function that gives the
    reported queue metrics, matches λ·Wq of Erlang C, batch by batch in time."""
    lanes, rho, mean_s = 2, 0.8, 20.0
    lam = rho * lanes * 60.0 / mean_s
    rng = np.random.default_rng(4242)
    run = simulate_stationary_gate(
        lam, Exponential(dist="exponential", mean=mean_s), lanes, 200_000, 5_000, rng, "shared"
    )
    steps = queue_steps([Line(run.t_arrive, run.t_start, 10**9)], spacing_m=1.0)
    t0, t1 = float(run.t_arrive[0]), float(run.t_arrive[-1])
    edges = np.linspace(t0, t1, N_BATCHES + 1)
    total = steps.total
    per_batch = np.asarray([time_average(total, steps.times, a, b) for a, b in itertools.pairwise(edges)])
    _, wq = mmc_wait_min(lanes, lam, mean_s / 60.0)
    assert_in_ci(lam * wq, per_batch, 0.10)
    # and on the sample path itself: time-average queue over the run ≈ λ̂ · mean wait (edge effects only)
    lam_hat = (len(run.t_arrive) - 1) / (t1 - t0)
    inside = run.t_start <= t1
    l_hat = time_average(total, steps.times, t0, t1)
    assert l_hat == pytest.approx(lam_hat * run.wait_min[inside].mean(), rel=0.02)


def test_join_shortest_queue_lies_between_pooled_and_split_lines() -> None:
    """Two lanes, shortest-line rule: no closed form, but the mean wait must exceed the pooled line
    (M/M/2, Erlang C — the best any non-idling rule can do) and stay below two separate M/M/1 lines
    fed by a random split (a rule that ignores the queues)."""
    rho, mean_s, lanes = 0.8, 30.0, 2
    lam = rho * lanes * 60.0 / mean_s
    rng = np.random.default_rng(5150)
    run = simulate_stationary_gate(
        lam, Exponential(dist="exponential", mean=mean_s), lanes, customers_for(rho), 5_000, rng, "shortest"
    )
    _, pooled = mmc_wait_min(2, lam, mean_s / 60.0)
    _, split = mmc_wait_min(1, lam / 2, mean_s / 60.0)
    _, lo, hi = batch_ci(run.wait_min)
    assert pooled < lo and hi < split, (pooled, lo, hi, split)
