"""Schools: upload (YAML or workbook), list, read, download as a workbook, start a plan."""

from __future__ import annotations

import dataclasses
import json
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from reopen_sim.desk.api.deps import CacheDep, CatDep, JobsDep, SettingsDep, StoreDep
from reopen_sim.desk.api.jobs import JobRef
from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import Job, PlanLine, PlanVersion, School
from reopen_sim.desk.service import add_version, get_school, iso, latest_version, pins_of, scenario_json
from reopen_sim.errors import InputError, InputIssue
from reopen_sim.scenario.load import load_scenario
from reopen_sim.scenario.schema import Scenario

router = APIRouter(tags=["schools"])

UPLOAD_SUFFIXES = (".yaml", ".yml", ".xlsx")


class SchoolCreated(BaseModel):
    id: int
    name: str
    classes: int
    students: int


class SchoolOut(SchoolCreated):
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
        s.flush()
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
        s.flush()
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
        s.flush()
        return {**_summary(school, sc), "parent": parent.id}


def _latest_plans(s: Any, school_id: int) -> list[dict[str, Any]]:
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
            }
        )
    return out


@router.get("/schools", response_model=list[SchoolListItem])
def list_schools(store: StoreDep, cache: CacheDep) -> list[dict[str, Any]]:
    """Every stored school with its latest plan (id, version, status), newest school first."""
    with store.read() as s:
        out = []
        for school in s.scalars(select(School).order_by(School.id.desc())):
            plans = _latest_plans(s, school.id)
            sc = cache.get(school)
            out.append(
                {
                    **_summary(school, sc),
                    "created_at": iso(school.created_at),
                    "latest_plan": max(plans, key=lambda p: p["created_at"] or "") if plans else None,
                }
            )
        return out


@router.get("/schools/{school_id}", response_model=SchoolOut)
def read_school(school_id: int, store: StoreDep, cache: CacheDep) -> dict[str, Any]:
    """A stored school: counts, gates, rooms, its plans and the validated scenario."""
    with store.read() as s:
        school = get_school(s, school_id)
        sc = cache.get(school)
        return {
            **_summary(school, sc),
            "created_at": iso(school.created_at),
            "source_name": school.source_name,
            "grades": list(sc.grades),
            "entrances": [e.id for e in sc.entrances],
            "rooms": [r.id for r in sc.rooms],
            "plans": _latest_plans(s, school.id),
            "parent": school.parent_id,
            "what_if": school.what_if,
            "scenario": json.loads(school.scenario_json),
        }


@router.get(
    "/schools/{school_id}/workbook.xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def school_workbook(school_id: int, store: StoreDep, cache: CacheDep, cat: CatDep) -> Response:
    """The school as a workbook (``write_workbook``), sheets and labels in the request's language;
    uploading it back gives the same school."""
    from reopen_sim.scenario.workbook import write_workbook

    with store.read() as s:
        school = get_school(s, school_id)
    with tempfile.TemporaryDirectory(prefix="reopen-sim-wb-") as tmp:
        path = Path(tmp) / "school.xlsx"
        write_workbook(path, cache.get(school), lang=cat.lang)
        data = path.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="school-{school_id}.xlsx"'},
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
        s, line, parent, result["rows"], result["meta"], author=job.params.get("author", "")
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
    }
    job = jobs.submit("plan", school_id, version_id, sc_json, school.source_name, params, _plan_done, public)
    return {"job": job}
