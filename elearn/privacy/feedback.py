"""Accessibility feedback (Act 306/2019 § 15): anyone, signed in or not, may report content
they cannot use; the organisation must answer within 14 days.  This module checks and
stores the feedback and works out the deadlines; the pages only parse and render."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.privacy.models import AccessibilityFeedback

ANSWER_WITHIN_DAYS = 14


def N_(message: str) -> str:
    """Marks a message id for translation where it is defined; the page translates it."""
    return message


MESSAGE_MIN, MESSAGE_MAX = 10, 5000
CONTACT_MAX, PAGE_MAX = 254, 500


@dataclass(frozen=True)
class FeedbackProblem:
    field: str
    message: str  # message id, translated by the page
    values: dict


def check(message: str, contact: str, page: str) -> list[FeedbackProblem]:
    """What is wrong with a submission (empty when nothing)."""
    problems = []
    if len(message) < MESSAGE_MIN:
        problems.append(FeedbackProblem("message", N_("Write at least %(min)s characters."),
                                        {"min": MESSAGE_MIN}))
    elif len(message) > MESSAGE_MAX:
        problems.append(FeedbackProblem("message", N_("Write at most %(max)s characters."),
                                        {"max": MESSAGE_MAX}))
    if len(contact) > CONTACT_MAX:
        problems.append(FeedbackProblem("contact", N_("Write at most %(max)s characters."),
                                        {"max": CONTACT_MAX}))
    if len(page) > PAGE_MAX:
        problems.append(FeedbackProblem("page", N_("Write at most %(max)s characters."),
                                        {"max": PAGE_MAX}))
    for name, value in (("contact", contact), ("page", page)):
        if any(ord(ch) < 32 for ch in value):
            problems.append(FeedbackProblem(name, N_("Line breaks are not allowed here."), {}))
    return problems


def store(session: Session, *, message: str, contact: str, page: str, language: str,
          user_id: int | None) -> AccessibilityFeedback:
    """Save a checked submission (flushes)."""
    item = AccessibilityFeedback(received_at=utcnow(), message=message, contact=contact,
                                 page=page, language=language, user_id=user_id)
    session.add(item)
    session.flush()
    return item


def answer_by(received_at: datetime) -> date:
    """The last day of the 14 the organisation has for its answer."""
    return (received_at + timedelta(days=ANSWER_WITHIN_DAYS)).date()


def days_left(received_at: datetime, today: date | None = None) -> int:
    """Days left to answer (negative when late)."""
    return (answer_by(received_at) - (today or utcnow().date())).days


def open_items(session: Session) -> list[AccessibilityFeedback]:
    """Unanswered feedback, oldest (closest to its deadline) first."""
    return list(session.scalars(select(AccessibilityFeedback)
                                .where(AccessibilityFeedback.answered_at.is_(None))
                                .order_by(AccessibilityFeedback.received_at)))


def answered_items(session: Session, limit: int = 50) -> list[AccessibilityFeedback]:
    return list(session.scalars(select(AccessibilityFeedback)
                                .where(AccessibilityFeedback.answered_at.is_not(None))
                                .order_by(AccessibilityFeedback.answered_at.desc())
                                .limit(limit)))


def mark_answered(session: Session, item: AccessibilityFeedback, admin_id: int) -> None:
    if item.answered_at is None:
        item.answered_at = utcnow()
        item.answered_by_id = admin_id
        session.flush()
