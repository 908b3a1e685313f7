"""The statements read API (/xapi/) as an xAPI client sees it: credentials, the version
header, every filter, ``more`` paging, ``since`` polling and the headers."""
from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import datetime, timedelta

import pytest

from elearn.db import utcnow
from elearn.xapi.clients import create_client, revoke_client
from elearn.xapi.served import authority_agent
from tests.xapi.outbox_rows import COURSE, HOME, add, statement

VERSION = {"X-Experience-API-Version": "1.0.3"}
REG = str(uuid.UUID(int=7))


@pytest.fixture
def creds(app):
    with app.extensions["elearn.db"].session_scope() as session:
        issued = create_client(session, "hr-system")
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", **VERSION}


@pytest.fixture
def xapi(app, creds):
    client = app.test_client()

    def get(query=None, headers=None, **params):
        return client.get("/xapi/statements", query_string=query or params,
                          headers=creds if headers is None else headers)
    get.client = client
    get.headers = creds
    return get


def ids(response) -> list[str]:
    return [s["id"] for s in response.get_json()["statements"]]


def test_about_is_public_with_the_version(app):
    response = app.test_client().get("/xapi/about")
    assert response.status_code == 200
    assert response.get_json()["version"] == ["1.0.3"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.parametrize("authorization", [
    None,
    "Basic " + base64.b64encode(b"nobody:nothing").decode(),
    "Bearer abc",
])
def test_statements_need_credentials(app, authorization):
    headers = dict(VERSION)
    if authorization:
        headers["Authorization"] = authorization
    response = app.test_client().get("/xapi/statements", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["X-Experience-API-Version"] == "1.0.3"


def test_wrong_secret_and_revoked_credentials_are_refused(app, creds, xapi):
    key = base64.b64decode(creds["Authorization"].split()[1]).decode().split(":")[0]
    wrong = base64.b64encode(f"{key}:not-the-secret".encode()).decode()
    assert xapi(headers={"Authorization": f"Basic {wrong}", **VERSION}).status_code == 401
    assert xapi().status_code == 200
    with app.extensions["elearn.db"].session_scope() as session:
        revoke_client(session, "hr-system", utcnow())
    assert xapi().status_code == 401


def test_signed_in_staff_without_basic_credentials_get_401(client_as):
    response = client_as("admin").get("/xapi/statements", headers=VERSION)
    assert response.status_code == 401


@pytest.mark.parametrize("version,status", [(None, 400), ("0.95", 400), ("1.1.0", 400),
                                            ("1.0", 200), ("1.0.0", 200), ("1.0.3", 200)])
def test_version_header_is_required(creds, xapi, version, status):
    headers = {"Authorization": creds["Authorization"]}
    if version:
        headers["X-Experience-API-Version"] = version
    response = xapi(headers=headers)
    assert response.status_code == status
    if status == 400:
        assert "X-Experience-API-Version" in response.get_json()["error"]["details"]["fields"]


def test_unknown_parameter_is_refused_by_name(xapi):
    response = xapi(verb="x", actor="someone")
    assert response.status_code == 400
    body = response.get_json()["error"]
    assert body["code"] == "bad_request"
    assert "actor" in body["message"] and body["details"]["fields"] == {
        "actor": ["unknown parameter"]}


@pytest.mark.parametrize("params,field", [
    ({"limit": "-1"}, "limit"), ({"limit": "ten"}, "limit"),
    ({"since": "yesterday"}, "since"), ({"until": "2026-13-01"}, "until"),
    ({"registration": "not-a-uuid"}, "registration"), ({"ascending": "yes"}, "ascending"),
    ({"agent": "{oops"}, "agent"), ({"agent": '{"name": "no ifi"}'}, "agent"),
    ({"format": "pretty"}, "format"), ({"attachments": "maybe"}, "attachments"),
    ({"limit": "\u00b2"}, "limit"), ({"limit": "9" * 5000}, "limit"),
    ({"statementId": "nope"}, "statementId"),
    ({"statementId": str(uuid.UUID(int=1)), "verb": "x"}, "verb"),
    ({"statementId": str(uuid.UUID(int=1)), "voidedStatementId": str(uuid.UUID(int=2))},
     "statementId"),
    ({"more": "forged-token"}, "more"),
])
def test_invalid_parameters_are_named(xapi, params, field):
    response = xapi(query=params)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert field in response.get_json()["error"]["details"]["fields"]


def test_exact_statement_with_lrs_properties_and_headers(app, xapi):
    original = statement(1)
    add(app, [original])
    response = xapi(statementId=original["id"])
    assert response.status_code == 200
    served = response.get_json()
    stored = served.pop("stored")
    assert served.pop("authority") == authority_agent(app.config["PUBLIC_URL"])
    assert served.pop("version") == "1.0.0"
    assert served == original
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    assert abs(moment - utcnow()) < timedelta(minutes=1) and len(stored) == 24
    assert response.headers["Last-Modified"].endswith("GMT")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    consistent = datetime.fromisoformat(
        response.headers["X-Experience-API-Consistent-Through"].replace("Z", "+00:00"))
    assert abs(consistent - utcnow()) < timedelta(seconds=30)
    assert consistent >= moment  # the statement was stored at or before it


def test_head_answers_headers_only(app, xapi, creds):
    add(app, [statement(1)])
    response = xapi.client.head("/xapi/statements", headers=creds)
    assert response.status_code == 200 and response.data == b""
    assert "X-Experience-API-Consistent-Through" in response.headers
    assert xapi.client.head("/xapi/statements", headers=VERSION).status_code == 401


def test_unknown_and_voided_ids_are_404(xapi):
    assert xapi(statementId=str(uuid.UUID(int=5))).status_code == 404
    assert xapi(voidedStatementId=str(uuid.UUID(int=5))).status_code == 404


@pytest.fixture
def varied(app):
    """Statements of two learners, two verbs, related activities and a registration."""
    completed = "http://adlnet.gov/expapi/verbs/completed"
    quiz = f"{HOME}/xapi/activities/quiz/1"
    made = [statement(1, learner="anna"),
            statement(2, learner="anna", verb=completed, registration=REG),
            statement(3, learner="ben", activity=f"{HOME}/xapi/activities/question/q1",
                      parent=quiz),
            statement(4, learner="ben", activity=quiz, registration=REG),
            statement(5, learner="ben", verb=completed)]
    add(app, made)
    return [s["id"] for s in made]


def test_filters(app, xapi, varied):
    s1, s2, s3, s4, s5 = varied
    anna = json.dumps({"account": {"homePage": HOME, "name": "anna"}})
    assert ids(xapi()) == [s5, s4, s3, s2, s1]  # newest stored first
    assert ids(xapi(ascending="true")) == [s1, s2, s3, s4, s5]
    assert ids(xapi(agent=anna)) == [s2, s1]
    assert ids(xapi(agent=json.dumps({"mbox": "mailto:anna@example.org"}))) == []
    assert ids(xapi(verb="http://adlnet.gov/expapi/verbs/completed")) == [s5, s2]
    quiz = f"{HOME}/xapi/activities/quiz/1"
    assert ids(xapi(activity=quiz)) == [s4]
    assert ids(xapi(activity=quiz, related_activities="true")) == [s4, s3]
    assert ids(xapi(activity=COURSE)) == []
    assert len(ids(xapi(activity=COURSE, related_activities="true"))) == 5
    assert ids(xapi(registration=REG)) == [s4, s2]
    assert ids(xapi(registration=REG, agent=anna)) == [s2]
    assert ids(xapi(agent=anna, related_agents="false")) == [s2, s1]
    assert ids(xapi(agent=anna, related_agents="true")) == [s2, s1]
    authority = json.dumps(authority_agent(app.config["PUBLIC_URL"]))
    assert len(ids(xapi(agent=authority, related_agents="true"))) == 5
    assert ids(xapi(agent=authority)) == []
    assert ids(xapi(limit="2")) == [s5, s4]
    assert len(ids(xapi(limit="0"))) == 5  # 0 = the server's maximum
    assert ids(xapi(attachments="false", limit="1")) == [s5]


def test_since_and_until_bound_stored_time(app, xapi, varied):
    first = xapi(ascending="true").get_json()["statements"]
    stored = [s["stored"] for s in first]
    assert stored == sorted(stored)
    assert ids(xapi(since=stored[-1])) == []
    assert ids(xapi(until=stored[0], ascending="true"))[0] == varied[0]
    everything_until_last = ids(xapi(until=stored[-1]))
    assert len(everything_until_last) == 5


def test_formats(app, xapi):
    add(app, [statement(1)])
    ids_only = xapi(format="ids").get_json()["statements"][0]
    assert ids_only["verb"] == {"id": statement(1)["verb"]["id"]}
    assert ids_only["object"] == {"id": statement(1)["object"]["id"], "objectType": "Activity"}
    assert ids_only["actor"] == {"account": {"homePage": HOME, "name": "learner-1"},
                                 "objectType": "Agent"}
    assert "name" not in ids_only["authority"]
    canonical = xapi(format="canonical", headers={**xapi.headers, "Accept-Language": "sv"})
    body = canonical.get_json()["statements"][0]
    assert body["verb"]["display"] == {"sv": "tog del av"}
    assert body["object"]["definition"]["name"] == {"sv": "Avsnitt 1"}
    default = xapi(format="canonical").get_json()["statements"][0]
    assert default["verb"]["display"] == {"fi": "tutustui"}  # the service's default language
    exact = xapi(format="exact").get_json()["statements"][0]
    assert exact["verb"]["display"] == statement(1)["verb"]["display"]


def test_more_pages_through_everything_and_is_stable_while_statements_arrive(app, xapi):
    made = [statement(n) for n in range(25)]
    add(app, made)
    seen: list[str] = []
    response = xapi(limit="10")
    pages = 0
    while True:
        pages += 1
        body = response.get_json()
        seen.extend(s["id"] for s in body["statements"])
        if pages == 1:
            add(app, [statement(n) for n in range(100, 105)])  # arrive while paging
        if not body["more"]:
            break
        assert body["more"].startswith("/xapi/statements?more=")
        response = xapi.client.get(body["more"], headers=xapi.headers)
        assert response.status_code == 200
    assert pages == 3
    assert seen == [s["id"] for s in reversed(made)]  # newest first, nothing new mixed in
    # The next query sees the new ones.
    assert len(ids(xapi(limit="0"))) == 30


def test_ascending_more_paging_with_filters(app, xapi):
    add(app, [statement(n, learner="anna" if n % 2 else "ben") for n in range(12)])
    anna = json.dumps({"account": {"homePage": HOME, "name": "anna"}})
    response = xapi(agent=anna, ascending="true", limit="4")
    seen = ids(response)
    more = response.get_json()["more"]
    assert more
    response = xapi.client.get(more, headers=xapi.headers)
    seen += ids(response)
    assert response.get_json()["more"] == ""
    assert seen == [statement(n)["id"] for n in range(12) if n % 2]
    conflicting = xapi.client.get(more + "&limit=3", headers=xapi.headers)
    assert conflicting.status_code == 400
    assert conflicting.get_json()["error"]["details"]["fields"] == {
        "limit": ["differs from the query of the more link; send the link's parameters "
                  "unchanged or none"]}
    other_agent = json.dumps({"account": {"homePage": HOME, "name": "ben"}})
    token = more.split("more=", 1)[1]
    assert xapi(more=token, agent=other_agent).status_code == 400
    assert xapi(more=token, agent=anna, limit="4").status_code == 200


def test_more_accepts_the_parameters_it_already_holds(app, xapi):
    """Ralph's client re-sends its query (at least ``limit``) beside the token."""
    add(app, [statement(n, learner="anna") for n in range(7)])
    anna = json.dumps({"account": {"homePage": HOME, "name": "anna"}})
    query = {"agent": anna, "ascending": "True", "limit": "3", "format": "exact",
             "attachments": "false", "related_activities": "false"}
    response = xapi(query=query)
    seen = ids(response)
    while response.get_json()["more"]:
        token = response.get_json()["more"].split("more=", 1)[1]
        response = xapi(query={**query, "more": token})
        assert response.status_code == 200, response.get_json()
        seen += ids(response)
    assert seen == [statement(n)["id"] for n in range(7)]


def test_without_limit_a_page_holds_the_servers_maximum(app, xapi):
    app.config["XAPI_READ_MAX_LIMIT"] = 120
    add(app, [statement(n) for n in range(130)])
    body = xapi().get_json()
    assert len(body["statements"]) == 120 and body["more"]
    assert len(xapi(limit="0").get_json()["statements"]) == 120
    assert len(xapi(limit="1000").get_json()["statements"]) == 120


def test_related_activities_include_category_and_other(app, xapi):
    profile = "https://elearn.example/xapi/profile"
    with_category = statement(1)
    with_category["context"]["contextActivities"]["category"] = [{"id": profile}]
    with_other = statement(2)
    with_other["context"]["contextActivities"]["other"] = [{"id": f"{HOME}/xapi/other"}]
    add(app, [with_category, with_other, statement(3)])
    assert ids(xapi(activity=profile)) == []
    assert ids(xapi(activity=profile, related_activities="true")) == [with_category["id"]]
    assert ids(xapi(activity=f"{HOME}/xapi/other", related_activities="true")) == [
        with_other["id"]]


def test_attachments_true_answers_multipart_with_only_the_json_part(app, xapi):
    add(app, [statement(1)])
    for query in ({"attachments": "true"}, {"attachments": "true",
                                            "statementId": statement(1)["id"]}):
        response = xapi(query=query)
        assert response.status_code == 200
        assert response.mimetype == "multipart/mixed"
        boundary = response.mimetype_params["boundary"]
        parts = response.get_data(as_text=True).split(f"--{boundary}")
        assert parts[0] == "" and parts[-1] == "--\r\n" and len(parts) == 3
        head, body = parts[1].split("\r\n\r\n", 1)
        assert head.strip() == "Content-Type: application/json"
        served = json.loads(body)
        found = served["statements"][0] if "statements" in served else served
        assert found["id"] == statement(1)["id"]


def test_alternate_request_syntax(app, xapi, creds):
    add(app, [statement(n) for n in range(3)])
    form = {**creds, "ascending": "true", "limit": "2"}
    response = xapi.client.post("/xapi/statements?method=GET", data=form)
    assert response.status_code == 200, response.get_json()
    assert ids(response) == [statement(0)["id"], statement(1)["id"]]
    assert response.headers["X-Experience-API-Consistent-Through"]
    more = response.get_json()["more"]
    token = more.split("more=", 1)[1]
    following = xapi.client.post("/xapi/statements?method=GET", data={**creds, "more": token})
    assert ids(following) == [statement(2)["id"]]
    head = xapi.client.post("/xapi/statements?method=HEAD", data=form)
    assert head.status_code == 200 and head.data == b""
    assert head.mimetype == "application/json" and int(head.headers["Content-Length"]) > 1000
    assert head.headers["X-Experience-API-Consistent-Through"]
    # Credentials and version travel as form fields; without them the usual refusals.
    no_auth = {k: v for k, v in form.items() if k != "Authorization"}
    assert xapi.client.post("/xapi/statements?method=GET", data=no_auth).status_code == 401
    no_version = {k: v for k, v in form.items() if k != "X-Experience-API-Version"}
    assert xapi.client.post("/xapi/statements?method=GET", data=no_version).status_code == 400
    # Parameters belong in the form; other methods are not for this resource.
    mixed = xapi.client.post("/xapi/statements?method=GET&limit=1", data=form)
    assert mixed.status_code == 400 and "limit" in mixed.get_json()["error"]["details"]["fields"]
    assert xapi.client.post("/xapi/statements?method=PUT", data=form,
                            headers=creds).status_code == 405
    assert xapi.client.post("/xapi/statements", json={}, headers=creds).status_code == 405
    assert xapi.client.post("/xapi/statements", json={}).status_code == 401
    unknown = xapi.client.post("/xapi/statements?method=GET", data={**form, "actor": "x"})
    assert unknown.status_code == 400
    assert xapi.client.post("/xapi/statements?method=GET", json=form,
                            headers=creds).status_code == 415


def test_since_polling_sees_each_new_statement_once(app, xapi):
    add(app, [statement(n) for n in range(3)])
    seen: list[str] = []
    since = None
    for round_ in range(3):
        query = {"ascending": "true"}
        if since:
            query["since"] = since
        body = xapi(query=query).get_json()
        seen += [s["id"] for s in body["statements"]]
        if body["statements"]:
            since = body["statements"][-1]["stored"]
        time.sleep(0.01)
        add(app, [statement(10 * (round_ + 1) + n) for n in range(2)])
    body = xapi(query={"ascending": "true", "since": since}).get_json()
    seen += [s["id"] for s in body["statements"]]
    assert len(seen) == len(set(seen)) == 3 + 2 * 3
