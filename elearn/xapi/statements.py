"""Learning events and stored learning records as xAPI statements (the profile in
``docs/xapi-profile.md``).

Statements are built with the ``tincan`` library, then fixed where the profile is stricter
than the library: no ``version`` (the LRS sets it), ``timestamp`` in UTC with milliseconds
and a ``Z``.  :func:`serialise` writes the JSON once, with sorted keys, and that text is
stored and sent byte-identical on every retry.

Every statement's ``id`` is a UUID 5 over the deployment namespace and the event's identity
(``registered|<registration>``, ...), so live capture, a replay and a backfill of the same
event all produce the same id and an LRS keeps one copy.  Timestamps come from the stored
records (not the clock), so rebuilding a statement later produces the same payload.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tincan import (Activity, ActivityList, Agent, AgentAccount, Context, ContextActivities,
                    Extensions, LanguageMap, Result, Score, Statement)
from tincan import Verb as TinCanVerb

from elearn import events
from elearn.config import SettingError
from elearn.models import (AttemptAnswer, Enrolment, QuizAttempt, Reflection, Unit,
                           UnitProgress, User)
from elearn.xapi import activities as acts
from elearn.xapi.interactions import response_string
from elearn.xapi.vocabulary import (ANSWERED, COMPLETED, EXPERIENCED, FAILED, LANGUAGES,
                                    MASTERY_SCORE_EXTENSION, PASSED, PLATFORM, PROGRESS_EXTENSION,
                                    PROGRESSED, REGISTERED, Verb)


@dataclass(frozen=True)
class LmsLaunch:
    """What a learner's launch from an LMS (LTI) adds to their statements: the platform's
    ``issuer`` and user id ``sub`` (the actor, when ``ELEARN_LTI_XAPI_ACTOR=platform``) and
    the LMS course (``context_id``, ``context_title``) as a context extension."""

    issuer: str
    sub: str
    context_id: str | None = None
    context_title: str | None = None


LmsLookup = Callable[[Session, Enrolment], "LmsLaunch | None"]
_lms_lookup: list[LmsLookup] = []


def register_lms_lookup(lookup: LmsLookup) -> None:
    """Let the LTI feature tell statements about an enrolment's launch (one seam; xAPI
    does not import the LTI tool)."""
    _lms_lookup[:] = [lookup]


def lms_launch(session: Session, enrolment: Enrolment) -> LmsLaunch | None:
    """The enrolment's LMS launch, when the LTI feature is wired in and there was one."""
    return _lms_lookup[0](session, enrolment) if _lms_lookup else None


def lms_context_extension(public_url: str) -> str:
    """The context extension IRI carrying the LMS course of a launched learner."""
    return acts.profile_iri(public_url) + "/extensions/lms-context"


@dataclass(frozen=True)
class ProfileSettings:
    """The settings statements depend on, read once from the app config."""

    public_url: str
    namespace: uuid.UUID
    actor_mode: str = "account"  # or "mbox"
    actor_homepage: str = ""
    send_reflection_text: bool = False
    default_language: str = "fi"
    lms_actor: str = "pseudonymous"  # or "platform": the LMS's own account for LTI learners

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ProfileSettings:
        public_url = str(config["PUBLIC_URL"]).rstrip("/")
        homepage = str(config.get("XAPI_ACTOR_HOMEPAGE") or "").strip()
        if homepage and not homepage.startswith(("http://", "https://")):
            raise SettingError("ELEARN_XAPI_ACTOR_HOMEPAGE: expected an http:// or https:// URL")
        return cls(public_url=public_url, namespace=namespace_for(config),
                   actor_mode=config.get("XAPI_ACTOR", "account"),
                   actor_homepage=homepage or public_url,
                   send_reflection_text=bool(config.get("XAPI_SEND_REFLECTION_TEXT", False)),
                   default_language=config.get("DEFAULT_LANGUAGE", "fi"),
                   lms_actor=config.get("LTI_XAPI_ACTOR", "pseudonymous"))


