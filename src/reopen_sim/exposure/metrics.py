"""Comparison metrics: contact pairs, close pairs and contact minutes with confidence intervals.

Each replication is one independent simulated day, so a metric's replication values are i.i.d.
and its mean gets the Student-t interval mean ± t(1−α/2, n−1)·s/√n (any statistics text; the
replication method as in Law, *Simulation Modeling and Analysis*, ch. 9). With one replication
the interval is undefined (NaN).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from reopen_sim.exposure.model import ALL, ANY, MIXINGS, SETTINGS
from reopen_sim.stats import mean_ci

METRICS: tuple[str, ...] = ("contacts", "close_pairs", "contact_min")


def summarise_stats(
    stats: pd.DataFrame, replications: Sequence[int], confidence: float = 0.95
) -> pd.DataFrame:
    """One row per setting (and ``any``) and mixing (and ``all``): each metric's mean and CI.

    Columns: ``setting, mixing, replications`` then ``<metric>_mean, <metric>_ci_low,
    <metric>_ci_high`` for contacts (pairs in contact), close_pairs and contact_min (pair-minutes).
    A replication without any pair of a kind counts as zero.
    """
    settings = [*SETTINGS, ANY]
    grid = pd.MultiIndex.from_product(
        [list(replications), settings, list(MIXINGS)], names=["replication", "setting", "mixing"]
    )
    s = stats.groupby(["replication", "setting", "mixing"])[list(METRICS)].sum()
    s = s.reindex(grid, fill_value=0)
    tot = s.groupby(level=["replication", "setting"]).sum()
    tot["mixing"] = ALL
    s = pd.concat([s.reset_index(), tot.reset_index()], ignore_index=True)
    rows = []
    for setting in settings:
        for mix in [*MIXINGS, ALL]:
            g = s[(s["setting"] == setting) & (s["mixing"] == mix)]
            row: dict[str, object] = {"setting": setting, "mixing": mix, "replications": len(g)}
            for metric in METRICS:
                m, lo, hi = mean_ci(g[metric].to_numpy(float), confidence)
                row[f"{metric}_mean"] = m
                row[f"{metric}_ci_low"] = lo
                row[f"{metric}_ci_high"] = hi
            rows.append(row)
    return pd.DataFrame(rows)
