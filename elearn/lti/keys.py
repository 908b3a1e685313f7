"""The tool's own RSA keys: what signs deep-linking responses and the client assertions of
service calls, and what ``/lti/jwks`` publishes for platforms to check them.

Keys are generated on first use and stored, so every web worker and the delivery worker
sign with the same key.  ``rotate`` adds a new key that signs from then on; the previous
keys stay published until ``retire`` removes them, because a platform may still hold a
message or token request signed a moment before the rotation, or a cached copy of the
JWKS that it refreshes only when it meets an unknown ``kid``.
"""
from __future__ import annotations

from typing import Any

from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from elearn.db import utcnow
from elearn.lti.models import LtiKey

KEY_SIZE = 2048
ALGORITHM = "RS256"


class KeyCommandError(LookupError):
    """A key command named a key that does not exist or may not be changed."""


def _generate(session: Session) -> LtiKey:
    key = RSAKey.generate_key(KEY_SIZE, parameters={"use": "sig", "alg": ALGORITHM},
                              private=True, auto_kid=True)
    row = LtiKey(kid=key.kid, private_jwk=key.as_dict(private=True),
                 public_jwk=key.as_dict(private=False), created_at=utcnow())
    session.add(row)
    session.flush()
    return row


def _newest(session: Session) -> LtiKey | None:
    return session.scalar(select(LtiKey).where(LtiKey.retired_at.is_(None))
                          .order_by(LtiKey.created_at.desc(), LtiKey.id.desc()).limit(1))


def current_key(session: Session) -> RSAKey:
    """The private key that signs now (with its ``kid``), created on first use."""
    row = _newest(session) or _generate(session)
    return RSAKey.import_key(row.private_jwk)


def public_jwks(session: Session) -> dict[str, Any]:
    """Every unretired public key, newest first, as a JWKS document; creates the first key
    when there is none, so a platform that fetches the JWKS first finds one."""
    rows = session.scalars(select(LtiKey).where(LtiKey.retired_at.is_(None))
                           .order_by(LtiKey.created_at.desc(), LtiKey.id.desc())).all()
    if not rows:
        rows = [_generate(session)]
    return {"keys": [dict(row.public_jwk) for row in rows]}


def rotate(session: Session) -> LtiKey:
    """Add a new signing key; older keys stay published until retired."""
    return _generate(session)


def list_keys(session: Session) -> list[LtiKey]:
    return list(session.scalars(select(LtiKey).order_by(LtiKey.created_at.desc(),
                                                        LtiKey.id.desc())))


def retire(session: Session, kid: str) -> LtiKey:
    """Stop publishing key ``kid``.  The signing key cannot be retired (rotate first)."""
    row = session.scalar(select(LtiKey).where(LtiKey.kid == kid))
    if row is None:
        raise KeyCommandError(f"no key with kid {kid!r}")
    if row.retired_at is not None:
        raise KeyCommandError(f"key {kid} was retired at {row.retired_at.isoformat()}")
    newest = _newest(session)
    if newest is not None and newest.id == row.id:
        raise KeyCommandError(f"key {kid} is the signing key; rotate first, then retire it")
    row.retired_at = utcnow()
    session.flush()
    return row