def namespace_for(config: Mapping[str, Any]) -> uuid.UUID:
    """``XAPI_NAMESPACE`` when set, else a UUID 5 of the public URL: two deployments never
    produce the same statement id, one deployment always produces the same."""
    raw = str(config.get("XAPI_NAMESPACE") or "").strip()
    if raw:
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise SettingError("ELEARN_XAPI_NAMESPACE: expected a UUID") from None
    return uuid.uuid5(uuid.NAMESPACE_URL, str(config["PUBLIC_URL"]).rstrip("/"))


def statement_id(settings: ProfileSettings, identity: str) -> str:
    return str(uuid.uuid5(settings.namespace, identity))


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with exactly three fraction digits: ``2026-05-04T12:00:00.123Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; statements need aware UTC times")
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def iso_duration(span: timedelta) -> str:
    """An ISO 8601 duration to the hundredth of a second (the precision xAPI keeps, Data
    §4.6), e.g. ``PT1H2M3.45S``; a negative span (clocks) counts as zero."""
    hundredths = max(0, int(span.total_seconds() * 100))
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    seconds, fraction = divmod(rest, 100)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or fraction or not (hours or minutes):
        text += f"{seconds}.{fraction:02d}".rstrip("0") + "S" if fraction else f"{seconds}S"
    return text


SCORE_DECIMALS = 4


def rounded_score(value: float, low: float, high: float) -> float:
    """A score to at most 4 decimal places, kept within ``[low, high]`` (the spec's ranges:
    scaled within -1..1, raw within min..max), so ``0.9199999999999999`` is sent as ``0.92``."""
    return min(max(round(value, SCORE_DECIMALS), low), high)


def serialise(statement: dict[str, Any]) -> str:
    """The one JSON text of a statement: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def actor_key(actor: Mapping[str, Any]) -> str:
    """The canonical identity of an agent, for matching the read API's ``agent`` filter."""
    if "account" in actor:
        return f"account:{actor['account']['homePage']}|{actor['account']['name']}"
    return f"mbox:{actor['mbox']}"


CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")


def context_activity_ids(statement: Mapping[str, Any]) -> list[str]:
    """Ids of all a statement's context activities (``related_activities`` matches "any of
    the context Activities", Communication §2.1.3), parents first."""
    found = statement.get("context", {}).get("contextActivities", {})
    return [a["id"] for key in CONTEXT_ACTIVITY_KINDS for a in found.get(key, [])]


# The JSON of activity objects and definitions, per deployment URL, published version and
# item.  A published version never changes, so each activity is built (through tincan's
# validating setters) once per process instead of once per statement; every statement gets
# its own copy, identical to what tincan writes.  The key carries the version's
# ``published_at`` and ``content_hash`` so a reused id (a database emptied and filled again)
# never finds another version's activities.  Bounded: cleared whole when full.
_ACTIVITY_JSON: dict[tuple[Any, ...], str] = {}
_ACTIVITY_CACHE_SIZE = 4096


def _activity_json(key: tuple[Any, ...], build: Callable[[], Activity]) -> Any:
    text = _ACTIVITY_JSON.get(key)
    if text is None:
        text = json.dumps(build().as_version())
        if len(_ACTIVITY_JSON) >= _ACTIVITY_CACHE_SIZE:
            _ACTIVITY_JSON.clear()
        _ACTIVITY_JSON[key] = text
    return json.loads(text)


_VERB_JSON: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}


def _verb_json(verb: Verb) -> Any:
    """The verb as tincan writes it, built (and validated) once per process."""
    key = (verb.id, tuple(sorted(verb.display.items())))
    text = _VERB_JSON.get(key)
    if text is None:
        text = _VERB_JSON[key] = json.dumps(
            TinCanVerb(id=verb.id, display=LanguageMap(verb.display)).as_version())
    return json.loads(text)


