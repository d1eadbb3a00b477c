"""What-ifs in one line: validated, chainable edits of a scenario that return a new :class:`Scenario`.

Each edit works on the scenario as a file would write it (``Scenario.model_dump(mode="json")``),
changes the part it names, and validates the result through the loader
(:func:`reopen_sim.scenario.build.scenario_from_dict`) exactly like a file. An edit that makes no
sense (a gate or grade the school does not have, a gate a pin needs) or whose result breaks a rule
raises :class:`InputError` whose file is ``what-if <the edit>``, e.g.
``what-if with_gate_closed('east'): pins[2].gate: ...``.

The scenario keeps its ``source_path`` and notices; ``source_sha256`` is cleared (the content is no
longer the file's). The same edits drive a district file's what-ifs through :func:`apply_what_if`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.build import _deep_merge, scenario_from_dict
from reopen_sim.scenario.schema import SCREENING_DEFAULTS_S, Scenario

__all__ = [
    "WHAT_IF_KEYS",
    "apply_what_if",
    "edit_data",
    "with_",
    "with_arrivals",
    "with_gate_closed",
    "with_grades",
    "with_lanes",
    "with_screening",
    "with_spacing",
]

Data = dict[str, Any]


def _label(edit: str, *args: Any, **kwargs: Any) -> str:
    """``what-if with_gate_closed('east')``: the edit as the user called it, for error messages."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"what-if {edit}({', '.join(parts)})"


def _refuse(label: str, path: str, value: Any, expected: str, key: str, **fields: Any) -> InputError:
    return InputError([InputIssue(label, path, str(value), expected, key=key, fields=fields)])


def _validated(sc: Scenario, data: Mapping[str, Any], label: str) -> Scenario:
    """``data`` validated like a file (issues name the edit); keeps where the scenario came from."""
    out = scenario_from_dict(data, file=label, source_format=sc.source_format)
    return out.model_copy(
        update={"source_path": sc.source_path, "source_sha256": None, "notices": sc.notices}
    )


def _data(sc: Scenario) -> Data:
    data: Data = sc.model_dump(mode="json")
    return data


# --------------------------------------------------------------------------------------------
# Edits on the raw mapping (shared by the Scenario methods and apply_what_if)
# --------------------------------------------------------------------------------------------


def _close_gate(data: Data, gate: str, pins: str, label: str) -> None:
    ids = [e["id"] for e in data["entrances"]]
    if gate not in ids:
        raise _refuse(
            label,
            "entrances",
            gate,
            f"one of the entrances {', '.join(ids)}",
            "whatif_gate",
            gates=", ".join(ids),
        )
    pinned = [p["class_id"] for p in data.get("pins", ()) if p.get("gate") == gate]
    if pinned and pins == "refuse":
        raise _refuse(
            label,
            "pins",
            gate,
            f"a gate no pin needs (classes {', '.join(pinned)} are pinned to it; pins='release' frees them)",
            "whatif_gate_pinned",
            classes=", ".join(pinned),
        )
    data["entrances"] = [e for e in data["entrances"] if e["id"] != gate]
    kept = []
    for p in data.get("pins", ()):
        if p.get("gate") == gate:
            p = {**p, "gate": None}
            if all(
                p.get(k) is None for k in ("gate", "window_at", "rooms", "canteen_sitting", "dismissal_at")
            ):
                continue
        kept.append(p)
    data["pins"] = kept


def _keep_grades(data: Data, grades: Sequence[int], label: str) -> None:
    have = sorted({c["grade"] for c in data["classes"]})
    missing = [g for g in grades if g not in have]
    if missing or not grades:
        raise _refuse(
            label,
            "classes",
            ", ".join(map(str, missing)),
            f"grades the school has ({', '.join(map(str, have))})",
            "whatif_grades",
            grades=", ".join(map(str, have)),
        )
    keep_only_grades(data, grades)


