"""The school workbook's layout: which sheet and column holds each field of the scenario.

This is a file format, so the sheet names, the Chinese header words and the drop-down labels live
here in code (changing them would stop old workbooks from loading); the longer notes on each
column are translations and live in ``locales/<lang>/workbook.json`` (``workbook.note.<part>.<key>``).

Two kinds of sheet:

* a *form* (one object: school and day, rules, canteen): one row per field; column A the field's
  label, column B its value, column C a note the tool writes and never reads;
* a *table* (a list: entrances, walking distances, rooms, classes, pins, groups, campus paths):
  a header row, then one row per item.

A field's ``key`` is its path in the scenario's YAML below the part (``lanes``,
``desk_grid.rows``, ``fever.threshold_c``). A distribution (``{dist: lognormal, mean: 30, sd: 10}``)
takes four cells: the number (the mean, or the value of a deterministic one), ``.dist``, ``.sd`` and
``.samples`` (an empirical one's measured values, separated by commas).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from reopen_sim.scenario import schema as S

Kind = Literal[
    "text",  # free text, written as a text cell
    "id",  # an id: text; Excel must not turn "7-1" into a date (the column is formatted as Text)
    "int",
    "float",
    "bool",  # 是/否 or yes/no
    "time",  # a time of day: an Excel time cell (HH:MM); text 07:50 is accepted
    "choice",  # one of a closed list (drop-down)
    "dist",  # a distribution's number: its mean (or the value of a deterministic one)
    "dist_kind",  # a distribution's kind (drop-down)
    "dist_sd",  # a lognormal's standard deviation
    "dist_samples",  # an empirical distribution's samples: numbers separated by commas
    "ids",  # several ids separated by commas
    "grade_groups",  # groups of grades: "12; 11; 10" or "5,6; 3,4; 1,2"
]

YES = {"zh": "是", "en": "yes"}
NO = {"zh": "否", "en": "no"}
TRUE_WORDS = frozenset({"是", "yes", "y", "true", "1", "对", "住宿", "寄宿", "√"})
FALSE_WORDS = frozenset({"否", "no", "n", "false", "0", "不", "走读", "×"})

# Closed choices: code -> Chinese label. English workbooks show the codes (as in the YAML docs);
# reading accepts the code or the Chinese label in either kind of workbook.
CHOICES: dict[str, dict[str, str]] = {
    "school_kind": {
        "primary": "小学",
        "junior_middle": "初中",
        "high": "高中",
        "nine_year": "九年一贯制",
        "other": "其他",
    },
    "screening_method": {
        "manual_thermometer": "人工测温",
        "ear_thermometer": "耳温枪",
        "thermal_kiosk": "红外热成像",
        "face_recognition_gate": "人脸识别测温闸机",
        "other": "其他",
    },
    "open_to": {"all": "全体学生", "boarders": "住校生", "day": "走读生"},
    "room_kind": {"classroom": "教室", "lab": "实验室", "meeting_room": "会议室", "hall": "礼堂"},
    "canteen_mode": {"sittings": "分批就餐", "delivered": "送餐到班"},
    "seating_rule": {
        "every_seat": "每座都坐",
        "skip_a_seat": "同桌隔位",
        "skip_offset": "同桌隔位、对桌错位",
        "one_side": "单侧就座",
    },
    "sides": {"1": "1", "2": "2"},
    "spread": {"uniform": "均匀", "triangular": "三角"},
    "dist": {
        "exponential": "指数分布",
        "lognormal": "对数正态分布",
        "deterministic": "固定值",
        "empirical": "实测样本",
    },
    "group_kind": {"bus": "校车", "siblings": "兄弟姐妹", "other": "其他"},
}


@dataclass(frozen=True)
class Column:
    """One field in a sheet: its key below the part, Chinese label, kind and (for choices) list."""

    key: str
    zh: str
    kind: Kind
    choices: str = ""  # a key of CHOICES

    def header(self, lang: str) -> str:
        """What the sheet shows: both languages, the workbook's own first (``人数 students``)."""
        return f"{self.zh} {self.key}" if lang == "zh" else f"{self.key} {self.zh}"

    def accepted_headers(self) -> set[str]:
        """Header texts read as this column (normalised): either order, either language alone."""
        forms = {self.header("zh"), self.header("en"), self.key, self.zh, f"{self.key} ({self.zh})"}
        return {normalise(f) for f in forms}