def _tincan_result(spec: dict[str, Any]) -> Result:
    """A result spec (see :meth:`EnrolmentStatements._statement`) as a tincan Result."""
    result = Result()
    for name, value in spec.items():
        if name == "score":
            result.score = Score(**value)
        elif name == "extensions":
            result.extensions = Extensions(value)
        else:
            setattr(result, name, value)
    return result


def _plain_result(spec: dict[str, Any]) -> dict[str, Any]:
    """The same result as tincan writes it: score values are floats, the response a string,
    the flags booleans (tincan's setters convert exactly so)."""
    result: dict[str, Any] = {}
    for name, value in spec.items():
        if name == "score":
            result["score"] = {key: float(number) for key, number in value.items()
                               if number is not None}
        elif name == "extensions":
            result["extensions"] = json.loads(json.dumps(value))
        elif name == "response":
            result["response"] = str(value)
        elif value is not None:
            result[name] = bool(value)
    return result


class EnrolmentStatements:
    """Builds the statements of one learner's enrolment (one registration).

    Statements follow tincan's model.  By default the parts that are the same for every
    statement of the enrolment or of the deployment (actor, verbs, activity objects and the
    profile category) are built once through tincan's validating classes and copied; what
    varies per statement (id, timestamp, result, context activities) is filled in as plain
    data in exactly the form tincan writes.  ``validated=True`` builds every statement
    through tincan's classes instead; ``tests/xapi/test_statement_fast_path.py`` checks that
    both give byte-identical payloads for every kind of statement.
    """

    def __init__(self, settings: ProfileSettings, enrolment: Enrolment,
                 lms: LmsLaunch | None = None, *, validated: bool = False):
        self.settings = settings
        self.enrolment = enrolment
        self.lms = lms
        self.validated = validated
        self.version = enrolment.version
        self.slug = self.version.course.slug
        self.user: User = enrolment.user
        self._version_key = (settings.public_url, self.version.id, self.version.published_at,
                             self.version.content_hash)
        self.course_id = acts.course_activity_id(settings.public_url, self.slug)
        self._actor_text: str | None = None
        self._registration_text: str | None = None

    @property
    def course(self) -> dict[str, Any]:
        return self._object("course", 0, lambda: acts.course_activity(
            self.settings.public_url, self.slug, self.version))

    def _object(self, kind: str, item_id: int, build: Callable[[], Activity]) -> dict[str, Any]:
        """The serialised activity ``kind``/``item_id`` of this version (see _ACTIVITY_JSON)."""
        return _activity_json((*self._version_key, kind, item_id), build)

    # -- building blocks ---------------------------------------------------------------

    def _actor(self) -> Agent:
        if self.lms is not None and self.settings.lms_actor == "platform":
            return Agent(account=AgentAccount(home_page=self.lms.issuer, name=self.lms.sub))
        if self.settings.actor_mode == "mbox" and self.user.email:
            return Agent(mbox=f"mailto:{self.user.email}")
        return Agent(account=AgentAccount(home_page=self.settings.actor_homepage,
                                          name=self.user.opaque_id))

    def _language(self) -> str:
        preferred = self.user.preferred_language
        return preferred if preferred in LANGUAGES else self.settings.default_language

    def _extensions(self, extensions: dict[str, Any] | None) -> dict[str, Any] | None:
        if self.lms is not None and self.lms.context_id:
            extensions = dict(extensions or {})
            extensions[lms_context_extension(self.settings.public_url)] = {
                "platform": self.lms.issuer, "id": self.lms.context_id,
                "title": self.lms.context_title or ""}
        return extensions

    def _profile_category(self) -> Any:
        return _activity_json((self.settings.public_url, "profile"),
                              lambda: acts.profile_activity(self.settings.public_url))

    def _statement(self, identity: str, verb: Verb, obj: dict[str, Any], at: datetime, *,
                   result: dict[str, Any] | None = None, parent: list[str] | None = None,
                   grouping: list[str] | None = None,
                   extensions: dict[str, Any] | None = None) -> dict[str, Any]:
        """One statement.  ``result`` is a spec: ``success``, ``response``, ``completion``,
        ``score`` (``{raw, min, max, scaled}``) and ``extensions``, as tincan's Result takes
        them."""
        if self.validated:
            return self._statement_tincan(identity, verb, obj, at, result=result,
                                          parent=parent, grouping=grouping,
                                          extensions=extensions)
        if self._actor_text is None:
            self._actor_text = json.dumps(self._actor().as_version())
            self._registration_text = str(uuid.UUID(self.enrolment.registration))
        context_activities: dict[str, Any] = {"category": [self._profile_category()]}
        if parent:
            context_activities["parent"] = [{"id": i, "objectType": "Activity"} for i in parent]
        if grouping:
            context_activities["grouping"] = [{"id": i, "objectType": "Activity"}
                                              for i in grouping]
        context: dict[str, Any] = {
            "registration": self._registration_text, "contextActivities": context_activities,
            "revision": str(self.version.number), "platform": PLATFORM,
            "language": self._language()}
        extensions = self._extensions(extensions)
        if extensions:
            context["extensions"] = json.loads(json.dumps(extensions))
        data: dict[str, Any] = {"id": statement_id(self.settings, identity),
                                "actor": json.loads(self._actor_text), "verb": _verb_json(verb),
                                "object": obj, "context": context}
        if result is not None:
            data["result"] = _plain_result(result)
        data["timestamp"] = format_timestamp(at)
        return data

    def _statement_tincan(self, identity: str, verb: Verb, obj: dict[str, Any], at: datetime,
                          *, result: dict[str, Any] | None = None,
                          parent: list[str] | None = None, grouping: list[str] | None = None,
                          extensions: dict[str, Any] | None = None) -> dict[str, Any]:
        """:meth:`_statement` through tincan's validating classes (the reference)."""
        # The object and the profile category are filled in from the activity cache after
        # serialising; tincan is given references to keep the statement's shape.
        context_activities = ContextActivities(
            category=ActivityList([acts.reference(acts.profile_iri(self.settings.public_url))]))
        if parent:
            context_activities.parent = ActivityList([acts.reference(i) for i in parent])
        if grouping:
            context_activities.grouping = ActivityList([acts.reference(i) for i in grouping])
        context = Context(registration=self.enrolment.registration,
                          context_activities=context_activities, language=self._language(),
                          platform=PLATFORM, revision=str(self.version.number))
        extensions = self._extensions(extensions)
        if extensions:
            context.extensions = Extensions(extensions)
        statement = Statement(id=statement_id(self.settings, identity), actor=self._actor(),
                              verb=TinCanVerb(id=verb.id, display=LanguageMap(verb.display)),
                              object=acts.reference(obj["id"]), context=context)
        if result is not None:
            statement.result = _tincan_result(result)
        data = statement.as_version()
        data.pop("version", None)  # the profile sends no version; the LRS records its own
        data["object"] = obj
        data["context"]["contextActivities"]["category"] = [self._profile_category()]
        data["timestamp"] = format_timestamp(at)
        return data

    def _unit_object(self, unit: Unit) -> dict[str, Any]:
        return self._object("unit", unit.id,
                            lambda: acts.unit_activity(self.settings.public_url, unit))

    def _unit_context(self) -> dict[str, Any]:
        return {"parent": [self.course_id]}

    def _in_unit(self, unit: Unit) -> dict[str, Any]:
        return {"parent": [acts.unit_activity_id(self.settings.public_url, unit)],
                "grouping": [self.course_id]}

    @property
    def _registration(self) -> str:
        return self.enrolment.registration

    # -- one method per statement kind ---------------------------------------------------

    def registered(self, at: datetime) -> dict[str, Any]:
        return self._statement(f"registered|{self._registration}", REGISTERED, self.course, at)

    def experienced(self, unit: Unit, at: datetime) -> dict[str, Any]:
        return self._statement(f"experienced|{self._registration}|{unit.activity_key}",
                               EXPERIENCED, self._unit_object(unit),
                               at, **self._unit_context())

    def _attempt_extensions(self, attempt: QuizAttempt) -> dict[str, Any]:
        """The attempt's number (1, 2, ...) and an id shared by all its statements."""
        public_url = self.settings.public_url
        identity = f"attempt|{self._registration}|{attempt.unit.quiz_activity_key}" \
                   f"|{attempt.number}"
        return {acts.extension_iri(public_url, "attempt"): attempt.number,
                acts.extension_iri(public_url, "attempt-id"):
                    f"urn:uuid:{statement_id(self.settings, identity)}"}

    def answered(self, attempt: QuizAttempt, answer: AttemptAnswer) -> dict[str, Any]:
        question = answer.question
        result = {"success": bool(answer.correct),
                  "response": response_string(question.data, answer.response),
                  "score": {"raw": rounded_score(answer.points, 0, question.points), "min": 0,
                            "max": question.points}}
        unit = attempt.unit
        return self._statement(
            f"answered|{self._registration}|{unit.quiz_activity_key}|{attempt.number}"
            f"|{question.activity_key}",
            ANSWERED, self._object("question", question.id, lambda: acts.question_activity(
                self.settings.public_url, question)),
            attempt.submitted_at, result=result,
            parent=[acts.quiz_activity_id(self.settings.public_url, unit)],
            grouping=[self.course_id], extensions=self._attempt_extensions(attempt))

    def attempt_result(self, attempt: QuizAttempt) -> dict[str, Any]:
        """passed or failed, for the quiz attempt as a whole."""
        unit = attempt.unit
        verb = PASSED if attempt.passed else FAILED
        result = {"success": bool(attempt.passed), "score": {
            "scaled": rounded_score(attempt.score_scaled, -1, 1),
            "raw": rounded_score(attempt.score_raw, 0, attempt.score_max), "min": 0,
            "max": attempt.score_max}}
        data = self._statement(
            f"{verb.display['en']}|{self._registration}|{unit.quiz_activity_key}"
            f"|{attempt.number}",
            verb, self._object("quiz", unit.id, lambda: acts.quiz_activity(
                self.settings.public_url, unit)), attempt.submitted_at,
            result=result, extensions={MASTERY_SCORE_EXTENSION: unit.pass_mark,
                                       **self._attempt_extensions(attempt)},
            **self._in_unit(unit))
        # From the view that started the attempt (its draw) to its submission.
        data["result"]["duration"] = iso_duration(attempt.submitted_at - attempt.started_at)
        return data

    def reflection(self, reflection: Reflection) -> dict[str, Any]:
        """answered on a long-fill-in; each saved edit is its own statement."""
        task = reflection.task
        result: dict[str, Any] = {"completion": True}
        if self.settings.send_reflection_text and reflection.text.strip():
            result["response"] = reflection.text
        return self._statement(
            f"answered|{self._registration}|{task.activity_key}"
            f"|{format_timestamp(reflection.updated_at)}",
            ANSWERED, self._object("reflection", task.id, lambda: acts.reflection_activity(
                self.settings.public_url, task)),
            reflection.updated_at, result=result, **self._in_unit(task.unit))

    def unit_completed(self, unit: Unit, at: datetime,
                       opened_at: datetime | None = None) -> dict[str, Any]:
        """``opened_at``: the learner's first open of the unit; the time from it to ``at`` is
        the duration, sent only when the open was recorded before the completion (not for
        records carried over from another version in one moment)."""
        data = self._statement(f"completed|{self._registration}|unit|{unit.activity_key}",
                               COMPLETED, self._unit_object(unit),
                               at, result={"completion": True}, **self._unit_context())
        if opened_at is not None and opened_at < at:
            data["result"]["duration"] = iso_duration(at - opened_at)
        return data

    def course_progressed(self, progress: float, at: datetime) -> dict[str, Any]:
        percent = progress_percent(progress)
        return self._statement(f"progressed|{self._registration}|{percent}", PROGRESSED,
                               self.course, at,
                               result={"extensions": {PROGRESS_EXTENSION: percent}})

    def course_completed(self, at: datetime) -> dict[str, Any]:
        return self._statement(f"completed|{self._registration}|course", COMPLETED, self.course,
                               at, result={"completion": True})

    def course_passed(self, at: datetime) -> dict[str, Any]:
        score = self.enrolment.score
        result: dict[str, Any] = {"success": True}
        if score is not None:
            result["score"] = {"scaled": rounded_score(score, -1, 1)}
        return self._statement(f"passed|{self._registration}|course", PASSED, self.course, at,
                               result=result,
                               extensions={MASTERY_SCORE_EXTENSION: self.version.mastery_score})

    def attempt(self, attempt: QuizAttempt) -> list[dict[str, Any]]:
        """Every statement of a submitted attempt: answered per question in the order shown,
        then passed/failed."""
        order = {qid: i for i, qid in enumerate(attempt.question_ids or [])}
        answers = sorted(attempt.answers,
                         key=lambda a: (order.get(a.question_id, len(order)), a.question_id))
        return [self.answered(attempt, a) for a in answers] + [self.attempt_result(attempt)]


