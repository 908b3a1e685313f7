"""The request edge: refuse input no part of the service can handle, before any view runs.

Views, schemas and services assume text they can store, bodies of a bounded size and JSON
of a bounded shape.  Checking that in each view would leave the next view unchecked, so one
``before_request`` hook, registered ahead of every other, checks every request:

- the request line: at most ``ELEARN_MAX_URL_LENGTH`` characters (414);
- the body: at most ``ELEARN_MAX_CONTENT_LENGTH`` bytes, whether or not a view reads it (413);
- text: path, query parameters (names and values), form fields and HTTP Basic credentials
  must not contain NUL or lone surrogates (400 naming the field; see elearn.security.text);
- JSON bodies: parsed once with elearn.security.safe_json (nesting depth, integer length,
  the same text rule), so webargs' later parse of the same bytes cannot fail with a 500.

Refusals go through elearn.errors: the JSON error shape on /api/ and /xapi/ with
``details.fields`` naming the field, an error page naming it elsewhere.
"""
from __future__ import annotations

from flask import Flask, current_app, request

from elearn.errors import APIError
from elearn.security import safe_json
from elearn.security.text import text_problem


def _refuse(field: str, message: str, code: str = "invalid_text", status: int = 400):
    raise APIError(status, f"{field}: {message}", code=code, details={"fields": {field: [message]}})


def check_request() -> None:
    """before_request hook: every check above, cheapest first."""
    config = current_app.config
    max_url = config["MAX_URL_LENGTH"]
    if len(request.full_path) > max_url:
        raise APIError(414, f"The request line is longer than {max_url} characters.",
                       code="uri_too_long")
    limit = _body_limit()
    length = request.content_length
    if length is not None and length > limit:
        raise APIError(413, f"The request body is larger than {limit} bytes.",
                       code="payload_too_large")
    _check_text("path", request.path)
    for name, values in request.args.lists():
        _check_text(_printable(name), name)
        for value in values:
            _check_text(name, value)
    credentials = request.authorization
    if credentials is not None:
        for part in ("username", "password"):
            value = credentials.parameters.get(part) or ""
            _check_text("Authorization", value)
    if request.method in {"POST", "PUT", "PATCH", "DELETE"}:
        _check_body()


def _check_body() -> None:
    if request.is_json:
        raw = request.get_data(cache=True)
        if not raw.strip():
            return
        try:
            safe_json.loads(raw)
        except safe_json.UnsafeJSON as exc:
            status = 422 if exc.code == "number_too_large" else 400
            _refuse(exc.field, exc.message, exc.code, status)
        except ValueError:
            _refuse("body", "is not valid JSON", "bad_request")
        return
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        for name, values in request.form.lists():
            _check_text(_printable(name), name)
            for value in values:
                _check_text(name, value)
        for name, storage in request.files.items():
            _check_text(name, storage.filename or "")


def allow_larger_body(setting: str):
    """Let one view (a file upload) take bodies up to the setting ``setting`` instead of
    ``ELEARN_MAX_CONTENT_LENGTH``."""
    def decorator(view):
        view.body_limit_setting = setting
        return view
    return decorator


def _body_limit() -> int:
    view = current_app.view_functions.get(request.endpoint or "")
    setting = getattr(view, "body_limit_setting", None)
    if setting is None:
        return current_app.config["MAX_CONTENT_LENGTH"]
    limit = int(current_app.config[setting])
    request.max_content_length = limit  # what Werkzeug allows while parsing the form
    return limit


def _check_text(field: str, value: str) -> None:
    problem = text_problem(value)
    if problem:
        _refuse(field, problem)


def _printable(name: str) -> str:
    """A field name fit for an error message even when the name itself is the problem."""
    return name.encode("unicode_escape").decode("ascii")


def init_app(app: Flask) -> None:
    app.config.setdefault("MAX_URL_LENGTH", 8192)
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
