"""What the test platform received and sent, for the tests to read.

Every OIDC authorisation request, every id_token the platform signed (its claims), every
deep-linking response it accepted or refused, and every dynamic registration is recorded here
in order, under one lock (the platform serves requests on several threads).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LaunchPlan:
    """A launch the platform will make when the tool's login comes back with ``hint``."""

    user: str
    roles: list[str]
    message_type: str = "LtiResourceLinkRequest"
    resource_link_id: str = "resource-link-1"
    context_id: str = "moodle-course-7"
    context_title: str = "Verkostojohtaminen, kevät"
    custom: dict[str, str] | None = None
    name: str | None = None
    email: str | None = None
    locale: str | None = None
    extra_claims: dict[str, Any] = field(default_factory=dict)
    # Misbehaviour, for the refused-launch tests: claims to set or drop after the launch
    # is built, a lifetime (negative: already expired), a key the JWKS does not publish,
    # a kid to claim for it, a nonce or state other than the tool's.
    override: dict[str, Any] = field(default_factory=dict)
    drop: list[str] = field(default_factory=list)
    lifetime: int = 300
    rogue_key: bool = False
    claimed_kid: str | None = None
    nonce: str | None = None
    state: str | None = None


@dataclass
class PlatformState:
    auth_requests: list[dict[str, str]] = field(default_factory=list)
    auth_refusals: list[str] = field(default_factory=list)
    id_tokens: list[dict[str, Any]] = field(default_factory=list)  # the claims signed
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    deep_link_refusals: list[str] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    jwks_fetches: list[float] = field(default_factory=list)  # when the JWKS was served
    plans: dict[str, LaunchPlan] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def record(self, name: str, value: Any) -> None:
        with self.lock:
            getattr(self, name).append(value)
