"""``/xapi/activities?activityId=``: an activity's definition from its statements; and
``/xapi/about`` naming what is served."""
from __future__ import annotations

import base64

import pytest

from tests.xapi.live import credentials
from tests.xapi.outbox_rows import COURSE, HOME, add, statement

VERSION = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def get(app):
    issued = credentials(app)
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", **VERSION}
    client = app.test_client()

    def call(query=None, **kwargs):
        return client.get("/xapi/activities", query_string=query,
                          headers=kwargs.get("headers", headers))
    call.headers = headers
    call.client = client
    return call


def test_definition_comes_from_the_newest_statement(app, get):
    unit = f"{HOME}/xapi/activities/unit/7"
    older = statement(7)
    newer = statement(8, activity=unit)
    newer["object"]["definition"]["name"] = {"fi": "Osio 7, uusi", "sv": "Avsnitt 7, ny",
                                             "en": "Unit 7, new"}
    add(app, [older])
    add(app, [newer])
    response = get({"activityId": unit})
    assert response.status_code == 200
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert response.get_json() == {"objectType": "Activity", "id": unit,
                                   "definition": newer["object"]["definition"]}


def test_context_activity_definition_and_unknown_activity(app, get):
    with_category = statement(1)
    profile = f"{HOME}/xapi/profile"
    definition = {"type": "http://adlnet.gov/expapi/activities/profile",
                  "name": {"fi": "elearn-xAPI-profiili"}}
    with_category["context"]["contextActivities"]["category"] = [
        {"id": profile, "objectType": "Activity", "definition": definition}]
    add(app, [with_category])
    assert get({"activityId": profile}).get_json() == {
        "objectType": "Activity", "id": profile, "definition": definition}
    # The course appears only as a reference (grouping), and nothing at all names this one:
    assert get({"activityId": COURSE}).get_json() == {"objectType": "Activity", "id": COURSE}
    unknown = "https://elsewhere.example/activity"
    assert get({"activityId": unknown}).get_json() == {"objectType": "Activity",
                                                       "id": unknown}


@pytest.mark.parametrize("query,field", [
    ({}, "activityId"), ({"activityId": "not an iri"}, "activityId"),
    ({"activityId": "no-scheme"}, "activityId"),
    ({"activityId": f"{HOME}/x", "agent": "{}"}, "agent")])
def test_bad_queries_name_the_parameter(get, query, field):
    response = get(query)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["details"]["fields"]


def test_needs_credentials_and_version(get):
    assert get({"activityId": f"{HOME}/x"}, headers=VERSION).status_code == 401
    no_version = {"Authorization": get.headers["Authorization"]}
    assert get({"activityId": f"{HOME}/x"}, headers=no_version).status_code == 400


def test_alternate_syntax(app, get):
    add(app, [statement(3)])
    unit = statement(3)["object"]["id"]
    response = get.client.post("/xapi/activities?method=GET",
                               data={**get.headers, "activityId": unit})
    assert response.status_code == 200 and response.get_json()["id"] == unit


def test_about_names_what_is_served(app):
    body = app.test_client().get("/xapi/about").get_json()
    served = body["extensions"][f"{HOME}/xapi/profile/extensions/served"]
    assert body["version"] == ["1.0.3"]
    assert served["resources"] == ["/xapi/about", "/xapi/statements", "/xapi/activities"]
    assert served["readOnly"] is True and served["profile"] == f"{HOME}/xapi/profile"
    assert f"{HOME}/xapi/profile/extensions/attempt" in served["statementExtensions"]
    assert "https://w3id.org/xapi/cmi5/context/extensions/masteryscore" in served[
        "statementExtensions"]
