"""The scenario schema: one school, described once, validated once at the boundary.

Every field carries its unit in its name (``_s``, ``_min``, ``_m``, ``_m2``) and a default. Defaults
taken from the reopening plans cite ``shared/DOMAIN.md`` ("DOMAIN: ..."). Times of day are written
``HH:MM`` in files and held as minutes since midnight (``*_min`` fields ending ``_at``/``_time``).

All models are frozen and reject unknown keys: after :func:`reopen_sim.load_scenario` returns, the
core code trusts the data.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from reopen_sim.errors import Notice

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# How a user writes a school: a YAML file; a workbook whose sheets are named in Chinese or English
# ("workbook_zh", "workbook_en"); or tables laid out as the workbook, named in the reader's language
# ("workbook": the desk).
SourceFormat = Literal["yaml", "workbook", "workbook_zh", "workbook_en"]


def _rule(key: str, message: str, **fields: Any) -> PydanticCustomError:
    """A broken rule of the schema: ``key`` names ``expected.<key>`` in the catalogues (a ValueError)."""
    return PydanticCustomError(key, message, fields)


def parse_hhmm(value: Any) -> int:
    """Parse ``"HH:MM"`` (or an int of minutes since midnight) into minutes since midnight."""
    bad = _rule("time_hhmm", "a time of day as HH:MM, e.g. 07:50")
    if isinstance(value, bool):
        raise bad
    if isinstance(value, int):
        if 0 <= value < 24 * 60:
            return value
        raise bad
    if isinstance(value, str):
        m = _HHMM.match(value.strip())
        if m:
            return int(m.group(1)) * 60 + int(m.group(2))
    raise bad


def format_hhmm(minutes: float) -> str:
    """Format minutes since midnight as ``HH:MM`` (rounded down to the minute)."""
    total = math.floor(minutes + 1e-9)
    return f"{total // 60:02d}:{total % 60:02d}"


TimeOfDay = Annotated[
    int,
    BeforeValidator(parse_hhmm),
    PlainSerializer(format_hhmm, return_type=str),
]
"""A time of day: written ``HH:MM``, held as minutes since midnight."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------


class Exponential(_Model):
    """Exponential distribution with the given mean (unit: that of the field holding it)."""

    dist: Literal["exponential"]
    mean: float = Field(ge=1e-3, le=1e6)

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def cv2(self) -> float:
        """Squared coefficient of variation (1 for the exponential)."""
        return 1.0


class LogNormal(_Model):
    """Lognormal distribution given by its own mean and standard deviation (not the log's)."""

    dist: Literal["lognormal"]
    mean: float = Field(ge=1e-3, le=1e6)
    sd: float = Field(ge=1e-3, le=1e6)

    @property
    def mean_value(self) -> float:
        return self.mean

    @property
    def cv2(self) -> float:
        return (self.sd / self.mean) ** 2


class Deterministic(_Model):
    """A constant: every draw equals ``value``."""

    dist: Literal["deterministic"]
    value: float = Field(ge=1e-3, le=1e6)

    @property
    def mean_value(self) -> float:
        return self.value

    @property
    def cv2(self) -> float:
        return 0.0


class Empirical(_Model):
    """Resampling (with replacement) from measured samples, e.g. a stopwatch study at the gate."""

    dist: Literal["empirical"]
    samples: tuple[float, ...] = Field(min_length=2)

    @field_validator("samples")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 1e-3 <= x <= 1e6 for x in v):
            raise _rule("samples_range", "numbers between 0.001 and 1000000")
        return v

    @property
    def mean_value(self) -> float:
        return sum(self.samples) / len(self.samples)

    @property
    def cv2(self) -> float:
        m = self.mean_value
        var = sum((x - m) ** 2 for x in self.samples) / len(self.samples)
        return var / (m * m)


Distribution = Annotated[
    Exponential | LogNormal | Deterministic | Empirical,
    Field(discriminator="dist"),
]


