"""Main navigation: each feature registers its entry; users see only what their role may open."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from elearn.i18n import gettext


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: str  # message id, translated at render time
    order: int = 100
    place: str = "menu"  # "menu": the main menu; "tools": beside the user's name


def register_nav(app: Flask, endpoint: str, label: str, order: int = 100,
                 place: str = "menu") -> None:
    """Add an entry; ``place="tools"`` puts a personal page (the person's own data) beside
    the user's name, so that the main menu holds only the role's work and fits one row."""
    app.extensions.setdefault("elearn.nav", []).append(NavEntry(endpoint, label, order, place))


def nav_items(place: str = "menu") -> list[dict]:
    """Entries at ``place`` whose route admits the current user's role, in display order."""
    from elearn.access import access_of

    if not current_user.is_authenticated:
        return []
    items = []
    for entry in sorted(current_app.extensions.get("elearn.nav", []), key=lambda e: e.order):
        if entry.place != place:
            continue
        access = access_of(current_app, entry.endpoint, "GET")
        if access is None or not access.admits(current_user.role):
            continue
        url = url_for(entry.endpoint)
        items.append({"url": url, "label": gettext(entry.label),
                      "current": request.path == url or request.path.startswith(url + "/")})
    return items


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
