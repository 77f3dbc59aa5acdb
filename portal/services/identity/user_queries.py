"""Read-side queries of user administration: the searchable list and a user's activity."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import AuditLog, Role, User, UserRole
from portal.models.base import UTCDateTime, utcnow
from portal.pagination import (
    CountedPage,
    PageRequest,
    SortKey,
    counted_page,
)

# Accounts that never signed in sort (and filter) as if they last did at this moment.
NEVER_SIGNED_IN = datetime(1970, 1, 1, tzinfo=UTC)
LAST_SIGN_IN = func.coalesce(User.last_login_at, literal(NEVER_SIGNED_IN, UTCDateTime))
RECENT_EVENTS = 20

# Each order ends with the id, so the values are unique together (keyset pagination).
SORT_COLUMNS: dict[str, tuple[SQLColumnExpression[Any], ...]] = {
    "email": (User.email, User.id),
    "name": (User.name, User.id),
    "last_sign_in": (LAST_SIGN_IN, User.id),
    "created": (User.created_at, User.id),
}


@dataclass(frozen=True)
class UserFilters:
    """What the list is narrowed to; None means "any"."""

    q: str = ""
    role: str | None = None
    active: bool | None = None
    locked: bool | None = None
    mfa: bool | None = None
    no_sign_in_since: date | None = None


def roles_by_ids(ids: Iterable[str | uuid.UUID]) -> list[Role]:
    """The roles with these ids (unknown ids are skipped), by name."""
    keys = {uuid.UUID(str(i)) for i in ids}
    if not keys:
        return []
    return list(db.session.scalars(select(Role).where(Role.id.in_(keys)).order_by(Role.name)))


def grantable_roles(user: User) -> list[Role]:
    """Roles ``user`` does not hold yet, by name."""
    held = {role.id for role in user.roles}
    stmt = select(Role).where(Role.id.not_in(held)) if held else select(Role)
    return list(db.session.scalars(stmt.order_by(Role.name)))


def sort_key(sort: str, descending: bool = False) -> SortKey:
    """The keyset order for ``sort`` (a key of SORT_COLUMNS)."""
    return SortKey.named("users", sort, SORT_COLUMNS[sort], descending)


def _conditions(filters: UserFilters) -> list[ColumnElement[bool]]:
    now = utcnow()
    where: list[ColumnElement[bool]] = []
    if filters.q:
        # Prefix searches on indexed expressions (ix_users_email_pattern, ..._lower_name_pattern).
        prefix = filters.q.lower()
        where.append(
            or_(
                User.email.startswith(prefix, autoescape=True),
                func.lower(User.name).startswith(prefix, autoescape=True),
            )
        )
    if filters.role is not None:
        # The role's id, not its name through a join: PostgreSQL then knows from the
        # statistics of user_roles.role_id how rare the role is and plans accordingly.
        role_id = db.session.scalar(select(Role.id).where(Role.name == filters.role))
        holds = select(UserRole.user_id).where(
            UserRole.user_id == User.id, UserRole.role_id == role_id
        )
        where.append(exists(holds))
    if filters.active is not None:
        where.append(User.is_active.is_(filters.active))
    if filters.locked is True:
        where.append(User.locked_until > now)
    elif filters.locked is False:
        where.append(or_(User.locked_until.is_(None), User.locked_until <= now))
    if filters.mfa is True:
        where.append(User.mfa_enrolled_at.is_not(None))
    elif filters.mfa is False:
        where.append(User.mfa_enrolled_at.is_(None))
    if filters.no_sign_in_since is not None:
        since = datetime.combine(filters.no_sign_in_since, time.min, tzinfo=UTC)
        where.append(since > LAST_SIGN_IN)
    return where


def filtered_users(filters: UserFilters) -> Select:
    """SELECT of the users that match ``filters`` (unordered)."""
    return select(User).where(*_conditions(filters))


def list_users(
    filters: UserFilters,
    page_request: PageRequest,
    *,
    sort: str = "email",
    descending: bool = False,
) -> CountedPage:
    """One keyset page of matching users (roles loaded) and the capped count of matches."""
    key = sort_key(sort, descending)
    return counted_page(filtered_users(filters), key, page_request, selectinload(User.roles))


def recent_events(user: User, limit: int = RECENT_EVENTS) -> list[AuditLog]:
    """The newest audit rows about the user or by the user, newest first."""
    # Two index-ordered reads (target, actor) merged here: an OR over both would make
    # PostgreSQL gather and sort every matching row of a busy account.
    about = and_(AuditLog.target_type == "user", AuditLog.target_id == str(user.id))
    rows: dict[Any, AuditLog] = {}
    for condition in (about, AuditLog.actor_id == user.id):
        stmt = select(AuditLog).where(condition).order_by(AuditLog.seq.desc()).limit(limit)
        rows.update((row.id, row) for row in db.session.scalars(stmt))
    return sorted(rows.values(), key=lambda row: row.seq, reverse=True)[:limit]
