"""Admin pages: the list of accounts (filter by role, organisation unit and name) and the
form that sets one account's organisation unit and role.

Only admins may open them.  Organisation units drive the HR completion report's column and
filter, so a wrong unit is fixed here and shows in the report at once.  Each change is
confirmed with a message naming the account and the old and new values, and written to the
``elearn.audit`` log with the admin's username.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import gettext as _
from elearn.models import Role, User
from elearn.privacy import audit
from elearn.services.account_admin import (ORGANISATION_UNIT_MAX, AccountFilters,
                                           AccountProblems, change_account, clean_unit,
                                           known_units, list_accounts)
from elearn.web.forms import LazyText

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = {Role.LEARNER: "Learner", Role.TRAINER: "Trainer", Role.HR: "HR",
               Role.ADMIN: "Admin"}
FIELD_LABELS = {"organisation_unit": "Organisation unit", "role": "Role"}
LIST_KEYS = ("role", "organisation_unit", "name", "page")
NAME_MAX = 200


class AccountForm(FlaskForm):
    """Organisation unit and role of one account.  Checks are done by the service (one
    place for the rules, translated messages), so the fields carry no validators."""

    organisation_unit = StringField(LazyText("Organisation unit"),
                                    render_kw={"list": "known-units", "autocomplete": "off"})
    role = SelectField(LazyText("Role"), validate_choice=False,
                       choices=[SelectChoice(role.value, LazyText(label))
                                for role, label in ROLE_LABELS.items()])


def _list_filters() -> tuple[AccountFilters, int, dict[str, str], dict[str, list[str]]]:
    """The list's query: filters, page, the query to keep in links, and errors per field."""
    errors: dict[str, list[str]] = {}
    raw = {key: request.args.get(key, "").strip() for key in LIST_KEYS}
    role = None
    if raw["role"]:
        try:
            role = Role(raw["role"])
        except ValueError:
            errors["role"] = [_("Choose one of the listed roles.")]
    if len(raw["name"]) > NAME_MAX:
        errors["name"] = [_("At most %(max)s characters.", max=NAME_MAX)]
    page = 1
    if raw["page"]:
        if re.fullmatch(r"[0-9]+", raw["page"]) and int(raw["page"][:8]) >= 1:
            # beyond the last page shows the last page; no need to read thousands of digits
            page = int(raw["page"]) if len(raw["page"]) <= 7 else 10**7
        else:
            errors["page"] = [_("The page must be a whole number from 1 up.")]
    filters = AccountFilters(role=role, organisation_unit=raw["organisation_unit"] or None,
                             name="" if "name" in errors else raw["name"])
    keep = {key: value for key, value in raw.items()
            if value and key not in errors and key != "page"}
    return filters, page, keep, errors


@bp.get("/accounts")
@roles(Role.ADMIN)
def accounts():
    """Accounts, 50 a page, filtered by role, organisation unit and name or username."""
    filters, page, query, errors = _list_filters()
    session = get_session()
    result = list_accounts(session, filters, page=page)
    if result.page > result.pages:
        result = list_accounts(session, filters, page=result.pages)
    return render_template("admin/accounts.html", result=result, filters=filters, query=query,
                           errors=errors, units=known_units(session), role_labels=ROLE_LABELS,
                           raw=request.args), 422 if errors else 200


def _back_query() -> dict[str, str]:
    """The list's filters carried through the edit page, so saving returns to the same list."""
    return {key: request.args[key] for key in LIST_KEYS if request.args.get(key)}


def _account(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _render_edit(user: User, form: AccountForm, status: int = 200):
    return render_template("admin/account_edit.html", user=user, form=form,
                           units=known_units(get_session()), back=_back_query(),
                           role_labels=ROLE_LABELS), status


@bp.get("/accounts/<int:user_id>")
@roles(Role.ADMIN)
def account(user_id: int):
    """The form for one account's organisation unit and role."""
    user = _account(user_id)
    audit.record(get_session(), "account_view", actor_id=current_user.id, subject_id=user.id,
                 details={"page": "account"})
    form = AccountForm(data={"organisation_unit": user.organisation_unit,
                             "role": user.role.value})
    return _render_edit(user, form)


@bp.post("/accounts/<int:user_id>")
@roles(Role.ADMIN)
def save_account(user_id: int):
    """Validate and save; on any error show the form again with the errors beside their
    fields, and change nothing."""
    user = _account(user_id)
    form = AccountForm()
    if not form.validate_on_submit():
        abort(400)
    errors: dict[str, list[str]] = {}
    try:
        unit = clean_unit(form.organisation_unit.data or "")
    except ValueError as exc:
        errors["organisation_unit"] = [_(str(exc), max=ORGANISATION_UNIT_MAX)]
    try:
        role = Role(form.role.data or "")
    except ValueError:
        errors["role"] = [_("Choose one of the listed roles.")]
    if not errors:
        try:
            changes = change_account(get_session(), user, organisation_unit=unit, role=role,
                                     acting=current_user)
        except AccountProblems as problems:
            errors = {name: [_(message) for message in messages]
                      for name, messages in problems.fields.items()}
    if errors:
        for name, messages in errors.items():
            getattr(form, name).errors = messages
        return _render_edit(user, form, 422)
    flash(_describe(user, changes), "info")
    return redirect(url_for("admin.accounts", **_back_query()))


def _describe(user: User, changes: list[Any]) -> str:
    """A message that says whose account changed and from what to what."""
    if not changes:
        return _("Account %(username)s: nothing changed.", username=user.username)
    parts = []
    for change in changes:
        if change.field == "role":
            old, new = (_(ROLE_LABELS[Role(value)]) for value in (change.old, change.new))
        else:
            old, new = (value or _("(none)") for value in (change.old, change.new))
        parts.append(_("%(field)s changed from “%(old)s” to “%(new)s”",
                       field=_(FIELD_LABELS[change.field]), old=old, new=new))
    return _("Account %(username)s: %(changes)s.", username=user.username,
             changes="; ".join(parts))


def init_app(app: Flask) -> None:
    """Register the admin pages and their navigation entry."""
    from elearn.web.nav import register_nav

    app.register_blueprint(bp)
    app.config["ROLE_LANDING"].setdefault("admin", "admin.accounts")
    register_nav(app, "admin.accounts", "Accounts", order=80)
