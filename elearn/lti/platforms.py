"""Platform registrations: added by an operator (approved at once) or by LTI Dynamic
Registration (pending until an admin approves), listed, shown, approved and removed.

The same rules serve the CLI and ``/admin/lti``; they flush, the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.lti.models import (LtiDeployment, LtiHandoff, LtiIdentity, LtiLaunchLink,
                               LtiLoginState, LtiNonce, LtiPlatform, LtiResourceLink)
from elearn.lti.platform_keys import forget


class PlatformError(ValueError):
    """A registration rule was broken; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _url(field: str, value: str) -> str:
    value = (value or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PlatformError(field, f"{field}: expected an http:// or https:// URL")
    if len(value) > 1000:
        raise PlatformError(field, f"{field}: at most 1000 characters")
    return value


def _text(field: str, value: str, limit: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        raise PlatformError(field, f"{field}: must not be empty")
    if len(value) > limit:
        raise PlatformError(field, f"{field}: at most {limit} characters")
    return value


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what a frame-ancestors source names)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Registration:
    issuer: str
    client_id: str
    auth_login_url: str
    token_url: str
    jwks_url: str
    deployment_ids: tuple[str, ...] = ()
    name: str = ""

    def cleaned(self) -> Registration:
        return Registration(
            issuer=_text("issuer", self.issuer), client_id=_text("client_id", self.client_id),
            auth_login_url=_url("auth_login_url", self.auth_login_url),
            token_url=_url("token_url", self.token_url),
            jwks_url=_url("jwks_url", self.jwks_url),
            deployment_ids=tuple(_text("deployment_id", d) for d in self.deployment_ids),
            name=(self.name or "").strip()[:200])


def find(session: Session, issuer: str, client_id: str | None = None) -> LtiPlatform:
    """The registration of ``issuer`` (and ``client_id`` when the issuer has several)."""
    query = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = session.scalars(query.order_by(LtiPlatform.id)).all()
    if not found:
        raise PlatformError("issuer", f"no platform registered with issuer {issuer!r}"
                            + (f" and client id {client_id!r}" if client_id else ""))
    if len(found) > 1:
        raise PlatformError("client_id", f"issuer {issuer!r} has {len(found)} registrations; "
                            "name one with --client-id")
    return found[0]


def list_platforms(session: Session) -> list[LtiPlatform]:
    return list(session.scalars(select(LtiPlatform).order_by(LtiPlatform.issuer,
                                                             LtiPlatform.client_id)))


def add_deployment(session: Session, platform: LtiPlatform, deployment_id: str) -> bool:
    """Add ``deployment_id`` to ``platform``; False when it was already there."""
    deployment_id = _text("deployment_id", deployment_id)
    if any(d.deployment_id == deployment_id for d in platform.deployments):
        return False
    platform.deployments.append(LtiDeployment(deployment_id=deployment_id))
    session.flush()
    return True


def register(session: Session, registration: Registration, *, status: str,
             registered_by: str) -> LtiPlatform:
    """Record a platform, or update the one with the same issuer and client id (its URLs
    and name; deployments are added, never dropped)."""
    data = registration.cleaned()
    platform = session.scalar(select(LtiPlatform).where(
        LtiPlatform.issuer == data.issuer, LtiPlatform.client_id == data.client_id))
    if platform is None:
        platform = LtiPlatform(issuer=data.issuer, client_id=data.client_id,
                               status="pending", registered_by=registered_by)
        session.add(platform)
    platform.auth_login_url = data.auth_login_url
    platform.token_url = data.token_url
    if platform.jwks_url and platform.jwks_url != data.jwks_url:
        forget(platform.jwks_url)
    platform.jwks_url = data.jwks_url
    platform.name = data.name or platform.name or urlsplit(data.auth_login_url).netloc
    if status == "approved" and not platform.approved:
        approve(session, platform)
    session.flush()
    for deployment_id in data.deployment_ids:
        add_deployment(session, platform, deployment_id)
    return platform


def approve(session: Session, platform: LtiPlatform) -> LtiPlatform:
    platform.status = "approved"
    platform.approved_at = utcnow()
    session.flush()
    return platform


def remove(session: Session, platform: LtiPlatform) -> None:
    """Delete a registration and what only it used: deployments, identities, resource and
    launch links, pending logins.  The accounts and their learning records stay."""
    links = select(LtiResourceLink.id).where(LtiResourceLink.platform_id == platform.id)
    session.execute(delete(LtiLaunchLink).where(LtiLaunchLink.resource_link_id.in_(links)))
    for model in (LtiResourceLink, LtiIdentity, LtiLoginState, LtiNonce, LtiHandoff):
        session.execute(delete(model).where(model.platform_id == platform.id))
    forget(platform.jwks_url)
    session.delete(platform)
    session.flush()


def approved_origins(session: Session) -> list[str]:
    """Origins of approved platforms (where their pages frame elearn)."""
    urls = session.scalars(select(LtiPlatform.auth_login_url)
                           .where(LtiPlatform.status == "approved")).all()
    return sorted({origin_of(url) for url in urls})
