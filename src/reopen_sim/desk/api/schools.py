"""Schools: upload (YAML or workbook), list, read, edit (a new school version), download as a
workbook, start a plan."""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, File, Header, Query, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from reopen_sim.desk.api.deps import CacheDep, CatDep, JobsDep, SettingsDep, StoreDep
from reopen_sim.desk.api.jobs import JobRef
from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import Job, PlanLine, PlanVersion, School
from reopen_sim.desk.school_edit import first_version, merge_patch, save_version, version_scenario, versions
from reopen_sim.desk.service import add_version, get_school, iso, latest_version, pins_of, scenario_json
from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.load import load_scenario, scenario_from_dict
from reopen_sim.scenario.schema import Scenario

router = APIRouter(tags=["schools"])

UPLOAD_SUFFIXES = (".yaml", ".yml", ".xlsx")


class SchoolCreated(BaseModel):
    id: int
    name: str
    classes: int
    students: int


class SchoolOut(SchoolCreated):
    version: int = Field(description="The school version shown (the latest unless ?version= asked another)")
    latest_version: int = Field(description="The school's latest version (send it as If-Match to edit)")
    created_at: str | None
    source_name: str
    grades: list[int]
    entrances: list[str]
    rooms: list[str]
    plans: list[dict[str, Any]] = Field(description="Each plan's id, latest version and its status")
    parent: int | None = Field(None, description="The school this one was made from by a what-if")
    what_if: dict[str, Any] | None = None
    scenario: dict[str, Any] = Field(description="The school as validated (canonical JSON)")


class SchoolListItem(SchoolCreated):
    version: int
    created_at: str | None
    latest_plan: dict[str, Any] | None


class VariantRequest(BaseModel):
    """A what-if on a stored school (the district what-if's fields): the result is a new school."""

    name: str = Field(min_length=1, max_length=100, description="What changed, e.g. 'east gate closed'")
    close_gates: list[str] = Field(default_factory=list, description="Entrance ids to close, or 'largest'")
    every_entrance: dict[str, Any] = Field(default_factory=dict, description="Merged into every entrance")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Merged into the scenario; a list given replaces the list"
    )
    keep_grades: list[int] | None = Field(None, description="Only these grades come (a phased return)")


class VariantCreated(SchoolCreated):
    parent: int


class SchoolVersionOut(BaseModel):
    version: int
    author: str
    created_at: str | None
    changes: list[dict[str, Any]] = Field(
        description="[{part, item, field, old, new}] from the version before"
    )


class PlanRequest(BaseModel):
    time_limit_s: float = Field(30.0, gt=0, le=3600)
    seed: int = Field(0, ge=0)
    previous: int | None = Field(None, description="Plan id to re-plan with few changes (keeps its pins)")
    author: str = Field("", max_length=100, description="Who asked for the plan (kept with the version)")


