"""The JSON API under ``/api`` (documented at ``/api/docs``; contract in docs/desk.md)."""

from __future__ import annotations

from fastapi import APIRouter

from reopen_sim.desk.api import health, jobs, plans, schools

router = APIRouter(prefix="/api")
for _module in (health, schools, plans, jobs):
    router.include_router(_module.router)

__all__ = ["router"]
