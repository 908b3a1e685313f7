"""Walks every registered route with every role and checks the answer against the route's
own access declaration: anonymous users are sent to sign in (pages) or get 401 (JSON), the
wrong role gets 403, and an admitted role is never refused nor met with a server error."""
from __future__ import annotations

import re
import uuid

import pytest

from elearn.access import access_of
from elearn.models import Role

PLACEHOLDERS = {"int": "1", "uuid": str(uuid.UUID(int=1)), "path": "x", "default": "x"}


def _example_url(rule) -> str:
    """The rule's URL with a plausible value for each variable (ids that need not exist)."""
    def value(match):
        converter = (match.group(1) or "default").lower()
        return PLACEHOLDERS.get(converter, "x")
    return re.sub(r"<(?:([^:>]+):)?[^>]+>", value, rule.rule)


def _cases(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"OPTIONS", "HEAD"}):
            yield rule, method


@pytest.mark.parametrize("role", [None, *Role])
def test_every_route_answers_as_declared(app, make_user, login, role):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    user = make_user(role) if role is not None else None
    if user is not None:
        login(client, user)
    checked = 0
    for rule, method in _cases(app):
        access = access_of(app, rule.endpoint, method)
        assert access is not None, f"{rule.rule} {method} declares no access"
        url = _example_url(rule)
        response = client.open(url, method=method)
        status = response.status_code
        where = f"{method} {url} as {role.value if role else 'anonymous'}: {status}"
        assert status != 500, where
        if access.kind == "basic":
            assert status == 401, where
        elif access.admits(role):
            assert status not in (401, 403), where
        elif role is None:
            if url.startswith("/api/"):
                assert status == 401, where
                assert response.get_json()["error"]["code"] == "unauthorized"
            else:
                assert status == 302 and "/login" in response.headers["Location"], where
        else:
            assert status == 403, where
        if rule.endpoint == "auth.logout" and user is not None:
            login(client, user)  # routes sorted after /logout are walked signed in too
        checked += 1
    assert checked >= len(list(app.url_map.iter_rules())) - 1


def test_app_refuses_undeclared_routes(database_url):
    from flask import Blueprint

    from elearn import create_app
    from elearn.access import check_all_routes_declared

    app = create_app({"ENV": "testing", "DATABASE_URL": database_url})
    bp = Blueprint("stray", __name__)
    bp.add_url_rule("/stray", "stray", lambda: "open")
    app.register_blueprint(bp)
    with pytest.raises(RuntimeError, match="/stray"):
        check_all_routes_declared(app)