# --------------------------------------------------------------------------------------------
# School parts
# --------------------------------------------------------------------------------------------


class SchoolInfo(_Model):
    name: str = Field(min_length=1)
    kind: Literal["primary", "junior_middle", "high", "nine_year", "other"] = "other"


class SchoolClass(_Model):
    """One class (班): its students arrive, sit, eat and leave together."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    grade: int = Field(ge=1, le=12)
    students: int = Field(ge=1, le=120)
    boarding: bool = False
    building: str | None = None
    floor: int | None = Field(default=None, ge=-3, le=40)
    home_room: str | None = None
    name: str | None = Field(default=None, min_length=1, max_length=60)  # as the school writes it


class StudentGroup(StrEnum):
    ALL = "all"
    BOARDERS = "boarders"
    DAY = "day"


# Screening time a person by method, seconds: (mean, sd) of a lognormal.
# DOMAIN (published): manual thermometer with recording ~30 s a person (~120 an hour per lane);
# thermal kiosk or face-recognition gate 2–3 s (the slower end, 3 s, kept as the mean).
# ASSUMED (DOMAIN says to label them): ear thermometer ~10 s; "other" keeps the manual 30 s.
SCREENING_DEFAULTS_S: dict[str, tuple[float, float]] = {
    "manual_thermometer": (30.0, 10.0),
    "thermal_kiosk": (3.0, 1.0),
    "face_recognition_gate": (3.0, 1.0),
    "ear_thermometer": (10.0, 3.0),  # assumption
    "other": (30.0, 10.0),  # assumption: as slow as a manual reading with recording
}


def _screening_default(method: str) -> LogNormal:
    mean, sd = SCREENING_DEFAULTS_S[method]
    return LogNormal(dist="lognormal", mean=mean, sd=sd)


class Entrance(_Model):
    """An entrance with screening lanes. DOMAIN: lanes >= 1 m wide, one person per lane (单人单道)."""

    id: str = Field(min_length=1)
    name: str | None = None
    lanes: int = Field(ge=1, le=40)
    # DOMAIN: "at least 2 staff per entrance"; "two staff take temperatures at each checkpoint".
    staff: int = Field(default=2, ge=0, le=200)
    screening_method: Literal[
        "manual_thermometer", "ear_thermometer", "thermal_kiosk", "face_recognition_gate", "other"
    ] = "manual_thermometer"
    # Without service_time_s, the screening method's own time (SCREENING_DEFAULTS_S).
    service_time_s: Distribution = Field(default_factory=lambda: _screening_default("manual_thermometer"))
    queue_length_m: float = Field(default=20.0, gt=0, le=1000)
    open_to: StudentGroup = StudentGroup.ALL
    # Walking distance from this entrance to each building, metres; or a node of the campus graph.
    walk_m: dict[str, float] = Field(default_factory=dict)
    node: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _method_brings_its_time(cls, data: Any) -> Any:
        """``screening_method: thermal_kiosk`` without ``service_time_s`` screens at a kiosk's speed."""
        if isinstance(data, dict) and "service_time_s" not in data:
            method = data.get("screening_method", "manual_thermometer")
            if isinstance(method, str) and method in SCREENING_DEFAULTS_S:
                data = {**data, "service_time_s": _screening_default(method)}
        return data

    @field_validator("walk_m")
    @classmethod
    def _walk_nonnegative(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: d for k, d in v.items() if not 0 <= d <= 5000}
        if bad:
            raise _rule("walk_range", "walking distances between 0 and 5000 m (got {got})", got=str(bad))
        return v


class DeskGrid(_Model):
    """Desks laid out in ``rows`` × ``cols``; pitches are centre-to-centre distances in metres."""

    rows: int = Field(ge=1, le=40)
    cols: int = Field(ge=1, le=40)
    desk_width_m: float = Field(default=0.6, ge=0.2, le=3)
    desk_depth_m: float = Field(default=0.4, ge=0.2, le=3)
    row_pitch_m: float = Field(default=1.2, ge=0.3, le=10)
    col_pitch_m: float = Field(default=1.2, ge=0.3, le=10)


