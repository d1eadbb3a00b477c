"""Queue length as a step function of time, from each person's join and service-start times.

A person waits in their line from ``t_join`` to ``t_start`` (nobody waits when they are equal). The
number waiting in a line is a step function; everything reported about queues — maxima, time-weighted
percentiles, the 1-minute series, spill beyond the marked places — is read off it exactly, not from
sampled snapshots.

Physical queue (DOMAIN: queue markers every 1 m or 1.5 m): a line has ``places`` marked places at
``spacing_m``; people beyond them are *spill*. ``*_people`` figures add up over lines; ``*_m``
figures are the physical reach of the longest line (lines run side by side), ``people × spacing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.simulation.lanes import LaneChoice

# Canteen counters and exits have no marked queue length: their lines never spill.
NO_PLACES = 10**9


@dataclass(frozen=True)
class Line:
    """One physical line: its members' join and service-start times and its marked places."""

    t_join: NDArray[np.float64]
    t_start: NDArray[np.float64]
    places: int


@dataclass(frozen=True)
class QueueSteps:
    """People waiting in each line on ``[times[k], times[k+1])``: ``counts[k, line]``."""

    times: NDArray[np.float64]
    counts: NDArray[np.int64]
    places: NDArray[np.int64]
    spacing_m: float

    @property
    def total(self) -> NDArray[np.int64]:
        return self.counts.sum(axis=1) if self.counts.size else np.zeros(len(self.times), np.int64)

    @property
    def spill(self) -> NDArray[np.int64]:
        """People beyond the marked places, per step and line (zero on lines that never fill them,
        e.g. canteen counters and exits: computed only where a line does)."""
        out = np.zeros_like(self.counts)
        if self.counts.size:
            over = self.counts.max(axis=0) > self.places
            out[:, over] = np.maximum(self.counts[:, over] - self.places[None, over], 0)
        return out

    def at(self, t: NDArray[np.float64]) -> NDArray[np.int64]:
        """Counts per line at instants ``t`` (rows), zero before the first event."""
        k = np.searchsorted(self.times, t, side="right") - 1
        out = np.zeros((len(t), self.counts.shape[1]), dtype=np.int64)
        ok = k >= 0
        out[ok] = self.counts[k[ok]]
        return out


def wait_figures(wait_min: NDArray[np.float64]) -> tuple[float, float, float]:
    """Mean, 95th percentile (numpy's linear interpolation) and maximum of waits; zeros for nobody."""
    if wait_min.size == 0:
        return 0.0, 0.0, 0.0
    return float(wait_min.mean()), float(np.percentile(wait_min, 95)), float(wait_min.max())


def lane_lines(
    t_join: NDArray[np.float64],
    t_start: NDArray[np.float64],
    lane: NDArray[np.int64],
    lanes: int,
    places_per_lane: int,
    lane_choice: LaneChoice,
) -> list[Line]:
    """Physical lines of one gate from each person's 0-based ``lane``: one line per lane, or, for a
    ``"shared"`` line, one line holding every lane's places."""
    if lane_choice == "shared":
        return [Line(t_join, t_start, places_per_lane * lanes)]
    return [Line(t_join[lane == j], t_start[lane == j], places_per_lane) for j in range(lanes)]


def queue_steps(lines: Sequence[Line], spacing_m: float) -> QueueSteps:
    """The step function of people waiting, per line, on the union of all join/start instants:
    at each instant, the line's joins up to then less its service starts up to then (a running sum
    of +1 per join and −1 per start, on all lines at once)."""
    joins = [ln.t_join for ln in lines]
    starts = [ln.t_start for ln in lines]
    every = [a for a in joins if a.size] + [s for s in starts if s.size]
    times = np.unique(np.concatenate(every)) if every else np.zeros(0)
    n_lines = len(lines)
    counts = np.zeros((len(times), n_lines), dtype=np.int64)
    if every:
        when = np.concatenate(joins + starts)
        line = np.repeat(np.tile(np.arange(n_lines), 2), [len(a) for a in joins + starts])
        step = np.repeat([1, -1], [sum(len(a) for a in joins), sum(len(s) for s in starts)])
        cell = np.searchsorted(times, when) * n_lines + line
        delta = np.bincount(cell, weights=step, minlength=counts.size).astype(np.int64)
        counts = np.cumsum(delta.reshape(len(times), n_lines), axis=0)
    places = np.asarray([ln.places for ln in lines], dtype=np.int64)
    return QueueSteps(times, counts, places, spacing_m)


def time_weighted_quantile(values: NDArray[np.int64], times: NDArray[np.float64], q: float) -> float:
    """The ``q`` quantile of a step function over ``[times[0], times[-1]]``, weighted by duration:
    the smallest v such that the function is ≤ v for at least a share q of the time."""
    if len(times) < 2:
        return float(values[0]) if len(values) else 0.0
    dt = np.diff(times)
    v = values[:-1]
    total = dt.sum()
    if total <= 0:
        return float(v.max())
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(dt[order]) / total
    k = int(np.searchsorted(cum, q - 1e-12, side="left"))
    return float(v[order][min(k, len(v) - 1)])


def time_average(values: NDArray[np.int64], times: NDArray[np.float64], t0: float, t1: float) -> float:
    """Time average of a step function over ``[t0, t1]`` (zero before the first step)."""
    if t1 <= t0:
        return 0.0
    edges = np.clip(np.concatenate([times, [t1]]), t0, t1)
    dt = np.diff(edges)
    return float(np.dot(values, dt) / (t1 - t0)) if len(values) else 0.0


def queue_figures(steps: QueueSteps) -> dict[str, float]:
    """max/p95 people waiting, longest line in metres, spill in people and metres."""
    if len(steps.times) == 0:
        return dict.fromkeys(
            ("max_queue_people", "p95_queue_people", "max_queue_m", "max_spill_people", "max_spill_m"), 0.0
        )
    total = steps.total
    spill = steps.spill
    longest = steps.counts.max(axis=1)
    return {
        "max_queue_people": float(total.max()),
        "p95_queue_people": time_weighted_quantile(total, steps.times, 0.95),
        "max_queue_m": float(longest.max()) * steps.spacing_m,
        "max_spill_people": float(spill.sum(axis=1).max()),
        "max_spill_m": float(spill.max()) * steps.spacing_m,
    }


def minute_series(steps: QueueSteps, minutes: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Queue at each whole minute (the state at that instant): people, longest line in metres, spill."""
    c = steps.at(minutes)
    spill = np.maximum(c - steps.places[None, :], 0)
    longest = c.max(axis=1) if c.shape[1] else np.zeros(len(minutes), np.int64)
    worst_spill = spill.max(axis=1) if c.shape[1] else np.zeros(len(minutes), np.int64)
    return {
        "queue_people": c.sum(axis=1).astype(np.float64),
        "queue_m": longest.astype(np.float64) * steps.spacing_m,
        "spill_people": spill.sum(axis=1).astype(np.float64),
        "spill_m": worst_spill.astype(np.float64) * steps.spacing_m,
    }
