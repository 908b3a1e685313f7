"""The GET /xapi/statements query (xAPI 1.0.3 Communication §2.1.3): parameters parsed and
validated, applied to the outbox, and the ``more`` cursor.

A query is reduced to a :class:`StatementQuery`; the ``more`` link carries that query plus
the position reached, signed so it cannot be altered and opaque to clients.  Statements are
served in ``stored`` order (``stored_at``, then ``id``), and the first page pins its
consistency point (:mod:`elearn.xapi.consistency`) as the upper bound of every later page,
so the pages of one query hold exactly the statements stored up to that point, however many
arrive meanwhile; those are found by the next poll with ``since``.

``stored`` is served with millisecond precision, so ``since``/``until`` compare at that
precision too: a client that polls with the last ``stored`` it saw never gets it again.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, Select, Text, and_, cast, or_, select

from elearn.errors import APIError
from elearn.models.xapi import XapiStatement
from elearn.security import safe_json

PARAMETERS = frozenset({"statementId", "voidedStatementId", "agent", "verb", "activity",
                        "registration", "related_activities", "related_agents", "since",
                        "until", "limit", "format", "attachments", "ascending"})
SINGLE_COMPANIONS = frozenset({"attachments", "format"})
FORMATS = ("exact", "ids", "canonical")
MORE = "more"
_MS = timedelta(milliseconds=1)


def bad(name: str, message: str) -> APIError:
    """A 400 naming the offending parameter, in the project's one error shape."""
    return APIError(400, f"{name}: {message}", details={"fields": {name: [message]}})


@dataclass(frozen=True)
class StatementQuery:
    """A validated statements query; ``after``/``through`` are the cursor's position."""

    agent: str | None = None          # actor_key to match
    agent_is_authority: bool = False  # the agent given is this LRS's authority
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since: str | None = None          # ISO text (kept as text so the cursor can carry it)
    until: str | None = None
    limit: int = 100
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    after: list[Any] | None = None    # [stored_at ISO, id] of the last statement served
    through: str | None = None        # the first page's consistent-through point (ISO)

    def statements(self) -> Select:
        """The SELECT of matching statements, in ``stored`` order, one row past the page."""
        query = select(XapiStatement)
        if self.agent is not None and not (self.related_agents and self.agent_is_authority):
            query = query.where(XapiStatement.actor_key == self.agent)
        if self.verb is not None:
            query = query.where(XapiStatement.verb_id == self.verb)
        if self.activity is not None:
            if self.related_activities:
                query = query.where(or_(XapiStatement.activity_id == self.activity,
                                        in_context(self.activity)))
            else:
                query = query.where(XapiStatement.activity_id == self.activity)
        if self.registration is not None:
            query = query.where(XapiStatement.registration == self.registration)
        if self.since is not None:
            # stored (ms precision) > since  <=>  stored_at >= floor_ms(since) + 1 ms
            query = query.where(XapiStatement.stored_at >= _floor_ms(_time(self.since)) + _MS)
        if self.until is not None:
            query = query.where(XapiStatement.stored_at < _floor_ms(_time(self.until)) + _MS)
        if self.through is not None:
            query = query.where(XapiStatement.stored_at < _time(self.through) + _MS)
        if self.after is not None:
            stored, pk = _time(self.after[0]), self.after[1]
            if self.ascending:
                query = query.where(or_(XapiStatement.stored_at > stored, and_(
                    XapiStatement.stored_at == stored, XapiStatement.id > pk)))
            else:
                query = query.where(or_(XapiStatement.stored_at < stored, and_(
                    XapiStatement.stored_at == stored, XapiStatement.id < pk)))
        if self.ascending:
            order = (XapiStatement.stored_at.asc(), XapiStatement.id.asc())
        else:
            order = (XapiStatement.stored_at.desc(), XapiStatement.id.desc())
        return query.order_by(*order).limit(self.limit + 1)

    def next_page(self, last: XapiStatement) -> "StatementQuery":
        """The query of the page after the one that ended with ``last``."""
        return replace(self, after=[last.stored_at.isoformat(), last.id])


def in_context(activity_id: str) -> ColumnElement[bool]:
    """Statements that name ``activity_id`` among their context activities."""
    needle = json.dumps(activity_id)  # the id as it appears in the stored JSON list
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return cast(XapiStatement.context_activity_ids, Text).like(f"%{escaped}%", escape="\\")


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _floor_ms(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond - moment.microsecond % 1000)


def parse_bool(name: str, raw: str) -> bool:
    """``true``/``false`` as in JSON; any letter case, since common clients send ``True``."""
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise bad(name, "expected true or false")


def parse_timestamp_param(name: str, raw: str) -> str:
    try:
        moment = _time(raw)
    except ValueError:
        raise bad(name, "expected an ISO 8601 timestamp such as 2026-05-04T12:00:00.000Z") \
            from None
    return moment.astimezone(timezone.utc).isoformat()