class Room(_Model):
    """A room where a class sits. DOMAIN: one student per desk; over-size classes use labs and meeting rooms."""

    id: str = Field(min_length=1)
    building: str = Field(min_length=1)
    floor: int = Field(default=1, ge=-3, le=40)
    kind: Literal["classroom", "lab", "meeting_room", "hall"] = "classroom"
    area_m2: float = Field(gt=0, le=5000)
    length_m: float | None = Field(default=None, gt=0, le=200)
    width_m: float | None = Field(default=None, gt=0, le=200)
    desk_grid: DeskGrid | None = None
    volume_m3: float | None = Field(default=None, gt=0, le=100000)
    air_changes_per_h: float | None = Field(default=None, gt=0, le=100)


class Canteen(_Model):
    """The canteen: staggered sittings with distanced seating, or meals delivered to classrooms."""

    mode: Literal["sittings", "delivered"] = "sittings"
    tables: int = Field(default=0, ge=0, le=2000)
    seats_per_table: int = Field(default=8, ge=1, le=20)
    # Tables have two long sides facing each other; seats are split evenly between them.
    sides: Literal[1, 2] = 2
    # DOMAIN: 同桌隔位、对桌错位 — leave a seat empty at the table and offset seats across tables.
    seating_rule: Literal["every_seat", "skip_a_seat", "skip_offset", "one_side"] = "skip_offset"
    serving_lanes: int = Field(default=2, ge=1, le=50)
    serving_time_s: Distribution = Field(
        default_factory=lambda: LogNormal(dist="lognormal", mean=15.0, sd=5.0)
    )
    first_sitting_at: TimeOfDay = Field(default=parse_hhmm("11:40"))
    sitting_min: int = Field(default=25, ge=5, le=120)
    # DOMAIN: disinfect and ventilate before each sitting (30 min before meals in one plan).
    cleaning_min: int = Field(default=15, ge=0, le=120)
    max_sittings: int = Field(default=4, ge=1, le=12)
    area_m2: float | None = Field(default=None, gt=0, le=100000)

    @model_validator(mode="after")
    def _tables_when_sittings(self) -> Canteen:
        if self.mode == "sittings" and self.tables < 1:
            raise _rule("canteen_tables", "tables >= 1 for a canteen with sittings (or mode: delivered)")
        if self.seats_per_table % self.sides:
            raise _rule(
                "seats_split",
                "seats_per_table ({seats}) that splits evenly over {sides} sides",
                seats=self.seats_per_table,
                sides=self.sides,
            )
        return self


class Day(_Model):
    """The school day. DOMAIN: 10-minute arrival windows; dismissals 5 minutes apart."""

    earliest_arrival_at: TimeOfDay
    latest_arrival_at: TimeOfDay
    window_min: int = Field(default=10, ge=1, le=120)  # DOMAIN: windows of 10 minutes
    first_class_at: TimeOfDay
    dismissal_start_at: TimeOfDay
    dismissal_gap_min: int = Field(default=5, ge=1, le=60)  # DOMAIN: dismissals 5 minutes apart
    dismissal_slots: int = Field(default=6, ge=1, le=48)

    @model_validator(mode="after")
    def _order(self) -> Day:
        span = self.latest_arrival_at - self.earliest_arrival_at
        t = {
            "earliest": format_hhmm(self.earliest_arrival_at),
            "latest": format_hhmm(self.latest_arrival_at),
            "first_class": format_hhmm(self.first_class_at),
            "dismissal": format_hhmm(self.dismissal_start_at),
        }
        if span <= 0:
            raise _rule(
                "latest_after_earliest",
                "latest_arrival_at ({latest}) after earliest_arrival_at ({earliest})",
                **t,
            )
        if span % self.window_min:
            raise _rule(
                "span_whole_windows",
                "an arrival span ({earliest}–{latest}, {span} min) that is a whole number of windows of "
                "window_min = {window} min",
                span=span,
                window=self.window_min,
                **t,
            )
        if self.first_class_at < self.latest_arrival_at:
            raise _rule(
                "first_class_after_arrival",
                "first_class_at ({first_class}) not before latest_arrival_at ({latest})",
                **t,
            )
        if self.dismissal_start_at <= self.first_class_at:
            raise _rule(
                "dismissal_after_first_class",
                "dismissal_start_at ({dismissal}) after first_class_at ({first_class})",
                **t,
            )
        return self

    @property
    def n_windows(self) -> int:
        return (self.latest_arrival_at - self.earliest_arrival_at) // self.window_min

    def window_start_min(self, w: int) -> int:
        return self.earliest_arrival_at + w * self.window_min

    def dismissal_slot_min(self, k: int) -> int:
        return self.dismissal_start_at + k * self.dismissal_gap_min