def keep_only_grades(data: Data, grades: Sequence[int]) -> None:
    """Leave only the classes of ``grades`` in a scenario mapping, with the pins, arrival groups (two
    classes or more) and arrival/dismissal orders that still name them. Shared by ``with_grades``
    and the district's phased-return what-ifs."""
    keep = set(grades)
    data["classes"] = [c for c in data["classes"] if c["grade"] in keep]
    ids = {c["id"] for c in data["classes"]}
    data["pins"] = [p for p in data.get("pins", ()) if p["class_id"] in ids]
    groups = []
    for g in data.get("groups", ()):
        members = [c for c in g["classes"] if c in ids]
        if len(members) >= 2:
            groups.append({**g, "classes": members})
    data["groups"] = groups
    pol = data["policy"]
    for key in ("arrival_order", "dismissal_order"):
        pol[key] = [kept for grp in pol.get(key, ()) if (kept := [x for x in grp if x in keep])]


def _gates(data: Data, gates: Sequence[str] | None, label: str) -> list[Data]:
    """The entrances named by ``gates`` (all when None); an unknown id is refused."""
    ids = [e["id"] for e in data["entrances"]]
    if gates is None:
        return list(data["entrances"])
    unknown = [g for g in gates if g not in ids]
    if unknown:
        raise _refuse(
            label,
            "entrances",
            ", ".join(unknown),
            f"one of the entrances {', '.join(ids)}",
            "whatif_gate",
            gates=", ".join(ids),
        )
    return [e for e in data["entrances"] if e["id"] in gates]


def _service_time(method: str | None, entrance: Data, service_time_s: Any) -> Any:
    """A number is a lognormal mean with the method's own spread (sd/mean of SCREENING_DEFAULTS_S)."""
    if service_time_s is None or isinstance(service_time_s, Mapping):
        return service_time_s
    name = method or entrance.get("screening_method", "manual_thermometer")
    mean, sd = SCREENING_DEFAULTS_S.get(name, SCREENING_DEFAULTS_S["other"])
    x = float(service_time_s)
    return {"dist": "lognormal", "mean": x, "sd": x * sd / mean}


def _screening(
    data: Data, method: str | None, service_time_s: Any, gates: Sequence[str] | None, label: str
) -> None:
    if method is None and service_time_s is None:
        raise _refuse(label, "", "", "a screening method or a service time", "whatif_screening")
    for e in _gates(data, gates, label):
        if method is not None:
            e["screening_method"] = method
            e.pop("service_time_s", None)  # the method brings its own time unless one is given
        st = _service_time(method, e, service_time_s)
        if st is not None:
            e["service_time_s"] = st


def _spacing(data: Data, queue_m: Any, desk_m: Any, area_per_student_m2: Any, label: str) -> None:
    if queue_m is None and desk_m is None and area_per_student_m2 is None:
        raise _refuse(label, "", "", "a queue, desk or area spacing", "whatif_spacing")
    pol = data["policy"]
    if queue_m is not None:
        pol["queue_spacing_m"] = queue_m
    if desk_m is not None:
        pol["room_distancing"]["desk_spacing_m"] = desk_m
    if area_per_student_m2 is not None:
        pol["room_distancing"]["min_area_per_student_m2"] = area_per_student_m2


def _arrivals(data: Data, earliest: Any, latest: Any, window_min: Any) -> None:
    day = data["day"]
    for key, value in (
        ("earliest_arrival_at", earliest),
        ("latest_arrival_at", latest),
        ("window_min", window_min),
    ):
        if value is not None:
            day[key] = value


def _lanes(data: Data, lanes: int, gates: Sequence[str] | None, label: str) -> None:
    """``lanes`` at each named gate, with staff raised to open them (staff_per_lane each)."""
    per_lane = int(data["policy"].get("staff_per_lane", 1))
    for e in _gates(data, gates, label):
        e["lanes"] = lanes
        if isinstance(lanes, int):
            e["staff"] = max(int(e.get("staff", 0)), lanes * per_lane)


