"""Hostile text, shapes and sizes are refused at the request edge with a 4xx naming the field.

NUL characters and lone surrogates used to reach the database (a 500 on PostgreSQL, stored
silently on SQLite); deep JSON, huge integers and long request lines ended in tracebacks or
gunicorn's HTML page.  Every case here runs on both databases.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.models import LoginFailure, Reflection, User
from tests.security.conftest import SLUG, UNIT, assert_json_error, basic

REFLECTION = f"{UNIT}/reflections/r1"
VALID_TEXT = "Verkostossa johtaminen on yhteistä työtä."


def test_nul_in_the_login_form_is_refused_without_signing_in(app, make_user, db_session):
    user = make_user("learner")
    response = app.test_client().post("/login", data={"username": user.username + "\x00",
                                                      "password": "whatever-password"})
    assert response.status_code == 400
    assert "<code>username</code>" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(LoginFailure.id))) == 0


def test_nul_in_xapi_basic_credentials(app, xapi_headers):
    response = app.test_client().get("/xapi/statements",
                                     headers=basic("hr\x00", "secret"))
    assert_json_error(response, 400, "Authorization")


@pytest.mark.parametrize("path", [
    f"/api/courses/{SLUG}%00",
    f"/api/courses/{SLUG}/units/unit-1%00",
    f"/api/courses/{SLUG}/units/unit-1/reflections/r1%00",
    f"/api/courses/{SLUG}/units/unit-1/attempts?lang=fi%00",
])
def test_nul_in_api_path_segments_and_query(learner, path):
    assert_json_error(learner.get(path), 400)


@pytest.mark.parametrize("text", ["Hyvä pohdinta\x00 jossa on NUL-merkki mukana",
                                  "Yksinäinen sijaiskoodi \ud800 keskellä tekstiä"])
def test_unstorable_reflection_text_in_json(app, learner, db_session, text):
    import json
    body = json.dumps({"text": text})  # ensure_ascii: \u0000 and \ud800 escapes
    response = learner.put(REFLECTION, data=body, content_type="application/json")
    assert_json_error(response, 400, "text")
    assert db_session.scalar(select(func.count(Reflection.id))) == 0


def test_valid_reflection_text_still_saves(learner):
    assert learner.put(REFLECTION, json={"text": VALID_TEXT}).status_code == 200


def test_nul_in_reflection_form_on_the_unit_page(app, learner, db_session):
    response = learner.post(f"/learn/courses/{SLUG}/units/unit-1/reflections/r1",
                            data={"text": VALID_TEXT + "\x00"})
    assert response.status_code == 400
    assert "<code>text</code>" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(Reflection.id))) == 0


@pytest.mark.parametrize("url", ["/api/reports/completions.csv?course=%00",
                                 "/api/reports/completions?org_unit=a%00b",
                                 "/api/reports/completions?%00=1"])
def test_nul_in_report_filters_is_refused_not_a_truncated_download(client_as, url):
    response = client_as("hr").get(url)
    error = assert_json_error(response, 400)
    assert error["code"] == "invalid_text"


def test_nul_in_the_hr_report_page_and_account_filters(client_as):
    assert client_as("hr").get("/hr/reports/completions?course=%00").status_code == 400
    response = client_as("admin").get("/admin/accounts?name=x%00")
    assert response.status_code == 400
    assert "<code>name</code>" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["activity", "verb", "registration", "since"])
def test_nul_in_xapi_query_parameters(app, xapi_headers, name):
    response = app.test_client().get(f"/xapi/statements?{name}=http://x.example/%00",
                                     headers=xapi_headers)
    assert_json_error(response, 400, name)


def test_deeply_nested_json_body(learner):
    body = '{"text": ' + "[" * 5000 + "]" * 5000 + "}"
    error = assert_json_error(learner.put(REFLECTION, data=body,
                                          content_type="application/json"), 400)
    assert error["code"] == "too_deep"


def test_integer_of_thousands_of_digits(learner):
    body = '{"attempt_id": ' + "7" * 5000 + ', "answers": {}}'
    response = learner.post(f"{UNIT}/attempts", data=body, content_type="application/json")
    assert_json_error(response, 422, "attempt_id")


def test_deeply_nested_agent_parameter(app, xapi_headers):
    agent = '{"account": ' + "[" * 1200 + "]" * 1200 + "}"  # within the request line limit
    response = app.test_client().get("/xapi/statements", query_string={"agent": agent},
                                     headers=xapi_headers)
    assert_json_error(response, 400, "agent")


@pytest.mark.parametrize("prefix", ["/api/me", "/xapi/statements"])
def test_long_request_lines_get_the_json_error_shape(app, prefix):
    response = app.test_client().get(prefix + "?q=" + "x" * 9000)
    error = assert_json_error(response, 414)
    assert error["code"] == "uri_too_long"


@pytest.mark.parametrize("path", ["/api/attempts/99999999999999999999",
                                  "/api/attempts/" + "9" * 5000])
def test_huge_ids_in_paths_are_not_found(learner, path):
    assert_json_error(learner.get(path), 404)


def test_huge_analytics_version_number(client_as, course):
    trainer = client_as("trainer")
    assert_json_error(trainer.get(f"/api/analytics/courses/{SLUG}/versions/99999999999999999999"),
                      404)
    assert trainer.get(f"/trainer/analytics/{SLUG}/99999999999999999999").status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "3000000000"])
def test_out_of_range_report_pages(client_as, page):
    hr = client_as("hr")
    assert_json_error(hr.get(f"/api/reports/completions?page={page}"), 422, "page")
    assert hr.get(f"/hr/reports/completions?page={page}").status_code == 422


@pytest.mark.parametrize("page", ["99999999999999999999", "9" * 5000])
def test_account_pages_beyond_any_number_show_the_last_page(client_as, page):
    response = client_as("admin").get(f"/admin/accounts?page={page}",
                                      headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "1 account, page 1 of 1" in response.get_data(as_text=True)


def test_account_page_that_is_no_number(client_as):
    response = client_as("admin").get("/admin/accounts?page=²")
    assert response.status_code == 422
    assert 'id="f-page"' in response.get_data(as_text=True)


def test_huge_attempt_id_in_the_quiz_form_is_a_stale_form(learner):
    response = learner.post(f"/learn/courses/{SLUG}/units/unit-1/quiz",
                            data={"attempt_id": "99999999999999999999"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/learn/courses/{SLUG}/units/unit-1#quiz")


def test_nul_in_a_users_name_never_reaches_the_database(app, db_session):
    response = app.test_client().post("/login", data={"username": "\x00", "password": "x"})
    assert response.status_code == 400
    assert db_session.scalar(select(func.count(User.id))) == 0
