"""An LTI 1.3 platform for the tests, served over real HTTP on loopback in a thread.

It plays Moodle's part with the PyPI package ``lti1p3platform`` (an implementation
independent of elearn's tool code): the OIDC login initiation URL it sends the browser to,
the check of the tool's authorisation request (client id, nonce, state, redirect URI), the
RS256-signed id_token and its auto-submitted form post, the platform's JWKS, and the
verification of the tool's signed deep-linking response against the tool's JWKS fetched
over HTTP.  Written here in test code, because the package has no part for them:

* LTI Dynamic Registration (the openid configuration and the registration endpoint);
* the checks the package leaves to its caller: the redirect URI is one the tool
  registered, and a deep-linking response is addressed to this platform (``aud``), comes from
  the registered client (``iss``), names the deployment and echoes the request's ``data``;
* the course page that frames a launch for the browser tests, and a key rotation;
* misbehaviour on request (``LaunchPlan``): expired, mis-addressed, unsigned-by-us or
  claim-less tokens, for the refused-launch tests.

Served as ``http://localhost:PORT`` while elearn runs on ``127.0.0.1``: two different sites for
the browser, as Moodle and elearn are in production.  The platform's services (token, AGS,
NRPS) are a blueprint of their own registered on the same app.
"""
from __future__ import annotations

import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, redirect, request
from lti1p3platform.exceptions import LtiException
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from werkzeug.serving import make_server

from tests.lti.platform.state import LaunchPlan, PlatformState

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class PemKey:
    private: str
    public: str

    @classmethod
    def generate(cls) -> PemKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode(),
            key.public_key().public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo
                                          ).decode())

    @property
    def kid(self) -> str:
        return Registration.get_jwk(self.public)["kid"]


@dataclass
class ToolEnd:
    """What the platform knows of the tool (typed in by an admin, or sent when it registered)."""

    login_url: str
    launch_url: str
    jwks_url: str
    deep_link_url: str
    redirect_uris: list[str] = field(default_factory=list)


class _KidRegistration(Registration):
    """A registration whose token header names a chosen kid (for the bad-signature case)."""

    claimed_kid: str | None = None

    def get_kid(self):
        return self.claimed_kid or super().get_kid()


class FlaskRequest(Request):
    def build_metadata(self, flask_request: Any) -> TRequest:
        return {"method": flask_request.method, "form_data": flask_request.form.to_dict(),
                "get_data": flask_request.args.to_dict(), "headers": flask_request.headers,
                "content_type": flask_request.content_type, "path": flask_request.path,
                "json": None}


class TestPlatform:
    """One Moodle-like platform with one registration of elearn."""

    def __init__(self, host: str = "localhost"):
        self.app = Flask("test-lti-platform")
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base_url = f"http://{host}:{self.server.server_port}"
        self.issuer = self.base_url
        self.client_id = "elearn-" + secrets.token_hex(4)
        self.deployment_id = "deployment-1"
        self.keys = [PemKey.generate()]
        self.rogue = PemKey.generate()
        self.state = PlatformState()
        self.tool: ToolEnd | None = None
        self.registration_token = secrets.token_urlsafe(16)
        self._thread: threading.Thread | None = None
        _routes(self)

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> TestPlatform:
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        name="test-lti-platform", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def register_blueprint(self, blueprint) -> None:
        """Add endpoints (the services: token, AGS, NRPS) to this platform's app."""
        self.app.register_blueprint(blueprint)

    # --- what an admin sees and does ------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.base_url + "/auth"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "/jwks"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    @property
    def openid_configuration_url(self) -> str:
        return self.base_url + "/.well-known/openid-configuration"

    def configure_tool(self, tool_url: str) -> None:
        """Type elearn's values into the tool form (manual registration's platform half)."""
        self.tool = ToolEnd(login_url=f"{tool_url}/lti/login",
                            launch_url=f"{tool_url}/lti/launch",
                            jwks_url=f"{tool_url}/lti/jwks",
                            deep_link_url=f"{tool_url}/lti/launch",
                            redirect_uris=[f"{tool_url}/lti/launch"])

    def rotate_key(self) -> PemKey:
        """A new signing key, published beside the old one."""
        key = PemKey.generate()
        self.keys.append(key)
        return key

    @property
    def signing_key(self) -> PemKey:
        return self.keys[-1]

    # --- launches -----------------------------------------------------------------------------

    def plan(self, user: str = "moodle-user-1", roles: list[str] | None = None,
             **fields: Any) -> str:
        """Prepare a launch; returns the ``lti_message_hint`` naming it."""
        hint = secrets.token_urlsafe(8)
        with self.state.lock:
            self.state.plans[hint] = LaunchPlan(user=user, roles=roles or [LEARNER], **fields)
        return hint

    def login_initiation_url(self, hint: str) -> str:
        """Where a click on the activity sends the browser: the tool's login URL."""
        plan = self.state.plans[hint]
        login = _Login(FlaskRequest.__new__(FlaskRequest), self.conf())
        login.set_lti_message_hint(hint=hint)
        if plan.message_type == "LtiDeepLinkingRequest":
            login.set_launch_url(self.tool.deep_link_url)
        return login.prepare_preflight_url(plan.user)

    def conf(self, registration: Registration | None = None) -> LTI1P3PlatformConfAbstract:
        platform = self

        class _Conf(LTI1P3PlatformConfAbstract):
            def init_platform_config(self, **kwargs: Any) -> None:
                pass

            def get_registration_by_params(self, **kwargs: Any) -> Registration:
                return registration or platform.registration()

        return _Conf()

    def registration(self, key: PemKey | None = None,
                     claimed_kid: str | None = None) -> Registration:
        if self.tool is None:
            raise LookupError("the tool is not configured in the platform")
        key = key or self.signing_key
        reg = _KidRegistration()
        reg.claimed_kid = claimed_kid
        return (reg.set_iss(self.issuer).set_client_id(self.client_id)
                .set_deployment_id(self.deployment_id).set_oidc_login_url(self.tool.login_url)
                .set_launch_url(self.tool.launch_url)
                .set_deeplink_launch_url(self.tool.deep_link_url)
                .set_tool_key_set_url(self.tool.jwks_url)
                .set_platform_public_key(key.public).set_platform_private_key(key.private))

    def course_page_url(self, hint: str) -> str:
        """A platform page that frames the launch, as Moodle shows an External tool."""
        return f"{self.base_url}/course/{hint}"


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> Response:
        return redirect(url)


