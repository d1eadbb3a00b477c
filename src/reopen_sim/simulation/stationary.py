"""One stationary gate: Poisson arrivals into the school model's own lane engine (for theory tests).

Internal: the queueing-theory tests (Erlang C, Pollaczek–Khinchine, Little's law) call this so that
they validate the school model's own gate stage (:func:`reopen_sim.simulation.gates.screen`: the
service sampler, its seconds → minutes conversion and the lane engine), not a separate toy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from reopen_sim.simulation.gates import screen
from reopen_sim.simulation.lanes import LaneChoice
from reopen_sim.simulation.sampling import AnyDistribution


@dataclass(frozen=True)
class StationaryRun:
    """Customers after the warm-up: times in minutes from the start of the run."""

    t_arrive: NDArray[np.float64]
    t_start: NDArray[np.float64]
    t_end: NDArray[np.float64]
    lane: NDArray[np.int64]
    arrival_rate_per_min: float

    @property
    def wait_min(self) -> NDArray[np.float64]:
        return self.t_start - self.t_arrive


def simulate_stationary_gate(
    arrival_rate_per_min: float,
    service_time_s: AnyDistribution,
    lanes: int,
    n_customers: int,
    warmup: int,
    rng: np.random.Generator,
    lane_choice: LaneChoice = "shortest",
) -> StationaryRun:
    """Poisson arrivals at ``arrival_rate_per_min`` to ``lanes`` lanes with service drawn from
    ``service_time_s`` (seconds) through the school model's gate stage; the first ``warmup`` customers are
    dropped (initial transient, Law & Kelton §9.5)."""
    n = warmup + n_customers
    gaps = rng.exponential(1.0 / arrival_rate_per_min, size=n)
    t = np.cumsum(gaps)
    res = screen(t, rng.random(n), service_time_s, lanes, lane_choice)
    keep = slice(warmup, None)
    return StationaryRun(t[keep], res.t_start[keep], res.t_end[keep], res.lane[keep], arrival_rate_per_min)
