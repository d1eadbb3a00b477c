"""Airborne infection risk per room and canteen sitting: the Wells–Riley equation. An ESTIMATE.

    P = 1 − exp(−I·q·p·t·(1−η)² / Q)

the probability that one susceptible occupant is infected (Riley, Murphy & Riley 1978, *Am. J.
Epidemiol.* 107:421-432), for I infectors emitting q quanta per hour, breathing rate p (m³/h),
exposure t (h), outdoor-air ventilation Q = air changes per hour × volume (m³/h), and masks
worn by everyone filtering a fraction η of exhaled and of inhaled air (the mask term as in
Dai & Zhao 2020, *Building Simulation* 13:1321-1327). It assumes well-mixed air at steady state
and ignores deposition and viral decay, so it is an order-of-magnitude estimate for comparing
rooms and plans, not a prediction for one case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from reopen_sim.plan import Plan
from reopen_sim.scenario.capacity import room_capacity, sitting_start_min, split_over_rooms
from reopen_sim.scenario.schema import Room, Scenario, format_hhmm

ESTIMATE_NOTE = (
    "Wells-Riley estimate (well-mixed air, steady state, one infector): for comparing rooms and "
    "plans, not a prediction"
)


@dataclass(frozen=True)
class AirborneParams:
    """Wells–Riley inputs, each with its source.

    - ``infectors``: infectious people present (1: the question "one case in the room").
    - ``quanta_per_h``: 25 q/h, inside the 14–48 q/h Dai & Zhao (2020) estimated for SARS-CoV-2
      (asymptomatic infector, light activity); singing or shouting is far higher (Miller et al.
      2021, Skagit choir: ~970 q/h).
    - ``breathing_m3_h``: 0.52 m³/h, between the 0.49 (sitting) and 0.54 (standing) m³/h used by
      Buonanno, Stabile & Morawska (2020, *Environment International* 141:105794) after Adams (1993).
    - ``mask_efficiency``: η, share of exhaled and of inhaled particles a mask stops (0: no masks;
      Dai & Zhao 2020 use 0.5 for surgical masks, 0.9 for N95).
    - ``ceiling_height_m``: volume = area × height when a room has no ``volume_m3``; 3.0 m is the
      minimum clear height of a primary classroom in GB 50099-2011 (3.05 m secondary).
    - ``default_air_changes_per_h``: used when a room has no ``air_changes_per_h``; 1.0 h⁻¹ is an
      ASSUMPTION for a closed, naturally ventilated room (measure or set it per room).
    """

    infectors: int = 1
    quanta_per_h: float = 25.0
    breathing_m3_h: float = 0.52
    mask_efficiency: float = 0.0
    ceiling_height_m: float = 3.0
    default_air_changes_per_h: float = 1.0

    def __post_init__(self) -> None:
        if self.infectors < 0:
            raise ValueError("infectors must be >= 0")
        if not 0 <= self.mask_efficiency < 1:
            raise ValueError("mask_efficiency must be in [0, 1)")
        for name in ("quanta_per_h", "breathing_m3_h", "ceiling_height_m", "default_air_changes_per_h"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")


def wells_riley_probability(
    infectors: int,
    quanta_per_h: float,
    breathing_m3_h: float,
    hours: float,
    ventilation_m3_h: float,
    mask_efficiency: float = 0.0,
) -> float:
    """P = 1 − exp(−I·q·p·t·(1−η)² / Q): infection probability of one susceptible (Wells–Riley)."""
    if ventilation_m3_h <= 0:
        raise ValueError("ventilation_m3_h must be positive")
    dose = infectors * quanta_per_h * breathing_m3_h * hours * (1 - mask_efficiency) ** 2 / ventilation_m3_h
    return 1.0 - math.exp(-dose)


def _air(
    room_volume_m3: float | None, area_m2: float | None, ach: float | None, params: AirborneParams
) -> tuple[float, float, str]:
    volume = (
        room_volume_m3
        if room_volume_m3 is not None
        else (area_m2 * params.ceiling_height_m if area_m2 is not None else math.nan)
    )
    if ach is None:
        return volume, params.default_air_changes_per_h, "assumed default"
    return volume, ach, "scenario"


def _row(
    place: str,
    kind: str,
    classes: str,
    occupants: int,
    hours: float,
    volume: float,
    ach: float,
    ach_source: str,
    params: AirborneParams,
) -> dict[str, object]:
    q = ach * volume
    p = (
        wells_riley_probability(
            params.infectors, params.quanta_per_h, params.breathing_m3_h, hours, q, params.mask_efficiency
        )
        if q > 0 and hours > 0
        else (0.0 if hours <= 0 else math.nan)
    )
    susceptible = max(occupants - params.infectors, 0)
    return {
        "place": place,
        "kind": kind,
        "classes": classes,
        "occupants": occupants,
        "hours": hours,
        "volume_m3": volume,
        "air_changes_per_h": ach,
        "ach_source": ach_source,
        "ventilation_m3_h": q,
        "p_infection": p,
        "expected_infections": susceptible * p,
        "note": ESTIMATE_NOTE,
    }


def airborne_estimate(scenario: Scenario, plan: Plan, params: AirborneParams | None = None) -> pd.DataFrame:
    """Wells–Riley estimate for every room a class uses and every canteen sitting.

    A room's occupants are its share of the class (``split_over_rooms``), present from
    ``day.first_class_at`` to the class's dismissal, minus its canteen sitting when it eats in one.
    A sitting holds every class assigned to it for ``canteen.sitting_min`` (volume from
    ``canteen.area_m2``; NaN when unknown). Columns: ``place, kind, classes, occupants, hours,
    volume_m3, air_changes_per_h, ach_source, ventilation_m3_h, p_infection, expected_infections,
    note`` (expected infections = susceptible occupants × P).
    """
    params = params or AirborneParams()
    rooms: dict[str, Room] = {r.id: r for r in scenario.rooms}
    canteen = scenario.canteen
    out: list[dict[str, object]] = []
    for a in sorted(plan.assignments, key=lambda x: x.class_id):
        caps = [room_capacity(rooms[r], scenario.policy) for r in a.rooms]
        meal_h = canteen.sitting_min / 60 if (canteen.mode == "sittings" and a.canteen_sitting) else 0.0
        hours = max((a.dismissal_min - scenario.day.first_class_at) / 60 - meal_h, 0.0)
        for rid, n in zip(a.rooms, split_over_rooms(a.students, caps), strict=True):
            r = rooms[rid]
            volume, ach, src = _air(r.volume_m3, r.area_m2, r.air_changes_per_h, params)
            out.append(_row(rid, "room", a.class_id, n, hours, volume, ach, src, params))
    if canteen.mode == "sittings":
        sittings: dict[int, list[str]] = {}
        counts: dict[int, int] = {}
        for a in plan.assignments:
            if a.canteen_sitting:
                sittings.setdefault(a.canteen_sitting, []).append(a.class_id)
                counts[a.canteen_sitting] = counts.get(a.canteen_sitting, 0) + a.students
        for s in sorted(sittings):
            volume, ach, src = _air(None, canteen.area_m2, None, params)
            start = sitting_start_min(canteen, s)
            place = f"canteen sitting {s} ({format_hhmm(start)})"
            out.append(
                _row(
                    place,
                    "canteen",
                    ";".join(sorted(sittings[s])),
                    counts[s],
                    canteen.sitting_min / 60,
                    volume,
                    ach,
                    src,
                    params,
                )
            )
    return pd.DataFrame(out)