def display_name(name: str | None) -> str:
    """The client's file name for messages only (base name, plain characters); never used as a path."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[^\w.\- ()（）]", "_", base)[:100] or "upload"


def _load_upload(data: bytes, name: str) -> Scenario:
    """Validate an uploaded school with the library, from a temp folder the server names."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        suffix_file = "school.xlsx"  # the school workbook (reopen_sim.scenario.workbook)
    else:
        suffix_file = "school.yaml"
        try:
            parsed = yaml.safe_load(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
            parsed = None  # load_scenario reports it precisely
        if isinstance(parsed, dict) and "roster" in parsed:
            raise InputError(
                [
                    InputIssue(
                        name,
                        "roster",
                        str(parsed["roster"])[:100],
                        "the classes inline in the uploaded YAML",
                        key="desk_no_roster_upload",
                    )
                ]
            )
    with tempfile.TemporaryDirectory(prefix="reopen-sim-upload-") as tmp:
        path = Path(tmp) / suffix_file
        path.write_bytes(data)
        try:
            return load_scenario(path)
        except InputError as exc:  # name the user's file, not the temp copy
            raise InputError(
                [dataclasses.replace(i, file=name if i.file == str(path) else i.file) for i in exc.issues]
            ) from None


def _store_school(store: Any, sc: Scenario, name: str, data: bytes) -> dict[str, Any]:
    with store.write() as s:
        school = School(
            name=sc.school.name, scenario_json=scenario_json(sc), source_name=name, source_bytes=data
        )
        s.add(school)
        first_version(s, school)
        return _summary(school, sc)


def _examples(settings: Any) -> dict[str, Path]:
    """Bundled example schools by name (file stem): the only files a client can name, from a list."""
    folder = settings.examples_dir
    if folder is None or not Path(folder).is_dir():
        return {}
    return {p.stem: p for p in sorted(Path(folder).glob("*.yaml")) if not p.stem.startswith("district")}


@router.get("/examples")
def list_examples(settings: SettingsDep) -> list[str]:
    """Names of the bundled example schools that ``POST /api/examples/{name}`` can store."""
    return list(_examples(settings))


@router.post("/examples/{name}", status_code=201, response_model=SchoolCreated)
def add_example(name: str, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Store a bundled example school (with its roster) as a new school."""
    path = _examples(settings).get(name)
    if path is None:
        raise DeskError(404, "desk.error.no_example", name=name)
    sc = load_scenario(path)
    return _store_school(store, sc, path.name, path.read_bytes())


def _summary(school: School, sc: Scenario) -> dict[str, Any]:
    return {"id": school.id, "name": school.name, "classes": len(sc.classes), "students": sc.n_students}


@router.post("/schools", status_code=201, response_model=SchoolCreated)
def upload_school(
    store: StoreDep, settings: SettingsDep, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Store a school from a ``.yaml``/``.yml``/``.xlsx`` file (multipart field ``file``).

    422 ``{"issues": [{file, field, value, expected}]}`` lists every problem (in the request's
    language); 413 over the size limit; 415 for another file type.
    """
    name = display_name(file.filename)
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        raise DeskError(415, "desk.error.upload_type", name=name)
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise DeskError(
            413, "desk.error.too_large", size_mb=len(data) / 2**20, limit_mb=settings.max_upload_bytes / 2**20
        )
    sc = _load_upload(data, name)
    with store.write() as s:
        school = School(
            name=sc.school.name, scenario_json=scenario_json(sc), source_name=name, source_bytes=data
        )
        s.add(school)
        first_version(s, school)
        return _summary(school, sc)


@router.post("/schools/{school_id}/variants", status_code=201, response_model=VariantCreated)
def add_variant(school_id: int, body: VariantRequest, store: StoreDep) -> dict[str, Any]:
    """A new school from a stored one under a what-if (close a gate, change screening at every
    entrance, spacing or any field, keep some grades), validated like an upload (``build_variant``):
    invalid -> 422 with ``issues``. Tables edited on a page are sent as ``overrides`` (whole lists)."""
    from reopen_sim.district.load import SchoolSource, WhatIf, WhatIfSkipped, build_variant
    from reopen_sim.errors import InfeasibleError

    with store.read() as s:
        parent = get_school(s, school_id)
        source = SchoolSource(parent.name, parent.source_name, ".", json.loads(parent.scenario_json))
    what_if = body.model_dump()
    try:
        sc = build_variant(source, WhatIf.model_validate(what_if))
    except (WhatIfSkipped, InfeasibleError) as exc:
        raise InputError(
            [
                InputIssue(
                    parent.source_name,
                    "what-if",
                    body.name,
                    str(exc),
                    key="desk_what_if",
                    fields={"reason": str(exc)},
                )
            ]
        ) from None
    with store.write() as s:
        school = School(
            name=sc.school.name,
            scenario_json=scenario_json(sc),
            source_name=parent.source_name,
            source_bytes=parent.source_bytes,
            parent_id=parent.id,
            what_if=what_if,
        )
        s.add(school)
        first_version(s, school)
        return {**_summary(school, sc), "parent": parent.id}


def _latest_plans(s: Any, school_id: int, school_version: int) -> list[dict[str, Any]]:
    out = []
    for line in s.scalars(select(PlanLine).where(PlanLine.school_id == school_id).order_by(PlanLine.id)):
        v = latest_version(s, line.id)
        published = s.scalars(
            select(PlanVersion.version)
            .where(PlanVersion.plan_id == line.id, PlanVersion.status == "published")
            .order_by(PlanVersion.version.desc())
            .limit(1)
        ).first()
        out.append(
            {
                "id": line.id,
                "version": v.version,
                "status": v.status,
                "published_version": published,
                "created_at": iso(v.created_at),
                # Planned for an earlier version of the school: the school was edited since.
                "school_version": v.school_version,
                "out_of_date": v.school_version is not None and v.school_version != school_version,
            }
        )
    return out


@router.get("/schools", response_model=list[SchoolListItem])
def list_schools(store: StoreDep, cache: CacheDep) -> list[dict[str, Any]]:
    """Every stored school with its latest plan (id, version, status), newest school first."""
    with store.read() as s:
        out = []
        for school in s.scalars(select(School).order_by(School.id.desc())):
            plans = _latest_plans(s, school.id, school.version)
            sc = cache.get(school)
            out.append(
                {
                    **_summary(school, sc),
                    "version": school.version,
                    "created_at": iso(school.created_at),
                    "latest_plan": max(plans, key=lambda p: p["created_at"] or "") if plans else None,
                }
            )
        return out


def _scenario_at(s: Any, school: School, version: int | None, cache: Any) -> tuple[Scenario, str]:
    """The school's scenario (and its JSON) at ``version`` (the latest when None)."""
    if version is None or version == school.version:
        return cache.get(school), school.scenario_json
    data = version_scenario(s, school.id, version)
    return scenario_from_dict(json.loads(data), file=school.source_name, source_format="workbook"), data


def school_json(s: Any, school: School, cache: Any, version: int | None = None) -> dict[str, Any]:
    """A school as ``GET /api/schools/{id}`` shows it."""
    sc, data = _scenario_at(s, school, version, cache)
    return {
        **_summary(school, sc),
        "name": school.name if version is None else sc.school.name,
        "version": school.version if version is None else version,
        "latest_version": school.version,
        "created_at": iso(school.created_at),
        "source_name": school.source_name,
        "grades": list(sc.grades),
        "entrances": [e.id for e in sc.entrances],
        "rooms": [r.id for r in sc.rooms],
        "plans": _latest_plans(s, school.id, school.version),
        "parent": school.parent_id,
        "what_if": school.what_if,
        "scenario": json.loads(data),
    }


@router.get("/schools/{school_id}", response_model=SchoolOut)
def read_school(
    school_id: int,
    store: StoreDep,
    cache: CacheDep,
    response: Response,
    version: Annotated[int | None, Query(ge=1, description="An earlier version of the school")] = None,
) -> dict[str, Any]:
    """A stored school: counts, gates, rooms, its plans and the validated scenario; ``ETag`` is its
    latest version (send it back as ``If-Match`` to edit)."""
    with store.read() as s:
        school = get_school(s, school_id)
        response.headers["ETag"] = f'"{school.version}"'
        return school_json(s, school, cache, version)


def _if_match(value: str | None) -> int:
    text = (value or "").strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise DeskError(428, "desk_tables.error.if_match", got=value or "-")
    return int(text)


_EDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "Stale version: the body has `latest`, the school as GET shows it"},
    422: {"description": "The edited school is invalid, or a removed item is still referred to: `issues`"},
    428: {"description": "If-Match missing"},
}


