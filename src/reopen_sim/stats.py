"""Confidence intervals over replications: one implementation for the simulation, compare, contacts
and district sweeps, so every interval in every report is computed the same way."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def t_quantile(level: float, dof: int | npt.ArrayLike) -> float | np.ndarray:
    """Two-sided Student-t quantile t_{(1+level)/2, dof} (scipy, imported when first needed: it is slow)."""
    from scipy import stats

    q = stats.t.ppf((1 + level) / 2, dof)
    return float(q) if np.ndim(q) == 0 else np.asarray(q)


def mean_ci(values: npt.ArrayLike | Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval x̄ ± t_{(1+level)/2, n−1} · s/√n over i.i.d. replications.

    NaN values (a metric undefined in some replication) are dropped first. Returns
    (mean, nan, nan) for one value and (nan, nan, nan) for none.
    """
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan
    half = float(t_quantile(level, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return m, m - half, m + half
