"""Login, logout and the interface-language switch."""
from __future__ import annotations

import math
import time

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template,
                   request, send_from_directory, session, url_for)
from flask_login import current_user

from elearn.access import public, roles
from elearn.auth import safe_next, sign_out, start_session
from elearn.db import get_session
from elearn.i18n import gettext as _
from elearn.i18n import ngettext
from elearn.security.throttle import device_of, limit_failed_logins, remember_device
from elearn.services.accounts import authenticate
from elearn.web.forms import LanguageForm, LoginForm

bp = Blueprint("auth", __name__)


def landing_url() -> str:
    """Where a signed-in user starts: the first page their role can use."""
    endpoints = current_app.config.get("ROLE_LANDING", {})
    endpoint = endpoints.get(current_user.role.value) if current_user.is_authenticated else None
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("auth.home")


@bp.get("/")
@public
def home():
    if current_user.is_authenticated:
        return redirect(landing_url())
    return redirect(url_for("auth.login"))


@bp.get("/favicon.ico")
@public
def favicon():
    """Browsers ask every site for /favicon.ico; the icon itself is in static/."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


def _address_over_limit(limit):
    """The sign-in page when this address has failed too often (elearn.security.throttle)."""
    form = LoginForm()
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    form.username.errors = [ngettext(
        "Too many failed sign-ins from your network address. Try again in %(minutes)s minute.",
        "Too many failed sign-ins from your network address. Try again in %(minutes)s minutes.",
        minutes, minutes=minutes)]
    return make_response(render_template("auth/login.html", form=form), 429)


@bp.route("/login", methods=["GET", "POST"])
@public
@limit_failed_logins(on_breach=_address_over_limit)
def login():
    form = LoginForm()
    status = 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        outcome = authenticate(
            get_session(), form.username.data, form.password.data, request.remote_addr or "",
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lockout_seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"],
            device=device_of(form.username.data))
        if outcome.user is not None:
            start_session(outcome.user)
            return remember_device(redirect(safe_next(form.next.data) or landing_url()),
                                   outcome.user.username)
        g.commit_on_error = True  # keep the failure record that drives throttling
        if outcome.locked_for_seconds:
            minutes = max(1, (outcome.locked_for_seconds + 59) // 60)
            form.username.errors.append(
                ngettext("Too many failed attempts. Try again in %(minutes)s minute.",
                         "Too many failed attempts. Try again in %(minutes)s minutes.", minutes,
                         minutes=minutes))
            status = 429
        else:
            form.password.errors.append(_("Wrong username or password."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@roles()
def logout():
    language = g.get("language")
    sign_out(get_session(), current_user._get_current_object())
    session["language"] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.language.data in current_app.config["LANGUAGES"]:
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.preferred_language = form.language.data
    return redirect(safe_next(form.next.data) or url_for("auth.home"))
