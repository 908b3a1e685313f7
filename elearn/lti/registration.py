"""LTI Dynamic Registration 1.0: a Moodle admin pastes elearn's registration URL into
"Manage tools"; Moodle opens it with ``openid_configuration`` and ``registration_token``;
elearn reads the platform's configuration, registers itself at the platform's registration
endpoint, and records the platform as *pending*.

Anyone who can reach ``/lti/register`` can start this, so nothing it records can launch until
an elearn admin approves the platform (``/admin/lti`` or ``elearn lti platforms approve``).
The configuration URL must be https (plain http only on loopback, for local tests) and must
lie under the issuer it declares; answers are size-capped and time-limited.
"""
from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy.orm import Session

from elearn.lti import claims as C
from elearn.lti.models import LtiPlatform
from elearn.lti.platforms import Registration, register

MAX_BYTES = 256 * 1024
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
TOOL_NAME = "Verkostojohtaminen – elearn"


class RegistrationFailed(ValueError):
    """Dynamic registration could not complete; the message is safe to show."""


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(url: str, what: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and _loopback(parts.hostname):
        return url
    raise RegistrationFailed(f"{what} must be an https:// URL")


def _json(response: requests.Response, what: str) -> dict[str, Any]:
    body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    if len(body) > MAX_BYTES:
        raise RegistrationFailed(f"the {what} is larger than {MAX_BYTES} bytes")
    try:
        document = json.loads(body)
    except ValueError:
        raise RegistrationFailed(f"the {what} is not JSON") from None
    if not isinstance(document, dict):
        raise RegistrationFailed(f"the {what} is not a JSON object")
    return document


@dataclass(frozen=True)
class ToolUrls:
    """The tool's own URLs a platform needs (also printed by ``elearn lti tool-config``)."""

    public_url: str

    @property
    def login(self) -> str:
        return f"{self.public_url}/lti/login"

    @property
    def launch(self) -> str:
        return f"{self.public_url}/lti/launch"

    @property
    def jwks(self) -> str:
        return f"{self.public_url}/lti/jwks"

    @property
    def deep_linking(self) -> str:
        return f"{self.public_url}/lti/launch"

    @property
    def registration(self) -> str:
        return f"{self.public_url}/lti/register"

    @property
    def domain(self) -> str:
        return urlsplit(self.public_url).netloc

    def as_rows(self) -> list[tuple[str, str]]:
        """(Moodle's field name, value) for the manual registration form."""
        return [("Tool URL", self.launch), ("Public key type", "Keyset URL"),
                ("Public keyset", self.jwks), ("Initiate login URL", self.login),
                ("Redirection URI(s)", self.launch),
                ("Content Selection URL (Deep Linking)", self.deep_linking),
                ("Dynamic registration URL", self.registration)]


def client_metadata(urls: ToolUrls, *, personal_claims: bool) -> dict[str, Any]:
    claims = ["iss", "sub"] + (["name", "given_name", "family_name", "email"]
                               if personal_claims else [])
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": TOOL_NAME,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join((*C.AGS_SCOPES, C.NRPS_SCOPE)),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "target_link_uri": urls.launch,
            "description": "Verkostojohtamisen verkkokurssi / Network leadership course",
            "claims": claims,
            "messages": [{"type": C.DEEP_LINKING_REQUEST, "target_link_uri": urls.deep_linking,
                          "label": TOOL_NAME}],
        },
    }


def register_dynamically(session: Session, openid_configuration: str,
                         registration_token: str | None, urls: ToolUrls, *,
                         personal_claims: bool, timeout: float) -> LtiPlatform:
    """Run the registration exchange and record the platform as pending."""
    _check_url(openid_configuration, "openid_configuration")
    try:
        response = requests.get(openid_configuration, timeout=timeout, stream=True,
                                headers={"Accept": "application/json"})
    except requests.RequestException as exc:
        raise RegistrationFailed("could not fetch the platform's configuration "
                                 f"({type(exc).__name__})") from None
    if response.status_code != 200:
        raise RegistrationFailed(f"the platform's configuration answered "
                                 f"{response.status_code}")
    config = _json(response, "platform's configuration")
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise RegistrationFailed("the platform's configuration names no issuer")
    if not openid_configuration.startswith(issuer.rstrip("/")):
        raise RegistrationFailed("the configuration URL does not lie under the issuer it "
                                 "declares")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri",
                 "registration_endpoint"):
        value = config.get(name)
        if not isinstance(value, str):
            raise RegistrationFailed(f"the platform's configuration has no {name}")
        endpoints[name] = _check_url(value, name)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    try:
        answer = requests.post(endpoints["registration_endpoint"], timeout=timeout,
                               stream=True, headers=headers,
                               data=json.dumps(client_metadata(
                                   urls, personal_claims=personal_claims)))
    except requests.RequestException as exc:
        raise RegistrationFailed("could not reach the platform's registration endpoint "
                                 f"({type(exc).__name__})") from None
    if answer.status_code not in (200, 201):
        raise RegistrationFailed(f"the platform refused the registration "
                                 f"({answer.status_code})")
    registered = _json(answer, "registration answer")
    client_id = registered.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationFailed("the registration answer has no client_id")
    tool_config = registered.get(TOOL_CONFIGURATION)
    deployment_id = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    product = config.get(PLATFORM_CONFIGURATION)
    name = product.get("product_family_code", "") if isinstance(product, dict) else ""
    return register(session, Registration(
        issuer=issuer, client_id=client_id, auth_login_url=endpoints["authorization_endpoint"],
        token_url=endpoints["token_endpoint"], jwks_url=endpoints["jwks_uri"],
        deployment_ids=(str(deployment_id),) if deployment_id else (),
        name=f"{name} {urlsplit(issuer).netloc}".strip()),
        status="pending", registered_by="dynamic")