def _save(
    school_id: int, if_match: str | None, data: dict[str, Any], author: str, store: Any, cache: Any
) -> dict[str, Any]:
    yours = _if_match(if_match)

    def latest() -> dict[str, Any]:
        with store.read() as s:
            return school_json(s, get_school(s, school_id), cache)

    save_version(store, school_id, yours, data, author, latest)
    return latest()


@router.patch("/schools/{school_id}", response_model=SchoolOut, responses=_EDIT_RESPONSES)
def patch_school(
    school_id: int,
    store: StoreDep,
    cache: CacheDep,
    patch: Annotated[dict[str, Any], Body(description="A partial scenario (JSON merge patch, RFC 7396)")],
    if_match: Annotated[str | None, Header(description="The school version being edited")] = None,
    author: Annotated[str, Query(max_length=100, description="Who made the change")] = "",
) -> dict[str, Any]:
    """Change part of a school: a new school version, validated like an upload.

    The body is merged into the latest scenario (objects merge, ``null`` removes a field so its
    default applies, a list replaces the list: send a whole table). Plans made before become out of
    date (``out_of_date`` in ``plans``). 428 without ``If-Match``; 409 + ``latest`` when stale; 422
    with ``issues`` when invalid or when a removed gate, room or class is still referred to."""
    with store.read() as s:
        current = json.loads(get_school(s, school_id).scenario_json)
    return _save(school_id, if_match, merge_patch(current, patch), author, store, cache)


