"""One error shape for JSON clients, friendly pages for people.

JSON errors always look like ``{"error": {"code", "message", "details"}}`` where ``code`` is a
stable machine-readable word and ``details`` names offending fields when there are any.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from elearn.access import is_api_request

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


class APIError(HTTPException):
    """Raised by services and views to answer with a specific status, code and details."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 details: dict[str, Any] | None = None):
        super().__init__(description=message)
        self.code = status
        self.error_code = code or CODES.get(status, "error")
        self.details = details or {}


def error_body(status: int, message: str, code: str | None = None,
               details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code or CODES.get(status, "error"), "message": message,
                      "details": details or {}}}


def _details_of(exc: HTTPException) -> dict[str, Any]:
    if isinstance(exc, APIError):
        return exc.details
    # flask-smorest / webargs put marshmallow messages on exc.data["messages"]
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # webargs nests by location ("json", "query"); clients care about the field names.
        if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "headers",
                                                           "files", "path", "view_args"}:
            flat: dict[str, Any] = {}
            for value in messages.values():
                if isinstance(value, dict):
                    flat.update(value)
            messages = flat
        return {"fields": messages}
    return {}


def handle_http_exception(exc: HTTPException):
    if exc.response is not None:  # the raiser rendered its own answer (e.g. the rate limiter)
        return exc.response
    status = exc.code or 500
    if is_api_request():
        message = exc.description or ""
        if status == 422 and not isinstance(exc, APIError):
            message = "The request body or query is invalid; see details.fields."
        body = error_body(status, message,
                          getattr(exc, "error_code", None), _details_of(exc))
        response = jsonify(body)
        response.status_code = status
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        if status == 401 and request_wants_basic():
            response.headers["WWW-Authenticate"] = 'Basic realm="elearn xAPI"'
        return response
    return render_template("error.html", status=status, exc=exc), status


def request_wants_basic() -> bool:
    from flask import request
    return request.path.startswith("/xapi/")


def handle_unexpected(exc: Exception):
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