class _Launch(LTIAdvantageMessageLaunchAbstract):
    plan: LaunchPlan

    def get_launch_data(self):
        message, state = super().get_launch_data()
        plan = self.plan
        message.update(plan.override)
        for name in plan.drop:
            message.pop(name, None)
        if plan.nonce is not None:
            message["nonce"] = plan.nonce
        return message, (plan.state if plan.state is not None else state)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Response:
        fields = "".join(f'<input type="hidden" name="{html.escape(k)}" '
                         f'value="{html.escape(str(launch_data[k]))}">'
                         for k in ("id_token", "state"))
        body = (f'<!doctype html><html><body onload="document.forms[0].submit()">'
                f'<form method="post" action="{html.escape(launch_data["launch_url"])}">'
                f'{fields}<button type="submit">Continue</button></form></body></html>')
        return Response(body, mimetype="text/html")


def _launch_claims(platform: TestPlatform, launch: _Launch, plan: LaunchPlan, hint: str) -> None:
    launch.set_user_data(plan.user, plan.roles, full_name=plan.name, email_address=plan.email)
    launch.set_launch_context_claim(plan.context_id, context_title=plan.context_title,
                                    context_types=["http://purl.imsglobal.org/vocab/lis/v2/"
                                                   "course#CourseOffering"])
    launch.set_launch_presentation_claim(document_target="iframe")
    if plan.locale:
        launch.set_extra_claims({"https://purl.imsglobal.org/spec/lti/claim/"
                                 "launch_presentation": {"document_target": "iframe",
                                                         "locale": plan.locale}})
    if plan.custom:
        launch.set_custom_parameters_claim(dict(plan.custom))
    if plan.message_type == "LtiDeepLinkingRequest":
        launch.set_dl(f"{platform.base_url}/deep-link-return/{hint}", title="Add activity",
                      accept_types={"ltiResourceLink"}, extra_data=f"data-{hint}")
    else:
        launch.set_resource_link_claim(plan.resource_link_id, title="Verkostojohtaminen")
    if plan.extra_claims:
        launch.set_extra_claims(dict(plan.extra_claims))
    launch.set_id_token_expiration(plan.lifetime)


