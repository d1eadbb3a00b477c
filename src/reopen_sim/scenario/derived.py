"""The derived facts of a scenario, computed once: ``derived(sc)`` → :class:`Capacities`.

Every number here comes from one formula of :mod:`reopen_sim.scenario.capacity`; this module only
evaluates them once per scenario and hands the same frozen object to every consumer (the model, the
greedy hint, the room hand-out, the explanation; the checker and the simulation can call the same
accessor), so a figure cannot differ between them and is not recomputed a dozen times per call.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from reopen_sim.scenario import capacity as cap
from reopen_sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Capacities:
    """What a scenario's rules allow, per room, gate and canteen (indices follow ``scenario.entrances``).

    - ``room_seats``: distanced capacity of every room by id (``capacity.room_capacity``);
    - ``kept_home_rooms``: class id → home room kept under ``policy.keep_home_rooms``
      (``capacity.kept_home_rooms``);
    - ``max_rooms_per_class``: rooms one class may use (``capacity.max_rooms_per_class``);
    - ``gate_window``: students a gate takes in one arrival window (``capacity.gate_window_capacity``);
    - ``open_lanes``, ``queue_places`` (marked places over the open lanes), ``screen_per_min``
      (``capacity.gate_throughput_per_min`` of the open lanes);
    - ``exit_per_slot``: students who leave by a gate in one dismissal slot,
      ⌊exit rate × dismissal gap⌋ (``capacity.exit_rate_per_min``);
    - ``canteen_seats``: distanced seats of one sitting (``capacity.canteen_capacity``).
    """

    room_seats: Mapping[str, int]
    kept_home_rooms: Mapping[str, str]
    max_rooms_per_class: int
    gate_window: tuple[int, ...]
    open_lanes: tuple[int, ...]
    queue_places: tuple[int, ...]
    screen_per_min: tuple[float, ...]
    exit_per_slot: tuple[int, ...]
    canteen_seats: int
    gate_ids: tuple[str, ...] = ()

    def gate(self, gate_id: str) -> GateCapacity:
        """The figures of one gate by id (``gate_ids`` gives the order of the per-gate tuples)."""
        i = self.gate_ids.index(gate_id)
        return GateCapacity(
            window=self.gate_window[i],
            lanes=self.open_lanes[i],
            places=self.queue_places[i],
            screen_per_min=self.screen_per_min[i],
            exit_per_slot=self.exit_per_slot[i],
        )


@dataclass(frozen=True)
class GateCapacity:
    """One gate's derived figures (see :class:`Capacities` for each formula)."""

    window: int
    lanes: int
    places: int
    screen_per_min: float
    exit_per_slot: int


def compute_capacities(scenario: Scenario) -> Capacities:
    """Evaluate every derived capacity of ``scenario`` (uncached; use :func:`derived`)."""
    sc, pol, day = scenario, scenario.policy, scenario.day
    lanes = tuple(cap.open_lanes(e, pol.staff_per_lane) for e in sc.entrances)
    return Capacities(
        room_seats=MappingProxyType(cap.room_capacities(sc)),
        kept_home_rooms=MappingProxyType(cap.kept_home_rooms(sc)),
        max_rooms_per_class=cap.max_rooms_per_class(pol),
        gate_window=tuple(cap.gate_window_capacity(e, pol, day.window_min) for e in sc.entrances),
        open_lanes=lanes,
        queue_places=tuple(
            n * cap.queue_places_per_lane(e.queue_length_m, pol.queue_spacing_m)
            for n, e in zip(lanes, sc.entrances, strict=True)
        ),
        screen_per_min=tuple(
            cap.gate_throughput_per_min(n, e.service_time_s.mean_value)
            for n, e in zip(lanes, sc.entrances, strict=True)
        ),
        exit_per_slot=tuple(
            math.floor(cap.exit_rate_per_min(e, pol) * day.dismissal_gap_min + 1e-9) for e in sc.entrances
        ),
        canteen_seats=cap.canteen_capacity(sc.canteen),
        gate_ids=tuple(e.id for e in sc.entrances),
    )


# Cache keyed on the scenario object itself. Hand-written because ``functools.cache`` needs hashable
# arguments and a Scenario holds dicts (walk tables); scenarios are frozen, so the object's identity
# is a safe key as long as the entry keeps the object alive (it does: it is stored beside the value).
_CACHE_SIZE = 16
_cache: OrderedDict[int, tuple[Scenario, Capacities]] = OrderedDict()
_lock = threading.Lock()


def derived(scenario: Scenario) -> Capacities:
    """The scenario's :class:`Capacities`, computed on first use and cached on the (frozen) scenario."""
    key = id(scenario)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is scenario:
            _cache.move_to_end(key)
            return hit[1]
    value = compute_capacities(scenario)
    with _lock:
        _cache[key] = (scenario, value)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


__all__ = ["Capacities", "GateCapacity", "compute_capacities", "derived"]