@dataclass(frozen=True)
class Part:
    """One sheet: ``root`` is where its data sits in the scenario (``entrances``, ``policy``)."""

    name: str  # used for catalogue keys
    zh: str  # sheet name in a Chinese workbook
    en: str  # sheet name in an English workbook
    root: str  # "" for the top level (school and day)
    table: bool
    columns: tuple[Column, ...]
    required: bool = False

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)


def choice_label(choices: str, code: Any, lang: str) -> Any:
    """A choice as the workbook shows it: the Chinese label in a Chinese workbook, else the code."""
    if choices == "sides":
        return int(code)
    return CHOICES[choices][str(code)] if lang == "zh" else str(code)


def shown_value(col: Column, v: Any, lang: str) -> Any:
    """A value (as ``model_dump(mode="json")`` gives it) as the workbook's cell shows it: 是/否 (yes/no),
    a choice's label, ids and groups of grades as text (``12; 11; 10``); other values as they are."""
    if col.kind == "bool":
        return YES[lang] if v else NO[lang]
    if col.kind == "choice":
        return choice_label(col.choices, v, lang)
    if col.kind == "ids":
        return ", ".join(v)
    if col.kind == "grade_groups":
        return "; ".join(",".join(str(g) for g in group) for group in v)
    return v


def normalise(text: str) -> str:
    """Header/label text compared case-blind, spaces and full-width brackets unified."""
    t = str(text).strip().lower().replace("（", "(").replace("）", ")").replace("\u3000", " ")
    return " ".join(t.split())


def _dist(key: str, zh: str) -> tuple[Column, ...]:
    return (
        Column(key, f"{zh}（均值）", "dist"),
        Column(f"{key}.dist", f"{zh}分布", "dist_kind", "dist"),
        Column(f"{key}.sd", f"{zh}标准差", "dist_sd"),
        Column(f"{key}.samples", f"{zh}实测样本", "dist_samples"),
    )


SCHOOL_DAY = Part(
    "school_day",
    "学校与作息",
    "School and day",
    "",
    False,
    (
        Column("school.name", "学校名称", "text"),
        Column("school.kind", "学校类型", "choice", "school_kind"),
        Column("day.earliest_arrival_at", "最早到校", "time"),
        Column("day.latest_arrival_at", "最晚到校", "time"),
        Column("day.window_min", "到校时段长度", "int"),
        Column("day.first_class_at", "第一节课", "time"),
        Column("day.dismissal_start_at", "开始放学", "time"),
        Column("day.dismissal_gap_min", "放学间隔", "int"),
        Column("day.dismissal_slots", "放学批次数", "int"),
    ),
    required=True,
)

RULES = Part(
    "rules",
    "防控规则",
    "Rules",
    "policy",
    False,
    (
        Column("queue_spacing_m", "排队间距", "float"),
        Column("room_distancing.desk_spacing_m", "课桌间距", "float"),
        Column("room_distancing.min_area_per_student_m2", "生均面积下限", "float"),
        Column("allow_split_classes", "允许分班就坐", "bool"),
        Column("max_rooms_per_class", "每班最多教室数", "int"),
        Column("keep_home_rooms", "保留本班教室", "bool"),
        Column("max_grades_per_gate_window", "同时段同入口年级数上限", "int"),
        Column("separate_boarders", "住校生走读生分开", "bool"),
        Column("target_utilisation", "入口负荷上限", "float"),
        Column("staff_per_lane", "每通道人员", "int"),
        Column("walking_speed_m_s", "步行速度", "float"),
        Column("arrival_order", "到校年级顺序", "grade_groups"),
        Column("dismissal_order", "放学年级顺序", "grade_groups"),
        Column("dorm_room_size", "每间宿舍人数", "int"),
        Column("arrival_behaviour.spread", "时段内到达分布", "choice", "spread"),
        Column("arrival_behaviour.early_share", "提前到达比例", "float"),
        Column("arrival_behaviour.early_max_min", "最多提前", "float"),
        Column("arrival_behaviour.late_share", "迟到比例", "float"),
        Column("arrival_behaviour.late_max_min", "最多迟到", "float"),
        Column("fever.threshold_c", "体温阈值", "float"),
        Column("fever.flagged_share", "初筛异常比例", "float"),
        Column("fever.confirmed_share", "复测确认比例", "float"),
        *_dist("fever.recheck_time_s", "复测时间"),
        Column("fever.recheck_stations", "复测点数", "int"),
        Column("fever.isolation_rooms", "隔离室数", "int"),
        *_dist("fever.parent_pickup_min", "家长接回时间"),
        Column("service_level.queue_quantile", "认证排队分位数", "float"),
        Column("service_level.confidence", "认证置信水平", "float"),
        Column("service_level.queue_places_share", "认证可用排队位置比例", "float"),
        Column("service_level.max_late", "认证允许迟到人数", "int"),
        Column("service_level.max_held", "认证允许等候区人数", "int"),
    ),
)

