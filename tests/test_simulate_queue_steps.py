"""The queue step function equals its definition: at each instant, per line, the people who joined
up to then less those whose service started up to then; spill is what exceeds the marked places."""

from __future__ import annotations

import numpy as np
import pytest

from reopen_sim.simulation.queue import NO_PLACES, Line, queue_figures, queue_steps


def _by_definition(lines: list[Line], times: np.ndarray) -> np.ndarray:
    return np.stack(
        [
            np.searchsorted(np.sort(ln.t_join), times, side="right")
            - np.searchsorted(np.sort(ln.t_start), times, side="right")
            for ln in lines
        ],
        axis=1,
    ).reshape(len(times), len(lines))


@pytest.mark.parametrize("seed", range(40))
def test_steps_and_spill_match_the_definition_on_random_lines(seed):
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(int(rng.integers(1, 13))):
        n = int(rng.integers(0, 60))
        join = rng.uniform(0, 30, n)
        if seed % 3 == 0:
            join = np.round(join)  # instants shared by several people and lines
        start = join + np.where(rng.random(n) < 0.2, 0.0, rng.exponential(2.0, n))
        places = NO_PLACES if seed % 4 == 0 else int(rng.integers(0, 6))
        lines.append(Line(join, start, places))
    steps = queue_steps(lines, 1.0)
    every = [x for ln in lines for x in (ln.t_join, ln.t_start)]
    assert np.array_equal(steps.times, np.unique(np.concatenate(every)))
    want = _by_definition(lines, steps.times)
    assert np.array_equal(steps.counts, want)
    assert np.array_equal(steps.spill, np.maximum(want - steps.places[None, :], 0))
    figures = queue_figures(steps)
    assert figures["max_queue_people"] == want.sum(axis=1).max(initial=0)


def test_no_line_and_empty_lines():
    assert queue_steps([], 1.0).counts.shape == (0, 0)
    empty = queue_steps([Line(np.zeros(0), np.zeros(0), 3)], 1.0)
    assert empty.counts.shape == (0, 1)
    assert empty.spill.shape == (0, 1)
