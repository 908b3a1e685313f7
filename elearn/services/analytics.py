"""Quiz analytics for trainers: aggregates over the scored answers of one course version.

Only aggregates leave this module, and any figure backed by fewer than
``ANALYTICS_MIN_LEARNERS`` (5) distinct learners is withheld (``None`` plus the figure's name
in ``suppressed``) so that no trainer can read one person's answers out of a small group:

* per question: attempts, share correct on the learner's first attempt at it, and the
  distribution of answers are backed by the learners who answered the question; the most
  common wrong answer is backed by the learners who answered it wrongly at least once;
* per quiz: the pass rate is backed by the learners who submitted an attempt; the mean
  number of attempts to pass by the learners who passed.

Whether an answer is correct is read from the stored ``AttemptAnswer.correct`` written by
the learning service; nothing is re-scored here.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from elearn.models import (AttemptAnswer, Course, CourseVersion, Enrolment, QuizAttempt,
                           Unit)

MIN_LEARNERS = 5
SUPPRESSED_TEXT = "fewer than 5 learners"
LANGS = ("fi", "sv", "en")


@dataclass
class DistributionEntry:
    """One bar of an answer distribution: a choice, a pair, or ordering right/wrong."""

    key: str
    label: dict[str, str]
    count: int
    share: float  # of the answers to the question


@dataclass
class QuestionStats:
    key: str
    type: str
    position: int
    prompt: dict[str, str]
    attempts: int | None = None
    first_attempt_correct_share: float | None = None
    distribution: list[DistributionEntry] | None = None
    distribution_kind: str = ""  # choices, pairs_correct, ordering
    most_common_wrong: dict[str, str] | None = None  # text per language
    most_common_wrong_response: Any = None
    most_common_wrong_count: int | None = None
    suppressed: list[str] = field(default_factory=list)


@dataclass
class QuizStats:
    unit_key: str
    position: int
    title: dict[str, str]
    pass_rate: float | None = None
    mean_attempts_to_pass: float | None = None
    questions: list[QuestionStats] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)


@dataclass
class VersionStats:
    course: str
    version: int
    title: dict[str, str]
    min_learners: int
    quizzes: list[QuizStats]


def find_version(session: Session, slug: str, number: int) -> CourseVersion | None:
    return session.scalar(select(CourseVersion).join(Course)
                          .where(Course.slug == slug, CourseVersion.number == number)
                          .options(selectinload(CourseVersion.units).selectinload(Unit.questions)))


def versions(session: Session) -> list[CourseVersion]:
    return list(session.scalars(select(CourseVersion).join(Course)
                                .order_by(Course.slug, CourseVersion.number)))


def _map(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {lang: str(value.get(lang) or next(iter(value.values()), "")) for lang in LANGS}
    return dict.fromkeys(LANGS, "" if value is None else str(value))


def _canonical(kind: str, response: Any) -> Any:
    """One form per distinct answer, so equal answers count together."""
    if kind == "multiple_choice" and isinstance(response, list):
        return sorted(str(item) for item in response)
    return response


def describe_response(data: dict[str, Any], response: Any) -> dict[str, str]:
    """A learner-readable text of ``response`` in each language (for the wrong answer)."""
    kind = data.get("type")
    if kind in ("single_choice", "multiple_choice"):
        texts = {c.get("id"): _map(c.get("text")) for c in data.get("choices", [])}
        ids = response if isinstance(response, list) else [response]
        return {lang: "; ".join(texts.get(i, _map(i))[lang] for i in ids) for lang in LANGS}
    if kind == "true_false":
        words = {True: {"fi": "tosi", "sv": "sant", "en": "true"},
                 False: {"fi": "epätosi", "sv": "falskt", "en": "false"}}
        return words.get(response, _map(json.dumps(response)))
    if kind == "matching" and isinstance(response, dict):
        sources = {p.get("id"): _map(p.get("source")) for p in data.get("pairs", [])}
        targets = {p.get("id"): _map(p.get("target")) for p in data.get("pairs", [])}
        return {lang: "; ".join(f"{sources.get(s, _map(s))[lang]} → {targets.get(t, _map(t))[lang]}"
                                for s, t in sorted(response.items())) for lang in LANGS}
    if kind == "ordering" and isinstance(response, list):
        items = {i.get("id"): _map(i.get("text")) for i in data.get("items", [])}
        return {lang: " → ".join(items.get(i, _map(i))[lang] for i in response) for lang in LANGS}
    return _map(json.dumps(response, ensure_ascii=False))


def _distribution(data: dict[str, Any], answers: list[tuple[int, Any, bool]]) \
        -> tuple[str, list[DistributionEntry]]:
    kind = data.get("type")
    total = len(answers) or 1
    if kind in ("single_choice", "multiple_choice"):
        counts: Counter = Counter()
        for _user, response, _correct in answers:
            chosen = response if isinstance(response, list) else [response]
            counts.update(set(str(c) for c in chosen))
        return "choices", [DistributionEntry(str(c.get("id")), _map(c.get("text")),
                                             counts[str(c.get("id"))],
                                             counts[str(c.get("id"))] / total)
                           for c in data.get("choices", [])]
    if kind == "true_false":
        counts = Counter(bool(response) for _u, response, _c in answers
                         if isinstance(response, bool))
        return "choices", [DistributionEntry(str(value).lower(), describe_response(data, value),
                                             counts[value], counts[value] / total)
                           for value in (True, False)]
    if kind == "matching":
        entries = []
        for pair in data.get("pairs", []):
            pid = pair.get("id")
            right = sum(1 for _u, response, _c in answers
                        if isinstance(response, dict) and response.get(pid) == pid)
            label = {lang: f"{_map(pair.get('source'))[lang]} → {_map(pair.get('target'))[lang]}"
                     for lang in LANGS}
            entries.append(DistributionEntry(str(pid), label, right, right / total))
        return "pairs_correct", entries
    right = sum(1 for _u, _r, correct in answers if correct)
    return "ordering", [
        DistributionEntry("correct", {"fi": "oikea järjestys", "sv": "rätt ordning",
                                      "en": "correct order"}, right, right / total),
        DistributionEntry("incorrect", {"fi": "väärä järjestys", "sv": "fel ordning",
                                        "en": "wrong order"}, len(answers) - right,
                          (len(answers) - right) / total)]


def version_stats(session: Session, version: CourseVersion, *,
                  min_learners: int = MIN_LEARNERS) -> VersionStats:
    """Aggregates for every quiz and question of ``version`` (two queries for the records)."""
    answer_rows = session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.response, AttemptAnswer.correct,
               QuizAttempt.number, Enrolment.user_id)
        .join(QuizAttempt, QuizAttempt.id == AttemptAnswer.attempt_id)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(Enrolment.version_id == version.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.number)).all()
    attempt_rows = session.execute(
        select(QuizAttempt.unit_id, QuizAttempt.number, QuizAttempt.passed, Enrolment.user_id)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .where(Enrolment.version_id == version.id, QuizAttempt.submitted_at.is_not(None))).all()

    by_question: dict[int, list[tuple[int, Any, bool, int]]] = defaultdict(list)
    for question_id, response, correct, number, user_id in answer_rows:
        by_question[question_id].append((user_id, response, bool(correct), number))
    by_unit: dict[int, list[tuple[int, int, bool]]] = defaultdict(list)
    for unit_id, number, passed, user_id in attempt_rows:
        by_unit[unit_id].append((user_id, number, bool(passed)))

    quizzes = []
    for unit in version.units:
        quiz = QuizStats(unit_key=unit.unit_key, position=unit.position, title=_map(unit.title))
        attempts = by_unit.get(unit.id, [])
        attempted = {user for user, _n, _p in attempts}
        first_pass: dict[int, int] = {}
        for user, number, passed in attempts:
            if passed and (user not in first_pass or number < first_pass[user]):
                first_pass[user] = number
        if len(attempted) >= min_learners:
            quiz.pass_rate = len(first_pass) / len(attempted)
        else:
            quiz.suppressed.append("pass_rate")
        if len(first_pass) >= min_learners:
            quiz.mean_attempts_to_pass = sum(first_pass.values()) / len(first_pass)
        else:
            quiz.suppressed.append("mean_attempts_to_pass")
        for question in unit.questions:
            quiz.questions.append(_question_stats(question, by_question.get(question.id, []),
                                                  min_learners))
        quizzes.append(quiz)
    return VersionStats(course=version.course.slug, version=version.number,
                        title=_map(version.title), min_learners=min_learners, quizzes=quizzes)


def _question_stats(question, rows: list[tuple[int, Any, bool, int]],
                    min_learners: int) -> QuestionStats:
    data = question.data or {}
    stats = QuestionStats(key=question.question_key, type=question.type,
                          position=question.position, prompt=_map(data.get("prompt")))
    learners = {user for user, *_rest in rows}
    if len(learners) < min_learners:
        stats.suppressed = ["attempts", "first_attempt_correct_share", "distribution",
                            "most_common_wrong"]
        return stats
    stats.attempts = len(rows)
    first: dict[int, tuple[int, bool]] = {}
    for user, _response, correct, number in rows:
        if user not in first or number < first[user][0]:
            first[user] = (number, correct)
    stats.first_attempt_correct_share = sum(1 for _n, ok in first.values() if ok) / len(first)
    stats.distribution_kind, stats.distribution = _distribution(
        {**data, "type": question.type}, [(u, r, c) for u, r, c, _n in rows])
    wrong = [(user, _canonical(question.type, response)) for user, response, correct, _n in rows
             if not correct]
    if len({user for user, _r in wrong}) >= min_learners:
        counts = Counter(json.dumps(response, sort_keys=True) for _u, response in wrong)
        text, count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        response = json.loads(text)
        stats.most_common_wrong_response = response
        stats.most_common_wrong = describe_response({**data, "type": question.type}, response)
        stats.most_common_wrong_count = count
    else:
        stats.suppressed.append("most_common_wrong")
    return stats


CSV_HEADER = ("unit", "question", "type", "attempts", "first_attempt_correct_share",
              "answer_distribution", "most_common_wrong_answer", "most_common_wrong_count",
              "quiz_pass_rate", "quiz_mean_attempts_to_pass")


def csv_rows(stats: VersionStats, language: str) -> list[list[str]]:
    """One row per question; withheld figures read ``fewer than 5 learners``."""
    hidden = SUPPRESSED_TEXT if stats.min_learners == MIN_LEARNERS else \
        f"fewer than {stats.min_learners} learners"

    def show(value: Any, name: str, suppressed: list[str], fmt=str) -> str:
        if name in suppressed:
            return hidden
        return "" if value is None else fmt(value)

    rows = []
    for quiz in stats.quizzes:
        for q in quiz.questions:
            distribution = "; ".join(f"{entry.label[language]}: {entry.count}"
                                     for entry in (q.distribution or []))
            rows.append([
                quiz.unit_key, q.key, q.type, show(q.attempts, "attempts", q.suppressed),
                show(q.first_attempt_correct_share, "first_attempt_correct_share", q.suppressed,
                     lambda v: f"{v:.3f}"),
                show(distribution, "distribution", q.suppressed),
                show(q.most_common_wrong and q.most_common_wrong[language], "most_common_wrong",
                     q.suppressed),
                show(q.most_common_wrong_count, "most_common_wrong", q.suppressed),
                show(quiz.pass_rate, "pass_rate", quiz.suppressed, lambda v: f"{v:.3f}"),
                show(quiz.mean_attempts_to_pass, "mean_attempts_to_pass", quiz.suppressed,
                     lambda v: f"{v:.2f}")])
    return rows