class RoomDistancing(_Model):
    """How many may sit in a room.

    DOMAIN: "one student per desk, using the whole room" (the default: no spacing, every desk of
    the grid used once); optionally a clear spacing between desks in metres, and/or a minimum area
    per student ("training institutions: at least 3 m² per student").
    """

    desk_spacing_m: float | None = Field(default=None, ge=0, le=5)
    min_area_per_student_m2: float | None = Field(default=None, ge=0.5, le=50)


class ArrivalBehaviour(_Model):
    """When students really come, relative to their window (the plans forbid early arrival)."""

    spread: Literal["uniform", "triangular"] = "uniform"
    early_share: float = Field(default=0.05, ge=0, le=1)
    early_max_min: float = Field(default=5.0, ge=0, le=60)
    late_share: float = Field(default=0.05, ge=0, le=1)
    late_max_min: float = Field(default=5.0, ge=0, le=60)

    @model_validator(mode="after")
    def _shares(self) -> ArrivalBehaviour:
        if self.early_share + self.late_share > 1:
            raise _rule("shares_at_most_1", "early_share + late_share of at most 1")
        return self


class FeverPath(_Model):
    """The fever path. DOMAIN: threshold 37.3 °C; re-check by ear thermometer; single-person isolation."""

    threshold_c: float = Field(default=37.3, ge=35, le=42)  # DOMAIN: 37.3 °C
    flagged_share: float = Field(default=0.005, ge=0, le=1)
    confirmed_share: float = Field(default=0.3, ge=0, le=1)
    recheck_time_s: Distribution = Field(
        default_factory=lambda: Deterministic(dist="deterministic", value=120.0)
    )
    recheck_stations: int = Field(default=1, ge=1, le=20)
    isolation_rooms: int = Field(default=2, ge=0, le=100)
    parent_pickup_min: Distribution = Field(
        default_factory=lambda: LogNormal(dist="lognormal", mean=30.0, sd=15.0)
    )


class ServiceLevel(_Model):
    """What a certified plan must achieve in simulated mornings (docs/design.md, "Certification").

    Per gate-window: the ``confidence`` upper bound (``stats.mean_ci``) of the mean over mornings of
    the ``queue_quantile`` (time-weighted) of people waiting stays within ``queue_places_share`` ×
    the gate's marked places; at most ``max_late`` students late and ``max_held`` students held
    because every isolation room was taken, in any simulated morning.
    """

    queue_quantile: float = Field(default=0.95, gt=0, lt=1)
    confidence: float = Field(default=0.95, ge=0.5, lt=1)
    queue_places_share: float = Field(default=1.0, gt=0, le=1)
    max_late: int = Field(default=0, ge=0)
    max_held: int = Field(default=0, ge=0)


GradeGroup = Annotated[
    tuple[int, ...],
    BeforeValidator(lambda v: (v,) if isinstance(v, int) and not isinstance(v, bool) else v),
]


