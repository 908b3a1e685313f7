"""Registering the test platform both ways: LTI Dynamic Registration (pending until an admin
approves it on /admin/lti or with the CLI) and by hand with ``elearn lti platforms add``;
``list``, ``show``, ``remove``, ``approve`` and ``tool-config``."""
from __future__ import annotations

import json

import requests
from sqlalchemy import func, select

from elearn.lti.models import LtiDeployment, LtiPlatform
from tests.lti.support import launch


def _dynamic_registration(tool, platform) -> requests.Response:
    return requests.get(f"{tool}/lti/register", params={
        "openid_configuration": platform.openid_configuration_url,
        "registration_token": platform.registration_token}, timeout=20)


def test_dynamic_registration_is_pending_until_approved(app, tool, platform, course,
                                                        db_session, client_as):
    answer = _dynamic_registration(tool, platform)
    assert answer.status_code == 200, answer.text[:800]
    assert platform.base_url in answer.headers["Content-Security-Policy"]  # framed by Moodle
    [sent] = platform.state.registrations
    assert sent["initiate_login_uri"] == f"{tool}/lti/login"
    assert sent["redirect_uris"] == [f"{tool}/lti/launch"]
    assert sent["jwks_uri"] == f"{tool}/lti/jwks"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in sent["scope"]
    registered = db_session.scalar(select(LtiPlatform))
    assert (registered.issuer, registered.client_id, registered.status,
            registered.registered_by) == (platform.issuer, platform.client_id, "pending",
                                          "dynamic")
    assert [d.deployment_id for d in registered.deployments] == [platform.deployment_id]
    assert registered.jwks_url == platform.jwks_url
    assert registered.auth_login_url == platform.auth_url

    refused = requests.get(platform.login_initiation_url(platform.plan()),
                           allow_redirects=False, timeout=10)
    assert refused.status_code == 403 and "platform_not_approved" in refused.text

    admin = client_as("admin")
    page = admin.get("/admin/lti")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert platform.issuer in text and f"{tool}/lti/jwks" in text
    approved = admin.post(f"/admin/lti/platforms/{registered.id}/approve")
    assert approved.status_code == 303
    db_session.expire_all()
    assert db_session.scalar(select(LtiPlatform)).status == "approved"
    assert launch(requests.Session(), platform, platform.plan(
        custom={"course": course["slug"]})).status_code == 303


def test_dynamic_registration_refusals(tool, platform, db_session):
    missing = requests.get(f"{tool}/lti/register", timeout=10)
    assert missing.status_code == 400
    wrong_token = requests.get(f"{tool}/lti/register", params={
        "openid_configuration": platform.openid_configuration_url,
        "registration_token": "wrong"}, timeout=20)
    assert wrong_token.status_code == 400 and "401" in wrong_token.text
    remote_http = requests.get(f"{tool}/lti/register", params={
        "openid_configuration": "http://moodle.example/openid"}, timeout=20)
    assert remote_http.status_code == 400 and "https://" in remote_http.text
    assert db_session.scalar(select(func.count(LtiPlatform.id))) == 0


def test_manual_registration_with_the_cli(app, tool, platform, course, db_session):
    runner = app.test_cli_runner()
    platform.configure_tool(tool)
    result = runner.invoke(args=[
        "lti", "platforms", "add", "--issuer", platform.issuer, "--client-id",
        platform.client_id, "--deployment-id", platform.deployment_id, "--auth-login-url",
        platform.auth_url, "--token-url", platform.token_url, "--jwks-url", platform.jwks_url,
        "--name", "Test Moodle"])
    assert result.exit_code == 0, result.output
    assert launch(requests.Session(), platform, platform.plan(
        custom={"course": course["slug"]})).status_code == 303

    listed = runner.invoke(args=["lti", "platforms", "list", "--json"])
    [entry] = json.loads(listed.output)
    assert (entry["status"], entry["deployment_ids"]) == ("approved", [platform.deployment_id])
    shown = runner.invoke(args=["lti", "platforms", "show", platform.issuer])
    assert f"jwks_url: {platform.jwks_url}" in shown.output

    again = runner.invoke(args=[
        "lti", "platforms", "add", "--issuer", platform.issuer, "--client-id",
        platform.client_id, "--deployment-id", "second", "--auth-login-url",
        platform.auth_url, "--token-url", platform.token_url, "--jwks-url", platform.jwks_url])
    assert again.exit_code == 0
    assert db_session.scalar(select(func.count(LtiDeployment.id))) == 2

    bad = runner.invoke(args=["lti", "platforms", "add", "--issuer", "x", "--client-id", "y",
                              "--deployment-id", "1", "--auth-login-url", "not a url",
                              "--token-url", platform.token_url, "--jwks-url",
                              platform.jwks_url])
    assert bad.exit_code == 2 and "auth_login_url" in bad.output

    removed = runner.invoke(args=["lti", "platforms", "remove", platform.issuer])
    assert removed.exit_code == 0, removed.output
    assert db_session.scalar(select(func.count(LtiPlatform.id))) == 0
    gone = runner.invoke(args=["lti", "platforms", "show", platform.issuer])
    assert gone.exit_code == 2 and "no platform registered" in gone.output


def test_cli_approve_and_tool_config(app, tool, platform, db_session):
    _dynamic_registration(tool, platform)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lti", "platforms", "approve", platform.issuer])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert db_session.scalar(select(LtiPlatform.status)) == "approved"
    config = json.loads(runner.invoke(args=["lti", "tool-config", "--json"]).output)
    assert config["Initiate login URL"] == f"{tool}/lti/login"
    assert config["Redirection URI(s)"] == f"{tool}/lti/launch"
    assert config["Public keyset"] == f"{tool}/lti/jwks"
    assert config["Dynamic registration URL"] == f"{tool}/lti/register"


def test_admin_page_removes_a_platform_and_is_for_admins_only(app, registered, db_session,
                                                              client_as):
    platform_id = db_session.scalar(select(LtiPlatform.id))
    assert client_as("trainer").get("/admin/lti").status_code == 403
    admin = client_as("admin")
    assert admin.post(f"/admin/lti/platforms/{platform_id}/remove").status_code == 303
    assert db_session.scalar(select(func.count(LtiPlatform.id))) == 0
    assert "Oppimisympäristöjä ei ole vielä rekisteröity." in \
        admin.get("/admin/lti").get_data(as_text=True)