def agent_key(raw: str) -> str:
    """The ``actor_key`` an ``agent`` parameter (Agent or Identified Group JSON) matches."""
    try:
        agent = safe_json.loads(raw, root="agent")
    except safe_json.UnsafeJSON as exc:
        raise bad("agent", exc.message) from None
    except ValueError:
        raise bad("agent", "expected an Agent as JSON, e.g. "
                           '{"account": {"homePage": "...", "name": "..."}}') from None
    if not isinstance(agent, dict):
        raise bad("agent", "expected a JSON object")
    ifis = [key for key in ("mbox", "mbox_sha1sum", "openid", "account") if key in agent]
    if len(ifis) != 1:
        raise bad("agent", "needs exactly one of mbox, mbox_sha1sum, openid, account")
    if agent.get("objectType", "Agent") not in ("Agent", "Group"):
        raise bad("agent", "objectType must be Agent or Group")
    ifi = ifis[0]
    value = agent[ifi]
    if ifi == "account":
        if not (isinstance(value, dict) and isinstance(value.get("homePage"), str)
                and isinstance(value.get("name"), str)):
            raise bad("agent", "account needs homePage and name")
        return f"account:{value['homePage']}|{value['name']}"
    if not isinstance(value, str) or not value:
        raise bad("agent", f"{ifi} must be a non-empty string")
    if ifi == "mbox" and not value.startswith("mailto:"):
        raise bad("agent", "mbox must be a mailto: IRI")
    return f"{ifi}:{value}"


def parse_query(args: Mapping[str, str], *, max_limit: int,
                authority_key: str) -> StatementQuery:
    """Validate a list query's parameters (single-statement parameters are handled apart)."""
    values: dict[str, Any] = {}
    if "agent" in args:
        values["agent"] = agent_key(args["agent"])
        values["agent_is_authority"] = values["agent"] == authority_key
    for name in ("verb", "activity"):
        if name in args:
            if not args[name]:
                raise bad(name, "expected an IRI")
            values[name] = args[name]
    if "registration" in args:
        values["registration"] = parse_uuid("registration", args["registration"])
    for name in ("related_activities", "related_agents", "ascending"):
        if name in args:
            values[name] = parse_bool(name, args[name])
    for name in ("since", "until"):
        if name in args:
            values[name] = parse_timestamp_param(name, args[name])
    limit = max_limit  # no limit, or 0, means the most the server allows (§2.1.3)
    if "limit" in args:
        raw = args["limit"]
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
            raise bad("limit", "expected a non-negative integer")
        limit = int(raw) or max_limit
    values["limit"] = min(limit, max_limit)
    values["format"] = parse_format(args)
    values["attachments"] = parse_attachments(args)
    return StatementQuery(**values)


def parse_format(args: Mapping[str, str]) -> str:
    value = args.get("format", "exact")
    if value not in FORMATS:
        raise bad("format", "expected exact, ids or canonical")
    return value


def parse_attachments(args: Mapping[str, str]) -> bool:
    """``attachments=true`` asks for a multipart answer; these statements have none, so it
    holds only the JSON part."""
    return "attachments" in args and parse_bool("attachments", args["attachments"])


# The query field each list parameter sets (``agent`` also sets ``agent_is_authority``).
_FIELDS = {"agent": "agent", "verb": "verb", "activity": "activity",
           "registration": "registration", "related_activities": "related_activities",
           "related_agents": "related_agents", "since": "since", "until": "until",
           "limit": "limit", "format": "format", "attachments": "attachments",
           "ascending": "ascending"}


def check_repeated(args: Mapping[str, str], cursor: StatementQuery, *, max_limit: int,
                   authority_key: str) -> None:
    """Parameters sent beside ``more`` must say what the link already holds (clients such as
    Ralph's re-send their query with it); one that would change the query is refused."""
    given = {name: value for name, value in args.items() if name != MORE}
    if not given:
        return
    repeated = parse_query(given, max_limit=max_limit, authority_key=authority_key)
    for name in sorted(given):
        field = _FIELDS[name]
        if getattr(repeated, field) != getattr(cursor, field):
            raise bad(name, "differs from the query of the more link; send the link's "
                            "parameters unchanged or none")


def parse_uuid(name: str, raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise bad(name, "expected a UUID") from None


# --- the more cursor -------------------------------------------------------------------------

def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt="elearn.xapi.more")


def encode_cursor(query: StatementQuery, secret_key: str) -> str:
    fields = {key: value for key, value in asdict(query).items()
              if value != getattr(StatementQuery, key, None)}
    return _serializer(secret_key).dumps(fields)


def decode_cursor(token: str, secret_key: str) -> StatementQuery:
    try:
        fields = _serializer(secret_key).loads(token)
        return StatementQuery(**fields)
    except (BadSignature, TypeError, ValueError):
        raise bad(MORE, "not a link this server gave out; start the query again") from None