ENTRANCES = Part(
    "entrances",
    "入口",
    "Entrances",
    "entrances",
    True,
    (
        Column("id", "入口编号", "id"),
        Column("name", "入口名称", "text"),
        Column("lanes", "通道数", "int"),
        Column("staff", "工作人员", "int"),
        Column("screening_method", "测温方式", "choice", "screening_method"),
        *_dist("service_time_s", "检测时间"),
        Column("queue_length_m", "排队长度", "float"),
        Column("open_to", "开放对象", "choice", "open_to"),
        Column("node", "路径节点", "id"),
    ),
    required=True,
)

# Entrance.walk_m ({building: metres}) as rows: one per entrance and building.
WALKS = Part(
    "walks",
    "步行距离",
    "Walks",
    "entrances.walk_m",
    True,
    (
        Column("entrance", "入口编号", "id"),
        Column("building", "教学楼", "id"),
        Column("walk_m", "步行距离", "float"),
    ),
)

ROOMS = Part(
    "rooms",
    "教室",
    "Rooms",
    "rooms",
    True,
    (
        Column("id", "教室编号", "id"),
        Column("building", "教学楼", "id"),
        Column("floor", "楼层", "int"),
        Column("kind", "类型", "choice", "room_kind"),
        Column("area_m2", "面积", "float"),
        Column("length_m", "长", "float"),
        Column("width_m", "宽", "float"),
        Column("desk_grid.rows", "课桌行数", "int"),
        Column("desk_grid.cols", "课桌列数", "int"),
        Column("desk_grid.desk_width_m", "课桌宽", "float"),
        Column("desk_grid.desk_depth_m", "课桌深", "float"),
        Column("desk_grid.row_pitch_m", "行距", "float"),
        Column("desk_grid.col_pitch_m", "列距", "float"),
        Column("volume_m3", "容积", "float"),
        Column("air_changes_per_h", "每小时换气次数", "float"),
    ),
    required=True,
)

CLASSES = Part(
    "classes",
    "班级",
    "Classes",
    "classes",
    True,
    (
        Column("id", "班级编号", "id"),
        Column("grade", "年级", "int"),
        Column("name", "班级名称", "text"),
        Column("students", "人数", "int"),
        Column("boarding", "住校", "bool"),
        Column("building", "教学楼", "id"),
        Column("floor", "楼层", "int"),
        Column("home_room", "本班教室", "id"),
    ),
    required=True,
)

CANTEEN = Part(
    "canteen",
    "食堂",
    "Canteen",
    "canteen",
    False,
    (
        Column("mode", "就餐方式", "choice", "canteen_mode"),
        Column("tables", "餐桌数", "int"),
        Column("seats_per_table", "每桌座位", "int"),
        Column("sides", "餐桌就座边数", "choice", "sides"),
        Column("seating_rule", "就座规则", "choice", "seating_rule"),
        Column("serving_lanes", "打饭窗口", "int"),
        *_dist("serving_time_s", "打饭时间"),
        Column("first_sitting_at", "第一批开饭", "time"),
        Column("sitting_min", "每批就餐时长", "int"),
        Column("cleaning_min", "批间消毒时长", "int"),
        Column("max_sittings", "最多批次", "int"),
        Column("area_m2", "食堂面积", "float"),
    ),
)