def progress_percent(progress: float) -> int:
    """The cmi5 progress extension value: an integer 0–100."""
    return max(0, min(100, int(round(progress * 100))))


def statements_for_event(session: Session, settings: ProfileSettings,
                         event: events.LearningEvent) -> tuple[Enrolment, list[dict[str, Any]]]:
    """The statements one learning event stands for, built from the records in ``session``."""
    enrolment = session.get(Enrolment, event.enrolment_id)
    if enrolment is None:
        raise LookupError(f"enrolment {event.enrolment_id} not found")
    build = EnrolmentStatements(settings, enrolment, lms_launch(session, enrolment))
    if isinstance(event, events.Enrolled):
        return enrolment, [build.registered(enrolment.enrolled_at or event.at)]
    if isinstance(event, events.UnitOpened):
        unit = session.get(Unit, event.unit_id)
        progress = _unit_progress(session, enrolment, event.unit_id)
        at = progress.first_viewed_at if progress is not None else event.at
        return enrolment, [build.experienced(unit, at)]
    if isinstance(event, events.AttemptSubmitted):
        return enrolment, build.attempt(session.get(QuizAttempt, event.attempt_id))
    if isinstance(event, events.ReflectionSaved):
        return enrolment, [build.reflection(session.get(Reflection, event.reflection_id))]
    if isinstance(event, events.UnitCompleted):
        unit = session.get(Unit, event.unit_id)
        progress = _unit_progress(session, enrolment, event.unit_id)
        at = progress.completed_at if progress is not None and progress.completed_at \
            else event.at
        opened = progress.first_viewed_at if progress is not None else None
        return enrolment, [build.unit_completed(unit, at, opened)]
    if isinstance(event, events.CourseProgressed):
        return enrolment, [build.course_progressed(event.progress, event.at)]
    if isinstance(event, events.CourseCompleted):
        return enrolment, [build.course_completed(enrolment.completed_at or event.at)]
    if isinstance(event, events.CoursePassed):
        return enrolment, [build.course_passed(enrolment.passed_at or event.at)]
    raise TypeError(f"no statements for {type(event).__name__}")


def _unit_progress(session: Session, enrolment: Enrolment, unit_id: int) -> UnitProgress | None:
    return session.scalar(select(UnitProgress).where(UnitProgress.enrolment_id == enrolment.id,
                                                     UnitProgress.unit_id == unit_id))


__all__ = ["EnrolmentStatements", "LmsLaunch", "ProfileSettings", "actor_key",
           "context_activity_ids", "lms_context_extension", "lms_launch",
           "register_lms_lookup",
           "format_timestamp", "namespace_for", "parse_timestamp", "progress_percent",
           "serialise", "statement_id", "statements_for_event"]
