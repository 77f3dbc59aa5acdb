"""User accounts: creation and role grants."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User, UserRole
from portal.security.passwords import hash_password, password_problems
from portal.services import audit
from portal.services.auth import find_user_by_email, normalise_email


class UserRuleError(ValueError):
    """A user change that the portal's rules refuse; the message is for the person."""


def get_role_by_name(name: str) -> Role | None:
    """The role called ``name`` (exact), if any."""
    return db.session.scalar(select(Role).where(Role.name == name))


def count_users() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User)) or 0


def list_roles() -> list[Role]:
    """Every role, by name."""
    return list(db.session.scalars(select(Role).order_by(Role.name)))


def create_user(
    *, email: str, name: str, password: str, roles: list[Role], actor: User | None
) -> User:
    """Create an active account holding ``roles``."""
    email = normalise_email(email)
    if find_user_by_email(email) is not None:
        raise UserRuleError(f"An account with the email {email} already exists.")
    problems = password_problems(password, email)
    if problems:
        raise UserRuleError(" ".join(problems))
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(
        audit.Action.USER_CREATED,
        target=user,
        actor=actor,
        details={"after": {"email": email, "name": user.name, "is_active": True}},
    )
    for role in roles:
        grant_role(user, role, actor=actor)
    return user


def grant_role(user: User, role: Role, *, actor: User | None) -> bool:
    """Give ``user`` the ``role``; False when they already hold it."""
    if db.session.get(UserRole, (user.id, role.id)) is not None:
        return False
    db.session.add(
        UserRole(user_id=user.id, role_id=role.id, granted_by_id=actor.id if actor else None)
    )
    db.session.flush()
    db.session.expire(user, ["roles", "role_links"])
    audit.record(
        audit.Action.USER_ROLE_GRANTED,
        target=user,
        actor=actor,
        details={"role": role.name, "role_id": str(role.id)},
    )
    return True
