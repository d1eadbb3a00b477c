"""The JSON API under ``/api`` (documented at ``/api/docs``; contract in docs/desk.md)."""

from __future__ import annotations

from fastapi import APIRouter

from reopen_sim.desk.api import health

router = APIRouter(prefix="/api")
router.include_router(health.router)

__all__ = ["router"]
