"""Launch validation: everything that must hold before an id_token may sign anyone in.

A launch arrives as a form post from the platform (``id_token`` and ``state``), after the
OIDC login that elearn started at ``/lti/login``.  The checks run in a fixed order and the
first failure refuses the launch with a named check (``LaunchRefused.check``), so a Moodle
admin reading the page or the log knows what to fix:

1. ``state``: issued by ``/lti/login``, unexpired, unspent.  It also tells which platform
   registration the login was for; the token must come from that one.
2. the token's form: a compact JWS signed with RS256 (nothing else is accepted, so an
   ``alg: none`` or HMAC token never reaches a key).
3. ``iss`` equals the registration's issuer; the platform is approved.
4. the signature, against the platform's JWKS (cached; fetched again for an unknown ``kid``).
5. ``exp`` and ``iat``; ``aud`` holds our client id (``azp`` when several audiences);
   ``nonce`` is the one sent with this state and was never accepted before (replay);
   LTI ``version`` 1.3.0, a supported ``message_type``, a known ``deployment_id``; the
   claims the message type requires.

Only then is the state spent and the nonce stored, in the request's one transaction; a
refused launch rolls back, so it creates no account, enrolment or link.  Nothing from the
token is logged: log lines carry the check's name and the registration's issuer.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, DecodeError, InvalidKeyIdError, JoseError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.lti import claims as C
from elearn.lti.models import LtiDeployment, LtiLoginState, LtiNonce, LtiPlatform
from elearn.lti.platform_keys import PlatformKeysUnavailable, key_set_for

log = logging.getLogger("elearn.lti")

ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_LENGTH = 64 * 1024


class LaunchRefused(Exception):
    """A launch failed ``check``; ``detail`` is safe to show and log (no token contents)."""

    def __init__(self, check: str, detail: str = "", status: int = 400,
                 platform: LtiPlatform | None = None):
        super().__init__(f"{check}: {detail}" if detail else check)
        self.check = check
        self.detail = detail
        self.status = status
        self.platform = platform


@dataclass
class ValidLaunch:
    """A launch whose token passed every check."""

    platform: LtiPlatform
    deployment: LtiDeployment
    claims: dict[str, Any]
    state: LtiLoginState

    @property
    def message_type(self) -> str:
        return self.claims[C.MESSAGE_TYPE]


def _require(claims: dict[str, Any], name: str, platform: LtiPlatform) -> Any:
    value = claims.get(name)
    if value in (None, "", [], {}):
        raise LaunchRefused("missing_claim", f"the token has no {name} claim",
                            platform=platform)
    return value


def _state(session: Session, state: str | None) -> LtiLoginState:
    if not state:
        raise LaunchRefused("state", "the launch carries no state")
    row = session.scalar(select(LtiLoginState).where(LtiLoginState.state == state[:64]))
    if row is None:
        raise LaunchRefused("state", "the state was not issued by this service's login")
    if row.used_at is not None:
        raise LaunchRefused("state", "the state was already used by an earlier launch")
    if row.expires_at < utcnow():
        raise LaunchRefused("state", "the login took too long; the state has expired")
    return row


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        compact = jws.extract_compact(id_token.encode("ascii"))
        claims = json.loads(compact.payload)
    except (DecodeError, ValueError, UnicodeError, JoseError):
        raise LaunchRefused("malformed_token", "the id_token is not a signed JWT") from None
    if not isinstance(claims, dict):
        raise LaunchRefused("malformed_token", "the id_token's payload is not a JSON object")
    return dict(compact.protected), claims


def _verify(id_token: str, header: dict[str, Any], platform: LtiPlatform, *,
            max_age: float, timeout: float) -> dict[str, Any]:
    try:
        keys = key_set_for(platform.jwks_url, header.get("kid"), max_age=max_age,
                           timeout=timeout)
    except PlatformKeysUnavailable as exc:
        raise LaunchRefused("platform_keys_unavailable", str(exc), status=502,
                            platform=platform) from None
    try:
        return dict(jwt.decode(id_token, keys, algorithms=[ALGORITHM]).claims)
    except InvalidKeyIdError:
        raise LaunchRefused("bad_signature", "no key of the platform's JWKS matches the "
                            "token's kid", platform=platform) from None
    except BadSignatureError:
        raise LaunchRefused("bad_signature", "the signature does not verify with the "
                            "platform's key", platform=platform) from None
    except (JoseError, ValueError):
        raise LaunchRefused("malformed_token", "the id_token could not be decoded",
                            platform=platform) from None


def _times(claims: dict[str, Any], platform: LtiPlatform, now: float) -> None:
    exp = _require(claims, "exp", platform)
    iat = _require(claims, "iat", platform)
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise LaunchRefused("invalid_claim", "exp is not a number", platform=platform)
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise LaunchRefused("invalid_claim", "iat is not a number", platform=platform)
    if exp + CLOCK_SKEW_SECONDS < now:
        raise LaunchRefused("expired_token", "the id_token has expired", platform=platform)
    if iat - CLOCK_SKEW_SECONDS > now:
        raise LaunchRefused("invalid_claim", "iat lies in the future", platform=platform)


def _audience(claims: dict[str, Any], platform: LtiPlatform) -> None:
    aud = _require(claims, "aud", platform)
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or platform.client_id not in audiences:
        raise LaunchRefused("wrong_audience", "the token is not addressed to this tool's "
                            "client id", platform=platform)
    azp = claims.get("azp")
    if (len(audiences) > 1 or azp is not None) and azp != platform.client_id:
        raise LaunchRefused("wrong_audience", "azp is not this tool's client id",
                            platform=platform)


def _nonce(session: Session, claims: dict[str, Any], state: LtiLoginState,
           platform: LtiPlatform) -> str:
    nonce = _require(claims, "nonce", platform)
    if not isinstance(nonce, str) or len(nonce) > 255:
        raise LaunchRefused("invalid_claim", "nonce is not a string", platform=platform)
    used = session.scalar(select(LtiNonce.id).where(LtiNonce.platform_id == platform.id,
                                                    LtiNonce.nonce == nonce))
    if used is not None:
        raise LaunchRefused("nonce_reused", "this id_token (its nonce) was already used",
                            platform=platform)
    if nonce != state.nonce:
        raise LaunchRefused("nonce_mismatch", "the nonce is not the one sent with this "
                            "login", platform=platform)
    return nonce


def _lti_claims(session: Session, claims: dict[str, Any],
                platform: LtiPlatform) -> LtiDeployment:
    version = _require(claims, C.VERSION, platform)
    if version != "1.3.0":
        raise LaunchRefused("unsupported_version", "the LTI version is not 1.3.0",
                            platform=platform)
    message_type = _require(claims, C.MESSAGE_TYPE, platform)
    if message_type not in C.MESSAGE_TYPES:
        raise LaunchRefused("unsupported_message_type", "only resource link and deep "
                            "linking launches are supported", platform=platform)
    deployment_id = _require(claims, C.DEPLOYMENT_ID, platform)
    deployment = session.scalar(select(LtiDeployment).where(
        LtiDeployment.platform_id == platform.id,
        LtiDeployment.deployment_id == str(deployment_id)))
    if deployment is None:
        raise LaunchRefused("unknown_deployment", f"deployment {str(deployment_id)[:100]!r} "
                            "is not registered for this platform", platform=platform)
    sub = _require(claims, "sub", platform)
    if not isinstance(sub, str) or len(sub) > 255:
        raise LaunchRefused("invalid_claim", "sub is not a string of at most 255 "
                            "characters", platform=platform)
    if not isinstance(_require(claims, C.ROLES, platform), list):
        raise LaunchRefused("invalid_claim", f"{C.ROLES} is not a list", platform=platform)
    if message_type == C.RESOURCE_LINK_REQUEST:
        link = _require(claims, C.RESOURCE_LINK, platform)
        if not isinstance(link, dict) or not link.get("id"):
            raise LaunchRefused("missing_claim", f"the token has no {C.RESOURCE_LINK} id",
                                platform=platform)
        _require(claims, C.TARGET_LINK_URI, platform)
    else:
        settings = _require(claims, C.DEEP_LINKING_SETTINGS, platform)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise LaunchRefused("missing_claim", "the deep linking settings have no "
                                "deep_link_return_url", platform=platform)
    return deployment


def validate_launch(session: Session, form: dict[str, str], *, jwks_max_age: float,
                    http_timeout: float) -> ValidLaunch:
    """Check a launch post; spend its state and store its nonce when it passes.

    Raises :class:`LaunchRefused` naming the first failed check."""
    state = _state(session, form.get("state"))
    platform = session.get(LtiPlatform, state.platform_id)
    id_token = form.get("id_token") or ""
    if not id_token:
        raise LaunchRefused("missing_id_token", "the launch carries no id_token",
                            platform=platform)
    if len(id_token) > MAX_TOKEN_LENGTH:
        raise LaunchRefused("malformed_token", "the id_token is too long", platform=platform)
    header, unverified = _unverified(id_token)
    if header.get("alg") != ALGORITHM:
        raise LaunchRefused("unsupported_algorithm", "id_tokens must be signed with RS256",
                            platform=platform)
    if unverified.get("iss") != platform.issuer:
        raise LaunchRefused("unknown_issuer", "the token's issuer is not the platform this "
                            "login was started for", platform=platform)
    if not platform.approved:
        raise LaunchRefused("platform_not_approved", "an elearn admin has not approved this "
                            "platform yet", status=403, platform=platform)
    claims = _verify(id_token, header, platform, max_age=jwks_max_age, timeout=http_timeout)
    if claims.get("iss") != platform.issuer:  # the verified claims, not the peeked ones
        raise LaunchRefused("unknown_issuer", "the token's issuer is not this platform",
                            platform=platform)
    now = time.time()
    _times(claims, platform, now)
    _audience(claims, platform)
    nonce = _nonce(session, claims, state, platform)
    deployment = _lti_claims(session, claims, platform)
    _spend(session, state, platform, nonce, float(claims["exp"]) - now)
    return ValidLaunch(platform=platform, deployment=deployment, claims=claims, state=state)


def _spend(session: Session, state: LtiLoginState, platform: LtiPlatform, nonce: str,
           remaining: float) -> None:
    """Spend the state and store the nonce so that of two simultaneous posts of one launch
    exactly one passes: the state is spent by a conditional UPDATE, the nonce is unique."""
    spent = session.execute(update(LtiLoginState)
                            .where(LtiLoginState.id == state.id,
                                   LtiLoginState.used_at.is_(None))
                            .values(used_at=utcnow())
                            .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise LaunchRefused("state", "the state was already used by an earlier launch",
                            platform=platform)
    expires = utcnow() + timedelta(seconds=max(remaining, 0) + 2 * CLOCK_SKEW_SECONDS)
    try:
        with session.begin_nested():
            session.add(LtiNonce(platform_id=platform.id, nonce=nonce, expires_at=expires))
    except IntegrityError:
        raise LaunchRefused("nonce_reused", "this id_token (its nonce) was already used",
                            platform=platform) from None


def log_refusal(refused: LaunchRefused, where: str) -> None:
    """One log line for a refused launch: the check, the registration, no token contents."""
    platform = refused.platform
    log.warning("LTI %s refused: check=%s platform=%s (%s)", where, refused.check,
                f"{platform.issuer} client {platform.client_id}" if platform else "unknown",
                refused.detail)
