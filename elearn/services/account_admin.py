"""Account administration in the web UI: list accounts and set a user's organisation unit
and role.

The HR completion report groups and filters learners by ``User.organisation_unit``, so an
admin fixes a unit here instead of re-importing a CSV (``elearn users import``) or running
``elearn users set-org-unit``.  Every change is returned as a list of (field, old, new) so
the page can say exactly what changed and the audit log can record who changed it.
"""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from elearn.models import Role, User

ORGANISATION_UNIT_MAX = 200
PER_PAGE = 50
audit_log = logging.getLogger("elearn.audit")


@dataclass(frozen=True)
class AccountFilters:
    role: Role | None = None
    organisation_unit: str | None = None  # "" selects accounts without a unit
    name: str = ""


@dataclass(frozen=True)
class AccountPage:
    accounts: list[User]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


class AccountProblems(ValueError):
    """Field name -> messages; nothing was changed."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()))
        self.fields = fields


def list_accounts(session: Session, filters: AccountFilters, *, page: int = 1,
                  per_page: int = PER_PAGE) -> AccountPage:
    """One page of accounts ordered by display name then username; two queries."""
    conditions = []
    if filters.role is not None:
        conditions.append(User.role == filters.role)
    if filters.organisation_unit is not None:
        conditions.append(User.organisation_unit == filters.organisation_unit)
    if filters.name:
        pattern = "%" + filters.name.lower().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        conditions.append(or_(func.lower(User.username).like(pattern, escape="\\"),
                              func.lower(User.display_name).like(pattern, escape="\\")))
    total = session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    accounts = list(session.scalars(
        select(User).where(*conditions).order_by(User.display_name, User.username)
        .limit(per_page).offset((page - 1) * per_page)))
    return AccountPage(accounts=accounts, page=page, per_page=per_page, total=total)


def known_units(session: Session) -> list[str]:
    """Every organisation unit some account has, for the filter and the edit form's list."""
    return list(session.scalars(select(User.organisation_unit)
                                .where(User.organisation_unit != "").distinct()
                                .order_by(User.organisation_unit)))


def clean_unit(value: str) -> str:
    """Trimmed unit name; raises ValueError with the problem's message id."""
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > ORGANISATION_UNIT_MAX:
        raise ValueError("At most %(max)s characters.")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError("Line breaks and control characters are not allowed.")
    return value


def change_account(session: Session, user: User, *, organisation_unit: str, role: Role,
                   acting: User) -> list[Change]:
    """Apply the new unit and role (already cleaned) and return what changed.

    An admin may not take the admin role away from their own account: the service would
    otherwise be left without anyone able to give it back from the web UI."""
    if user.id == acting.id and role is not Role.ADMIN:
        raise AccountProblems({"role": ["You cannot remove the admin role from your own account."]})
    changes = []
    if user.organisation_unit != organisation_unit:
        changes.append(Change("organisation_unit", user.organisation_unit, organisation_unit))
        user.organisation_unit = organisation_unit
    if user.role is not role:
        changes.append(Change("role", user.role.value, role.value))
        user.role = role
    session.flush()
    for change in changes:
        audit_log.info("account %s: %s changed from %r to %r by admin %s", user.username,
                       change.field, change.old, change.new, acting.username)
    return changes


__all__ = ["AccountFilters", "AccountPage", "AccountProblems", "Change", "PER_PAGE",
           "change_account", "clean_unit", "known_units", "list_accounts"]
