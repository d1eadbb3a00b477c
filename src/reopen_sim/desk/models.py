"""The desk's tables (SQLAlchemy 2 typed ORM). The schema is made and changed only by the Alembic
migrations in ``desk/migrations`` (run at start), so a later change never loses a school's history.

- ``schools``: a school as uploaded: its scenario as canonical JSON (what the library validated) and
  the file the user sent (name and bytes), kept so it can be given back as sent; or made from
  another school by a what-if (``parent_id``, ``what_if``). ``scenario_json`` is its latest
  version (``version``); every version is kept in ``school_versions`` (migration 0003).
- ``school_versions``: immutable rows, one per version of a school (1 = as uploaded, then one per
  edit of its tables): the scenario, who, when and what changed.
- ``plans``: a line of timetable versions of one school (what the board shows and edits).
- ``plan_versions``: immutable rows: the timetable (rows as in ``timetable.csv``), who made it, when,
  from which parent version and what changed; ``status`` is ``draft`` until published.
- ``simulations``: a summary of simulating one plan version (replications, seed, per gate).
- ``jobs``: plan and simulate requests, their state and result.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class School(Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario_json: Mapped[str] = mapped_column(Text)
    source_name: Mapped[str] = mapped_column(String(255))
    source_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A school made from another (migration 0002): the parent and the what-if that made it.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), nullable=True)
    what_if: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The latest version's number (migration 0003); its scenario is ``scenario_json``.
    version: Mapped[int] = mapped_column(Integer, default=1)


class SchoolVersion(Base):
    __tablename__ = "school_versions"
    __table_args__ = (UniqueConstraint("school_id", "version", name="uq_school_versions_school_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    scenario_json: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # [{"part", "item", "field", "old", "new"}]: what changed from the previous version.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class PlanLine(Base):
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "version", name="uq_plan_versions_plan_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # [{"class_id", "field", "old", "new"}]: what changed from the parent version.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rows: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    pins: Mapped[list[str]] = mapped_column(JSON, default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The school version this timetable was planned for (migration 0003); an edit keeps its parent's.
    school_version: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Simulation(Base):
    __tablename__ = "simulations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"), index=True)
    replications: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(default=0.0)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"), nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
