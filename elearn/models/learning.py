"""A learner's records: enrolment (xAPI registration), unit progress, quiz attempts with
their answers, and private reflections."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, utcnow
from elearn.models.accounts import User
from elearn.models.courses import CourseVersion, Question, ReflectionTask, Unit


def new_registration() -> str:
    return str(uuid.uuid4())


class Enrolment(Base):
    """A learner on one course version; ``registration`` is the xAPI context registration.

    At most one enrolment per learner and course is unfinished and not moved; that one, or
    else the newest finished one, is the learner's current enrolment."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration: Mapped[str] = mapped_column(String(36), unique=True, default=new_registration)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    # indexed for the HR report's default order and its date filters (and the overview's
    # completions per week), so a page at 100,000 enrolments reads only the rows it shows
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # share of units complete, 0–1
    completed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    score: Mapped[float | None] = mapped_column(Float, default=None)  # mean best quiz score 0–1
    passed_at: Mapped[datetime | None] = mapped_column(default=None)
    # Set when an operator moved this unfinished enrolment to a newer course version
    # (``elearn courses move-learners``): the learner continues in ``moved_to_id`` and this
    # row is kept as it was, only no longer shown to the learner or counted in reports.
    moved_to_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"), default=None)
    moved_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()
    version: Mapped[CourseVersion] = relationship()
    unit_progress: Mapped[list[UnitProgress]] = relationship(back_populates="enrolment")


class UnitProgress(Base):
    __tablename__ = "unit_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    first_viewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    quiz_passed_at: Mapped[datetime | None] = mapped_column(default=None)
    best_score: Mapped[float | None] = mapped_column(Float, default=None)  # scaled 0–1
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    # start of the current round of quiz attempts: only attempts submitted since count
    # against the limit (elearn.services.attempt_rounds); None = the first round
    round_started_at: Mapped[datetime | None] = mapped_column(default=None)

    enrolment: Mapped[Enrolment] = relationship(back_populates="unit_progress")
    unit: Mapped[Unit] = relationship()


class QuizAttempt(Base):
    """One submitted attempt.  ``number`` is unique per enrolment and unit, so two tabs
    submitting at once cannot both take the last allowed attempt."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrolment_id", "unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    question_ids: Mapped[list[Any]] = mapped_column(JSON)  # the draw, in the order shown
    # {str(question id): [choice ids in the order shown]} for the single- and multiple-choice
    # questions of the draw that shuffle; None on attempts started before choices were
    # shuffled (their choices are shown as written).
    choice_orders: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    score_raw: Mapped[float | None] = mapped_column(Float, default=None)
    score_max: Mapped[float | None] = mapped_column(Float, default=None)
    score_scaled: Mapped[float | None] = mapped_column(Float, default=None)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)

    enrolment: Mapped[Enrolment] = relationship()
    unit: Mapped[Unit] = relationship()
    answers: Mapped[list[AttemptAnswer]] = relationship(back_populates="attempt")


class AttemptAnswer(Base):
    """The learner's response to one question of an attempt, as scored by the server."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    response: Mapped[Any] = mapped_column(JSON)  # choice ids, bool, {source: target}, [item ids]
    correct: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[float] = mapped_column(Float)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Reflection(Base):
    """A learner's private text.  Only its author may ever read it."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("enrolment_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("reflection_tasks.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    task: Mapped[ReflectionTask] = relationship()
    revisions: Mapped[list[ReflectionRevision]] = relationship(
        back_populates="reflection", order_by="ReflectionRevision.id")


class ReflectionRevision(Base):
    """One saved text of a reflection, kept so that the learner's own data (GDPR art. 15)
    shows every text they saved, not only the last.  Private to the author like the
    reflection; deleted with it (erasure, retention)."""

    __tablename__ = "reflection_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reflection_id: Mapped[int] = mapped_column(ForeignKey("reflections.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    reflection: Mapped[Reflection] = relationship(back_populates="revisions")
