"""A learner who answers by pattern, without reading, must not get through the quizzes.

For every course in ``courses/`` the test plays, through the learner API, a *pattern
learner*: the first choice shown on single choice, the first N shown on multiple choice
(N = the number of keys), "false" on every true/false question, matching and ordering as
shown.  Over many attempts of every unit quiz it fails when

- the first choice shown is the key (the first N shown are the keys) more often than a
  fair shuffle allows: the count of such hits is compared with the Poisson-binomial
  distribution of hits under a fair shuffle (each presentation hits with probability
  1/choices, or 1/C(choices, N)), one-sided, at ``ALPHA_PLAYED``;
- "false" is nearly always right: the count of the course's true/false questions whose
  answer is false is compared with Binomial(questions, 1/2), one-sided, at
  ``ALPHA_CONTENT``; and the same for "true", since either habit would pay;
- the pattern learner passes more than one quiz attempt in ten.

Levels: played presentations depend on the random shuffle of each run, so their level is
1 in 10,000 (a false alarm about once in 10,000 runs); a key shown first on every attempt
is beyond that by many orders of magnitude.  True/false answers are fixed by the files and
do not change between runs, so the usual 5 % level costs no false alarms from chance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from elearn import PROJECT_ROOT
from elearn.content.importer import import_courses
from elearn.content.loader import find_course_dirs
from elearn.models import Course, CourseVersion, Question, Unit

COURSES = PROJECT_ROOT / "courses"
ATTEMPTS_PER_QUIZ = 30  # submitted attempts of every unit quiz, over as many learners as needed
ATTEMPTS_PER_LEARNER = 3  # for quizzes without an attempt limit
ALPHA_PLAYED = 1e-4
ALPHA_CONTENT = 0.05
MAX_PASS_SHARE = 0.1


def poisson_binomial_upper_tail(probabilities: list[float], hits: int) -> float:
    """P(X >= hits) for X the number of successes of independent trials with the given
    success probabilities (exact, by dynamic programming)."""
    distribution = [1.0]
    for p in probabilities:
        step = [0.0] * (len(distribution) + 1)
        for successes, weight in enumerate(distribution):
            step[successes] += weight * (1 - p)
            step[successes + 1] += weight * p
        distribution = step
    return sum(distribution[hits:])


def binomial_upper_tail(trials: int, hits: int) -> float:
    """P(X >= hits) for X ~ Binomial(trials, 1/2)."""
    return sum(math.comb(trials, k) for k in range(hits, trials + 1)) / 2 ** trials


@dataclass
class Tally:
    """What the pattern learner met in one course."""

    hit_probabilities: list[float] = field(default_factory=list)  # choice presentations
    single_hits: int = 0
    single_shown: int = 0
    multiple_hits: int = 0
    multiple_shown: int = 0
    false_right: int = 0
    true_false_shown: int = 0
    attempts: dict[str, int] = field(default_factory=dict)  # unit key -> attempts
    passes: dict[str, int] = field(default_factory=dict)  # unit key -> passed attempts

    @property
    def hits(self) -> int:
        return self.single_hits + self.multiple_hits


def _pattern_answer(question: dict[str, Any], keys: int) -> Any:
    kind = question["type"]
    if kind == "single_choice":
        return question["choices"][0]["id"]
    if kind == "multiple_choice":
        return [choice["id"] for choice in question["choices"][:keys]]
    if kind == "true_false":
        return False
    if kind == "matching":
        return {source["id"]: target["id"]
                for source, target in zip(question["sources"], question["targets"])}
    return [item["id"] for item in question["items"]]


def course_slugs() -> list[str]:
    return sorted(folder.name for folder in find_course_dirs(COURSES))


@pytest.fixture
def app_overrides(tmp_path):
    return {"COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.fixture
def imported(app, db_session, tmp_path):
    import_courses(db_session, COURSES, media_dir=tmp_path / "media")
    db_session.commit()
    return db_session


def _bank(session, slug: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(unit key, question key) -> the question as written, for the newest version."""
    version = session.scalar(select(CourseVersion).join(Course).where(Course.slug == slug)
                             .order_by(CourseVersion.number.desc()).limit(1))
    rows = session.execute(select(Unit.unit_key, Question).join(Question.unit)
                           .where(Unit.version_id == version.id)).all()
    return {(unit_key, question.question_key): question.data for unit_key, question in rows}


def _correct(data: dict[str, Any]) -> list[str]:
    return [str(c["id"]) for c in data.get("choices", []) if c.get("correct") is True]