class Policy(_Model):
    """The school's health rules."""

    # DOMAIN: queue markers every 1 m (some plans 1.5 m).
    queue_spacing_m: float = Field(default=1.0, ge=0.3, le=5)
    room_distancing: RoomDistancing = Field(default_factory=RoomDistancing)
    allow_split_classes: bool = True
    max_rooms_per_class: int = Field(default=2, ge=1, le=4)
    # DOMAIN: each class keeps its own classroom ("one student per desk, using the whole room");
    # classes over the size standard take labs and meeting rooms as overflow. With false the
    # optimizer may move classes between rooms to shorten walks.
    keep_home_rooms: bool = True
    max_grades_per_gate_window: int = Field(default=1, ge=1, le=12)
    # DOMAIN: boarders and day students use separate entrances and their flows must not cross.
    separate_boarders: bool = True
    target_utilisation: float = Field(default=0.85, gt=0, le=1)
    # DOMAIN: "two staff take temperatures at each checkpoint" - one screener per lane here.
    staff_per_lane: int = Field(default=1, ge=1, le=10)
    # Typical pedestrian design walking speed (Fruin 1971; HCM: 1.2 m/s).
    walking_speed_m_s: float = Field(default=1.2, ge=0.1, le=5)
    # Groups of grades, earliest first: every class of a group arrives in a window strictly before
    # every class of the next group. DOMAIN: older grades arrive first, graduating grade first.
    arrival_order: tuple[GradeGroup, ...] = ()
    # Groups of grades, first dismissed first. DOMAIN: younger grades leave first.
    dismissal_order: tuple[GradeGroup, ...] = ()
    # DOMAIN: dorms hold at most 6 per room; boarders of a class share dorm rooms in this size.
    dorm_room_size: int = Field(default=6, ge=1, le=12)
    arrival_behaviour: ArrivalBehaviour = Field(default_factory=ArrivalBehaviour)
    fever: FeverPath = Field(default_factory=FeverPath)
    # What certification by simulation holds a plan to (``optimize(certify=N)``, ``plan --certify``).
    service_level: ServiceLevel = Field(default_factory=ServiceLevel)

    @field_validator("arrival_order", "dismissal_order")
    @classmethod
    def _no_repeat(cls, v: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
        seen: list[int] = [g for group in v for g in group]
        dup = sorted({g for g in seen if seen.count(g) > 1})
        if dup:
            raise _rule(
                "grade_once",
                "each grade in one group only (grade(s) {dup} appear twice)",
                dup=", ".join(map(str, dup)),
            )
        return v


class Pin(_Model):
    """An assignment the administrator fixes by hand; the optimizer keeps it."""

    class_id: str
    gate: str | None = None
    window_at: TimeOfDay | None = None
    rooms: tuple[str, ...] | None = None
    canteen_sitting: int | None = Field(default=None, ge=1)
    dismissal_at: TimeOfDay | None = None


class ArrivalGroup(_Model):
    """Classes that must arrive in the same window (siblings, one school bus)."""

    id: str
    classes: tuple[str, ...] = Field(min_length=2)
    kind: Literal["bus", "siblings", "other"] = "other"


class CampusEdge(_Model):
    a: str
    b: str
    m: float = Field(gt=0, le=5000)


class Campus(_Model):
    """An optional campus graph: walking distances by shortest path (networkx)."""

    edges: tuple[CampusEdge, ...] = Field(min_length=1)


class Scenario(_Model):
    """One school. Built by :func:`reopen_sim.load_scenario`; frozen afterwards."""

    school: SchoolInfo
    day: Day
    policy: Policy = Field(default_factory=Policy)
    classes: tuple[SchoolClass, ...] = Field(min_length=1)
    entrances: tuple[Entrance, ...] = Field(min_length=1)
    rooms: tuple[Room, ...] = Field(min_length=1)
    canteen: Canteen = Field(default_factory=lambda: Canteen(mode="delivered"))
    pins: tuple[Pin, ...] = ()
    groups: tuple[ArrivalGroup, ...] = ()
    campus: Campus | None = None
    # Where it came from (not part of the school's description): file path and content hash.
    source_path: str | None = Field(default=None, exclude=True)
    source_sha256: str | None = Field(default=None, exclude=True)
    # How the user writes the school (advice names a setting in those terms, scenario.setting_names).
    source_format: SourceFormat = Field(default="yaml", exclude=True)
    # What the loader did that the user should know (a roster's total row skipped, a hidden row
    # read): :class:`reopen_sim.errors.Notice`, in file order; the CLI prints them.
    notices: tuple[Notice, ...] = Field(default=(), exclude=True)

    # Convenience look-ups (pure; computed on demand).
    def class_by_id(self, class_id: str) -> SchoolClass:
        for c in self.classes:
            if c.id == class_id:
                return c
        raise KeyError(class_id)

    def entrance_by_id(self, entrance_id: str) -> Entrance:
        for e in self.entrances:
            if e.id == entrance_id:
                return e
        raise KeyError(entrance_id)

    def room_by_id(self, room_id: str) -> Room:
        for r in self.rooms:
            if r.id == room_id:
                return r
        raise KeyError(room_id)

    @property
    def grades(self) -> tuple[int, ...]:
        return tuple(sorted({c.grade for c in self.classes}))

    @property
    def n_students(self) -> int:
        return sum(c.students for c in self.classes)

    # What-ifs: validated edits returning a new Scenario (reopen_sim.scenario.whatif). The one import
    # back from the schema, at call time: an edit is validated by the loader, which needs the schema.
    def with_gate_closed(self, gate: str, pins: Literal["refuse", "release"] = "refuse") -> Scenario:
        """This school with entrance ``gate`` closed (see :func:`reopen_sim.scenario.whatif.with_gate_closed`)."""
        from reopen_sim.scenario import whatif

        return whatif.with_gate_closed(self, gate, pins)

    def with_screening(
        self,
        method: str | None = None,
        service_time_s: Any = None,
        gates: tuple[str, ...] | list[str] | None = None,
    ) -> Scenario:
        """Another screening method and/or time, at every gate or ``gates``."""
        from reopen_sim.scenario import whatif

        return whatif.with_screening(self, method, service_time_s, gates)

    def with_spacing(
        self,
        queue_m: float | None = None,
        desk_m: float | None = None,
        area_per_student_m2: float | None = None,
    ) -> Scenario:
        """Other queue marker spacing and/or room distancing."""
        from reopen_sim.scenario import whatif

        return whatif.with_spacing(self, queue_m, desk_m, area_per_student_m2)

    def with_grades(self, grades: tuple[int, ...] | list[int]) -> Scenario:
        """Only the classes of ``grades`` (a phased return)."""
        from reopen_sim.scenario import whatif

        return whatif.with_grades(self, grades)

    def with_arrivals(
        self, earliest: str | None = None, latest: str | None = None, window_min: int | None = None
    ) -> Scenario:
        """Another arrival span (``HH:MM``) and/or window length."""
        from reopen_sim.scenario import whatif

        return whatif.with_arrivals(self, earliest, latest, window_min)

    def with_lanes(self, lanes: int, gates: tuple[str, ...] | list[str] | None = None) -> Scenario:
        """``lanes`` screening lanes at every gate or ``gates`` (staff raised to open them)."""
        from reopen_sim.scenario import whatif

        return whatif.with_lanes(self, lanes, gates)

    def with_(self, path: str, value: Any) -> Scenario:
        """Any field by dotted path, e.g. ``"entrances[east].lanes"``."""
        from reopen_sim.scenario import whatif

        return whatif.with_(self, path, value)

    def entrance_allows(self, entrance: Entrance, cls: SchoolClass) -> bool:
        """A class may use an entrance open to all, or to its group (boarders / day students)."""
        if entrance.open_to == StudentGroup.ALL:
            return True
        return (entrance.open_to == StudentGroup.BOARDERS) == cls.boarding
