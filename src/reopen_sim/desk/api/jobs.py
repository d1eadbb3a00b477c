"""Jobs: ``GET /api/jobs/{job}`` (status, progress, result or error), ``DELETE`` cancels."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from reopen_sim.desk.api.deps import CatDep, JobsDep, StoreDep
from reopen_sim.desk.errors import DeskError
from reopen_sim.desk.models import Job
from reopen_sim.desk.service import iso
from reopen_sim.i18n import Catalogue

router = APIRouter(tags=["jobs"])


class JobRef(BaseModel):
    job: str


class JobOut(BaseModel):
    id: str
    kind: Literal["plan", "simulate", "report", "compare"]
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    params: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None
    created_at: str | None
    finished_at: str | None


def error_text(error: str | None, cat: Catalogue) -> str | None:
    """A job's error in the catalogue's language when it is one of the desk's own (``desk.job.*``)."""
    if error is None or not error.startswith("desk."):
        return error
    key, _, code = error.partition(":")
    return cat(key, code=code) if code else cat(key)


def _failure(job: Job, cat: Catalogue) -> dict[str, Any] | None:
    """A failed job's message and reasons in the catalogue's language (stored in every language)."""
    languages = (job.result or {}).get("languages") or {}
    return languages.get(cat.lang) or languages.get("en")


def job_json(job: Job, cat: Catalogue) -> dict[str, Any]:
    failure = _failure(job, cat) if job.status == "failed" else None
    if failure is not None:
        return {
            **job_json_plain(job, cat),
            "result": {"reasons": failure["reasons"]},
            "error": failure["message"],
        }
    return job_json_plain(job, cat)


def job_json_plain(job: Job, cat: Catalogue) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": round(job.progress, 3),
        "params": job.params,
        "result": job.result,
        "error": error_text(job.error, cat),
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
    }


def _get(store: Any, job_id: str) -> Job:
    with store.read() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise DeskError(404, "desk.error.no_job", id=job_id)
        return job


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(job_id: str, store: StoreDep, cat: CatDep) -> dict[str, Any]:
    """A job's state: ``status`` queued|running|done|failed|cancelled, ``progress`` 0..1,
    ``result`` (e.g. ``{"plan": id, "version": n}``) when done, ``error`` when failed."""
    return job_json(_get(store, job_id), cat)


@router.delete("/jobs/{job_id}", response_model=JobOut)
def cancel_job(job_id: str, store: StoreDep, jobs: JobsDep, cat: CatDep) -> dict[str, Any]:
    """Cancel a queued job or stop a running one (its process is terminated); 409 when it has finished."""
    job = _get(store, job_id)
    if not jobs.cancel(job_id):
        raise DeskError(409, "desk.error.job_finished", id=job_id, state=job.status)
    return job_json(_get(store, job_id), cat)
