"""A platform's public keys, fetched from its JWKS URL and reused for a short while.

Each launch needs the key that signed its id_token.  Fetching the platform's JWKS on every
launch would put the LMS's latency into every learner's first click, so a key set is kept
per URL for ``LTI_JWKS_CACHE_SECONDS``.  When a token names a ``kid`` the cached set does not
hold, the set is fetched again at once (at most once per launch): that is how a platform's key
rotation reaches the tool without waiting for the cache to expire.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from joserfc.jwk import KeySet

MAX_JWKS_BYTES = 256 * 1024


class PlatformKeysUnavailable(RuntimeError):
    """The platform's JWKS could not be fetched or read; the message says why (no secrets)."""


@dataclass
class _Entry:
    keys: KeySet
    kids: frozenset[str]
    fetched_at: float


_cache: dict[str, _Entry] = {}
_lock = threading.Lock()


def _fetch(url: str, timeout: float) -> _Entry:
    try:
        response = requests.get(url, timeout=timeout, headers={"Accept": "application/json"},
                                stream=True)
        body = response.raw.read(MAX_JWKS_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise PlatformKeysUnavailable(f"could not fetch {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise PlatformKeysUnavailable(f"{url} answered {response.status_code}")
    if len(body) > MAX_JWKS_BYTES:
        raise PlatformKeysUnavailable(f"{url} sent more than {MAX_JWKS_BYTES} bytes")
    try:
        import json
        document = json.loads(body)
        keys = [key for key in document["keys"]
                if key.get("kty") == "RSA" and key.get("use", "sig") == "sig"]
        key_set = KeySet.import_key_set({"keys": keys})
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PlatformKeysUnavailable(f"{url} sent no readable JWKS ({type(exc).__name__})") \
            from None
    return _Entry(key_set, frozenset(str(k.get("kid")) for k in keys if k.get("kid")),
                  time.monotonic())


def key_set_for(url: str, kid: str | None, *, max_age: float, timeout: float) -> KeySet:
    """The key set at ``url`` holding ``kid``: the cached one when fresh and holding it,
    otherwise fetched again."""
    with _lock:
        entry = _cache.get(url)
    fresh = entry is not None and time.monotonic() - entry.fetched_at < max_age
    if fresh and (kid is None or kid in entry.kids):
        return entry.keys
    entry = _fetch(url, timeout)
    with _lock:
        _cache[url] = entry
    return entry.keys


def forget(url: str | None = None) -> None:
    """Drop cached key sets (one URL or all), e.g. when a platform is removed."""
    with _lock:
        if url is None:
            _cache.clear()
        else:
            _cache.pop(url, None)
