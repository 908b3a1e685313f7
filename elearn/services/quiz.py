"""Quiz attempts: the draw, showing questions without answers, submission and scoring,
feedback.

Life of an attempt: :func:`current_attempt` creates it when the quiz is shown (the random
draw is stored on it in ``question_ids`` and the random order of each drawn question's
choices in ``choice_orders``, so a reload shows the same questions in the same order, and
no position — first choice or any other — tells where the key is); the learner
submits it once with :func:`submit_attempt`; only submitted attempts count against
``max_attempts``.  At most one unsubmitted attempt exists per enrolment and unit.

Passing does not lock a quiz: a learner may use their remaining attempts to improve the best
score.  A quiz is locked only while a round of attempts is used up (409
``attempts_exhausted``): a learner who has not passed gets a new round after a wait or when a
trainer opens it (:mod:`elearn.services.attempt_rounds`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.orm.attributes import set_committed_value

from elearn.db import utcnow
from elearn.errors import APIError
from elearn.events import AttemptSubmitted, UnitOpened, publish
from elearn.models.accounts import User
from elearn.models.courses import Question, Unit
from elearn.models.learning import AttemptAnswer, Enrolment, QuizAttempt, UnitProgress
from elearn.services.attempt_rounds import next_round_at
from elearn.services.enrolment_lock import lock_enrolment
from elearn.services.i18n_text import text_in
from elearn.services.progress import reaches, update_completion
from elearn.services.scoring import InvalidResponse, check_response, score_response

_draw_random = random.SystemRandom()


class QuizLocked(APIError):
    """409 ``attempts_exhausted``: every attempt of this round of the quiz has been submitted;
    ``details.next_round_at`` says when a new round opens (null after a pass)."""

    def __init__(self, message: str = "No attempts left for this quiz.",
                 next_round_at: datetime | None = None):
        super().__init__(409, message, code="attempts_exhausted",
                         details={"next_round_at": next_round_at.isoformat()
                                  if next_round_at else None})


@dataclass
class QuizStatus:
    """Where the learner stands with one unit's quiz."""

    attempts_used: int
    attempts_left: int | None  # None = unlimited
    max_attempts: int  # 0 = unlimited
    best_score: float | None
    passed: bool
    pass_mark: float
    next_round_at: datetime | None = None  # locked without a pass: when a new round opens

    @property
    def locked(self) -> bool:
        return self.attempts_left == 0


@dataclass
class QuestionFeedback:
    """Feedback on one answered question, texts in the requested language.  Correct answers
    are not revealed (the learner may still have attempts left)."""

    key: str
    type: str
    prompt: str
    response: Any
    correct: bool
    points: float
    max_points: float
    feedback: str  # the question's "correct" or "incorrect" text
    choice_feedback: list[dict[str, str]] = field(default_factory=list)  # chosen choices only


@dataclass
class AttemptFeedback:
    """A submitted attempt with its score and per-question feedback."""

    attempt_id: int
    unit_key: str
    number: int
    submitted_at: datetime | None
    score_raw: float
    score_max: float
    score_scaled: float
    passed: bool
    pass_mark: float
    questions: list[QuestionFeedback]


def _check_unit(enrolment: Enrolment, unit: Unit) -> None:
    if unit.version_id != enrolment.version_id:
        raise APIError(404, "No such unit in this course.", code="unit_not_found")


# The reads every quiz view and submission makes, built once (a request binds the ids only).
_PROGRESS_ROW = select(UnitProgress).where(UnitProgress.enrolment_id == bindparam("enrolment"),
                                           UnitProgress.unit_id == bindparam("unit"))
_SUBMITTED = (select(func.count(), func.max(QuizAttempt.submitted_at))
              .where(QuizAttempt.enrolment_id == bindparam("enrolment"),
                     QuizAttempt.unit_id == bindparam("unit"),
                     QuizAttempt.submitted_at.is_not(None)))
_SUBMITTED_SINCE = _SUBMITTED.where(QuizAttempt.submitted_at >= bindparam("since"))
_OPEN_ATTEMPT = (select(QuizAttempt)
                 .where(QuizAttempt.enrolment_id == bindparam("enrolment"),
                        QuizAttempt.unit_id == bindparam("unit"),
                        QuizAttempt.submitted_at.is_(None))
                 .order_by(QuizAttempt.number.desc()).limit(1))