@router.put("/schools/{school_id}", response_model=SchoolOut, responses=_EDIT_RESPONSES)
def put_school(
    school_id: int,
    store: StoreDep,
    cache: CacheDep,
    scenario: Annotated[dict[str, Any], Body(description="The whole scenario, as in GET's `scenario`")],
    if_match: Annotated[str | None, Header(description="The school version being replaced")] = None,
    author: Annotated[str, Query(max_length=100, description="Who made the change")] = "",
) -> dict[str, Any]:
    """Replace a school's scenario: a new school version (as PATCH, with the whole scenario)."""
    return _save(school_id, if_match, scenario, author, store, cache)


@router.get("/schools/{school_id}/versions", response_model=list[SchoolVersionOut])
def school_versions(school_id: int, store: StoreDep) -> list[dict[str, Any]]:
    """Every version of the school, newest first: who, when and what changed."""
    with store.read() as s:
        return [
            {"version": v.version, "author": v.author, "created_at": iso(v.created_at), "changes": v.changes}
            for v in versions(s, school_id)
        ]


@router.get(
    "/schools/{school_id}/workbook.xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def school_workbook(
    school_id: int,
    store: StoreDep,
    cache: CacheDep,
    cat: CatDep,
    version: Annotated[int | None, Query(ge=1, description="An earlier version of the school")] = None,
) -> Response:
    """The school as a workbook (``write_workbook``), sheets and labels in the request's language;
    uploading it back gives the same school (its latest version, or ``?version=``)."""
    from reopen_sim.scenario.workbook import write_workbook

    with store.read() as s:
        school = get_school(s, school_id)
        sc, _ = _scenario_at(s, school, version, cache)
        shown = school.version if version is None else version
    with tempfile.TemporaryDirectory(prefix="reopen-sim-wb-") as tmp:
        path = Path(tmp) / "school.xlsx"
        write_workbook(path, sc, lang=cat.lang)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="school-{school_id}-v{shown}.xlsx"'},
    )


def _plan_done(s: Any, job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """Store a finished plan job's timetable: version 1 of a new plan, or the next version of ``previous``."""
    previous = job.params.get("previous")
    if previous is None:
        line = PlanLine(school_id=job.school_id)
        s.add(line)
        s.flush()
        parent = None
    else:
        line = s.get(PlanLine, previous)
        parent = latest_version(s, previous)
    version = add_version(
        s,
        line,
        parent,
        result["rows"],
        result["meta"],
        author=job.params.get("author", ""),
        school_version=job.params.get("school_version"),
    )
    return {"plan": line.id, "version": version.version}


@router.post("/schools/{school_id}/plans", status_code=202, response_model=JobRef)
def start_plan(
    school_id: int, body: PlanRequest, store: StoreDep, jobs: JobsDep, cache: CacheDep
) -> dict[str, str]:
    """Plan the school in a worker process (``optimize``); with ``previous``, re-plan that plan with
    few changes, keeping its pinned classes. Poll ``GET /api/jobs/{job}``; the result names the plan."""
    with store.read() as s:
        school = get_school(s, school_id)
        params: dict[str, Any] = {"time_limit_s": body.time_limit_s, "seed": body.seed}
        sc_json = school.scenario_json
        version_id = None
        if body.previous is not None:
            line = s.get(PlanLine, body.previous)
            if line is None or line.school_id != school_id:
                raise DeskError(404, "desk.error.no_plan", id=body.previous)
            prev = latest_version(s, body.previous)
            params["previous_rows"] = prev.rows
            version_id = prev.id
            pins = pins_of(prev)
            if pins:
                sc_json = scenario_json(cache.get(school, pins))
    public = {
        "time_limit_s": body.time_limit_s,
        "seed": body.seed,
        "previous": body.previous,
        "author": body.author,
        "school_version": school.version,  # the version planned: later edits make the plan out of date
    }
    job = jobs.submit("plan", school_id, version_id, sc_json, school.source_name, params, _plan_done, public)
    return {"job": job}