_STEP = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")


def _set_path(data: Data, path: str, value: Any, label: str) -> None:
    """Set ``a.b[id].c``: ``[x]`` picks the list item whose ``id`` (or ``class_id``) is x, or index x."""
    steps = path.split(".")
    node: Any = data
    for i, step in enumerate(steps):
        m = _STEP.match(step)
        last = i == len(steps) - 1
        if m is None or not isinstance(node, dict) or m.group(1) not in node:
            raise _refuse(
                label, path, step, "a dotted path to a field of the scenario", "whatif_path", step=step
            )
        name, sel = m.group(1), m.group(2)
        if sel is None:
            if last:
                node[name] = value
                return
            node = node[name]
            continue
        items = node[name]
        found = [
            j
            for j, it in enumerate(items)
            if isinstance(it, dict) and sel in (it.get("id"), it.get("class_id"))
        ]
        if not found and sel.isdigit() and int(sel) < len(items):
            found = [int(sel)]
        if not found:
            raise _refuse(
                label, path, sel, "a dotted path to a field of the scenario", "whatif_path", step=step
            )
        if last:
            items[found[0]] = value
            return
        node = items[found[0]]


# --------------------------------------------------------------------------------------------
# Public edits
# --------------------------------------------------------------------------------------------

PinPolicy = Literal["refuse", "release"]


def with_gate_closed(sc: Scenario, gate: str, pins: PinPolicy = "refuse") -> Scenario:
    """The school with entrance ``gate`` closed.

    A class pinned to that gate is refused (``pins="refuse"``) or loses the gate pin and keeps its
    other pins (``pins="release"``, what a district what-if does).
    """
    label = _label("with_gate_closed", gate, pins=None if pins == "refuse" else pins)
    data = _data(sc)
    _close_gate(data, gate, pins, label)
    return _validated(sc, data, label)


def with_screening(
    sc: Scenario,
    method: str | None = None,
    service_time_s: float | Mapping[str, Any] | None = None,
    gates: Sequence[str] | None = None,
) -> Scenario:
    """Screen with ``method`` (its own time from SCREENING_DEFAULTS_S) and/or ``service_time_s`` at
    ``gates`` (all when None). A number is the mean of a lognormal with the method's spread; a mapping
    is any distribution (``{"dist": "deterministic", "value": 3}``)."""
    label = _label("with_screening", method=method, service_time_s=service_time_s, gates=gates)
    data = _data(sc)
    _screening(data, method, service_time_s, gates, label)
    return _validated(sc, data, label)


def with_spacing(
    sc: Scenario,
    queue_m: float | None = None,
    desk_m: float | None = None,
    area_per_student_m2: float | None = None,
) -> Scenario:
    """Queue marker spacing (``policy.queue_spacing_m``) and/or room distancing (desk spacing, m² a student)."""
    label = _label("with_spacing", queue_m=queue_m, desk_m=desk_m, area_per_student_m2=area_per_student_m2)
    data = _data(sc)
    _spacing(data, queue_m, desk_m, area_per_student_m2, label)
    return _validated(sc, data, label)


def with_grades(sc: Scenario, grades: Sequence[int]) -> Scenario:
    """Only the classes of ``grades`` come (a phased return); their pins, groups and orders kept."""
    label = _label("with_grades", list(grades))
    data = _data(sc)
    _keep_grades(data, list(grades), label)
    return _validated(sc, data, label)


def with_arrivals(
    sc: Scenario, earliest: str | None = None, latest: str | None = None, window_min: int | None = None
) -> Scenario:
    """Another arrival span (``HH:MM``) and/or window length; the span must stay whole windows."""
    label = _label("with_arrivals", earliest=earliest, latest=latest, window_min=window_min)
    data = _data(sc)
    _arrivals(data, earliest, latest, window_min)
    return _validated(sc, data, label)


