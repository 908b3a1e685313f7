"""Deep linking (LTI Deep Linking 2.0): a teacher adding elearn to a platform course picks
the whole course or one unit, and elearn answers with a signed ``LtiDeepLinkingResponse``.

The picker keeps no server-side session: what the response needs from the request (the
platform, the deployment, the return URL, the opaque ``data``) travels in a form field signed
with the service's secret and valid for an hour, so the picker works inside the platform's
frame even when the browser refuses elearn's cookie there.

The content item is an ``ltiResourceLink`` whose custom parameters name the course and unit
(every later launch of it carries them back) and whose ``lineItem`` makes the gradebook
column exist from the start, with the score maximum elearn reports against.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from sqlalchemy.orm import Session

from elearn.lti import claims as C
from elearn.lti.keys import ALGORITHM, current_key
from elearn.lti.models import LtiPlatform
from elearn.lti.validation import ValidLaunch

PICKER_LIFETIME_SECONDS = 3600
RESPONSE_LIFETIME_SECONDS = 300
SCORE_MAXIMUM = 100
_SALT = "elearn.lti.deep-linking"


@dataclass(frozen=True)
class PickerContext:
    platform_id: int
    deployment_id: str
    return_url: str
    data: str | None
    language: str
    accept_multiple: bool


def picker_context(launch: ValidLaunch, language: str) -> PickerContext:
    settings = launch.claims[C.DEEP_LINKING_SETTINGS]
    data = settings.get("data")
    return PickerContext(platform_id=launch.platform.id,
                         deployment_id=launch.deployment.deployment_id,
                         return_url=str(settings["deep_link_return_url"]),
                         data=None if data is None else str(data), language=language,
                         accept_multiple=bool(settings.get("accept_multiple", False)))


def sign_context(secret_key: str, context: PickerContext) -> str:
    return URLSafeTimedSerializer(secret_key, salt=_SALT).dumps(context.__dict__)


def read_context(secret_key: str, token: str) -> PickerContext | None:
    """The picker context in ``token``, or None when forged or older than an hour."""
    try:
        values = URLSafeTimedSerializer(secret_key, salt=_SALT).loads(
            token, max_age=PICKER_LIFETIME_SECONDS)
        return PickerContext(**values)
    except (BadSignature, TypeError):
        return None


@dataclass(frozen=True)
class Choice:
    course_slug: str
    unit_key: str | None
    title: str


def content_item(choice: Choice, launch_url: str) -> dict[str, Any]:
    custom = {"course": choice.course_slug}
    if choice.unit_key:
        custom["unit"] = choice.unit_key
    resource = choice.course_slug + (f"/{choice.unit_key}" if choice.unit_key else "")
    return {"type": "ltiResourceLink", "title": choice.title, "url": launch_url,
            "custom": custom,
            "lineItem": {"scoreMaximum": SCORE_MAXIMUM, "label": choice.title,
                         "resourceId": resource}}


def response_jwt(session: Session, platform: LtiPlatform, context: PickerContext,
                 items: list[dict[str, Any]]) -> str:
    """The signed LtiDeepLinkingResponse for ``items``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": platform.client_id, "aud": platform.issuer, "iat": now,
        "exp": now + RESPONSE_LIFETIME_SECONDS, "nonce": secrets.token_urlsafe(16),
        C.MESSAGE_TYPE: C.DEEP_LINKING_RESPONSE, C.VERSION: "1.3.0",
        C.DEPLOYMENT_ID: context.deployment_id, C.CONTENT_ITEMS: items}
    if context.data is not None:
        claims[C.DL_DATA] = context.data
    key = current_key(session)
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)
