"""Every JSON error has one shape: {"error": {"code", "message", "details"}}."""
from __future__ import annotations

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from elearn.access import public, roles
from elearn.errors import APIError
from elearn.models import Role


class _Body(Schema):
    title = fields.String(required=True)


@pytest.fixture
def app_with_probe_routes(database_url):
    from elearn import create_app
    from elearn.api import api

    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "MAX_CONTENT_LENGTH": 100,
                      "PROPAGATE_EXCEPTIONS": False, "WTF_CSRF_ENABLED": False})
    blp = Blueprint("probe", __name__, url_prefix="/api/probe")

    @blp.post("/body")
    @blp.arguments(_Body)
    @public
    def body(data):
        return data

    @blp.get("/conflict")
    @public
    def conflict():
        raise APIError(409, "already there", details={"field": "title"})

    @blp.get("/boom")
    @public
    def boom():
        raise RuntimeError("unexpected")

    @blp.get("/admin-only")
    @roles()
    def admin_only():
        return {}

    @blp.get("/trainers-only")
    @roles(Role.TRAINER)
    def trainers_only():
        return {}

    api.register_blueprint(blp)
    return app


def _assert_shape(response, status, code):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_error_shapes(app_with_probe_routes):
    client = app_with_probe_routes.test_client()
    _assert_shape(client.post("/api/probe/body", data="{", content_type="application/json"),
                  400, "bad_request")
    _assert_shape(client.get("/api/probe/admin-only"), 401, "unauthorized")
    _assert_shape(client.get("/api/nowhere"), 404, "not_found")
    _assert_shape(client.put("/api/probe/body"), 405, "method_not_allowed")
    _assert_shape(client.get("/api/probe/conflict"), 409, "conflict")
    _assert_shape(client.post("/api/probe/body", data="x" * 500, content_type="application/json"),
                  413, "payload_too_large")
    _assert_shape(client.post("/api/probe/body", data="title=x"), 415, "unsupported_media_type")
    error = _assert_shape(client.post("/api/probe/body", json={"title": 3}), 422,
                          "validation_failed")
    assert "title" in error["details"]["fields"]
    error = _assert_shape(client.get("/api/probe/boom"), 500, "internal_error")
    assert "unexpected" not in error["message"]


def test_403_shape(app_with_probe_routes, make_user, login):
    client = app_with_probe_routes.test_client()
    login(client, make_user("learner"))
    _assert_shape(client.get("/api/probe/trainers-only"), 403, "forbidden")


def test_pages_get_html_errors(app):
    response = app.test_client().get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<h1>" in response.get_data(as_text=True)


def test_openapi_document_lists_schemas(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/me" in spec["paths"]
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]
