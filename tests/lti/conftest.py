"""Fixtures for the LTI tests: elearn served over real HTTP on 127.0.0.1, the test platform
on ``localhost`` (another site), both on loopback, and a registered, approved platform.

The app's public URL must name the port its server listens on, so the server is bound first
(``tool_server``) and handed the app once the app exists (``tool``).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.serving import make_server

from elearn.lti.platform_keys import forget
from tests.factories import make_course_version
from tests.lti.platform.server import TestPlatform


class _LazyApp:
    """A WSGI callable that serves whatever app it is given later."""

    def __init__(self):
        self.app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class ToolServer:
    url: str
    lazy: _LazyApp = field(repr=False)


@pytest.fixture
def tool_server() -> Iterator[ToolServer]:
    lazy = _LazyApp()
    server = make_server("127.0.0.1", 0, lazy, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="lti-tool", daemon=True)
    thread.start()
    try:
        yield ToolServer(f"http://127.0.0.1:{server.server_port}", lazy)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        forget()


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.fixture
def tool(app, tool_server) -> str:
    """elearn's public URL, served."""
    tool_server.lazy.app = app
    return tool_server.url


@pytest.fixture
def platform() -> Iterator[TestPlatform]:
    running = TestPlatform().start()
    yield running
    running.stop()


@pytest.fixture
def course(app):
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug="verkostot", units=2, min_length=20)
        return {"slug": version.course.slug}


@pytest.fixture
def registered(app, tool, platform):
    """The platform registered manually on both sides and approved."""
    from elearn.lti.platforms import Registration, register
    platform.configure_tool(tool)
    with app.extensions["elearn.db"].session_scope() as session:
        register(session, Registration(
            issuer=platform.issuer, client_id=platform.client_id,
            auth_login_url=platform.auth_url, token_url=platform.token_url,
            jwks_url=platform.jwks_url, deployment_ids=(platform.deployment_id,),
            name="Test Moodle"), status="approved", registered_by="manual")
    return platform
