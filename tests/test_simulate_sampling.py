"""Service-time sampling by inverse CDF: moments within confidence intervals, hand-worked params."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from reopen_sim.scenario.schema import Deterministic, Empirical, Exponential, LogNormal
from reopen_sim.simulation.sampling import lognormal_params, quantile


def test_lognormal_params_hand_worked() -> None:
    """mean 30, sd 10: σ² = ln(1 + 1/9) = 0.10536, μ = ln 30 − σ²/2 = 3.34860."""
    mu, sigma = lognormal_params(30.0, 10.0)
    assert sigma**2 == pytest.approx(math.log(10 / 9))
    assert mu == pytest.approx(math.log(30) - math.log(10 / 9) / 2)


@pytest.mark.parametrize(
    "dist",
    [
        Exponential(dist="exponential", mean=30.0),
        LogNormal(dist="lognormal", mean=30.0, sd=10.0),
        LogNormal(dist="lognormal", mean=3.0, sd=1.0),
        Empirical(dist="empirical", samples=(2.0, 3.0, 3.0, 10.0)),
    ],
    ids=["exponential", "lognormal-30-10", "lognormal-3-1", "empirical"],
)
def test_sample_mean_and_sd_match_the_distribution(dist: Exponential | LogNormal | Empirical) -> None:
    rng = np.random.default_rng(17)
    x = quantile(dist, rng.random(200_000))
    mean, sd = dist.mean_value, math.sqrt(dist.cv2) * dist.mean_value
    half = stats.norm.ppf(0.995) * x.std(ddof=1) / math.sqrt(x.size)
    assert abs(x.mean() - mean) <= half
    # sd: the sample sd is within 2% (200k draws; 4th moments are finite for these)
    assert x.std(ddof=1) == pytest.approx(sd, rel=0.02)


def test_deterministic_and_empirical_resampling() -> None:
    u = np.linspace(0, 1, 11)
    assert (quantile(Deterministic(dist="deterministic", value=7.0), u) == 7.0).all()
    emp = Empirical(dist="empirical", samples=(5.0, 1.0, 9.0))
    draws = quantile(emp, np.random.default_rng(3).random(30_000))
    counts = np.array([(draws == v).sum() for v in (5.0, 1.0, 9.0)])
    assert counts.sum() == draws.size  # only the measured values come out
    assert stats.chisquare(counts).pvalue > 0.001  # each with probability 1/3


def test_quantile_is_monotone_so_common_random_numbers_pair_draws() -> None:
    u = np.sort(np.random.default_rng(5).random(1000))
    for d in (Exponential(dist="exponential", mean=2.0), LogNormal(dist="lognormal", mean=2.0, sd=3.0)):
        assert np.all(np.diff(quantile(d, u)) >= 0)
    assert np.isfinite(quantile(LogNormal(dist="lognormal", mean=2.0, sd=3.0), np.array([0.0, 1.0]))).all()
