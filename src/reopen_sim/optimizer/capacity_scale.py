"""Gate-window capacities scaled by certification (docs/design.md, "Certification").

A factor below 1 tightens a gate-window whose simulated queue broke the service level; above 1 it
uses the gate harder than the static ``policy.target_utilisation`` allows. The scaled capacity is
⌊static × factor⌋, and never more than the gate's physical screening throughput in the window
(open lanes × 60 ÷ mean service s × window min) nor 1 ÷ ``target_utilisation`` × the static
capacity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from reopen_sim.scenario.derived import derived
from reopen_sim.scenario.schema import Scenario

CapacityScale = Mapping[tuple[str, int], float]  # (gate id, window index) → factor


def max_scale(scenario: Scenario) -> float:
    """The largest factor certification may try: 1 ÷ ``policy.target_utilisation``."""
    return 1.0 / scenario.policy.target_utilisation


def scaled_capacity(scenario: Scenario, g: int, factor: float) -> int:
    """Students gate ``g`` (index) may take in one window at ``factor`` × its static capacity."""
    caps = derived(scenario)
    static = caps.gate_window[g]
    physical = math.floor(caps.screen_per_min[g] * scenario.day.window_min + 1e-9)
    ceiling = min(physical, math.floor(static * max_scale(scenario) + 1e-9))
    return max(0, min(math.floor(static * factor + 1e-9), max(ceiling, static)))


def scaled_capacities(scenario: Scenario, scale: CapacityScale) -> dict[tuple[int, int], int]:
    """(gate index, window index) → scaled capacity for every gate-window named in ``scale``."""
    index = {e.id: g for g, e in enumerate(scenario.entrances)}
    return {(index[gid], w): scaled_capacity(scenario, index[gid], f) for (gid, w), f in scale.items()}


__all__ = ["CapacityScale", "max_scale", "scaled_capacities", "scaled_capacity"]
