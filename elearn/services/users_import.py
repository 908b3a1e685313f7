"""Bulk account import from CSV (columns username, display_name, email, organisation_unit,
role, optional password).

All or nothing: every row is checked first and every bad row reported as
``FILE:line: message``; if any row is bad nothing is imported.  An existing username is
*updated* (name, email, unit and role; its password only when the row gives one), so the
same file can be re-imported after HR corrects organisation units.  New accounts without a
password get a random one, returned to the caller but never logged, or (for a whole agency
that signs in through its LMS) no password at all.

A password hash costs ~0.1 s of CPU by design, which made 50,000 accounts an hour's work on
one core; hashes are therefore made on every core, and accounts without a password need none.
"""
from __future__ import annotations

import csv
import io
import os
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from elearn.models import Role, User
from elearn.security.text import text_problem
from elearn.services.accounts import MIN_PASSWORD_LENGTH

REQUIRED_COLUMNS = ("username", "display_name", "email", "organisation_unit", "role")
OPTIONAL_COLUMNS = ("password",)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LIMITS = {"username": 150, "display_name": 200, "email": 254, "organisation_unit": 200,
          "password": 200}


@dataclass(frozen=True)
class ImportRow:
    line: int
    username: str
    display_name: str
    email: str | None
    organisation_unit: str
    role: Role
    password: str | None


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # username -> generated password (only for new accounts without one in the file)
    generated_passwords: dict[str, str] = field(default_factory=dict)


class ImportProblems(ValueError):
    """Every bad row, as ``FILE:line: message`` lines."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def parse(text: str, filename: str) -> list[ImportRow]:
    """Check every row; raise :class:`ImportProblems` listing all bad rows."""
    if text.startswith("\ufeff"):
        text = text[1:]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportProblems([f"{filename}:1: cannot read the header row ({exc})"]) from None
    problems: list[str] = []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if not header:
        raise ImportProblems([f"{filename}:1: the file is empty; expected a header row "
                              f"({', '.join(REQUIRED_COLUMNS)})"])
    if missing:
        problems.append(f"{filename}:1: missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"{filename}:1: unknown column(s): {', '.join(unknown)}")
    if problems:
        raise ImportProblems(problems)
    reader.fieldnames = header
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    records = iter(reader)
    while True:
        starts_at = reader.line_num + 1
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field over the csv module's limit: stop reading here
            problems.append(f"{filename}:{starts_at}: cannot read the row ({exc})")
            break
        line = reader.line_num
        messages = _check(record, seen, line)
        if messages:
            problems.extend(f"{filename}:{line}: {message}" for message in messages)
            continue
        username = record["username"].strip()
        seen[username] = line
        rows.append(ImportRow(
            line=line, username=username,
            display_name=(record.get("display_name") or "").strip() or username,
            email=(record.get("email") or "").strip() or None,
            organisation_unit=(record.get("organisation_unit") or "").strip(),
            role=Role(record["role"].strip().lower()),
            password=record.get("password") or None))
    if problems:
        raise ImportProblems(problems)
    if not rows:
        raise ImportProblems([f"{filename}:2: no rows to import"])
    return rows


def _check(record: dict, seen: dict[str, int], line: int) -> list[str]:
    messages = []
    if None in record:  # more cells than columns
        messages.append("too many cells for the header's columns")
    for name, value in record.items():
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            messages.append(f"{name or 'extra cell'}: {problem}")
            return messages  # nothing else about such a row is worth reading
    username = (record.get("username") or "").strip()
    if not username:
        messages.append("username: must not be empty")
    elif username in seen:
        messages.append(f"username: {username!r} is already on line {seen[username]}")
    for name, limit in LIMITS.items():
        value = record.get(name) or ""
        if len(value) > limit:
            messages.append(f"{name}: at most {limit} characters")
    email = (record.get("email") or "").strip()
    if email and not EMAIL.match(email):
        messages.append(f"email: {email!r} is not an email address")
    role = (record.get("role") or "").strip().lower()
    if role not in {r.value for r in Role}:
        messages.append(f"role: {role!r} is not one of " + ", ".join(r.value for r in Role))
    password = record.get("password") or ""
    if password and len(password) < MIN_PASSWORD_LENGTH:
        messages.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    return messages


Progress = Callable[[str, int, int], None]  # (stage, done, total)
LOOKUP_CHUNK = 1000  # usernames per query: below every database's bound-parameter limit


def _quiet(_stage: str, _done: int, _total: int) -> None:
    return None


def hash_passwords(passwords: list[str], progress: Progress = _quiet,
                   workers: int | None = None) -> list[str]:
    """Hash ``passwords`` (scrypt, ~0.1 s each) on every core; the hashes in the same order."""
    if not passwords:
        return []
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(passwords) < 8:
        hashes = []
        for password in passwords:
            hashes.append(generate_password_hash(password))
            progress("hashing passwords", len(hashes), len(passwords))
        return hashes
    hashes = []
    chunk = max(1, min(64, len(passwords) // (workers * 4)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for hashed in pool.map(generate_password_hash, passwords, chunksize=chunk):
            hashes.append(hashed)
            if len(hashes) % chunk == 0 or len(hashes) == len(passwords):
                progress("hashing passwords", len(hashes), len(passwords))
    return hashes


def apply(session: Session, rows: list[ImportRow], *, random_passwords: bool = True,
          progress: Progress = _quiet) -> ImportResult:
    """Create or update the accounts; flushes only.

    New accounts without a password in the file get a random one (returned, never logged)
    when ``random_passwords``, else none at all: they sign in through the LMS, or once a
    password is set (``elearn users set-password``).  Passwords are hashed on every core,
    existing accounts are read a thousand usernames a query, and ``progress`` hears how far
    each stage has come.
    """
    existing: dict[str, User] = {}
    names = [row.username for row in rows]
    for start in range(0, len(names), LOOKUP_CHUNK):
        existing.update((user.username, user) for user in session.scalars(
            select(User).where(User.username.in_(names[start:start + LOOKUP_CHUNK]))))
    result = ImportResult()
    to_hash: dict[str, str] = {}
    for row in rows:
        if row.password:
            to_hash[row.username] = row.password
        elif row.username not in existing and random_passwords:
            password = secrets.token_urlsafe(15)
            result.generated_passwords[row.username] = password
            to_hash[row.username] = password
    hashes = dict(zip(to_hash, hash_passwords(list(to_hash.values()), progress)))
    for done, row in enumerate(rows, start=1):
        user = existing.get(row.username)
        if user is None:
            user = User(username=row.username, role=row.role,
                        password_hash=hashes.get(row.username))
            session.add(user)
            result.created.append(row.username)
        else:
            user.role = row.role
            if row.username in hashes:
                user.password_hash = hashes[row.username]
            result.updated.append(row.username)
        user.display_name = row.display_name
        user.email = row.email
        user.organisation_unit = row.organisation_unit
        if done % 5000 == 0 or done == len(rows):
            session.flush()
            progress("saving accounts", done, len(rows))
    return result
