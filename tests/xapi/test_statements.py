"""Statements built for every learning event: valid for Ralph's strict xAPI models in every
configuration, deterministic ids, UTC millisecond timestamps, no version, fi/sv/en language
maps, interaction formats of the spec, and no personal data in account mode."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from elearn import create_app
from elearn.config import SettingError
from elearn.events import publish
from elearn.models import QuizAttempt, Role
from elearn.xapi import vocabulary
from elearn.xapi.statements import format_timestamp, iso_duration, rounded_score
from tests.factories import make_course_version
from tests.xapi.records import Clock, complete_course
from tests.xapi.support import (RESPONSE_FORMATS, TIMESTAMP, ralph_errors, stored_payloads,
                                stored_statements, summary, walk)

PII = {"username": "anna.virtanen", "display_name": "Anna Virtanen",
       "email": "anna.virtanen@virasto.example.fi"}
ACCOUNT = {"XAPI_ACTOR": "account"}
MBOX = {"XAPI_ACTOR": "mbox"}
WITH_TEXT = {"XAPI_SEND_REFLECTION_TEXT": True}
REFLECTION_TEXT = "Verkostossa luottamus syntyy teoista."
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "http://127.0.0.1:5000")


def run_course(app, make_user, *, units: int = 2, **user_fields) -> tuple[object, list[dict]]:
    """A learner works through a whole course (one failed attempt per unit) and every event is
    published; returns the user and the stored statements in order."""
    user = make_user(Role.LEARNER, **(user_fields or PII))
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            version = make_course_version(session, units=units)
            learner = complete_course(session, user, version, Clock())
            for event in learner.events:
                publish(session, event)
        with app.extensions["elearn.db"].session_scope() as session:
            return user, stored_statements(session)


EXPECTED_SEQUENCE = (
    [("registered", "course/testikurssi")]
    + [item for u in (1, 2) for item in (
        [("experienced", f"unit/unit-{u}")]
        + [("answered", f"question/unit-{u}/quiz/{q}") for q in (
            "q5-ordering", "q4-matching", "q3-true-false", "q2-multiple-choice",
            "q1-single-choice")]
        + [("failed", f"quiz/unit-{u}/quiz")]
        + [("answered", f"question/unit-{u}/quiz/{q}") for q in (
            "q5-ordering", "q4-matching", "q3-true-false", "q2-multiple-choice",
            "q1-single-choice")]
        + [("passed", f"quiz/unit-{u}/quiz"),
           ("answered", f"reflection/unit-{u}/reflection/r1"),
           ("completed", f"unit/unit-{u}"),
           ("progressed", "course/testikurssi")])]
    + [("completed", "course/testikurssi"), ("passed", "course/testikurssi")])


@pytest.mark.parametrize("app_overrides", [ACCOUNT, MBOX, dict(ACCOUNT, **WITH_TEXT),
                                           dict(MBOX, **WITH_TEXT)],
                         ids=["account", "mbox", "account+text", "mbox+text"])
def test_every_statement_is_valid_for_ralph(app, make_user, app_overrides):
    _, statements = run_course(app, make_user)
    assert [summary(s) for s in statements] == EXPECTED_SEQUENCE
    assert ralph_errors(statements) == [[]] * len(statements)


def test_ralph_checker_reports_invalid_statements(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    broken = json.loads(json.dumps(statements[0]))
    broken["verb"]["display"]["fi"] = ""          # empty values are forbidden
    missing_actor = {k: v for k, v in statements[1].items() if k != "actor"}
    errors = ralph_errors([statements[0], broken, missing_actor])
    assert errors[0] == []
    assert any(e["loc"][:3] == ["verb", "display", "fi"] or "empty" in e["msg"]
               for e in errors[1])
    assert any(e["loc"] == ["actor"] for e in errors[2])


def test_account_actor_is_pseudonymous(app, make_user):
    user, statements = run_course(app, make_user)
    for payload in statements:
        assert payload["actor"] == {"objectType": "Agent", "account": {
            "homePage": "http://127.0.0.1:5000", "name": user.opaque_id}}
        text = json.dumps(payload, ensure_ascii=False).lower()
        for value in ("anna.virtanen", "anna virtanen", "virasto.example.fi", "mailto:"):
            assert value not in text


@pytest.mark.parametrize("app_overrides", [dict(ACCOUNT, XAPI_ACTOR_HOMEPAGE="https://id.example.fi")])
def test_actor_homepage_setting(app, make_user):
    user, statements = run_course(app, make_user, units=1)
    assert {json.dumps(s["actor"], sort_keys=True) for s in statements} == {json.dumps(
        {"objectType": "Agent", "account": {"homePage": "https://id.example.fi",
                                            "name": user.opaque_id}}, sort_keys=True)}


@pytest.mark.parametrize("app_overrides", [MBOX])
def test_mbox_actor(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    for payload in statements:
        assert payload["actor"] == {"objectType": "Agent",
                                    "mbox": "mailto:anna.virtanen@virasto.example.fi"}
        text = json.dumps(payload, ensure_ascii=False)
        assert "Anna Virtanen" not in text and '"anna.virtanen"' not in text


@pytest.mark.parametrize("app_overrides", [MBOX])
def test_mbox_mode_without_email_falls_back_to_account(app, make_user):
    user, statements = run_course(app, make_user, units=1, username="noemail")
    assert all(s["actor"]["account"]["name"] == user.opaque_id for s in statements)


def test_reflection_text_is_not_sent_by_default(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    [reflection] = [s for s in statements if "/reflection/" in s["object"]["id"]]
    assert reflection["result"] == {"completion": True}
    assert reflection["object"]["definition"]["interactionType"] == "long-fill-in"
    assert all(REFLECTION_TEXT not in json.dumps(s, ensure_ascii=False) for s in statements)


@pytest.mark.parametrize("app_overrides", [WITH_TEXT])
def test_reflection_text_when_configured(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    [reflection] = [s for s in statements if "/reflection/" in s["object"]["id"]]
    assert reflection["result"] == {"completion": True, "response": REFLECTION_TEXT}


def test_ids_are_deterministic_uuid5_and_differ_per_event(app, make_user, tmp_path):
    _, first = run_course(app, make_user)
    ids = [s["id"] for s in first]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 5 for i in ids)
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "http://127.0.0.1:5000")
    registration = first[0]["context"]["registration"]
    assert first[0]["id"] == str(uuid.uuid5(namespace, f"registered|{registration}"))
    assert first[-1]["id"] == str(uuid.uuid5(namespace, f"passed|{registration}|course"))


def test_same_records_give_byte_identical_payloads(app, make_user):
    """Rebuilding the statements of the same records (a replay) gives the same text."""
    from elearn.xapi.outbox import profile_settings
    from elearn.xapi.statements import serialise, statements_for_event
    user = make_user(Role.LEARNER, **PII)
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            version = make_course_version(session, units=1)
            learner = complete_course(session, user, version, Clock())
            for event in learner.events:
                publish(session, event)
        with app.extensions["elearn.db"].session_scope() as session:
            stored = stored_payloads(session)
            rebuilt = [serialise(s) for event in learner.events
                       for s in statements_for_event(session, profile_settings(), event)[1]]
    assert rebuilt == stored


@pytest.mark.parametrize("app_overrides", [{"XAPI_NAMESPACE": "5b0e8e2c-6f0b-4c4e-9d7b-2f8f1c1d0a11"}])
def test_namespace_setting_changes_every_id(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    registration = statements[0]["context"]["registration"]
    namespace = uuid.UUID("5b0e8e2c-6f0b-4c4e-9d7b-2f8f1c1d0a11")
    assert statements[0]["id"] == str(uuid.uuid5(namespace, f"registered|{registration}"))


def test_bad_namespace_stops_start_up(database_url):
    with pytest.raises(SettingError, match="ELEARN_XAPI_NAMESPACE: expected a UUID"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url, "XAPI_NAMESPACE": "abc"})


def test_bad_actor_homepage_stops_start_up(database_url):
    with pytest.raises(SettingError, match="ELEARN_XAPI_ACTOR_HOMEPAGE: expected an http"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url,
                    "XAPI_ACTOR_HOMEPAGE": "id.example.fi"})


def test_bad_destinations_stop_start_up(database_url):
    with pytest.raises(SettingError, match=r"ELEARN_LRS_DESTINATIONS\[0\]\.endpoint"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url, "LRS_DESTINATIONS": [
            {"name": "x", "endpoint": "lrs.example.fi", "username": "u", "password": "p"}]})


def test_timestamps_utc_milliseconds_and_no_version(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    for payload in statements:
        assert "version" not in payload
        assert "stored" not in payload and "authority" not in payload
        assert TIMESTAMP.match(payload["timestamp"]), payload["timestamp"]
    # The first record is at 09:00:01.623456 UTC (Clock start + 1.5 s): milliseconds, truncated.
    assert statements[0]["timestamp"] == "2026-05-04T09:00:01.623Z"


def test_format_timestamp_converts_to_utc():
    from datetime import datetime, timedelta, timezone
    helsinki = timezone(timedelta(hours=3))
    assert format_timestamp(datetime(2026, 6, 1, 15, 0, 0, 5000, tzinfo=helsinki)) \
        == "2026-06-01T12:00:00.005Z"
    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 6, 1))


def test_language_maps_are_fi_sv_en(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    maps = [(path, value) for s in statements for path, value in walk(s)
            if path.rsplit(".", 2)[-2] in {"display", "name", "description"}]
    assert maps
    by_parent: dict[str, set[str]] = {}
    for path, _ in maps:
        parent, lang = path.rsplit(".", 1)
        by_parent.setdefault(parent, set()).add(lang)
    assert all(langs == {"fi", "sv", "en"} for langs in by_parent.values()), by_parent
    verbs = {s["verb"]["id"]: s["verb"]["display"] for s in statements}
    assert verbs[vocabulary.ANSWERED.id] == {"fi": "vastasi", "sv": "svarade", "en": "answered"}


def test_context_of_each_kind(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    base = "http://127.0.0.1:5000/xapi"
    course = f"{base}/activities/course/testikurssi"
    by_kind = {summary(s): s for s in statements}
    for payload in statements:
        context = payload["context"]
        assert context["platform"] == "elearn" and context["language"] == "fi"
        assert context["revision"] == "1"
        assert context["registration"] == statements[0]["context"]["registration"]
        assert [a["id"] for a in context["contextActivities"]["category"]] == [f"{base}/profile"]
    def ids(kind, key):
        return [a["id"] for a in by_kind[kind]["context"]["contextActivities"].get(key, [])]
    assert ids(("registered", "course/testikurssi"), "parent") == []
    assert ids(("experienced", "unit/unit-1"), "parent") == [course]
    assert ids(("answered", "question/unit-1/quiz/q1-single-choice"), "parent") == [
        f"{base}/activities/quiz/unit-1/quiz"]
    assert ids(("answered", "question/unit-1/quiz/q1-single-choice"), "grouping") == [course]
    assert ids(("passed", "quiz/unit-1/quiz"), "parent") == [f"{base}/activities/unit/unit-1"]
    assert ids(("passed", "quiz/unit-1/quiz"), "grouping") == [course]
    assert ids(("answered", "reflection/unit-1/reflection/r1"), "parent") == [
        f"{base}/activities/unit/unit-1"]
    registration = statements[0]["context"]["registration"]
    attempt_id = f"urn:uuid:{uuid.uuid5(NAMESPACE, f'attempt|{registration}|unit-1/quiz|2')}"
    attempt = {f"{base}/profile/extensions/attempt": 2,
               f"{base}/profile/extensions/attempt-id": attempt_id}
    assert by_kind[("passed", "quiz/unit-1/quiz")]["context"]["extensions"] == {
        vocabulary.MASTERY_SCORE_EXTENSION: 0.75, **attempt}
    assert by_kind[("answered", "question/unit-1/quiz/q1-single-choice")]["context"][
        "extensions"] == attempt  # the last of each kind: the second attempt
    first = [s for s in statements if summary(s) == ("failed", "quiz/unit-1/quiz")][0]
    assert first["context"]["extensions"][f"{base}/profile/extensions/attempt"] == 1
    assert first["context"]["extensions"][f"{base}/profile/extensions/attempt-id"] != attempt_id


def test_results_of_each_kind(app, make_user):
    _, statements = run_course(app, make_user, units=2)
    results = [(summary(s), s.get("result")) for s in statements]
    failed = next(r for k, r in results if k[0] == "failed")
    # tests.xapi.records starts each attempt two minutes before its submission
    assert failed == {"success": False, "score": {"scaled": 0.0, "raw": 0.0, "min": 0.0,
                                                  "max": 5.0}, "duration": "PT2M"}
    passed = next(r for k, r in results if k == ("passed", "quiz/unit-1/quiz"))
    assert passed == {"success": True, "score": {"scaled": 1.0, "raw": 5.0, "min": 0.0,
                                                 "max": 5.0}, "duration": "PT2M"}
    progress = [r for k, r in results if k[0] == "progressed"]
    assert progress == [{"extensions": {vocabulary.PROGRESS_EXTENSION: 50}},
                        {"extensions": {vocabulary.PROGRESS_EXTENSION: 100}}]
    assert results[-2] == (("completed", "course/testikurssi"), {"completion": True})
    assert results[-1] == (("passed", "course/testikurssi"),
                           {"success": True, "score": {"scaled": 1.0}})
    # opened, failed, passed, reflected, completed: four clock ticks of 1.5 s
    assert dict(results)[("completed", "unit/unit-1")] == {"completion": True,
                                                          "duration": "PT6S"}
    assert dict(results).get(("registered", "course/testikurssi")) is None


@pytest.mark.parametrize("seconds,text", [
    (0, "PT0S"), (0.004, "PT0S"), (1.5, "PT1.5S"), (59.999, "PT59.99S"), (60, "PT1M"),
    (3723.45, "PT1H2M3.45S"), (90_000, "PT25H"), (-3, "PT0S")])
def test_durations_are_iso_8601_to_the_hundredth(seconds, text):
    assert iso_duration(timedelta(seconds=seconds)) == text


@pytest.mark.parametrize("value,low,high,expected", [
    (0.9199999999999999, 0, 1, 0.92), (0.962857142857143, -1, 1, 0.9629),
    (0.99996, -1, 1, 1.0), (1.0000001, -1, 1, 1.0), (2.6666666666, 0, 2.6666, 2.6666),
    (-0.00001, 0, 5, 0.0)])
def test_scores_are_rounded_within_their_range(value, low, high, expected):
    assert rounded_score(value, low, high) == expected


def test_scores_with_long_fractions_are_sent_rounded(app, make_user):
    """A quiz of three questions passed with two right: 2/3 as a scaled score."""
    user = make_user(Role.LEARNER, **PII)
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            version = make_course_version(session, units=1)
            learner = complete_course(session, user, version, Clock(), fail_first=False)
            attempt = session.get(QuizAttempt, learner.events[2].attempt_id)
            attempt.score_raw, attempt.score_max = 3.3333333333333335, 5.0
            attempt.score_scaled = 0.6666666666666667
            learner.enrolment.score = 0.962857142857143
            for event in learner.events:
                publish(session, event)
        with app.extensions["elearn.db"].session_scope() as session:
            statements = stored_statements(session)
    by_kind = {summary(s): s for s in statements}
    assert by_kind[("passed", "quiz/unit-1/quiz")]["result"]["score"] == {
        "scaled": 0.6667, "raw": 3.3333, "min": 0.0, "max": 5.0}
    assert by_kind[("passed", "course/testikurssi")]["result"]["score"] == {"scaled": 0.9629}
    assert ralph_errors(statements) == [[]] * len(statements)


def test_interactions_follow_the_spec_formats(app, make_user):
    _, statements = run_course(app, make_user, units=1)
    answers = [s for s in statements if "/question/" in s["object"]["id"]]
    assert len(answers) == 10
    seen = set()
    for payload in answers:
        definition = payload["object"]["definition"]
        kind = definition["interactionType"]
        seen.add(kind)
        assert definition["type"] == vocabulary.INTERACTION_TYPE
        [pattern] = definition["correctResponsesPattern"]
        assert RESPONSE_FORMATS[kind].match(pattern), pattern
        assert RESPONSE_FORMATS[kind].match(payload["result"]["response"])
        score = payload["result"]["score"]
        assert (score["min"], score["max"]) == (0.0, 1.0) and "scaled" not in score
        assert payload["result"]["success"] == (score["raw"] == 1.0)
        if payload["result"]["success"]:
            assert payload["result"]["response"] == pattern
    assert seen == {"choice", "true-false", "matching", "sequencing"}
    patterns = {s["object"]["id"].rsplit("/", 1)[1]:
                s["object"]["definition"]["correctResponsesPattern"][0] for s in answers}
    assert patterns == {"q1-single-choice": "a", "q2-multiple-choice": "a[,]c",
                        "q3-true-false": "true", "q4-matching": "p1[.]p1[,]p2[.]p2[,]p3[.]p3",
                        "q5-ordering": "first[,]second[,]third"}
    wrong = {s["object"]["id"].rsplit("/", 1)[1]: s["result"]["response"]
             for s in answers if not s["result"]["success"]}
    assert wrong == {"q1-single-choice": "b", "q2-multiple-choice": "a[,]b",
                     "q3-true-false": "false", "q4-matching": "p1[.]p2[,]p2[.]p1[,]p3[.]p3",
                     "q5-ordering": "third[,]first[,]second"}
    by_kind = {s["object"]["definition"]["interactionType"] + str(len(
        s["object"]["definition"].get("choices", []))): s["object"]["definition"]
        for s in answers}
    matching = by_kind["matching0"]
    assert [c["id"] for c in matching["source"]] == ["p1", "p2", "p3"]
    assert matching["target"][0]["description"] == {"fi": "Target 1 (fi)", "sv": "Target 1 (sv)",
                                                    "en": "Target 1"}
    assert [c["id"] for c in by_kind["sequencing3"]["choices"]] == ["first", "second", "third"]
    assert [c["id"] for c in by_kind["choice4"]["choices"]] == ["a", "b", "c", "d"]
