"""What the LTI 1.3 tool remembers: registered platforms and their deployments, the tool's
own signing keys, the people and resource links launches brought in, and the short-lived
records that make each launch single-use.

A platform is identified by ``issuer`` + ``client_id`` (one LMS may register elearn more than
once).  Launches are refused until an admin approves a platform, so a dynamic registration
by anyone who can reach ``/lti/register`` creates nothing usable on its own.

``LtiLaunchLink`` ties a learner's enrolment to the resource link they launched from; grade
passback follows it to the line item their scores belong to.  Login states and nonces live
in the database, not in a cookie or process memory, so any web worker can finish a launch
another one started and a replayed id_token is refused everywhere.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.db import Base, utcnow

PLATFORM_STATUSES = ("pending", "approved")
URL_LENGTH = 1000


class LtiPlatform(Base):
    """An LMS registered as an LTI 1.3 platform (manually or by dynamic registration)."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200), default="")
    auth_login_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    token_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    jwks_url: Mapped[str] = mapped_column(String(URL_LENGTH))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    registered_by: Mapped[str] = mapped_column(String(20), default="manual")  # or "dynamic"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", order_by="LtiDeployment.id", cascade="all, delete-orphan")

    @property
    def approved(self) -> bool:
        return self.status == "approved"


class LtiDeployment(Base):
    """One deployment of the tool inside a platform (Moodle: one per tool registration, or
    per course category); launches must name a known one."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiKey(Base):
    """The tool's RSA signing keys.  The newest unretired key signs; every unretired key is
    published at ``/lti/jwks`` so signatures made before a rotation still verify."""

    __tablename__ = "lti_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class LtiIdentity(Base):
    """A platform's user (``sub``) linked to the elearn account created at their first launch."""

    __tablename__ = "lti_identities"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiResourceLink(Base):
    """A placement of elearn in a platform course (Moodle: one External tool activity), the
    course or unit it opens, and the service endpoints its launches announced.  Updated on
    every launch, because the platform may change its endpoints or the line item."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("lti_deployments.id"), index=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500), default="")
    context_id: Mapped[str | None] = mapped_column(String(255), default=None)
    context_title: Mapped[str | None] = mapped_column(String(500), default=None)
    course_slug: Mapped[str] = mapped_column(String(100))
    # the unit's stable key from the course files (unit ids change with each version)
    unit_key: Mapped[str | None] = mapped_column(String(100), default=None)
    lineitem_url: Mapped[str | None] = mapped_column(String(URL_LENGTH), default=None)
    lineitems_url: Mapped[str | None] = mapped_column(String(URL_LENGTH), default=None)
    ags_scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    context_memberships_url: Mapped[str | None] = mapped_column(String(URL_LENGTH),
                                                                default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    platform: Mapped[LtiPlatform] = relationship()
    deployment: Mapped[LtiDeployment] = relationship()


class LtiLaunchLink(Base):
    """A learner's enrolment reached from a resource link: where their scores go."""

    __tablename__ = "lti_launch_links"
    __table_args__ = (UniqueConstraint("resource_link_id", "enrolment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    resource_link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id"),
                                                  index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), index=True)
    first_launched_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launched_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource_link: Mapped[LtiResourceLink] = relationship()


class LtiLoginState(Base):
    """An OIDC login in progress: the ``state`` and ``nonce`` sent to the platform, checked
    and spent by the launch that comes back."""

    __tablename__ = "lti_login_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(64))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class LtiNonce(Base):
    """A nonce an accepted id_token carried; a second token with it is a replay."""

    __tablename__ = "lti_nonces"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime]


class LtiHandoff(Base):
    """The one-time ticket between a launch and the page it lands on.  When the browser
    kept the session cookie the ticket is just spent; when it blocked the cookie inside the
    platform's frame, the ticket signs the person in once in a new window."""

    __tablename__ = "lti_handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id"), index=True)
    target: Mapped[str] = mapped_column(String(URL_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
