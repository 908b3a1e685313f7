"""Helpers for grade-passback tests: a learner linked to an LMS resource link as a launch
would leave them, and a learner's way through units over the JSON API."""
from __future__ import annotations

from sqlalchemy import select

from elearn.lti.models import (LtiDeployment, LtiIdentity, LtiLaunchLink, LtiPlatform,
                               LtiResourceLink)
from elearn.lti.score_models import LtiScore
from elearn.models import Enrolment
from tests.api.support import right_answers

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
COURSE = "testikurssi"


def platform_row(session, *, issuer: str = "https://platform.test",
                 client_id: str = "elearn-client",
                 token_url: str = "http://localhost:9/token") -> LtiPlatform:
    platform = session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer))
    if platform is None:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, name="Testi-Moodle",
                               auth_login_url="http://localhost:9/auth", token_url=token_url,
                               jwks_url="http://localhost:9/jwks", status="approved")
        session.add(platform)
        session.flush()
        session.add(LtiDeployment(platform_id=platform.id, deployment_id="d1"))
        session.flush()
    return platform


def link_learner(app, user, *, sub: str, resource_link_id: str, unit_key: str | None = None,
                 lineitem_url: str | None = "http://localhost:9/ags/c1/lineitems/1",
                 lineitems_url: str | None = "http://localhost:9/ags/c1/lineitems",
                 scopes=(SCOPE_SCORE,), token_url: str = "http://localhost:9/token",
                 context_id: str = "c1", memberships_url: str | None = None) -> int:
    """Link ``user``'s enrolment in the course to a resource link; returns the link's pk."""
    with app.extensions["elearn.db"].session_scope() as session:
        platform = platform_row(session, token_url=token_url)
        deployment = platform.deployments[0]
        if session.scalar(select(LtiIdentity).where(LtiIdentity.platform_id == platform.id,
                                                    LtiIdentity.user_id == user.id)) is None:
            session.add(LtiIdentity(platform_id=platform.id, sub=sub, user_id=user.id))
        link = session.scalar(select(LtiResourceLink).where(
            LtiResourceLink.resource_link_id == resource_link_id))
        if link is None:
            link = LtiResourceLink(
                platform_id=platform.id, deployment_id=deployment.id,
                resource_link_id=resource_link_id, title=f"Link {resource_link_id}",
                context_id=context_id, context_title="Moodle-kurssi", course_slug=COURSE,
                unit_key=unit_key, lineitem_url=lineitem_url, lineitems_url=lineitems_url,
                ags_scopes=list(scopes), context_memberships_url=memberships_url)
            session.add(link)
            session.flush()
        enrolment = session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        assert enrolment is not None, "enrol the learner first"
        session.add(LtiLaunchLink(user_id=user.id, resource_link_id=link.id,
                                  enrolment_id=enrolment.id))
        return link.id


def open_unit(client, unit_key: str) -> dict:
    response = client.get(f"/api/courses/{COURSE}/units/{unit_key}?lang=en")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def pass_quiz(app, client, unit_key: str) -> dict:
    unit = open_unit(client, unit_key)
    response = client.post(f"/api/courses/{COURSE}/units/{unit_key}/attempts",
                           json={"attempt_id": unit["quiz"]["attempt_id"],
                                 "answers": right_answers(app, unit)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def write_reflection(client, unit_key: str) -> None:
    response = client.put(f"/api/courses/{COURSE}/units/{unit_key}/reflections/r1",
                          json={"text": "A reflection long enough to be saved."})
    assert response.status_code == 200, response.get_json()


def complete_unit(app, client, unit_key: str) -> None:
    pass_quiz(app, client, unit_key)
    write_reflection(client, unit_key)


def scores(app, **where) -> list[LtiScore]:
    with app.extensions["elearn.db"].session_scope() as session:
        query = select(LtiScore).order_by(LtiScore.id)
        for key, value in where.items():
            query = query.where(getattr(LtiScore, key) == value)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows
