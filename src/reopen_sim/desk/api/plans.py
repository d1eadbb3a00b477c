"""Plans: read a version with its violations, edit a class (version-checked), simulate, explain,
download, publish."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from reopen_sim.desk.analysis import class_facts, objective_terms, summary_facts
from reopen_sim.desk.api.deps import CacheDep, CatDep, JobsDep, SettingsDep, StoreDep
from reopen_sim.desk.api.jobs import JobRef
from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import Job, PlanVersion, School, Simulation, utcnow
from reopen_sim.desk.service import (
    ScenarioCache,
    check,
    diff_rows,
    edit_class,
    get_school,
    iso,
    latest_version,
    plan_of,
    scenario_json,
    version_json,
    version_of,
    violations_json,
)
from reopen_sim.desk.settings import DeskSettings
from reopen_sim.desk.store import Store
from reopen_sim.i18n import Catalogue

router = APIRouter(tags=["plans"])

VersionQ = Annotated[int | None, Query(description="Version number (default: the latest)")]


class Violation(BaseModel):
    rule: str
    classes: list[str]
    message: str


class PlanOut(BaseModel):
    id: int
    school: int
    version: int
    version_id: int
    parent_version: int | None
    parent_version_id: int | None
    status: str
    author: str
    created_at: str | None
    published_at: str | None
    changes: list[dict[str, Any]] = Field(description="[{class_id, field, old, new}] from the parent version")
    pins: list[str]
    classes: list[dict[str, str]] = Field(description="Timetable rows as in timetable.csv")
    violations: list[Violation]
    meta: dict[str, Any]
    school_version: int | None = Field(None, description="The school version this timetable was planned for")
    school_latest_version: int = Field(1, description="The school's latest version (edited since if larger)")


class ClassEdit(BaseModel):
    """Timetable fields of one class to change (times HH:MM; rooms a list or joined by ;), and/or a pin."""

    arrival_start: str | None = None
    arrival_end: str | None = None
    gate: str | None = None
    rooms: list[str] | str | None = None
    canteen_sitting: int | str | None = None
    dismissal_time: str | None = None
    pinned: bool | None = Field(None, description="Pin the class where it is now (re-planning keeps it)")
    author: str = Field("", max_length=100)


class SimulateRequest(BaseModel):
    replications: int = Field(30, ge=2, le=1000)
    seed: int = Field(1, ge=0)


class CompareRequest(BaseModel):
    versions: list[int] = Field(
        min_length=2, max_length=6, description="Version numbers; the first is the reference"
    )
    plans: list[int] | None = Field(
        None,
        description="The plan of each version, in the order of `versions` (default: this plan for "
        "every one); other plans must be of the same school",
    )
    replications: int = Field(30, ge=2, le=1000)
    seed: int = Field(1, ge=0)


class PublishRequest(BaseModel):
    version: int | None = None
    author: str = Field("", max_length=100)
    replications: int = Field(30, ge=2, le=1000, description="Mornings simulated for the printable report")
    seed: int = Field(1, ge=0)
    lang: Literal["en", "zh"] | None = Field(
        None, description="Language of the printable set (default: the request's)"
    )


class Published(PlanOut):
    job: str = Field(description="The job making the printable set (report.html, notices, timetables)")


def _full(
    store: Store, cache: ScenarioCache, cat: Catalogue, plan_id: int, version: int | None
) -> dict[str, Any]:
    with store.read() as s:
        v = version_of(s, plan_id, version)
        school = _school_of(s, v)
    return version_json(v, school, violations_json(check(cache, school, v), cat))


def _school_of(s: Any, v: PlanVersion) -> School:
    from reopen_sim.desk.models import PlanLine

    line = s.get(PlanLine, v.plan_id)
    return get_school(s, line.school_id)


@router.get("/plans/{plan_id}", response_model=PlanOut)
def read_plan(
    plan_id: int, store: StoreDep, cache: CacheDep, cat: CatDep, version: VersionQ = None
) -> dict[str, Any]:
    """A plan version (latest by default): its timetable rows and every rule it breaks (``check_plan``)."""
    return _full(store, cache, cat, plan_id, version)


@router.get("/plans/{plan_id}/versions")
def list_versions(plan_id: int, store: StoreDep) -> list[dict[str, Any]]:
    """Every version of a plan, newest first: number, status, author, when, what changed."""
    with store.read() as s:
        latest_version(s, plan_id)
        rows = s.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan_id).order_by(PlanVersion.version.desc())
        )
        return [
            {
                "version": v.version,
                "status": v.status,
                "author": v.author,
                "created_at": iso(v.created_at),
                "published_at": iso(v.published_at),
                "changes": v.changes,
                "source": v.meta.get("source", "plan"),
            }
            for v in rows
        ]


def _if_match(value: str | None) -> int:
    text = (value or "").strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise DeskError(428, "desk.error.bad_version", got=value or "-")
    return int(text)


@router.patch(
    "/plans/{plan_id}/classes/{class_id}",
    response_model=PlanOut,
    responses={409: {"description": "Stale version: body has `latest`, the current plan"}},
)
def edit_plan_class(
    plan_id: int,
    class_id: str,
    body: ClassEdit,
    store: StoreDep,
    cache: CacheDep,
    cat: CatDep,
    if_match: Annotated[str | None, Header(description="The version being edited")] = None,
) -> dict[str, Any]:
    """Change one class (window, gate, rooms, sitting, dismissal, pin): a new version, checked at once.

    ``If-Match: <version>`` is required (428 without); 409 with the latest version when another edit
    came first; 422 for a malformed value (e.g. a time not HH:MM)."""
    yours = _if_match(if_match)
    fields = body.model_dump(exclude={"author"}, exclude_none=True)
    try:
        edit_class(store, plan_id, class_id, yours, fields, author=body.author)
    except DeskError as exc:
        if exc.status == 409:
            latest = _full(store, cache, cat, plan_id, None)
            raise DeskError(
                409, exc.key, extra={"latest": latest}, yours=yours, latest=latest["version"]
            ) from None
        raise
    return _full(store, cache, cat, plan_id, None)


def _simulation_done(s: Any, job: Job, result: dict[str, Any]) -> dict[str, Any]:
    sim = Simulation(
        plan_version_id=job.plan_version_id,
        replications=job.params["replications"],
        seed=job.params["seed"],
        summary=result,
    )
    s.add(sim)
    s.flush()
    return {"simulation": sim.id, **result}


@router.post("/plans/{plan_id}/simulate", status_code=202, response_model=JobRef)
def start_simulation(
    plan_id: int,
    body: SimulateRequest,
    store: StoreDep,
    jobs: JobsDep,
    cache: CacheDep,
    version: VersionQ = None,
) -> dict[str, str]:
    """Simulate a version's mornings in a worker process (``simulate``); the job's result and
    ``GET /api/plans/{id}/simulations`` give per gate each metric's mean and 95% interval."""
    with store.read() as s:
        v = version_of(s, plan_id, version)
        school = _school_of(s, v)
    sc_json = scenario_json(cache.get(school))
    params = {"rows": v.rows, "replications": body.replications, "seed": body.seed}
    public = {"replications": body.replications, "seed": body.seed, "plan": plan_id, "version": v.version}
    job = jobs.submit(
        "simulate", school.id, v.id, sc_json, school.source_name, params, _simulation_done, public
    )
    return {"job": job}