def _progress_row(session: Session, enrolment: Enrolment, unit: Unit) -> UnitProgress | None:
    return session.scalar(_PROGRESS_ROW, {"enrolment": enrolment.id, "unit": unit.id})


def _round(session: Session, enrolment: Enrolment, unit: Unit,
           row: UnitProgress | None) -> tuple[int, datetime | None]:
    """Attempts submitted in the current round, and when the last of them was submitted."""
    ids = {"enrolment": enrolment.id, "unit": unit.id}
    if row is not None and row.round_started_at is not None:
        used, last = session.execute(_SUBMITTED_SINCE,
                                     {**ids, "since": row.round_started_at}).one()
    else:
        used, last = session.execute(_SUBMITTED, ids).one()
    return used or 0, last


def _used(session: Session, enrolment: Enrolment, unit: Unit) -> int:
    return _round(session, enrolment, unit, _progress_row(session, enrolment, unit))[0]


def quiz_status(session: Session, enrolment: Enrolment, unit: Unit) -> QuizStatus:
    """Attempts used and left in this round, best score, whether the quiz was passed and,
    when a round is used up without a pass, when the next one opens.  Reads only."""
    _check_unit(enrolment, unit)
    row = _progress_row(session, enrolment, unit)
    used, last = _round(session, enrolment, unit, row)
    passed = row is not None and row.quiz_passed_at is not None
    return QuizStatus(
        attempts_used=used,
        attempts_left=None if not unit.max_attempts else max(unit.max_attempts - used, 0),
        max_attempts=unit.max_attempts, best_score=row.best_score if row else None,
        passed=passed, pass_mark=unit.pass_mark,
        next_round_at=next_round_at(unit.max_attempts, used, passed, last))


def open_new_round(session: Session, enrolment: Enrolment, unit: Unit, now: datetime) -> bool:
    """Start a new round of attempts for this learner's quiz now (a trainer's decision, or
    the wait is over).  Only a used-up round of a quiz not passed is replaced; returns
    whether a round was opened.  The caller holds the enrolment lock."""
    row = _progress_row(session, enrolment, unit)
    if row is None or not unit.max_attempts or row.quiz_passed_at is not None:
        return False
    used, _last = _round(session, enrolment, unit, row)
    if used < unit.max_attempts:
        return False
    row.round_started_at = now
    session.flush()
    return True


def _open_attempt(session: Session, enrolment: Enrolment, unit: Unit) -> QuizAttempt | None:
    return session.scalar(_OPEN_ATTEMPT, {"enrolment": enrolment.id, "unit": unit.id})


def _draw(unit: Unit) -> list[Question]:
    """The questions of a new attempt: all of them in the authored order, or with
    ``draw_count`` a random sample (shown in the authored order)."""
    questions = list(unit.questions)
    if unit.draw_count and unit.draw_count < len(questions):
        questions = sorted(_draw_random.sample(questions, unit.draw_count),
                           key=lambda q: q.position)
    return questions


def shuffles_choices(question: Question) -> bool:
    """Whether ``question`` shows its choices in a new random order on every attempt: single
    and multiple choice do unless the course file says ``shuffle: false`` (e.g. when a
    choice refers to the others)."""
    return (question.type in ("single_choice", "multiple_choice")
            and question.data.get("shuffle", True) is not False)


def _choice_orders(questions: list[Question]) -> dict[str, list[str]]:
    """A uniformly random order of the choices of every drawn question that shuffles, kept on
    the attempt so every page, the API and the feedback show the same order.  A learner
    cannot rely on where the key stands: every position is equally likely."""
    orders = {}
    for question in questions:
        if shuffles_choices(question):
            ids = [str(c["id"]) for c in question.data.get("choices", [])]
            orders[str(question.id)] = _draw_random.sample(ids, len(ids))
    return orders


def shown_choices(question: Question, attempt: QuizAttempt | None) -> list[dict[str, Any]]:
    """The question's choices (as in the course file) in the order ``attempt`` shows them;
    as written without an attempt (trainer preview) or a stored order (older attempts)."""
    choices = list(question.data.get("choices", []))
    order = (attempt.choice_orders or {}).get(str(question.id)) if attempt is not None else None
    if not order:
        return choices
    rank = {choice_id: index for index, choice_id in enumerate(order)}
    return sorted(choices, key=lambda c: rank.get(str(c["id"]), len(rank)))


