"""JSON API under /api/: flask-smorest blueprints; the OpenAPI document comes from their schemas."""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from elearn.access import public
from elearn.api.schemas import ErrorSchema


class ElearnApi(Api):
    """flask-smorest without its own error handlers: elearn.errors answers every error."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


api = ElearnApi()


def init_app(app: Flask) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "JSON API of the elearn network-leadership course. "
                                "Errors always have the shape "
                                '{"error": {"code", "message", "details"}}.'},
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "session"}}},
        "security": [{"session": []}],
    })
    api.init_app(app)
    from elearn.api import me
    api.register_blueprint(me.blp)
    # The spec itself is public documentation.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("api-docs."):
            app.view_functions[endpoint] = public(_plain_function(view))


def _plain_function(view):
    """Wrap a bound method so it can carry an access declaration."""
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)
    wrapper.__name__ = getattr(view, "__name__", "view")
    wrapper.__doc__ = view.__doc__
    return wrapper


def register(blueprint) -> None:
    """Feature packages call this from their own init to add an API blueprint."""
    api.register_blueprint(blueprint)