def _compare_done(s: Any, job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """The job's result plus the versions compared (``names``: label -> plan and version) and what
    changed from the first to each other (``changes``: label -> ``[{class_id, field, old, new}]``)."""
    compared = job.params["compared"]
    rows = {c["name"]: version_of(s, c["plan"], c["version"]).rows for c in compared}
    first = compared[0]["name"]
    changes = {c["name"]: diff_rows(rows[first], rows[c["name"]]) for c in compared[1:]}
    return {"compared": compared, "reference": first, "changes": changes, **result}


def _compared_versions(s: Any, plan_id: int, body: CompareRequest) -> list[PlanVersion]:
    """The versions to compare: of ``plan_id``, or of the plans named in ``body.plans`` (all of one school)."""
    plans = body.plans or [plan_id] * len(body.versions)
    if len(plans) != len(body.versions):
        raise DeskError(422, "desk.cmp.error.lengths", plans=len(plans), versions=len(body.versions))
    versions = [version_of(s, p, n) for p, n in zip(plans, body.versions, strict=True)]
    school = _school_of(s, versions[0]).id
    for v in versions[1:]:
        if _school_of(s, v).id != school:
            raise DeskError(422, "desk.cmp.error.other_school", plan=v.plan_id)
    return versions


@router.post("/plans/{plan_id}/compare", status_code=202, response_model=JobRef)
def start_comparison(
    plan_id: int, body: CompareRequest, store: StoreDep, jobs: JobsDep, cache: CacheDep
) -> dict[str, str]:
    """Compare versions side by side (``compare``: same mornings for each, common random numbers).

    The job's result: ``table`` (whole school: per version ``v<N>`` — ``#<plan> v<N>`` for another
    plan — and metric ``mean``, ``lo``, ``hi`` and the paired difference to the first version
    ``diff_mean``, ``diff_lo``, ``diff_hi``); ``gates`` (the same per gate for the metrics the compare
    page shows); ``series`` (per version, the queue per gate minute by minute, as a simulation's);
    ``compared`` (``[{name, plan, version}]``), ``reference`` (the first name) and ``changes`` (per
    other version, the classes whose row differs from the first: ``[{class_id, field, old, new}]``)."""
    with store.read() as s:
        versions = _compared_versions(s, plan_id, body)
        school = _school_of(s, versions[0])
    names = [f"v{v.version}" if v.plan_id == plan_id else f"#{v.plan_id} v{v.version}" for v in versions]
    if len(set(names)) < len(names):
        raise DeskError(422, "desk.cmp.error.same_version")
    plans = {name: v.rows for name, v in zip(names, versions, strict=True)}
    params = {"plans": plans, "replications": body.replications, "seed": body.seed}
    compared = [
        {"name": name, "plan": v.plan_id, "version": v.version}
        for name, v in zip(names, versions, strict=True)
    ]
    public = {
        "plan": plan_id,
        "versions": body.versions,
        "compared": compared,
        "replications": body.replications,
        "seed": body.seed,
    }
    sc_json = scenario_json(cache.get(school))
    job = jobs.submit(
        "compare", school.id, versions[0].id, sc_json, school.source_name, params, _compare_done, public
    )
    return {"job": job}


def _simulation_json(x: Simulation, version: int, series: bool) -> dict[str, Any]:
    out = {
        "id": x.id,
        "version": version,
        "replications": x.replications,
        "seed": x.seed,
        "created_at": iso(x.created_at),
        **x.summary,
    }
    if not series:
        out.pop("series", None)
    out.setdefault("certification", None)
    return out


@router.get("/plans/{plan_id}/simulations")
def list_simulations(plan_id: int, store: StoreDep, version: VersionQ = None) -> list[dict[str, Any]]:
    """Stored simulation summaries of a version (latest version by default), newest first: per gate
    each metric's mean and 95% interval (``gates``) and the judgement against the service level
    (``certification``); the queue minute by minute is in ``GET .../simulations/{id}``."""
    with store.read() as s:
        v = version_of(s, plan_id, version)
        sims = s.scalars(
            select(Simulation).where(Simulation.plan_version_id == v.id).order_by(Simulation.id.desc())
        )
        return [_simulation_json(x, v.version, series=False) for x in sims]


@router.get("/plans/{plan_id}/simulations/{simulation_id}")
def read_simulation(plan_id: int, simulation_id: int, store: StoreDep) -> dict[str, Any]:
    """One stored simulation of any version of the plan, with ``series``: per gate the people queuing
    at each whole minute (``mean``, ``lo``, ``hi``: 95% band over the mornings) from ``start_min``
    (minutes since midnight) in steps of ``step_min``, and the gate's ``marked_places``."""
    with store.read() as s:
        latest_version(s, plan_id)
        sim = s.get(Simulation, simulation_id)
        v = s.get(PlanVersion, sim.plan_version_id) if sim is not None else None
        if sim is None or v is None or v.plan_id != plan_id:
            raise DeskError(404, "desk.cmp.error.no_simulation", id=simulation_id)
        return _simulation_json(sim, v.version, series=True)


@router.get("/plans/{plan_id}/analysis")
def analysis(
    plan_id: int, store: StoreDep, cache: CacheDep, cat: CatDep, version: VersionQ = None
) -> dict[str, Any]:
    """Why the plan is as it is: objective terms, plan-wide facts, and per class the facts that shaped
    its assignment (window, gate load against capacity, walk to its room, split rooms), each with a sentence."""
    with store.read() as s:
        v = version_of(s, plan_id, version)
        school = _school_of(s, v)
    sc = cache.get(school)
    plan = plan_of(v)
    return {
        "id": plan_id,
        "version": v.version,
        "terms": objective_terms(v.meta, cat),
        "plan": summary_facts(sc, plan, v.meta, cat),
        "classes": class_facts(sc, plan, cat, frozenset(v.pins)),
    }


def _timetable_file(
    store: Store, cache: ScenarioCache, plan_id: int, version: int | None, name: str, lang: str
) -> bytes:
    """``write_timetable``'s file ``name`` for a version, sheets and headers in ``lang``."""
    from reopen_sim.report.timetable import write_timetable

    with store.read() as s:
        v = version_of(s, plan_id, version)
        school = _school_of(s, v)
    with tempfile.TemporaryDirectory(prefix="reopen-sim-tt-") as tmp:
        write_timetable(plan_of(v), cache.get(school), tmp, lang=lang)
        return (Path(tmp) / name).read_bytes()


@router.get(
    "/plans/{plan_id}/timetable.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def timetable_csv(
    plan_id: int, store: StoreDep, cache: CacheDep, cat: CatDep, version: VersionQ = None
) -> Response:
    """The version's ``timetable.csv`` (the contract ``check`` and ``simulate`` read back)."""
    data = _timetable_file(store, cache, plan_id, version, "timetable.csv", cat.lang)
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-timetable.csv"'},
    )


