"""The tool's endpoints: OIDC login initiation, launch (resource link and deep linking), the
landing hand-off, the deep-linking picker's answer, the public keys and dynamic registration.

Views parse, authorise and render; the rules are in ``validation``, ``launch``,
``deep_linking`` and ``registration``.  Launch and picker posts arrive from the platform's
pages, so they carry no elearn CSRF token: the signed id_token with its one-time state, or
the signed picker context, protect them instead (``cross_site_form``).
"""
from __future__ import annotations

import logging

from flask import (Blueprint, Response, current_app, g, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import current_user

from elearn.access import public
from elearn.auth import start_session
from elearn.db import get_session
from elearn.i18n import current_language
from elearn.lti import claims as C
from elearn.lti import deep_linking
from elearn.lti.framing import (allow_form_posts_to, allow_framing_by, remember_platform)
from elearn.lti.keys import public_jwks
from elearn.lti.launch import (LaunchResult, handoff_for, link_account, new_handoff,
                               resource_link_launch, role_for, spend_handoff)
from elearn.lti.login import start_login
from elearn.lti.models import LtiPlatform
from elearn.lti.platforms import origin_of
from elearn.lti.registration import RegistrationFailed, ToolUrls, register_dynamically
from elearn.lti.validation import LaunchRefused, ValidLaunch, log_refusal, validate_launch
from elearn.models import Role, User
from elearn.services import learning
from elearn.services.course_structure import structure_of
from elearn.services.i18n_text import text_in

log = logging.getLogger("elearn.lti")
bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")


def cross_site_form(view):
    """Mark a view whose POSTs come from the platform's pages (no elearn CSRF token)."""
    view.cross_site_form = True
    return view


def _refused(refused: LaunchRefused, where: str):
    log_refusal(refused, where)
    if refused.platform is not None:
        allow_framing_by(origin_of(refused.platform.auth_login_url))
    return render_template("lti/refused.html", refused=refused, where=where), refused.status


@bp.route("/login", methods=["GET", "POST"])
@public
@cross_site_form
def login():
    """OIDC login initiation: redirect to the platform's authorisation endpoint."""
    params = {key: value for key, value in (request.form if request.method == "POST"
                                            else request.args).items()}
    try:
        url = start_login(get_session(), params, current_app.config["PUBLIC_URL"])
    except LaunchRefused as refused:
        return _refused(refused, "login")
    return redirect(url, code=302)


@bp.post("/launch")
@public
@cross_site_form
def launch():
    """The platform's form post with ``id_token`` and ``state``."""
    session = get_session()
    config = current_app.config
    try:
        valid = validate_launch(session, request.form.to_dict(),
                                jwks_max_age=config["LTI_JWKS_CACHE_SECONDS"],
                                http_timeout=config["LTI_HTTP_TIMEOUT_SECONDS"])
        if valid.message_type == C.DEEP_LINKING_REQUEST:
            return _picker(valid)
        result = resource_link_launch(session, valid,
                                      keep_personal=config["LTI_KEEP_NAME_AND_EMAIL"])
    except LaunchRefused as refused:
        return _refused(refused, "launch")
    origin = origin_of(valid.platform.auth_login_url)
    start_session(result.user)
    remember_platform(origin)
    token = new_handoff(session, result.user, valid.platform, _landing_target(result))
    log.info("LTI launch: platform=%s user=%s role=%s course=%s", valid.platform.issuer,
             result.user.id, result.role.value, result.placement.course_slug)
    return redirect(url_for(".landing", token=token), code=303)


def _landing_target(result: LaunchResult) -> str:
    if result.role == Role.ADMIN:
        return url_for("lti_admin.index")
    if result.role == Role.TRAINER:
        endpoint = current_app.config["ROLE_LANDING"].get("trainer", "auth.home")
        return url_for(endpoint)
    slug = result.placement.course_slug
    unit_key = result.placement.unit_key
    if unit_key is None:
        unit_key = learning.progress_of(get_session(), result.enrolment).resume_unit_key
    if unit_key is None:
        return url_for("learner.overview", slug=slug)
    return url_for("learner.unit", slug=slug, unit_key=unit_key)


@bp.get("/landing/<token>")
@public
def landing(token: str):
    """Where a launch lands.  With the session cookie: on to the course.  Without it (the
    browser refused the cookie in the frame): a page offering a new window, where the
    one-time ticket signs the person in."""
    session = get_session()
    handoff = handoff_for(session, token)
    if handoff is None:
        return render_template("lti/expired.html"), 400
    platform = session.get(LtiPlatform, handoff.platform_id)
    origin = origin_of(platform.auth_login_url)
    allow_framing_by(origin)
    if current_user.is_authenticated and current_user.id == handoff.user_id:
        if handoff.used_at is None:
            spend_handoff(session, handoff)
        return redirect(handoff.target, code=303)
    if request.args.get("window") == "new" and handoff.used_at is None:
        start_session(session.get(User, handoff.user_id))
        remember_platform(origin)
        spend_handoff(session, handoff)
        return redirect(handoff.target, code=303)
    if handoff.used_at is not None:
        return render_template("lti/expired.html"), 400
    return render_template("lti/cookies_blocked.html",
                           new_window=url_for(".landing", token=token, window="new"))


# --- deep linking ----------------------------------------------------------------------------

def _picker(valid: ValidLaunch):
    """The course-and-unit picker for a teacher's deep-linking request."""
    if role_for(valid.claims[C.ROLES]) == Role.LEARNER:
        raise LaunchRefused("role", "adding elearn to a course needs an instructor, content "
                            "developer or administrator role", status=403,
                            platform=valid.platform)
    presentation = valid.claims.get(C.LAUNCH_PRESENTATION)
    locale = presentation.get("locale") if isinstance(presentation, dict) else None
    language = str(locale or "")[:2].lower()
    if language not in current_app.config["LANGUAGES"]:
        language = current_language()
    g.language = language
    link_account(get_session(), valid,
                 keep_personal=current_app.config["LTI_KEEP_NAME_AND_EMAIL"])
    context = deep_linking.picker_context(valid, language)
    allow_framing_by(origin_of(valid.platform.auth_login_url))
    return render_template("lti/picker.html", courses=_choices(),
                           context=deep_linking.sign_context(
                               current_app.config["SECRET_KEY"], context))


def _choices():
    session = get_session()
    courses = []
    for version in learning.latest_versions(session):
        structure = structure_of(session, version)
        courses.append({"slug": version.course.slug, "title": version.title,
                        "units": [{"key": unit.unit_key, "title": unit.title}
                                  for unit in structure.units]})
    return courses


@bp.post("/deep-link")
@public
@cross_site_form
def deep_link_response():
    """The teacher's choice → the signed LtiDeepLinkingResponse, posted to the platform."""
    config = current_app.config
    context = deep_linking.read_context(config["SECRET_KEY"], request.form.get("context", ""))
    if context is None:
        return render_template("lti/expired.html"), 400
    g.language = context.language
    platform = get_session().get(LtiPlatform, context.platform_id)
    if platform is None or not platform.approved:
        return render_template("lti/expired.html"), 400
    origin = origin_of(platform.auth_login_url)
    allow_framing_by(origin)
    choice = _chosen(request.form.get("item", ""))
    if choice is None:
        return render_template("lti/picker.html", courses=_choices(), missing=True,
                               context=request.form.get("context", "")), 400
    token = deep_linking.response_jwt(
        get_session(), platform, context,
        [deep_linking.content_item(choice, ToolUrls(config["PUBLIC_URL"]).launch)])
    allow_form_posts_to(origin_of(context.return_url))
    return render_template("lti/deep_link_return.html", return_url=context.return_url,
                           jwt=token, choice=choice)


def _chosen(item: str) -> deep_linking.Choice | None:
    """``course:<slug>`` or ``unit:<slug>:<unit key>`` of a published course."""
    kind, _, rest = item.partition(":")
    slug, _, unit_key = rest.partition(":")
    if kind not in {"course", "unit"} or not slug or (kind == "unit") != bool(unit_key):
        return None
    for course in _choices():
        if course["slug"] != slug:
            continue
        language = current_language()
        if kind == "course":
            return deep_linking.Choice(slug, None, text_in(course["title"], language))
        for unit in course["units"]:
            if unit["key"] == unit_key:
                return deep_linking.Choice(slug, unit_key, text_in(unit["title"], language))
    return None


# --- keys and registration --------------------------------------------------------------------

@bp.get("/jwks")
@public
def jwks():
    response: Response = jsonify(public_jwks(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/register")
@public
def register():
    """LTI Dynamic Registration, opened by the platform with ``openid_configuration``."""
    config = current_app.config
    openid_configuration = request.args.get("openid_configuration", "")
    if not openid_configuration:
        return render_template("lti/registered.html", error="missing"), 400
    allow_framing_by(origin_of(openid_configuration))
    try:
        platform = register_dynamically(
            get_session(), openid_configuration, request.args.get("registration_token"),
            ToolUrls(config["PUBLIC_URL"]), personal_claims=config["LTI_KEEP_NAME_AND_EMAIL"],
            timeout=config["LTI_HTTP_TIMEOUT_SECONDS"])
    except RegistrationFailed as exc:
        log.warning("LTI dynamic registration refused: %s", exc)
        return render_template("lti/registered.html", error=str(exc)), 400
    except ValueError as exc:  # a field of the platform's answer broke a registration rule
        log.warning("LTI dynamic registration refused: %s", exc)
        return render_template("lti/registered.html", error=str(exc)), 400
    log.info("LTI platform registered dynamically, pending approval: %s client %s",
             platform.issuer, platform.client_id)
    return render_template("lti/registered.html", platform=platform, error=None)
