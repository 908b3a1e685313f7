"""Published course content.  Everything under a CourseVersion is immutable once published.

``*_key`` columns hold the author's stable ids from the course files; ``activity_key`` is the
stable part of the xAPI activity IRI, kept across versions while an item's meaning is
unchanged (the importer decides).  Language maps are JSON objects ``{"fi", "sv", "en"}``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, utcnow

LanguageMap = dict[str, str]


class Course(Base):
    """A course across all its versions (identified by the slug of its folder)."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number")


class CourseVersion(Base):
    """One immutable published version; enrolments are pinned to one."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[dict[str, Any]] = mapped_column(JSON)
    mastery_score: Mapped[float] = mapped_column(Float)
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(150), default="")

    course: Mapped[Course] = relationship(back_populates="versions")
    units: Mapped[list[Unit]] = relationship(back_populates="version", order_by="Unit.position")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("version_id", "unit_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    unit_key: Mapped[str] = mapped_column(String(100))
    activity_key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)
    objectives: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"fi": [..], ...}
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)  # source ids
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=0)
    content_html: Mapped[dict[str, Any]] = mapped_column(JSON)  # sanitised HTML per language
    content_hash: Mapped[str] = mapped_column(String(64))
    # Quiz settings (every unit has one quiz)
    quiz_activity_key: Mapped[str] = mapped_column(String(200))
    pass_mark: Mapped[float] = mapped_column(Float)
    max_attempts: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    draw_count: Mapped[int | None] = mapped_column(Integer, default=None)

    version: Mapped[CourseVersion] = relationship(back_populates="units")
    questions: Mapped[list[Question]] = relationship(back_populates="unit",
                                                     order_by="Question.position")
    reflection_tasks: Mapped[list[ReflectionTask]] = relationship(
        back_populates="unit", order_by="ReflectionTask.position")


class Question(Base):
    """A quiz question; ``data`` holds prompt, choices/pairs/items/answer and feedback as
    written in the course file (language maps)."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("unit_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    question_key: Mapped[str] = mapped_column(String(100))
    activity_key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    points: Mapped[float] = mapped_column(Float, default=1.0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    unit: Mapped[Unit] = relationship(back_populates="questions")


class ReflectionTask(Base):
    __tablename__ = "reflection_tasks"
    __table_args__ = (UniqueConstraint("unit_id", "task_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    task_key: Mapped[str] = mapped_column(String(100))
    activity_key: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    prompt: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_length: Mapped[int] = mapped_column(Integer, default=0)

    unit: Mapped[Unit] = relationship(back_populates="reflection_tasks")


__all__ = ["Course", "CourseVersion", "LanguageMap", "Question", "ReflectionTask", "Unit"]
