"""OIDC login initiation (third-party initiated login, LTI 1.3 §5.1.1).

The platform sends the browser to ``/lti/login`` with its issuer, a login hint and the
target; elearn answers with a redirect to the platform's authorisation endpoint carrying a
fresh ``state`` and ``nonce``.  Both are stored (``LtiLoginState``) instead of being put in a
cookie: inside the platform's iframe the browser may refuse third-party cookies, and any web
worker must be able to finish the launch.  The launch spends the state once.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.lti.models import LtiHandoff, LtiLoginState, LtiNonce, LtiPlatform
from elearn.lti.validation import LaunchRefused

STATE_LIFETIME = timedelta(minutes=10)
REQUIRED = ("iss", "login_hint", "target_link_uri")


def _platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform:
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = session.scalars(query.order_by(LtiPlatform.id)).all()
    if not found:
        raise LaunchRefused("unknown_issuer", "no platform is registered with this issuer"
                            + (" and client id" if client_id else ""))
    if len(found) > 1:
        raise LaunchRefused("missing_parameter", "this issuer has several registrations; the "
                            "login must name its client_id", platform=found[0])
    return found[0]


def _purge_expired(session: Session) -> None:
    """Drop spent and expired login states, nonces and hand-offs (bounded tables)."""
    now = utcnow()
    session.execute(delete(LtiLoginState).where(LtiLoginState.expires_at < now))
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at < now))
    session.execute(delete(LtiHandoff).where(LtiHandoff.expires_at < now))


def start_login(session: Session, params: dict[str, str], public_url: str) -> str:
    """The URL of the platform's authorisation request for this login initiation."""
    for name in REQUIRED:
        if not params.get(name):
            raise LaunchRefused("missing_parameter", f"the login request has no {name}")
    platform = _platform(session, params["iss"], params.get("client_id"))
    if not platform.approved:
        raise LaunchRefused("platform_not_approved", "an elearn admin has not approved this "
                            "platform yet", status=403, platform=platform)
    target = params["target_link_uri"]
    ours = urlsplit(public_url)
    parts = urlsplit(target)
    if (parts.scheme, parts.netloc) != (ours.scheme, ours.netloc):
        raise LaunchRefused("target_link_uri", "the target link is not on this service",
                            platform=platform)
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in {d.deployment_id for d in platform.deployments}:
        raise LaunchRefused("unknown_deployment", f"deployment {deployment[:100]!r} is not "
                            "registered for this platform", platform=platform)
    _purge_expired(session)
    state = LtiLoginState(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                          platform_id=platform.id, expires_at=utcnow() + STATE_LIFETIME)
    session.add(state)
    session.flush()
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
             "prompt": "none", "client_id": platform.client_id,
             "redirect_uri": f"{public_url}/lti/launch", "login_hint": params["login_hint"],
             "state": state.state, "nonce": state.nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if urlsplit(platform.auth_login_url).query else "?"
    return platform.auth_login_url + separator + urlencode(query)
