"""OAuth 2 access tokens for a platform's services (IMS Security Framework §4.1).

The tool asks the platform's token endpoint for a token with the *client credentials* grant,
authenticating with a JWT client assertion signed (RS256) by the tool's current key: ``iss``
and ``sub`` are the client id the platform gave us, ``aud`` the token URL, ``jti`` unique for
every request so a platform can refuse a replayed assertion, and a short lifetime.

Tokens are cached **per process**, by platform and scope set, until ``margin`` seconds before
they expire.  Per process rather than in the database because a bearer token is a credential:
kept in memory it never lands in a backup or a database dump, and the price is small — one
worker process and a few web workers each ask for their own token about once an hour (Moodle's
tokens last an hour), a handful of requests against the many scores they carry.  A 401 from
a service means the platform no longer honours the token (revoked, platform restarted, key
rotated): the caller invalidates it *once* and asks again; a second 401 is the platform's
real answer.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from elearn.lti.service_http import ServiceResponse, request

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds; the assertion is used at once


@dataclass(frozen=True)
class TokenEndpoint:
    """What the token client needs to know of a platform."""

    issuer: str
    client_id: str
    token_url: str


class TokenError(Exception):
    """The platform gave no token; ``response`` is its answer (status None: no answer)."""

    def __init__(self, response: ServiceResponse, token_url: str) -> None:
        super().__init__(f"no access token: {response.describe(token_url)}")
        self.response = response


def client_assertion(endpoint: TokenEndpoint, key: RSAKey, *, now: float) -> str:
    """A signed JWT that authenticates the tool at ``endpoint`` once."""
    issued = int(now)
    claims = {"iss": endpoint.client_id, "sub": endpoint.client_id,
              "aud": endpoint.token_url, "iat": issued, "exp": issued + ASSERTION_LIFETIME,
              "jti": uuid.uuid4().hex}
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


@dataclass(frozen=True)
class _Cached:
    token: str
    expires_at: float


class AccessTokens:
    """Fetches and caches tokens; safe to share between threads of one process.

    ``signing_key`` returns the tool's current private key (it may rotate at any time, so it
    is asked for every new assertion, not kept).
    """

    def __init__(self, signing_key: Callable[[], RSAKey], *,
                 http: requests.Session | None = None, timeout: float = 10.0,
                 margin: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.signing_key = signing_key
        self.http = http or requests.Session()
        self.timeout = timeout
        self.margin = margin
        self.clock = clock
        self.requests_made = 0  # token requests sent by this process (status, tests)
        self._cache: dict[tuple[str, str, str, frozenset[str]], _Cached] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(endpoint: TokenEndpoint, scopes: Iterable[str]):
        return (endpoint.issuer, endpoint.client_id, endpoint.token_url, frozenset(scopes))

    def token(self, endpoint: TokenEndpoint, scopes: Iterable[str]) -> str:
        """A valid token for ``scopes``, from the cache or fresh; raises :class:`TokenError`."""
        key = self._key(endpoint, scopes)
        now = self.clock()
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.expires_at - self.margin > now:
                return cached.token
        fresh = self._fetch(endpoint, sorted(key[3]), now)
        with self._lock:
            self._cache[key] = fresh
        return fresh.token

    def invalidate(self, endpoint: TokenEndpoint, scopes: Iterable[str], token: str) -> None:
        """Forget ``token`` if it is still the cached one (a token already replaced by a
        concurrent caller stays replaced)."""
        key = self._key(endpoint, scopes)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and cached.token == token:
                del self._cache[key]

    def _fetch(self, endpoint: TokenEndpoint, scopes: list[str], now: float) -> _Cached:
        # The assertion is dated by the wall clock (the platform checks it); ``now`` is the
        # cache's clock.
        assertion = client_assertion(endpoint, self.signing_key(), now=time.time())
        self.requests_made += 1
        response = request(self.http, "POST", endpoint.token_url, timeout=self.timeout,
                           data={"grant_type": "client_credentials",
                                 "client_assertion_type": ASSERTION_TYPE,
                                 "client_assertion": assertion, "scope": " ".join(scopes)},
                           headers={"Accept": "application/json"})
        if not response.ok:
            raise TokenError(response, endpoint.token_url)
        body = response.json()
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise TokenError(ServiceResponse(502, "the token endpoint's answer has no "
                                             "access_token"), endpoint.token_url)
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        return _Cached(token, now + max(lifetime, 0.0))


def call_with_token(tokens: AccessTokens, endpoint: TokenEndpoint, scopes: Iterable[str],
                    method: str, url: str, **kwargs) -> ServiceResponse:
    """Call a service ``url`` with a bearer token for ``scopes``.  A 401 invalidates the
    token and the call is made once more with a fresh one.  A token the platform refuses to
    give comes back as the token endpoint's answer (so callers classify one thing)."""
    scopes = frozenset(scopes)
    headers = dict(kwargs.pop("headers", {}))
    for attempt in (1, 2):
        try:
            token = tokens.token(endpoint, scopes)
        except TokenError as exc:
            return replace(exc.response, from_token_endpoint=True)
        headers["Authorization"] = f"Bearer {token}"
        response = request(tokens.http, method, url, timeout=tokens.timeout, headers=headers,
                           **kwargs)
        if response.status != 401 or attempt == 2:
            return response
        tokens.invalidate(endpoint, scopes, token)
    raise AssertionError("unreachable")


__all__ = ["ASSERTION_TYPE", "AccessTokens", "call_with_token", "SCOPE_LINEITEM", "SCOPE_LINEITEM_READONLY",
           "SCOPE_MEMBERSHIPS", "SCOPE_RESULT_READONLY", "SCOPE_SCORE", "TokenEndpoint",
           "TokenError", "client_assertion"]
