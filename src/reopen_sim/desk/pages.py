"""The desk's pages (server-rendered). Filled by the pages' own module work; the app includes ``router``."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
