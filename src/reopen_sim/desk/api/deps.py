"""What every API route needs from the app: the store, the job runner, the scenario cache, the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reopen_sim.desk.jobs import JobRunner
from reopen_sim.desk.lang import catalogue
from reopen_sim.desk.service import ScenarioCache
from reopen_sim.desk.settings import DeskSettings
from reopen_sim.desk.store import Store
from reopen_sim.i18n import Catalogue


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_jobs(request: Request) -> JobRunner:
    jobs: JobRunner = request.app.state.jobs
    return jobs


def get_cache(request: Request) -> ScenarioCache:
    cache: ScenarioCache = request.app.state.scenarios
    return cache


def get_settings(request: Request) -> DeskSettings:
    settings: DeskSettings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
JobsDep = Annotated[JobRunner, Depends(get_jobs)]
CacheDep = Annotated[ScenarioCache, Depends(get_cache)]
SettingsDep = Annotated[DeskSettings, Depends(get_settings)]
CatDep = Annotated[Catalogue, Depends(catalogue)]
