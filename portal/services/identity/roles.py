"""Roles and the permission matrix: create, edit and delete roles, list them with holders."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Bundle

from portal.extensions import db
from portal.models import Role, User, UserRole
from portal.models.base import snapshot
from portal.pagination import Page, PageRequest, SortKey, paginate
from portal.security.permissions import ALL_PERMISSIONS
from portal.services import audit
from portal.services.editing import flush
from portal.services.identity.errors import RoleRuleError
from portal.services.identity.last_admin import ADMIN_ROLE
from portal.tx import lock_for_update

NAME_MIN, NAME_MAX = 2, 64
DESCRIPTION_MAX = 1000
# ASCII letters only: a Cyrillic A (U+0410) would let a custom role pass for "Admin" at a glance.
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]*")
NAME_RULE = (
    "Use letters A to Z, digits, spaces, hyphens and underscores, starting with a letter or digit."
)
HOLDERS_SHOWN = 50
HOLDER_EMAILS_AUDITED = 100
SNAPSHOT_FIELDS = ("name", "description", "permissions", "requires_mfa")

# Holders per role, as a grouped derived table: one statement lists roles with their counts,
# and because the count is a plain column of the join (not an aggregate of the outer query),
# keyset pagination can compare it in WHERE when the list is sorted by holders.
_holder_counts = (
    select(UserRole.role_id, func.count().label("holders"))
    .group_by(UserRole.role_id)
    .subquery("role_holder_counts")
)
HOLDERS = func.coalesce(_holder_counts.c.holders, 0)

SORTS: dict[str, SortKey] = {
    "name": SortKey("name", (Role.name, Role.id)),
    # Most holders first, ties by name: ascending on the negated count keeps one direction.
    "holders": SortKey("holders", (-HOLDERS, Role.name, Role.id)),
}


def get_role_by_name(name: str) -> Role | None:
    """The role called ``name`` (exact), if any."""
    return db.session.scalar(select(Role).where(Role.name == name))


def list_roles() -> list[Role]:
    """Every role, by name."""
    return list(db.session.scalars(select(Role).order_by(Role.name)))


def permission_groups(values: Iterable[str] = ALL_PERMISSIONS) -> list[tuple[str, list[str]]]:
    """``values`` grouped by area (the part before the dot), areas in first-seen order."""
    groups: dict[str, list[str]] = {}
    for value in values:
        groups.setdefault(value.split(".", 1)[0], []).append(value)
    return list(groups.items())


def unknown_permissions(values: Iterable[str]) -> list[str]:
    """The values that are not a ``Permission``, sorted and without repeats."""
    known = set(ALL_PERMISSIONS)
    return sorted({value for value in values if value not in known})


def normalise_name(name: str | None) -> str:
    """``name`` trimmed, with one space between words ("Lab  Lead" is "Lab Lead")."""
    return re.sub(" {2,}", " ", (name or "").strip())


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a role name, or None when it can."""
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return f"A role name has {NAME_MIN} to {NAME_MAX} characters."
    if not NAME_RE.fullmatch(name):
        return NAME_RULE
    return None


def roles_with_holder_counts(*, q: str = "", sort: str = "name", page: PageRequest) -> Page:
    """One page of roles (rows with ``holders``), optionally by name prefix, in ``sort`` order."""
    row: Bundle[Any] = Bundle(
        "role",
        Role.id,
        Role.name,
        Role.description,
        Role.permissions,
        Role.requires_mfa,
        Role.is_builtin,
        HOLDERS.label("holders"),
    )
    stmt = select(row).outerjoin(_holder_counts, _holder_counts.c.role_id == Role.id)
    if q:
        stmt = stmt.where(func.lower(Role.name).startswith(q.lower(), autoescape=True))
    return paginate(stmt, SORTS[sort], page)


def holder_count(role: Role) -> int:
    """How many users hold ``role``."""
    stmt = select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id)
    return db.session.scalar(stmt) or 0


def _holders_query(role: Role, column: Any = User) -> Select:
    return (
        select(column)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role_id == role.id)
        .order_by(User.email)
    )


def role_holders(role: Role, limit: int = HOLDERS_SHOWN) -> list[User]:
    """The first ``limit`` holders of ``role`` by email."""
    return list(db.session.scalars(_holders_query(role).limit(limit)))


def _valid_name(name: str, *, exclude_id: uuid.UUID | None = None) -> str:
    name = normalise_name(name)
    problem = name_problem(name)
    if problem:
        raise RoleRuleError(problem, field="name")
    stmt = select(Role.name).where(func.lower(Role.name) == name.lower())
    if exclude_id is not None:
        stmt = stmt.where(Role.id != exclude_id)
    existing = db.session.scalar(stmt.limit(1))
    if existing is not None:
        raise RoleRuleError(
            f"A role called {existing} already exists (names are compared ignoring case).",
            field="name",
        )
    return name