def play(client_as, slug: str, bank: dict[tuple[str, str], dict[str, Any]]) -> Tally:
    tally = Tally()
    learners: list[Any] = []

    def learner(index: int):
        while len(learners) <= index:
            client = client_as("learner")
            response = client.post(f"/api/courses/{slug}/enrolment", json={})
            assert response.status_code == 201, response.get_json()
            learners.append(client)
        return learners[index]

    course = learner(0).get(f"/api/courses/{slug}?lang=fi").get_json()
    for unit_key in [unit["key"] for unit in course["units"]]:
        url = f"/api/courses/{slug}/units/{unit_key}"
        index, on_this_learner = 0, 0
        tally.attempts[unit_key] = tally.passes[unit_key] = 0
        while tally.attempts[unit_key] < ATTEMPTS_PER_QUIZ:
            client = learner(index)
            quiz = client.get(f"{url}?lang=fi").get_json()["quiz"]
            cap = quiz["max_attempts"] or ATTEMPTS_PER_LEARNER
            if quiz["locked"] or on_this_learner >= cap:
                index, on_this_learner = index + 1, 0
                continue
            answers = {}
            for question in quiz["questions"]:
                data = bank[(unit_key, question["key"])]
                keys = _correct(data)
                answers[question["key"]] = _pattern_answer(question, len(keys))
                shown = [choice["id"] for choice in question.get("choices", [])]
                if question["type"] == "single_choice":
                    tally.single_shown += 1
                    tally.single_hits += shown[0] in keys
                    tally.hit_probabilities.append(1 / len(shown))
                elif question["type"] == "multiple_choice":
                    tally.multiple_shown += 1
                    tally.multiple_hits += set(shown[:len(keys)]) == set(keys)
                    tally.hit_probabilities.append(1 / math.comb(len(shown), len(keys)))
                elif question["type"] == "true_false":
                    tally.true_false_shown += 1
                    tally.false_right += data["answer"] is False
            response = client.post(f"{url}/attempts", json={"attempt_id": quiz["attempt_id"],
                                                            "answers": answers})
            assert response.status_code == 201, response.get_json()
            tally.attempts[unit_key] += 1
            tally.passes[unit_key] += response.get_json()["passed"] is True
            on_this_learner += 1
    return tally


@pytest.mark.parametrize("slug", course_slugs())
def test_a_pattern_learner_does_not_get_through(slug, imported, client_as):
    bank = _bank(imported, slug)
    tally = play(client_as, slug, bank)
    problems = []

    chance = poisson_binomial_upper_tail(tally.hit_probabilities, tally.hits)
    expected = sum(tally.hit_probabilities)
    if chance < ALPHA_PLAYED:
        problems.append(
            f"the first choice shown is the key too often: {tally.single_hits} of "
            f"{tally.single_shown} single-choice and {tally.multiple_hits} of "
            f"{tally.multiple_shown} multiple-choice presentations ({tally.hits} hits, "
            f"{expected:.1f} expected by chance; P = {chance:.2g} < {ALPHA_PLAYED})")

    answers = [data["answer"] for data in bank.values() if data["type"] == "true_false"]
    for habit in (False, True):
        count = sum(answer is habit for answer in answers)
        chance = binomial_upper_tail(len(answers), count)
        if answers and chance < ALPHA_CONTENT:
            keyed = sorted(key for (unit, key), data in bank.items()
                           if data["type"] == "true_false" and data["answer"] is habit)
            problems.append(
                f'"{str(habit).lower()}" is nearly always right: {count} of {len(answers)} '
                f"true/false questions (P = {chance:.2g} < {ALPHA_CONTENT} for answers "
                f"that are true or false at even odds; played: \"false\" was right on "
                f"{tally.false_right} of {tally.true_false_shown} presentations); "
                f"answered {str(habit).lower()}: {', '.join(keyed)}")

    attempts, passes = sum(tally.attempts.values()), sum(tally.passes.values())
    if passes > MAX_PASS_SHARE * attempts:
        per_unit = ", ".join(f"{unit} {tally.passes[unit]}/{tally.attempts[unit]}"
                             for unit in tally.attempts if tally.passes[unit])
        problems.append(f"the pattern learner passed {passes} of {attempts} quiz attempts "
                        f"(more than one in ten): {per_unit}")
    assert not problems, f"{slug}: " + "; ".join(problems)


def test_the_tail_bounds_are_exact():
    assert binomial_upper_tail(6, 6) == pytest.approx(1 / 64)
    assert binomial_upper_tail(6, 0) == pytest.approx(1.0)
    assert poisson_binomial_upper_tail([0.5] * 6, 6) == pytest.approx(1 / 64)
    assert poisson_binomial_upper_tail([1 / 3, 1 / 2], 2) == pytest.approx(1 / 6)
    assert poisson_binomial_upper_tail([1 / 3, 1 / 2], 1) == pytest.approx(1 - 2 / 3 * 1 / 2)
