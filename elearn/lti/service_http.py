"""HTTP to a platform's LTI Advantage services (token endpoint, AGS, NRPS), with every outcome
as a value.

A refused connection, a timeout or an HTTP error all come back as :class:`ServiceResponse`
so the passback worker and the roster page classify answers in one place.  Bearer tokens and
client assertions travel only in headers and form bodies; any text kept from an answer (for
people, in the dead-letter list or a log line) is cut to a readable length and never contains
them, because nothing we send is echoed into it by us.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests

ANSWER_TEXT_LIMIT = 2000


@dataclass(frozen=True)
class ServiceResponse:
    """What a platform answered; ``status`` is None when no HTTP answer came."""

    status: int | None
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)  # rel -> URL (Link header)
    from_token_endpoint: bool = False  # the answer of the token endpoint, not the service

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retry_after(self) -> str | None:
        return self.headers.get("retry-after")

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def describe(self, url: str) -> str:
        """One line for people: the status and the platform's own words."""
        if self.status is None:
            return self.text[:500]
        words = " ".join(self.text[:ANSWER_TEXT_LIMIT].split())
        return f"HTTP {self.status} from {url}" + (f": {words[:500]}" if words else "")


def request(http: requests.Session, method: str, url: str, *, timeout: float,
            **kwargs: Any) -> ServiceResponse:
    """Send one request; never raises for network trouble or HTTP errors."""
    try:
        response = http.request(method, url, timeout=timeout, allow_redirects=False, **kwargs)
    except requests.Timeout:
        return ServiceResponse(None, f"no answer within {timeout:g} s from {url}")
    except requests.RequestException as exc:
        return ServiceResponse(None, f"{type(exc).__name__} talking to {url}")
    headers = {key.lower(): value for key, value in response.headers.items()}
    links = {rel: link["url"] for rel, link in response.links.items() if "url" in link}
    return ServiceResponse(response.status_code, response.text, headers, links)


__all__ = ["ServiceResponse", "request"]
