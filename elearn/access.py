"""Route access declarations, enforced before every request.

Every endpoint must say who may use it: ``@public``, ``@roles(...)`` or ``@http_basic``.
``create_app`` refuses to start if any registered endpoint has no declaration, so a new
route can never be open by accident, and the route/role test reads the same declarations.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from elearn.models.accounts import Role

ANY_ROLE = frozenset(Role)


@dataclass(frozen=True)
class Access:
    """Who may call a view: ``kind`` is public, roles or basic (HTTP Basic xAPI clients)."""

    kind: str
    roles: frozenset[Role] = frozenset()

    def admits(self, role: Role | None) -> bool:
        """Whether a session user with ``role`` (None = anonymous) passes the check."""
        if self.kind == "public":
            return True
        if self.kind == "roles":
            return role is not None and role in self.roles
        return False


def _declare(access: Access) -> Callable:
    def decorator(view: Callable) -> Callable:
        view.access = access  # type: ignore[attr-defined]
        return view
    return decorator


public = _declare(Access("public"))
http_basic = _declare(Access("basic"))


def roles(*allowed: Role) -> Callable:
    """Admit signed-in users holding one of ``allowed`` (all roles when none are given)."""
    return _declare(Access("roles", frozenset(allowed) or ANY_ROLE))


def access_of(app: Flask, endpoint: str, method: str) -> Access | None:
    """The declaration for ``endpoint`` handling ``method``, or None when undeclared."""
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handler = getattr(view_class, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(view_class, "get", None)
        declared = getattr(handler, "access", None) or getattr(view_class, "access", None)
        return declared
    return getattr(view, "access", None)


def is_api_request() -> bool:
    """JSON clients: the API, the xAPI read API and the health probes."""
    path = request.path
    return path.startswith("/api/") or path.startswith("/xapi/")


def enforce_access() -> None:
    """before_request hook: 401/redirect for anonymous users, 403 for the wrong role."""
    if request.endpoint is None:  # 404/405 are answered by the router
        return None
    access = access_of(current_app, request.endpoint, request.method)
    if access is None:
        abort(500, description=f"route {request.endpoint} declares no access")
    if access.kind in {"public", "basic"}:
        return None  # basic: the view authenticates the client itself
    if not current_user.is_authenticated:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if current_user.role not in access.roles:
        abort(403)
    return None


def check_all_routes_declared(app: Flask) -> None:
    """Refuse to start when some route has no access declaration."""
    missing = []
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"OPTIONS"}:
            if access_of(app, rule.endpoint, method) is None:
                missing.append(f"{rule.rule} [{method}] ({rule.endpoint})")
    if missing:
        raise RuntimeError("routes without an access declaration: " + ", ".join(sorted(missing)))