def _routes(platform: TestPlatform) -> None:
    app = platform.app

    @app.get("/.well-known/openid-configuration")
    def openid_configuration():
        return jsonify({
            "issuer": platform.issuer,
            "authorization_endpoint": platform.auth_url,
            "token_endpoint": platform.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "jwks_uri": platform.jwks_url,
            "registration_endpoint": platform.base_url + "/register",
            "scopes_supported": ["openid"],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle", "version": "4.5",
                "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                       {"type": "LtiDeepLinkingRequest"}]}})

    @app.post("/register")
    def register():
        if request.headers.get("Authorization") != f"Bearer {platform.registration_token}":
            return jsonify({"error": "invalid_token"}), 401
        body = request.get_json(force=True)
        platform.state.record("registrations", body)
        tool = body[TOOL_CONFIGURATION]
        messages = {m["type"]: m.get("target_link_uri") for m in tool.get("messages", [])}
        platform.tool = ToolEnd(
            login_url=body["initiate_login_uri"], launch_url=tool["target_link_uri"],
            jwks_url=body["jwks_uri"],
            deep_link_url=messages.get("LtiDeepLinkingRequest") or tool["target_link_uri"],
            redirect_uris=list(body["redirect_uris"]))
        answer = dict(body)
        answer["client_id"] = platform.client_id
        answer[TOOL_CONFIGURATION] = dict(tool, deployment_id=platform.deployment_id)
        return jsonify(answer)

    @app.get("/jwks")
    def jwks():
        platform.state.record("jwks_fetches", time.time())
        return jsonify({"keys": [Registration.get_jwk(key.public) for key in platform.keys]})

    @app.get("/auth")
    def auth():
        """The OIDC authorisation endpoint: check the tool's request, sign, form-post."""
        query = request.args.to_dict()
        platform.state.record("auth_requests", query)
        plan = platform.state.plans.get(query.get("lti_message_hint", ""))
        problems = []
        if plan is None:
            problems.append("unknown lti_message_hint")
        elif query.get("login_hint") != plan.user:
            problems.append("login_hint is not the user the login started for")
        if query.get("redirect_uri") not in (platform.tool.redirect_uris if platform.tool else []):
            problems.append("redirect_uri is not registered")
        for name, expected in (("scope", "openid"), ("response_type", "id_token"),
                               ("response_mode", "form_post"), ("prompt", "none")):
            if query.get(name) != expected:
                problems.append(f"{name} must be {expected}")
        if problems:
            platform.state.record("auth_refusals", "; ".join(problems))
            abort(400, "; ".join(problems))
        key = platform.rogue if plan.rogue_key else platform.signing_key
        registration = platform.registration(key, claimed_kid=plan.claimed_kid)
        launch = _Launch(FlaskRequest(request), platform.conf(registration))
        launch.plan = plan
        _launch_claims(platform, launch, plan, query["lti_message_hint"])
        try:
            response = launch.lti_launch()
        except LtiException as exc:
            platform.state.record("auth_refusals", str(exc))
            abort(400, str(exc))
        except AssertionError:
            platform.state.record("auth_refusals", "preflight validation failed")
            abort(400, "preflight validation failed")
        token = _form_value(response.get_data(as_text=True), "id_token")
        platform.state.record("id_tokens", _claims_of(token))
        return response

    @app.post("/deep-link-return/<hint>")
    def deep_link_return(hint: str):
        """Verify the tool's LtiDeepLinkingResponse with the tool's JWKS (fetched each time,
        as a platform meeting an unknown kid does) and record the content items."""
        conf = platform.conf()
        conf.get_registration()  # the library reads the registration it was given first
        try:
            items = conf.validate_deeplinking_resp(request.form.to_dict())
        except Exception as exc:  # noqa: BLE001 - any refusal is recorded for the tests
            platform.state.record("deep_link_refusals", f"{type(exc).__name__}: {exc}")
            return Response("refused", status=400)
        claims = _claims_of(request.form["JWT"])
        problems = []
        if claims.get("aud") != platform.issuer:
            problems.append("aud is not this platform")
        if claims.get("iss") != platform.client_id:
            problems.append("iss is not the registered client")
        if claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id") \
                != platform.deployment_id:
            problems.append("deployment_id differs")
        if claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != f"data-{hint}":
            problems.append("data was not echoed")
        if claims.get("exp", 0) < time.time():
            problems.append("expired")
        if problems:
            platform.state.record("deep_link_refusals", "; ".join(problems))
            return Response("; ".join(problems), status=400)
        platform.state.record("deep_link_responses", {"claims": claims, "items": items})
        return Response("<!doctype html><p id='added'>Activity added</p>", mimetype="text/html")

    @app.get("/course/<hint>")
    def course_page(hint: str):
        src = html.escape(platform.login_initiation_url(hint))
        return Response(
            "<!doctype html><html><head><title>Moodle course</title></head><body>"
            "<h1>Moodle course page</h1>"
            f'<iframe id="tool" src="{src}" width="1100" height="800" '
            'allow="fullscreen"></iframe></body></html>', mimetype="text/html")


def _form_value(page: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = page.index(marker) + len(marker)
    return html.unescape(page[start:page.index('"', start)])


def _claims_of(token: str) -> dict[str, Any]:
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def login_query(platform: TestPlatform, hint: str) -> str:
    """The query string of the login initiation (for tests that post it instead)."""
    plan = platform.state.plans[hint]
    return urlencode({"iss": platform.issuer, "login_hint": plan.user,
                      "target_link_uri": platform.tool.launch_url,
                      "lti_message_hint": hint, "client_id": platform.client_id,
                      "lti_deployment_id": platform.deployment_id})
