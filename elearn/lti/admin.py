"""``/admin/lti``: the tool's values a Moodle admin types in, and the registered platforms
with their deployments; pending platforms (from dynamic registration) are approved here.

Admins only.  Approving or removing is a CSRF-protected form post, written to the
``elearn.audit`` log with the admin's username.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from elearn.access import roles
from elearn.db import get_session
from elearn.i18n import gettext as _
from elearn.lti.models import LtiPlatform
from elearn.lti.platforms import approve as approve_platform
from elearn.lti.platforms import list_platforms
from elearn.lti.platforms import remove as remove_platform
from elearn.lti.registration import ToolUrls
from elearn.models import Role

audit = logging.getLogger("elearn.audit")
bp = Blueprint("lti_admin", __name__, url_prefix="/admin/lti", template_folder="templates")


@bp.get("")
@roles(Role.ADMIN)
def index():
    return render_template("lti/admin.html", platforms=list_platforms(get_session()),
                           tool=ToolUrls(current_app.config["PUBLIC_URL"]).as_rows())


def _platform_or_404(platform_id: int) -> LtiPlatform:
    platform = get_session().get(LtiPlatform, platform_id)
    if platform is None:
        abort(404)
    return platform


@bp.post("/platforms/<int:platform_id>/approve")
@roles(Role.ADMIN)
def approve(platform_id: int):
    platform = approve_platform(get_session(), _platform_or_404(platform_id))
    audit.info("%s approved LTI platform %s client %s", current_user.username,
               platform.issuer, platform.client_id)
    flash(_("Approved %(name)s: its launches are accepted now.", name=platform.issuer),
          "info")
    return redirect(url_for(".index"), code=303)


@bp.post("/platforms/<int:platform_id>/remove")
@roles(Role.ADMIN)
def remove(platform_id: int):
    platform = _platform_or_404(platform_id)
    issuer, client_id = platform.issuer, platform.client_id
    remove_platform(get_session(), platform)
    audit.info("%s removed LTI platform %s client %s", current_user.username, issuer,
               client_id)
    flash(_("Removed %(name)s.", name=issuer), "info")
    return redirect(url_for(".index"), code=303)