PINS = Part(
    "pins",
    "固定安排",
    "Pins",
    "pins",
    True,
    (
        Column("class_id", "班级编号", "id"),
        Column("gate", "入口编号", "id"),
        Column("window_at", "到校时段", "time"),
        Column("rooms", "教室", "ids"),
        Column("canteen_sitting", "就餐批次", "int"),
        Column("dismissal_at", "放学时间", "time"),
    ),
)

GROUPS = Part(
    "groups",
    "同时到校",
    "Groups",
    "groups",
    True,
    (
        Column("id", "组编号", "id"),
        Column("kind", "类型", "choice", "group_kind"),
        Column("classes", "班级", "ids"),
    ),
)

CAMPUS = Part(
    "campus",
    "校园路径",
    "Campus",
    "campus.edges",
    True,
    (
        Column("a", "起点", "id"),
        Column("b", "终点", "id"),
        Column("m", "距离", "float"),
    ),
)

PARTS: tuple[Part, ...] = (SCHOOL_DAY, RULES, ENTRANCES, WALKS, ROOMS, CLASSES, CANTEEN, PINS, GROUPS, CAMPUS)

# Form sheets' three columns.
FORM_HEADERS = {
    "zh": ("项目 field", "值 value", "说明 note"),
    "en": ("field 项目", "value 值", "note 说明"),
}
# Headers of columns kept for the user's own notes: never read (any header starting with one).
NOTE_HEADERS = ("备注", "说明", "note", "notes", "comment", "#")


def is_note_header(text: str) -> bool:
    return normalise(text).startswith(NOTE_HEADERS)


# --------------------------------------------------------------------------------------------
# The schema behind a column: its pydantic field (bounds, default)
# --------------------------------------------------------------------------------------------

_PART_MODEL: dict[str, type[BaseModel]] = {
    "school_day": S.Scenario,
    "rules": S.Policy,
    "entrances": S.Entrance,
    "rooms": S.Room,
    "classes": S.SchoolClass,
    "canteen": S.Canteen,
    "pins": S.Pin,
    "groups": S.ArrivalGroup,
    "campus": S.CampusEdge,
}


def _submodel(info: FieldInfo) -> type[BaseModel] | None:
    ann: Any = info.annotation
    for cand in (ann, *getattr(ann, "__args__", ())):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def field_info(part: Part, col: Column) -> FieldInfo | None:
    """The pydantic field a column fills (None for the parts of a distribution and walk rows)."""
    if part.name == "walks":
        return None
    model: type[BaseModel] | None = _PART_MODEL[part.name]
    info: FieldInfo | None = None
    for name in col.key.split("."):
        if model is None or name not in model.model_fields:
            return None
        info = model.model_fields[name]
        model = _submodel(info)
    return info


def bounds(info: FieldInfo | None) -> tuple[float | None, float | None, bool, bool]:
    """(low, high, low is strict, high is strict) from the field's ``ge/gt/le/lt``."""
    lo = hi = None
    lo_strict = hi_strict = False
    for m in info.metadata if info is not None else ():
        if getattr(m, "ge", None) is not None:
            lo = m.ge
        if getattr(m, "gt", None) is not None:
            lo, lo_strict = m.gt, True
        if getattr(m, "le", None) is not None:
            hi = m.le
        if getattr(m, "lt", None) is not None:
            hi, hi_strict = m.lt, True
    return lo, hi, lo_strict, hi_strict


# Bounds of the cells that are not a plain schema field.
EXTRA_BOUNDS: dict[str, tuple[float, float]] = {
    "walk_m": (0, 5000),  # Entrance.walk_m validator
    "dist": (1e-3, 1e6),
    "dist_sd": (1e-3, 1e6),
}


def default_of(info: FieldInfo | None) -> Any:
    """The field's default value (None when it has none or is required)."""
    if info is None or info.is_required():
        return None
    return info.get_default(call_default_factory=True)


def limits(part: Part, col: Column) -> tuple[float | None, float | None, bool, bool]:
    """The bounds a number cell must keep: the schema field's, or those of :data:`EXTRA_BOUNDS`."""
    extra = EXTRA_BOUNDS.get(col.key if part.name == "walks" else col.kind)
    if extra:
        return extra[0], extra[1], False, False
    return bounds(field_info(part, col))
