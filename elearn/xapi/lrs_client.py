"""The HTTP side of delivery: POST one JSON array of statements to one LRS.

One ``requests.Session`` per destination keeps its connections open between batches.  Every
outcome, including a refused connection or a timeout, comes back as an :class:`LrsResponse`
so the delivery logic classifies answers in one place.  The destination's password is never
part of a message: it travels only in the Authorization header, and any text we keep (an
exception message, the LRS's answer) is scrubbed of it before it is logged or stored.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import requests

from elearn.xapi.destinations import Destination

XAPI_VERSION = "1.0.3"
ERROR_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class LrsResponse:
    """What the LRS answered: ``status`` is None when no HTTP answer came (network, timeout)."""

    status: int | None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def retry_after(self) -> str | None:
        return self.headers.get("retry-after")


def safe_url(url: str) -> str:
    """``url`` without any user:password@ part, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def scrub(text: str, destination: Destination) -> str:
    """``text`` with the destination's secret removed and cut to what we keep."""
    if destination.password:
        text = text.replace(destination.password, "***")
    return text[:ERROR_TEXT_LIMIT]


class LrsClient:
    """Posts statement batches; one pooled session per destination name."""

    def __init__(self) -> None:
        self._sessions: dict[str, requests.Session] = {}

    def _session(self, destination: Destination) -> requests.Session:
        session = self._sessions.get(destination.name)
        if session is None:
            session = requests.Session()
            session.headers.update({"X-Experience-API-Version": XAPI_VERSION,
                                    "Content-Type": "application/json",
                                    "Accept": "application/json"})
            self._sessions[destination.name] = session
        return session

    def post_statements(self, destination: Destination, body: bytes) -> LrsResponse:
        """POST ``body`` (a JSON array) to ``<endpoint>statements``."""
        try:
            response = self._session(destination).post(
                destination.statements_url, data=body,
                auth=(destination.username, destination.password),
                timeout=destination.timeout, allow_redirects=False)
        except requests.Timeout:
            return LrsResponse(None, f"no answer within {destination.timeout:g} s "
                                     f"from {safe_url(destination.statements_url)}")
        except requests.RequestException as exc:
            return LrsResponse(None, scrub(f"{type(exc).__name__} talking to "
                                           f"{safe_url(destination.statements_url)}: {exc}",
                                           destination))
        headers = {key.lower(): value for key, value in response.headers.items()}
        if 300 <= response.status_code < 400 and "location" in headers:
            headers["location"] = safe_url(headers["location"])
        return LrsResponse(response.status_code, scrub(response.text, destination), headers)

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()
