"""The public privacy notice (``/privacy``), accessibility statement (``/accessibility``) and
its feedback form.  Each page joins the operator's texts (:mod:`elearn.privacy.notices`)
with what the service knows about itself: which data, which LRSs, which settings.

The form is a plain HTML form (no JavaScript), protected by CSRF like every form; on a
problem it is shown again with the text as written and each problem named at its field.
Anyone may send feedback without signing in, so each network address may send only
``FEEDBACK_ADDRESS_LIMIT`` stored messages (default 10 an hour, 30 a day): enough for a
whole office behind one address, too few to flood the admins' list."""
from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from elearn.access import public
from elearn.db import get_session
from elearn.i18n import current_language, ngettext
from elearn.i18n import gettext as _
from elearn.privacy import feedback
from elearn.privacy.a11y_record import last_check
from elearn.security.throttle import limiter
from elearn.xapi.destinations import destinations

bp = Blueprint("notices", __name__, template_folder="templates")


def _notices():
    return current_app.extensions["elearn.notices"]


def _destinations() -> list[dict[str, str]]:
    """Each LRS by name and host (never credentials or paths)."""
    return [{"name": d.name, "host": urlsplit(d.endpoint).hostname or "",
             "courses": ", ".join(d.courses)} for d in destinations(current_app)]


@bp.get("/privacy")
@public
def notice():
    """Tietosuojaseloste: the operator's texts and what elearn keeps, why and where."""
    config = current_app.config
    return render_template("privacy/notice.html", notices=_notices(),
                           language=current_language(), destinations=_destinations(),
                           actor_mode=config["XAPI_ACTOR"],
                           send_reflection_text=config["XAPI_SEND_REFLECTION_TEXT"],
                           keep_aggregates=config["PRIVACY_KEEP_ANONYMOUS_COMPLETIONS"],
                           retention=current_app.extensions["elearn.retention"])


def _statement(form: dict[str, str], errors: dict[str, str], status: int = 200):
    return render_template("privacy/accessibility.html", notices=_notices(),
                           language=current_language(), form=form, errors=errors,
                           check=last_check(current_app), days=feedback.ANSWER_WITHIN_DAYS,
                           message_max=feedback.MESSAGE_MAX), status


@bp.get("/accessibility")
@public
def statement():
    """Saavutettavuusseloste with the feedback form."""
    return _statement({"message": "", "contact": "", "page": request.args.get("page", "")},
                      {})


def _form() -> dict[str, str]:
    return {name: request.form.get(name, "").strip() for name in ("message", "contact", "page")}


def _too_many(limit):
    """The form again, text kept, when this address has sent its share of feedback."""
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    contact = _notices().accessibility["feedback_contact"][current_language()]
    message = ngettext("Many messages have come from your network address. Try again in "
                       "%(minutes)s minute, or write to %(contact)s.",
                       "Many messages have come from your network address. Try again in "
                       "%(minutes)s minutes, or write to %(contact)s.", minutes,
                       minutes=minutes, contact=contact)
    body, status = _statement(_form(), {"message": message}, 429)
    return current_app.make_response((body, status))


@bp.post("/accessibility/feedback")
@public
@limiter.limit(lambda: current_app.config["FEEDBACK_ADDRESS_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code == 200,
               on_breach=_too_many)
def send_feedback():
    """Store the feedback and say by when it will be answered; problems re-show the form."""
    form = _form()
    problems = feedback.check(form["message"], form["contact"], form["page"])
    if problems:
        return _statement(form, {p.field: _(p.message, **p.values) for p in problems}, 422)
    item = feedback.store(get_session(), message=form["message"], contact=form["contact"],
                          page=form["page"], language=current_language(),
                          user_id=current_user.id if current_user.is_authenticated else None)
    return render_template("privacy/feedback_thanks.html",
                           answer_by=feedback.answer_by(item.received_at),
                           days=feedback.ANSWER_WITHIN_DAYS, has_contact=bool(form["contact"]))
