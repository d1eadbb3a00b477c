"""``GET /api/health``: the server is up, and which version it runs."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from reopen_sim import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    version: str


@router.get("/health", response_model=Health)
def health() -> Health:
    """Liveness check: ``{"status": "ok", "version": ...}``."""
    return Health(status="ok", version=__version__)
