"""HTTP Basic credentials for the xAPI read API (``elearn xapi credentials ...``).

The key is the public username part; the secret is shown once when created and only its
hash is kept.  The secret is 256 random bits, not a password a person chose, so a fast salted
hash (PBKDF2 with few rounds) is as safe as a slow one and keeps each API request cheap.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from elearn.models.xapi import XapiClient

HASH_METHOD = "pbkdf2:sha256:1000"
NAME_MAX = 100
# last_used_at is written at most this often, so polling clients do not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Checked against when the key is unknown, so a wrong key takes as long as a wrong secret.
_DUMMY_HASH = generate_password_hash("not-a-secret", method=HASH_METHOD)


class CredentialError(ValueError):
    """A credentials command cannot be done; the message says why."""


@dataclass(frozen=True)
class IssuedCredentials:
    name: str
    key: str
    secret: str

    def __repr__(self) -> str:
        return f"IssuedCredentials(name={self.name!r}, key={self.key!r}, secret='***')"


def create_client(session: Session, name: str) -> IssuedCredentials:
    """Issue credentials named ``name`` (unique, also among revoked ones)."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise CredentialError(f"name: 1 to {NAME_MAX} characters")
    if session.scalar(select(XapiClient.id).where(XapiClient.name == name)) is not None:
        raise CredentialError(f"name: credentials named {name!r} exist already")
    key = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    session.add(XapiClient(name=name, key=key,
                           secret_hash=generate_password_hash(secret, method=HASH_METHOD)))
    session.flush()
    return IssuedCredentials(name=name, key=key, secret=secret)


def list_clients(session: Session) -> list[XapiClient]:
    return list(session.scalars(select(XapiClient).order_by(XapiClient.name)))


def revoke_client(session: Session, name: str, now: datetime) -> XapiClient:
    """Revoke ``name``; its key stops working on the next request."""
    client = session.scalar(select(XapiClient).where(XapiClient.name == name))
    if client is None:
        raise CredentialError(f"name: no credentials named {name!r}")
    if client.revoked_at is None:
        client.revoked_at = now
    return client


def authenticate(session: Session, key: str, secret: str, now: datetime) -> XapiClient | None:
    """The active client holding ``key`` and ``secret``, or None."""
    client = session.scalar(select(XapiClient).where(XapiClient.key == key))
    if client is None:
        check_password_hash(_DUMMY_HASH, secret)
        return None
    if not check_password_hash(client.secret_hash, secret) or client.revoked_at is not None:
        return None
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        client.last_used_at = now
    return client
