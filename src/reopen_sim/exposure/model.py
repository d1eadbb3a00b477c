"""Parameters of the contact model: distances and durations, each with its source.

Every figure here is a default a user may change; none is buried in the computing code.
"""

from __future__ import annotations

from dataclasses import dataclass

# Setting codes, in the order reports list them.
QUEUE = "queue"  # gate queue: lane neighbours while both wait
SCREENING = "screening"  # the lane's screening staff with each student screened
CANTEEN = "canteen"  # table-mates during the sitting
ROOM = "room"  # everyone sharing a room (a room hosts one class)
DORM = "dorm"  # boarders sharing a dorm room overnight
EXIT = "exit"  # dismissal queue at the gate, like the gate queue
SETTINGS: tuple[str, ...] = (QUEUE, SCREENING, CANTEEN, ROOM, DORM, EXIT)
ANY = "any"  # summary row: a pair close over all settings together

# Who the pair is, relative to the classes the plan keeps apart.
SAME_CLASS = "same_class"
CROSS_CLASS = "cross_class"  # different classes of the same grade
CROSS_GRADE = "cross_grade"
STAFF = "staff"  # a staff member with a student
MIXINGS: tuple[str, ...] = (SAME_CLASS, CROSS_CLASS, CROSS_GRADE, STAFF)
ALL = "all"

# Tracing groups (issue 5: same class, same dorm room, queue neighbours, canteen table, staff).
GROUP_LABELS: dict[str, str] = {
    ROOM: "same class (room)",
    DORM: "same dorm room",
    QUEUE: "gate queue neighbour",
    EXIT: "dismissal queue neighbour",
    CANTEEN: "canteen table",
    SCREENING: "screening staff",
}

# Distances are compared with a tolerance so that a geometric 1.0 m is "within 1 m".
DISTANCE_TOL_M = 1e-9


@dataclass(frozen=True)
class ContactModel:
    """Geometry and durations of the contact model (see docs/design.md, "Exposure").

    - ``spill_spacing_m``: centre-to-centre spacing once a queue spills past its marked places.
      0.6 m is the lower bound of Fruin's queuing level of service D (inter-person spacing
      0.6-0.9 m, "standing without touching is possible"; Fruin 1971, *Pedestrian Planning and
      Design*; the same LOS D band, 0.3-0.6 m²/person, in the Highway Capacity Manual's
      pedestrian queuing table, which in a 1 m lane (DOMAIN) is 0.3-0.6 m of queue per person).
    - ``screening_distance_m``: screener to student while a handheld thermometer is read at
      arm's length (assumed 0.75 m, middle of the 0.5-1 m range of an outstretched arm).
    - ``seat_pitch_m``, ``table_width_m``: canteen seat centres along a table side and across the
      table (0.6 m and 0.8 m, typical canteen furniture; assumed, set them from the school's tables).
    - ``dorm_night_min``: time dorm-mates share their room overnight, not simulated (510 min =
      22:00 lights-out to 06:30 rising; assumed typical boarding-school day, set from the school's
      routine).
    """

    spill_spacing_m: float = 0.6
    screening_distance_m: float = 0.75
    seat_pitch_m: float = 0.6
    table_width_m: float = 0.8
    dorm_night_min: float = 510.0

    def __post_init__(self) -> None:
        for name in ("spill_spacing_m", "screening_distance_m", "seat_pitch_m", "table_width_m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.dorm_night_min < 0:
            raise ValueError(f"dorm_night_min must be >= 0, got {self.dorm_night_min!r}")
