"""The statement builder's fast path writes exactly what tincan's validating classes write.

:class:`elearn.xapi.statements.EnrolmentStatements` builds the parts every statement of an
enrolment shares (actor, verbs, activities, profile category) once through tincan and fills in
the rest as plain data; with ``validated=True`` it builds every statement through tincan's
classes.  For every kind of statement, every actor mode, with and without reflection text and
an LMS launch, the two payloads must be byte-identical once serialised.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.xapi.statements import EnrolmentStatements, LmsLaunch, serialise
from tests.xapi.profile_examples import T0, records, settings

LAUNCH = LmsLaunch(issuer="https://moodle.example.fi", sub="moodle-user-42",
                   context_id="course-7", context_title="Verkostojohtaminen 2026")


def every_statement(build: EnrolmentStatements, r: dict) -> list[dict]:
    unit, first, second = r["unit"], r["first"], r["second"]
    done = T0 + timedelta(minutes=25, seconds=0.001)
    return [
        build.registered(T0),
        build.experienced(unit, T0 + timedelta(seconds=3.5)),
        *build.attempt(first),
        *build.attempt(second),
        build.reflection(r["reflection"]),
        build.unit_completed(unit, done, T0),
        build.unit_completed(unit, done),
        build.course_progressed(0.5, done),
        build.course_progressed(1 / 3, done),
        build.course_completed(done),
        build.course_passed(done),
    ]


@pytest.mark.parametrize("config, lms", [
    ({}, None),
    ({"XAPI_ACTOR": "mbox"}, None),
    ({"XAPI_SEND_REFLECTION_TEXT": True}, None),
    ({"XAPI_ACTOR_HOMEPAGE": "https://id.example.fi"}, None),
    ({}, LAUNCH),
    ({"LTI_XAPI_ACTOR": "platform"}, LAUNCH),
    ({"LTI_XAPI_ACTOR": "platform"}, LmsLaunch(issuer="https://lms.example.fi", sub="7")),
])
def test_fast_path_is_byte_identical_to_tincan(config, lms):
    r = records()
    fast = every_statement(EnrolmentStatements(settings(**config), r["enrolment"], lms), r)
    checked = every_statement(
        EnrolmentStatements(settings(**config), r["enrolment"], lms, validated=True), r)
    assert len(fast) == len(checked) > 10
    for built, reference in zip(fast, checked):
        assert serialise(built) == serialise(reference)


def test_scores_of_every_shape_are_written_alike():
    """Fractions, zero, whole numbers and a missing course score."""
    r = records()
    enrolment, first = r["enrolment"], r["first"]
    fast = EnrolmentStatements(settings(), enrolment)
    checked = EnrolmentStatements(settings(), enrolment, validated=True)
    for raw, maximum in ((0, 5), (2.0, 3.0), (1 / 3, 1), (4.999999, 5)):
        first.score_raw, first.score_max = raw, maximum
        first.score_scaled = raw / maximum
        assert serialise(fast.attempt_result(first)) == serialise(checked.attempt_result(first))
        for answer in first.answers:
            answer.points = raw / maximum
            assert serialise(fast.answered(first, answer)) == \
                serialise(checked.answered(first, answer))
    for score in (None, 0.0, 0.8123456, 1.0):
        enrolment.score = score
        assert serialise(fast.course_passed(T0)) == serialise(checked.course_passed(T0))


def test_statements_do_not_share_mutable_parts():
    """Each statement gets its own copies of the cached parts: changing one (as the attempt
    result does with its duration) changes no other."""
    r = records()
    build = EnrolmentStatements(settings(), r["enrolment"])
    one, two = build.registered(T0), build.registered(T0 + timedelta(seconds=1))
    one["actor"]["account"]["name"] = "changed"
    one["verb"]["display"]["fi"] = "changed"
    one["context"]["contextActivities"]["category"][0]["id"] = "changed"
    one["object"]["definition"]["name"]["fi"] = "changed"
    assert "changed" not in serialise(two)
    assert "changed" not in serialise(build.registered(T0))