@router.get(
    "/plans/{plan_id}/timetable.xlsx",
    response_class=Response,
    responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)
def timetable_xlsx(
    plan_id: int, store: StoreDep, cache: CacheDep, cat: CatDep, version: VersionQ = None
) -> Response:
    """The version's ``timetable.xlsx`` (by class, by gate, by room, by sitting)."""
    data = _timetable_file(store, cache, plan_id, version, "timetable.xlsx", cat.lang)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-timetable.xlsx"'},
    )


def _report_dir(settings: DeskSettings, version_id: int, lang: str) -> Path:
    """Where a published version's printable set is kept: a cache the server names, rebuilt by publishing."""
    return settings.data_dir / "published" / f"v{version_id}-{lang}"


def _report_done(s: Any, job: Job, result: dict[str, Any]) -> dict[str, Any]:
    return {"version": job.params["version"], "lang": job.params["lang"], **result}


@router.post("/plans/{plan_id}/publish", response_model=Published)
def publish(
    plan_id: int,
    store: StoreDep,
    cache: CacheDep,
    cat: CatDep,
    jobs: JobsDep,
    settings: SettingsDep,
    body: PublishRequest | None = None,
) -> dict[str, Any]:
    """Mark a version (the latest by default) published, frozen as what the school hands out, and
    start the job that makes its printable set (``publish``, as ``reopen-sim publish``) and report page
    (``compare`` with the baseline, ``write_report``): then ``printable.zip`` and ``report.html``
    can be downloaded. Earlier published versions stay
    published in the history."""
    body = body or PublishRequest()
    lang = body.lang or cat.lang
    with store.write() as s:
        v = version_of(s, plan_id, body.version)
        if v.status != "published":
            v.status, v.published_at = "published", utcnow()
            if body.author:
                v.meta = {**v.meta, "published_by": body.author}
        number, version_id, rows = v.version, v.id, v.rows
        school = _school_of(s, v)
    out_dir = _report_dir(settings, version_id, lang)
    params = {
        "rows": rows,
        "replications": body.replications,
        "seed": body.seed,
        "lang": lang,
        "out_dir": str(out_dir),
    }
    public = {
        "plan": plan_id,
        "version": number,
        "replications": body.replications,
        "seed": body.seed,
        "lang": lang,
    }
    sc_json = scenario_json(cache.get(school))
    job = jobs.submit(
        "report", school.id, version_id, sc_json, school.source_name, params, _report_done, public
    )
    return {**_full(store, cache, cat, plan_id, number), "job": job}