def with_lanes(sc: Scenario, lanes: int, gates: Sequence[str] | None = None) -> Scenario:
    """``lanes`` screening lanes at ``gates`` (all when None); staff raised to lanes × staff_per_lane."""
    label = _label("with_lanes", lanes, gates=gates)
    data = _data(sc)
    _lanes(data, lanes, gates, label)
    return _validated(sc, data, label)


def with_(sc: Scenario, path: str, value: Any) -> Scenario:
    """Anything else by dotted path: ``"policy.target_utilisation"``, ``"entrances[east].lanes"``,
    ``"classes[7-1].students"`` (``[x]`` picks the item with id x, or the x-th item)."""
    label = _label("with_", path, value)
    data = _data(sc)
    _set_path(data, path, value, label)
    return _validated(sc, data, label)


WHAT_IF_KEYS: tuple[str, ...] = (
    "grades",
    "close_gates",
    "screening",
    "lanes",
    "spacing",
    "arrivals",
    "every_entrance",
    "overrides",
    "set",
)
"""Keys of an :func:`apply_what_if` spec, applied in this order."""


def apply_what_if(sc: Scenario, spec: Mapping[str, Any], name: str | None = None) -> Scenario:
    """Apply a what-if written as data (a district file's what-if) and validate once.

    Keys (any subset, applied in :data:`WHAT_IF_KEYS` order): ``grades`` [9, 12]; ``close_gates``
    [ids] (pins to a closed gate are released); ``screening`` {method, service_time_s, gates};
    ``lanes`` n or {lanes, gates}; ``spacing`` {queue_m, desk_m, area_per_student_m2};
    ``arrivals`` {earliest, latest, window_min}; ``every_entrance`` a mapping merged into each
    entrance; ``overrides`` a nested mapping merged into the scenario; ``set`` {dotted path: value}.
    """
    label = f"what-if {name!r}" if name else "what-if"
    unknown = [k for k in spec if k not in WHAT_IF_KEYS]
    if unknown:
        raise _refuse(
            label, ", ".join(unknown), ", ".join(unknown), f"one of {', '.join(WHAT_IF_KEYS)}",
            "one_of", choices=", ".join(WHAT_IF_KEYS),
        )  # fmt: skip
    return _validated(sc, edit_data(_data(sc), spec, label), label)


def edit_data(data: Data, spec: Mapping[str, Any], label: str) -> Data:
    """The edits of an :func:`apply_what_if` spec on a scenario mapping (``model_dump(mode="json")``),
    in :data:`WHAT_IF_KEYS` order, not yet validated; refusals name ``label``. A district file's
    what-ifs call this with a spec resolved for each school (``district.load.variant_mapping``)."""
    if "grades" in spec:
        _keep_grades(data, list(spec["grades"]), label)
    for gate in spec.get("close_gates", ()):
        _close_gate(data, gate, "release", label)
    if "screening" in spec:
        s = dict(spec["screening"])
        _screening(data, s.get("method"), s.get("service_time_s"), s.get("gates"), label)
    if "lanes" in spec:
        lanes = spec["lanes"]
        if isinstance(lanes, Mapping):
            _lanes(data, lanes["lanes"], lanes.get("gates"), label)
        else:
            _lanes(data, lanes, None, label)
    if "spacing" in spec:
        s = dict(spec["spacing"])
        _spacing(data, s.get("queue_m"), s.get("desk_m"), s.get("area_per_student_m2"), label)
    if "arrivals" in spec:
        a = dict(spec["arrivals"])
        _arrivals(data, a.get("earliest"), a.get("latest"), a.get("window_min"))
    if "every_entrance" in spec:
        data["entrances"] = [_deep_merge(e, spec["every_entrance"]) for e in data["entrances"]]
    if "overrides" in spec:
        data = _deep_merge(data, spec["overrides"])
    for path, value in dict(spec.get("set", {})).items():
        _set_path(data, path, value, label)
    return data
