"""The desk's ASGI app: ``create_app(settings)`` wires the API, the pages, the store and the jobs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reopen_sim import __version__
from reopen_sim.desk import pages
from reopen_sim.desk.api import router as api_router
from reopen_sim.desk.errors import install_handlers
from reopen_sim.desk.jobs import JobRunner
from reopen_sim.desk.security import install_security
from reopen_sim.desk.service import ScenarioCache
from reopen_sim.desk.settings import DeskSettings
from reopen_sim.desk.store import Store


def create_app(settings: DeskSettings | None = None) -> FastAPI:
    """A desk app for ``settings`` (default: the user's data directory, loopback, no token).

    The database is migrated to the newest schema here, before the first request.
    ``app.state`` holds ``settings``, ``store``, ``jobs`` (the job runner) and ``scenarios`` (a cache
    of validated scenarios).
    """
    settings = settings or DeskSettings()
    if settings.db_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.jobs.close()
        store.close()

    app = FastAPI(
        lifespan=lifespan,
        title="reopen-sim desk",
        version=__version__,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.jobs = JobRunner(store, max_jobs=settings.max_jobs, processes=settings.job_processes)
    app.state.scenarios = ScenarioCache()
    install_handlers(app)
    install_security(app, settings)
    app.include_router(api_router)
    app.include_router(pages.router)
    return app