def current_attempt(session: Session, enrolment: Enrolment, unit: Unit) -> QuizAttempt:
    """The open (unsubmitted) attempt of this quiz, created with its stored draw when there
    is none.  Call it when the quiz is shown; submit the returned attempt's ``id``.

    Raises :class:`QuizLocked` (409 ``attempts_exhausted``) when every allowed attempt was
    submitted, and 404 when ``unit`` is not in the enrolment's version.
    """
    _check_unit(enrolment, unit)
    attempt = _open_attempt(session, enrolment, unit)
    if attempt is not None:
        return attempt
    now = utcnow()
    lock_enrolment(session, enrolment, now)
    attempt = _open_attempt(session, enrolment, unit)  # created meanwhile by another request?
    if attempt is not None:
        return attempt
    row = _progress_row(session, enrolment, unit)
    used, last = _round(session, enrolment, unit, row)
    if unit.max_attempts and used >= unit.max_attempts:
        passed = row is not None and row.quiz_passed_at is not None
        opens = next_round_at(unit.max_attempts, used, passed, last)
        if opens is None or now < opens or not open_new_round(session, enrolment, unit, now):
            raise QuizLocked(next_round_at=opens)
    highest = session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.unit_id == unit.id)) or 0
    drawn = _draw(unit)
    attempt = QuizAttempt(enrolment_id=enrolment.id, unit_id=unit.id, number=highest + 1,
                          question_ids=[q.id for q in drawn],
                          choice_orders=_choice_orders(drawn), started_at=now)
    session.add(attempt)
    session.flush()
    return attempt


def attempt_questions(session: Session, attempt: QuizAttempt) -> list[Question]:
    """The questions of ``attempt`` (its stored draw), in the order shown.  Questions this
    session already holds are not read again (published content never changes); the others
    come in one query."""
    by_id: dict[int, Question] = {}
    for qid in attempt.question_ids:
        held = session.identity_map.get(identity_key(Question, qid))
        if held is not None and not inspect(held).expired_attributes:
            by_id[qid] = held
    missing = [qid for qid in attempt.question_ids if qid not in by_id]
    if missing:
        by_id.update((q.id, q) for q in session.scalars(
            select(Question).where(Question.id.in_(missing))))
    return [by_id[qid] for qid in attempt.question_ids if qid in by_id]


def _shuffled(entries: list[dict[str, Any]], seed: str) -> list[dict[str, Any]]:
    """A stable shuffle (same order on every reload of the attempt) that never shows the
    correct order when there is another."""
    shuffled = list(entries)
    random.Random(seed).shuffle(shuffled)
    if len(shuffled) > 1 and [e["id"] for e in shuffled] == [e["id"] for e in entries]:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def present_question(question: Question, language: str,
                     attempt: QuizAttempt | None = None) -> dict[str, Any]:
    """A question as shown to the learner, WITHOUT correct answers or feedback:
    ``{"key", "type", "points", "prompt"}`` plus, by type, ``choices`` [{id, text}]
    (single/multiple choice, in the attempt's stored order), ``sources`` and ``targets``
    [{id, text}] (matching: answer ``{source id: target id}``; targets shuffled) or ``items``
    [{id, text}] (ordering; shuffled).  Shuffles are stable per attempt."""
    data = question.data
    seed = f"{attempt.id if attempt is not None else 0}:{question.id}"
    shown: dict[str, Any] = {"key": question.question_key, "type": question.type,
                             "points": question.points,
                             "prompt": text_in(data.get("prompt"), language)}
    if question.type in ("single_choice", "multiple_choice"):
        shown["choices"] = [{"id": str(c["id"]), "text": text_in(c.get("text"), language)}
                            for c in shown_choices(question, attempt)]
    elif question.type == "matching":
        pairs = data.get("pairs", [])
        shown["sources"] = [{"id": str(p["id"]), "text": text_in(p.get("source"), language)}
                            for p in pairs]
        shown["targets"] = [{"id": str(p["id"]), "text": text_in(p.get("target"), language)}
                            for p in _shuffled(pairs, seed)]
    elif question.type == "ordering":
        shown["items"] = [{"id": str(i["id"]), "text": text_in(i.get("text"), language)}
                          for i in _shuffled(data.get("items", []), seed)]
    return shown


