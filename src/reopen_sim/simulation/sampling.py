"""Sampling durations from the scenario's distributions by inverse transform.

Every draw is ``quantile(dist, u)`` of a uniform ``u`` in (0, 1). Drawing through the quantile
function is what makes common random numbers work across plans: the same student carries the same
``u`` whatever gate a plan sends them to, so at a faster gate they are screened faster by the same
quantile (Law & Kelton, *Simulation Modeling and Analysis*, §11.2: CRN by synchronised streams).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

from reopen_sim.scenario.schema import Deterministic, Empirical, Exponential, LogNormal

AnyDistribution = Exponential | LogNormal | Deterministic | Empirical

FloatArray = NDArray[np.float64]

_EPS = 2.0**-53


def lognormal_params(mean: float, sd: float) -> tuple[float, float]:
    """(mu, sigma) of the underlying normal for a lognormal with its own ``mean`` and ``sd``.

    sigma² = ln(1 + sd²/mean²), mu = ln(mean) − sigma²/2 (moments of the lognormal).
    """
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


def quantile(dist: AnyDistribution, u: FloatArray) -> FloatArray:
    """Inverse CDF of ``dist`` at uniforms ``u`` (same unit as the distribution's parameters).

    - exponential(mean): −mean · ln(1 − u);
    - lognormal(mean, sd): exp(mu + sigma · Φ⁻¹(u)) with (mu, sigma) from :func:`lognormal_params`;
    - deterministic(value): value;
    - empirical(samples): samples[⌊u · n⌋], i.e. resampling with replacement, each sample 1/n.
    """
    # Keep u inside (0, 1): the exponential and lognormal quantiles are infinite at the ends.
    u = np.clip(np.asarray(u, dtype=np.float64), _EPS, 1.0 - _EPS)
    if isinstance(dist, Exponential):
        return -dist.mean * np.log1p(-u)
    if isinstance(dist, LogNormal):
        mu, sigma = lognormal_params(dist.mean, dist.sd)
        return np.asarray(np.exp(mu + sigma * ndtri(u)), dtype=np.float64)
    if isinstance(dist, Deterministic):
        return np.full(u.shape, float(dist.value))
    samples = np.asarray(dist.samples, dtype=np.float64)
    idx = np.minimum((u * len(samples)).astype(np.int64), len(samples) - 1)
    return samples[idx]


def seconds_to_min(dist: AnyDistribution, u: FloatArray) -> FloatArray:
    """Draws of a distribution given in seconds, converted to minutes (the simulation clock)."""
    return quantile(dist, u) / 60.0
