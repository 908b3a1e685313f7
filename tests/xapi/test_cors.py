"""CORS on /xapi/: origins from ELEARN_XAPI_CORS_ORIGINS get headers on answers and on
preflights; any other origin, and every origin by default, gets none."""
from __future__ import annotations

import base64

import pytest

from elearn import create_app
from elearn.config import SettingError
from tests.xapi.live import credentials
from tests.xapi.outbox_rows import add, statement

ALLOWED = "https://reports.example.fi"
PREFLIGHT = {"Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization, x-experience-api-version"}


@pytest.fixture
def app_overrides(tmp_path):
    return {"XAPI_CORS_ORIGINS": f"{ALLOWED}, https://bi.example.fi:8443"}


def _basic(app) -> dict[str, str]:
    issued = credentials(app)
    token = base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}


def test_preflight_from_an_allowed_origin_passes(app):
    response = app.test_client().options("/xapi/statements",
                                         headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "x-experience-api-version" in allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_answer_to_an_allowed_origin_exposes_the_xapi_headers(app):
    add(app, [statement(1)])
    response = app.test_client().get("/xapi/statements",
                                     headers={"Origin": ALLOWED, **_basic(app)})
    assert response.status_code == 200 and len(response.get_json()["statements"]) == 1
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-Experience-API-Consistent-Through" in exposed
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", "https://reports.example.fi.evil",
                                    "http://reports.example.fi", "null"])
def test_other_origins_get_no_cors_headers(app, origin):
    client = app.test_client()
    preflight = client.options("/xapi/statements", headers={"Origin": origin, **PREFLIGHT})
    answer = client.get("/xapi/statements", headers={"Origin": origin, **_basic(app)})
    for response in (preflight, answer):
        assert not [h for h in response.headers.keys() if h.startswith("Access-Control-")]


def test_no_origin_is_allowed_by_default(tmp_path, database_url):
    app = create_app({"ENV": "testing", "TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret-key-that-is-long-enough-0123"})
    response = app.test_client().options("/xapi/statements",
                                         headers={"Origin": ALLOWED, **PREFLIGHT})
    assert "Access-Control-Allow-Origin" not in response.headers
    app.extensions["elearn.db"].engine.dispose()


def test_other_paths_get_no_cors_headers(app):
    response = app.test_client().get("/api/courses", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("value", ["reports.example.fi", "https://x.example/path",
                                   "ftp://x.example", "https://user:pw@x.example"])
def test_malformed_origins_are_refused_at_start(database_url, value):
    with pytest.raises(SettingError, match="ELEARN_XAPI_CORS_ORIGINS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url,
                    "SECRET_KEY": "test-secret-key-that-is-long-enough-0123",
                    "XAPI_CORS_ORIGINS": value})