def _invalid(fields: dict[str, list[str]]) -> APIError:
    return APIError(422, "Some answers are invalid; see details.fields.",
                    details={"fields": fields})


def _checked_answers(unit: Unit, questions: list[Question],
                     answers: Any) -> dict[int, Any]:
    """Validate every answer; returns {question id: normalised response} or raises 422
    naming each offending ``answers.<question key>``."""
    if not isinstance(answers, dict):
        raise _invalid({"answers": ["Send the answers as an object {question key: answer}."]})
    in_draw = {q.question_key: q for q in questions}
    errors: dict[str, list[str]] = {}
    checked: dict[int, Any] = {}
    for key, response in answers.items():
        question = in_draw.get(key)
        if question is None:
            # The unit's other questions are read only to word this error.
            in_unit = {q.question_key for q in unit.questions}
            errors[f"answers.{key}"] = ["This question is not part of this attempt."
                                        if key in in_unit else "Unknown question."]
            continue
        try:
            checked[question.id] = check_response(question.data, response)
        except InvalidResponse as exc:
            errors[f"answers.{key}"] = [str(exc)]
    for key, question in in_draw.items():
        if key not in answers:
            errors[f"answers.{key}"] = ["Answer this question."]
    if errors:
        raise _invalid(errors)
    return checked


def submit_attempt(session: Session, enrolment: Enrolment, unit: Unit, attempt_id: Any,
                   answers: Any) -> QuizAttempt:
    """Score and store the learner's answers to the open attempt ``attempt_id``.

    ``answers`` maps each question key of the attempt's draw to a response (shapes in
    :mod:`elearn.services.scoring`); every drawn question must be answered.  Stores one
    AttemptAnswer per question, the score (raw, max, scaled) and ``passed`` (scaled reaches
    the unit's ``pass_mark``), raises the unit's best score, records the quiz as passed, then
    publishes AttemptSubmitted followed by any completion events.

    Errors (nothing is stored): 422 naming ``attempt_id`` (not an open attempt of this quiz)
    or ``answers.<key>`` (unknown question, question not in this attempt's draw, wrong type,
    unknown/duplicate/too many choices, incomplete matching or ordering, unanswered);
    409 ``attempt_already_submitted`` when the attempt was already submitted (also when two
    submissions race: exactly one wins); 409 ``attempts_exhausted`` when no attempts are left.
    """
    _check_unit(enrolment, unit)
    if isinstance(attempt_id, bool) or not isinstance(attempt_id, int) \
            or not 0 < attempt_id < 2**31:
        raise _invalid({"attempt_id": ["Send the id of the attempt being answered."]})
    now = utcnow()
    lock_enrolment(session, enrolment, now)
    attempt = session.get(QuizAttempt, attempt_id, populate_existing=True)
    if attempt is None or attempt.enrolment_id != enrolment.id or attempt.unit_id != unit.id:
        raise _invalid({"attempt_id": ["No such attempt of this quiz."]})
    if attempt.submitted_at is not None:
        if unit.max_attempts and _used(session, enrolment, unit) >= unit.max_attempts:
            raise QuizLocked("This attempt was already submitted and no attempts are left.")
        raise APIError(409, "This attempt was already submitted.",
                       code="attempt_already_submitted")
    if unit.max_attempts and _used(session, enrolment, unit) >= unit.max_attempts:
        raise QuizLocked()
    questions = attempt_questions(session, attempt)
    checked = _checked_answers(unit, questions, answers)

    # Claim the attempt: only one transaction can move it from open to submitted.
    claimed = session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id,
                                  QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise APIError(409, "This attempt was already submitted.",
                       code="attempt_already_submitted")
    # The attempt was read after the lock; only ``submitted_at`` changed, to ``now``.
    set_committed_value(attempt, "submitted_at", now)
    raw = maximum = 0.0
    answer_rows = []
    for question in questions:
        score = score_response(question.data, question.points, checked[question.id])
        answer_rows.append({"attempt_id": attempt.id, "question_id": question.id,
                            "response": checked[question.id], "correct": score.correct,
                            "points": score.points})
        raw += score.points
        maximum += question.points
    # One executemany for all answers, not one INSERT per question (SQLite cannot batch
    # ORM inserts that return keys), so a submission costs the same queries for any quiz size.
    session.execute(insert(AttemptAnswer), answer_rows)
    scaled = raw / maximum if maximum else 0.0
    attempt.score_raw, attempt.score_max, attempt.score_scaled = raw, maximum, scaled
    attempt.passed = reaches(scaled, unit.pass_mark)

    progress = _progress_row(session, enrolment, unit)
    if progress is None:  # answered without opening the unit page first: it was seen now
        progress = UnitProgress(enrolment_id=enrolment.id, unit_id=unit.id, first_viewed_at=now)
        session.add(progress)
        session.flush()
        publish(session, UnitOpened(enrolment_id=enrolment.id, at=now, unit_id=unit.id))
    if progress.best_score is None or scaled > progress.best_score:
        progress.best_score = scaled
    if attempt.passed and progress.quiz_passed_at is None:
        progress.quiz_passed_at = now
    session.flush()
    publish(session, AttemptSubmitted(enrolment_id=enrolment.id, at=now, attempt_id=attempt.id))
    update_completion(session, enrolment, now)
    return attempt