def _published_dir(
    store: Store, settings: DeskSettings, plan_id: int, version: int | None, lang: str, part: str, first: str
) -> Path:
    """``part`` (``printable`` or ``report``) of a published version's set; 404 until its job made it."""
    with store.read() as s:
        v = version_of(s, plan_id, version)
    out = _report_dir(settings, v.id, lang) / part
    if v.status != "published" or not (out / first).is_file():
        raise DeskError(404, "desk.error.no_report", id=plan_id)
    return out


@router.get(
    "/plans/{plan_id}/report.html", response_class=Response, responses={200: {"content": {"text/html": {}}}}
)
def report_html(
    plan_id: int, store: StoreDep, settings: SettingsDep, cat: CatDep, version: VersionQ = None
) -> Response:
    """The published version's report page (self-contained HTML) in the request's language; 404 until
    publishing has made it."""
    out = _published_dir(store, settings, plan_id, version, cat.lang, "report", "report.html")
    return Response((out / "report.html").read_bytes(), media_type="text/html; charset=utf-8")


@router.get(
    "/plans/{plan_id}/printable.zip",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def printable_zip(
    plan_id: int, store: StoreDep, settings: SettingsDep, cat: CatDep, version: VersionQ = None
) -> Response:
    """The printable set of a published version as one zip, as ``reopen-sim publish`` writes it (notices
    for parents, gate duty sheets, A4 timetables by gate and by grade, PNGs for messaging groups,
    timetable.csv/.xlsx, index.html), plus the report page as ``report.html``."""
    out = _published_dir(store, settings, plan_id, version, cat.lang, "printable", "index.html")
    report = out.parent / "report" / "report.html"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            z.write(path, path.relative_to(out).as_posix())
        if report.is_file():
            z.write(report, "report.html")
    return Response(
        buf.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}-printable.zip"'},
    )