def _valid_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX or "\x00" in description:
        raise RoleRuleError(
            f"A description has at most {DESCRIPTION_MAX} characters and no NUL bytes.",
            field="description",
        )
    return description


def _valid_permissions(values: Iterable[str]) -> list[str]:
    values = list(values or ())
    unknown = unknown_permissions(values)
    if unknown:
        raise RoleRuleError(
            f"Unknown permission: {', '.join(v[:64] for v in unknown[:5])}.", field="permissions"
        )
    chosen = set(values)
    return [p for p in ALL_PERMISSIONS if p in chosen]  # stored in the enum's order


def _saved() -> None:
    # The service checks names first; this catches a concurrent save of the same name.
    flush(
        taken=RoleRuleError(
            "Another role with that name was saved meanwhile; choose another name.", field="name"
        )
    )


def create_role(
    *,
    name: str,
    description: str | None,
    permissions: Iterable[str],
    requires_mfa: bool,
    actor: User | None,
) -> Role:
    """Create a custom role and record ``role.created``."""
    role = Role(
        name=_valid_name(name),
        description=_valid_description(description),
        permissions=_valid_permissions(permissions),
        requires_mfa=bool(requires_mfa),
        is_builtin=False,
    )
    db.session.add(role)
    _saved()
    audit.record(
        audit.Action.ROLE_CREATED,
        target=role,
        actor=actor,
        details={"after": snapshot(role, SNAPSHOT_FIELDS)},
    )
    return role


def _admin_rules(role: Role, permissions: list[str], requires_mfa: bool) -> None:
    if not (role.is_builtin and role.name == ADMIN_ROLE):
        return
    missing = [p for p in ALL_PERMISSIONS if p not in permissions]
    if missing:
        raise RoleRuleError(
            "The Admin role keeps every permission, so that someone can always manage "
            f"people, roles and the audit trail; it cannot lose: {', '.join(missing)}.",
            field="permissions",
        )
    if not requires_mfa:
        raise RoleRuleError(
            "The Admin role always requires MFA: its holders can change any account or role, "
            "so a stolen password alone must not be enough.",
            field="requires_mfa",
        )


def update_role(
    role: Role,
    *,
    name: str,
    description: str | None,
    permissions: Iterable[str],
    requires_mfa: bool,
    actor: User | None,
) -> dict[str, Any] | None:
    """Apply the edit and record ``role.updated``; the changes made, or None when none were."""
    # Lock the row, so the before/after below is against what is stored now.
    lock_for_update(role)
    new_name = (name or "").strip()
    if role.is_builtin and new_name != role.name:
        raise RoleRuleError(f"{role.name} is a built-in role: it cannot be renamed.", field="name")
    if not role.is_builtin:
        new_name = _valid_name(new_name, exclude_id=role.id)
    after_values: dict[str, Any] = {
        "name": new_name,
        "description": _valid_description(description),
        "requires_mfa": bool(requires_mfa),
    }
    chosen = _valid_permissions(permissions)
    _admin_rules(role, chosen, after_values["requires_mfa"])
    before = {k: getattr(role, k) for k, v in after_values.items() if getattr(role, k) != v}
    after = {k: after_values[k] for k in before}
    added = [p for p in chosen if p not in role.permissions]
    removed = [p for p in role.permissions if p not in chosen]
    if added or removed:
        before["permissions"], after["permissions"] = list(role.permissions), chosen
    if not after:
        return None
    for key, value in after.items():
        setattr(role, key, value)
    _saved()
    details: dict[str, Any] = {"before": before, "after": after}
    if added or removed:
        details.update(permissions_added=added, permissions_removed=removed)
    audit.record(audit.Action.ROLE_UPDATED, target=role, actor=actor, details=details)
    return details


def delete_role(role: Role, *, actor: User | None) -> int:
    """Delete a custom role (its grants go by cascade), record ``role.deleted``; holder count."""
    # The row lock also holds off concurrent grants (their foreign key check waits for it).
    lock_for_update(role)
    if role.is_builtin:
        raise RoleRuleError(f"{role.name} is a built-in role: it cannot be deleted.")
    count = holder_count(role)
    query = _holders_query(role, User.email).limit(HOLDER_EMAILS_AUDITED)
    emails = list(db.session.scalars(query))
    before, role_id = snapshot(role, SNAPSHOT_FIELDS), role.id
    db.session.delete(role)
    db.session.flush()
    audit.record(
        audit.Action.ROLE_DELETED,
        target_type="role",
        target_id=role_id,
        actor=actor,
        details={
            "before": before,
            "holder_count": count,
            "holder_emails": emails,
            "holder_emails_truncated": count > len(emails),
        },
    )
    return count
