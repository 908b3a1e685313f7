"""Settings: safe defaults, overridden by ``ELEARN_*`` environment variables.

Every setting has a default that works on one machine over loopback, so a newcomer can run
the service with no configuration.  Production mode refuses the development secret key, and
any malformed setting stops start-up with one line that names it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class SettingError(RuntimeError):
    """A setting is missing or malformed; the message names it in one line."""


def default_settings(instance_path: str) -> dict[str, Any]:
    """Defaults for every setting the service reads."""
    return {
        "ENV": "development",
        "SECRET_KEY": DEV_SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'elearn.sqlite3'}",
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "COURSES_PATH": str(Path(instance_path).parent / "courses"),
        # course images/files copied at import, served at /media/<sha256>.<ext>
        "COURSE_MEDIA_PATH": str(Path(instance_path) / "course-media"),
        "DEFAULT_LANGUAGE": "fi",
        "LANGUAGES": ["fi", "sv", "en"],
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_SECONDS": 900,
        # failed sign-ins allowed per client address (Flask-Limiter syntax; elearn.security.throttle)
        "LOGIN_ADDRESS_LIMIT": "30 per 10 minutes",
        "RATELIMIT_STORAGE_URI": "memory://",  # where those counts live (per process by default)
        "TRUSTED_PROXIES": 0,  # proxies in front whose X-Forwarded-For/-Proto to believe
        "HSTS_MAX_AGE": 31_536_000,  # Strict-Transport-Security when PUBLIC_URL is https
        # sessions end after this long unused, and this long after sign-in (elearn.auth)
        "SESSION_IDLE_MINUTES": 120,
        "SESSION_MAX_HOURS": 12,
        # a used-up round of quiz attempts without a pass reopens this long after its last attempt
        "QUIZ_RETRY_WAIT_HOURS": 24.0,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # course packages uploaded by trainers (docs/authoring.md): the zip, then its contents
        "PUBLISH_MAX_UPLOAD_BYTES": 20 * 1024 * 1024,
        "PUBLISH_MAX_UNPACKED_BYTES": 100 * 1024 * 1024,
        "PUBLISH_MAX_FILES": 500,
        "MAX_URL_LENGTH": 8192,  # longest request line (path and query) answered; 414 beyond
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # role -> endpoint of the first page after sign-in; features add their own
        "ROLE_LANDING": {},
        # xAPI
        "XAPI_NAMESPACE": "",  # uuid5 namespace for statement ids; derived from PUBLIC_URL when empty
        "XAPI_ACTOR": "account",  # or "mbox"
        "XAPI_ACTOR_HOMEPAGE": "",  # defaults to PUBLIC_URL
        "XAPI_SEND_REFLECTION_TEXT": False,
        "LRS_DESTINATIONS": [],
        "XAPI_BATCH_SIZE": 100,
        "XAPI_TIMEOUT_SECONDS": 10.0,
        # xAPI delivery worker (docs/operations.md)
        "XAPI_POLL_SECONDS": 2.0,  # idle wait between looks at the outbox
        "XAPI_BACKOFF_BASE_SECONDS": 2.0,  # first retry within this, doubling per failure
        "XAPI_BACKOFF_MAX_SECONDS": 600.0,  # the backoff never waits longer than this
        "XAPI_RETRY_AFTER_MAX_SECONDS": 3600.0,  # an LRS's Retry-After is obeyed up to this
        "XAPI_CLAIM_LEASE_SECONDS": 0.0,  # 0: long enough for a whole batch with splitting
        "XAPI_PAUSE_RETRY_SECONDS": 3600.0,  # paused destination retried after; 0: only resume
        "XAPI_CLAIM_BATCHES": 10,  # batches leased per claim transaction (POSTed one by one)
        # xAPI read API
        "XAPI_READ_MAX_LIMIT": 500,
        "XAPI_CORS_ORIGINS": "",  # comma-separated origins whose pages may call /xapi/
        # privacy (docs/privacy.md)
        "PRIVACY_KEEP_ANONYMOUS_COMPLETIONS": False,  # erasure keeps enrolments under a tombstone
        # days each kind of personal data is kept (0: no limit); `elearn privacy purge`
        "PRIVACY_RETAIN_REFLECTIONS_DAYS": 0,  # after the enrolment's last activity
        "PRIVACY_RETAIN_ATTEMPTS_DAYS": 0,  # quiz attempts and answers, the same
        "PRIVACY_RETAIN_LOGIN_RECORDS_DAYS": 90,  # failed sign-ins, after they happened
        "PRIVACY_RETAIN_STATEMENTS_DAYS": 0,  # statements every LRS has, after storing
        "PRIVACY_PURGE_EVERY_HOURS": 24,  # the worker purges this often; 0: never (cron does)
        "FEEDBACK_ADDRESS_LIMIT": "10 per hour;30 per day",  # accessibility feedback per address
        "NOTICES_PATH": "",  # operator's privacy.yaml + accessibility.yaml; required in production
        "ACCESSIBILITY_CHECK_FILE": "",  # last automated check; default instance/accessibility-check.json
        # LTI 1.3 tool (docs/lms.md)
        "LTI_CROSS_SITE_COOKIES": "auto",  # SameSite=None; Secure session cookie: auto = https
        "LTI_KEEP_NAME_AND_EMAIL": False,  # store name and e-mail a platform sends
        "LTI_JWKS_CACHE_SECONDS": 300.0,  # how long a platform's public keys are reused
        "LTI_HTTP_TIMEOUT_SECONDS": 5.0,  # fetching a platform's keys or configuration
        # LTI Advantage services: grade passback and rosters (docs/lms.md)
        "LTI_PASSBACK_POLL_SECONDS": 2.0,  # idle wait between looks at the score queue
        "LTI_PASSBACK_BATCH": 20,  # scores claimed per round
        "LTI_PASSBACK_TIMEOUT_SECONDS": 10.0,  # each token, line item or score request
        "LTI_PASSBACK_LEASE_SECONDS": 120.0,  # a claim expires after (a dead worker's rows)
        "LTI_PASSBACK_BACKOFF_BASE_SECONDS": 2.0,  # first retry within this, doubling
        "LTI_PASSBACK_BACKOFF_MAX_SECONDS": 600.0,  # the backoff never waits longer
        "LTI_XAPI_ACTOR": "pseudonymous",  # or "platform": account {homePage: issuer, name: sub}
        # API / OpenAPI (flask-smorest)
        "API_TITLE": "elearn API",
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def _coerce(name: str, raw: str, default: Any) -> Any:
    """Interpret an environment value with the type of its default."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingError(f"ELEARN_{name}: expected true or false, got {raw!r}")
    if isinstance(default, int) and not isinstance(default, bool):
        try:
            return int(raw)
        except ValueError:
            raise SettingError(f"ELEARN_{name}: expected an integer, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingError(f"ELEARN_{name}: expected a number, got {raw!r}") from None
    if isinstance(default, (list, dict)):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SettingError(f"ELEARN_{name}: expected JSON ({exc.msg})") from None
        if not isinstance(value, type(default)):
            raise SettingError(f"ELEARN_{name}: expected a JSON {type(default).__name__}")
        return value
    return raw


def load_settings(instance_path: str, environ: dict[str, str] | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, ``ELEARN_*`` variables and explicit overrides, then validate."""
    environ = os.environ if environ is None else environ
    settings = default_settings(instance_path)
    for key, raw in environ.items():
        if not key.startswith("ELEARN_"):
            continue
        name = key[len("ELEARN_"):]
        default = settings.get(name, "")
        settings[name] = _coerce(name, raw, default)
    settings.update(overrides or {})
    validate_settings(settings)
    return settings


def validate_settings(settings: dict[str, Any]) -> None:
    """Refuse settings the service cannot run safely with."""
    if settings["ENV"] not in {"development", "production", "testing"}:
        raise SettingError("ELEARN_ENV: expected development, production or testing")
    if settings["ENV"] == "production":
        if settings["SECRET_KEY"] == DEV_SECRET_KEY or len(settings["SECRET_KEY"]) < 32:
            raise SettingError(
                "ELEARN_SECRET_KEY: production needs its own secret of at least 32 characters")
    if not settings["SECRET_KEY"]:
        raise SettingError("ELEARN_SECRET_KEY: must not be empty")
    url = settings["DATABASE_URL"]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise SettingError("ELEARN_DATABASE_URL: expected a sqlite:/// or postgresql:// URL")
    public = settings["PUBLIC_URL"]
    if not (public.startswith("http://") or public.startswith("https://")):
        raise SettingError("ELEARN_PUBLIC_URL: expected an http:// or https:// URL")
    settings["PUBLIC_URL"] = public.rstrip("/")
    if settings["DEFAULT_LANGUAGE"] not in settings["LANGUAGES"]:
        raise SettingError("ELEARN_DEFAULT_LANGUAGE: must be one of ELEARN_LANGUAGES")
    for name in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS"):
        if not isinstance(settings[name], int) or settings[name] < 1:
            raise SettingError(f"ELEARN_{name}: expected a whole number of at least 1")
    wait = settings["QUIZ_RETRY_WAIT_HOURS"]
    if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not 0 <= wait < 1e6:
        raise SettingError("ELEARN_QUIZ_RETRY_WAIT_HOURS: expected hours, 0 or more")
    if settings["XAPI_ACTOR"] not in {"account", "mbox"}:
        raise SettingError("ELEARN_XAPI_ACTOR: expected account or mbox")
    if settings["LTI_XAPI_ACTOR"] not in {"pseudonymous", "platform"}:
        raise SettingError("ELEARN_LTI_XAPI_ACTOR: expected pseudonymous or platform")
    # Cookies travel only over https when the service is published over https.
    secure = public.startswith("https://")
    settings.setdefault("SESSION_COOKIE_SECURE", secure)
    settings.setdefault("REMEMBER_COOKIE_SECURE", secure)
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver the project installs.
        settings["DATABASE_URL"] = "postgresql+psycopg://" + url[len("postgresql://"):]