def attempts_of(session: Session, enrolment: Enrolment, unit: Unit) -> list[QuizAttempt]:
    """The submitted attempts of this quiz, oldest first."""
    _check_unit(enrolment, unit)
    return list(session.scalars(select(QuizAttempt).where(
        QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.unit_id == unit.id,
        QuizAttempt.submitted_at.is_not(None)).order_by(QuizAttempt.number)))


def attempt_of_user(session: Session, user: User, attempt_id: int) -> QuizAttempt:
    """A submitted attempt belonging to ``user``; 404 for anyone else's or an unknown id (so
    ids of other learners' attempts reveal nothing)."""
    if not 0 < attempt_id < 2**31:
        raise APIError(404, "No such attempt.", code="attempt_not_found")
    attempt = session.scalar(select(QuizAttempt).join(Enrolment).where(
        QuizAttempt.id == attempt_id, Enrolment.user_id == user.id,
        QuizAttempt.submitted_at.is_not(None)))
    if attempt is None:
        raise APIError(404, "No such attempt.", code="attempt_not_found")
    return attempt


def attempt_feedback(session: Session, attempt: QuizAttempt, language: str) -> AttemptFeedback:
    """Score and per-question feedback of a submitted attempt in ``language``: correct or
    not, points, the question's feedback text and the feedback of the choices picked."""
    if attempt.submitted_at is None:
        raise APIError(409, "This attempt has not been submitted.", code="attempt_open")
    answers = {a.question_id: a for a in attempt.answers}
    items = []
    for question in attempt_questions(session, attempt):
        answer = answers.get(question.id)
        if answer is None:
            continue
        data = question.data
        chosen = answer.response if isinstance(answer.response, list) else [answer.response]
        choice_feedback = [
            {"id": str(c["id"]), "text": text_in(c.get("text"), language),
             "feedback": text_in(c["feedback"], language)}
            for c in shown_choices(question, attempt)
            if c.get("feedback") and str(c["id"]) in chosen
        ] if question.type in ("single_choice", "multiple_choice") else []
        verdict = "correct" if answer.correct else "incorrect"
        items.append(QuestionFeedback(
            key=question.question_key, type=question.type,
            prompt=text_in(data.get("prompt"), language), response=answer.response,
            correct=answer.correct, points=answer.points, max_points=question.points,
            feedback=text_in((data.get("feedback") or {}).get(verdict), language),
            choice_feedback=choice_feedback))
    return AttemptFeedback(
        attempt_id=attempt.id, unit_key=attempt.unit.unit_key, number=attempt.number,
        submitted_at=attempt.submitted_at, score_raw=attempt.score_raw or 0.0,
        score_max=attempt.score_max or 0.0, score_scaled=attempt.score_scaled or 0.0,
        passed=bool(attempt.passed), pass_mark=attempt.unit.pass_mark, questions=items)
